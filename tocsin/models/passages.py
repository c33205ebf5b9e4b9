"""Passages of a long text, each judged as a post of its own.

In an article of thousands of words, one call to violence is a few words among many: the classifier's
windows and the n-gram companion's most hateful sentence see it, but discounted for the chance that one of
hundreds of ordinary sentences scores high. A monitor reads such an article differently: is there a passage
that would be incitement if it were posted alone? So a long text is also read passage by passage. A passage
is a sentence with a rule cue and a target group in it or in the sentence before, together with
:data:`BEFORE` sentence before it and :data:`AFTER` after it (a reply such as "…? Rubbish. Mixed families
are no threat to anyone." comes after the claim it answers). The article is flagged when its own score or
a passage's is at or above the threshold; the explanation then quotes the passage and says where it is.

The rules read the whole passage; the classifier reads only its claim: the cue's sentence, with the
sentence before when the group is named only there. Four sentences drawn from an article are often about
four things, and the small classifier reading them together is swayed by the unrelated ones both ways (a
plain call beside a court report scores low; a football report beside a list of groups scores high).

Within a passage, a context marker in a neighbouring sentence that names no group bears on the cue only
when it answers it (see :data:`tocsin.models.decision.ANSWERING_MARKERS`): a news report in the next
sentence ("Hail damaged the onion crop in Kara-Suu") does not excuse a call beside it. A passage whose cue
a strong marker excuses (counter-speech, quotation …) does not flag its article (see
:meth:`tocsin.analyse.Analyser.review_passages`). Pure logic: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tocsin.models.decision import LOCAL_TEXT_CHARS, bearing
from tocsin.models.layout import Layout
from tocsin.nlp.features import CALLS, Features
from tocsin.analysis_record import AnalysisRecord

#: Sentences of context taken before and after a passage's cue sentence.
BEFORE = 1
AFTER = 2
#: At most this many passages are judged per text; sentences with a call to violence or expulsion first.
MAX_PASSAGES = 64


@dataclass(frozen=True)
class Passage:
    """Where a passage lies in its text, and where its claim lies: (start, end) character offsets."""

    span: tuple[int, int]
    claim: tuple[int, int]


def cue_passages(features: Features) -> list[Passage]:
    """Each passage of a long text worth judging alone, in text order; for a short text, only the sentences whose
    plain cue stands beside another cue's excuse (:func:`beside_excused`)."""
    if not features.cues or not features.targets:
        return []
    if len(features.text) <= LOCAL_TEXT_CHARS:
        return beside_excused(features)
    layout = Layout(features)
    bounds = layout.bounds
    with_target = {layout.sentence_of(t.start) for t in features.targets}
    calls = {k for k, cues in layout.cues.items() if any(c.label in CALLS for c in cues)}
    aimed = sorted(k for k in layout.cues if k in with_target or k - 1 in with_target)
    chosen = sorted(sorted(aimed, key=lambda k: k not in calls)[:MAX_PASSAGES])
    passages = [Passage(span=(bounds[max(0, k - BEFORE)][0], bounds[min(len(bounds) - 1, k + AFTER)][1]),
                        claim=(bounds[k if k in with_target or k == 0 else k - 1][0], bounds[k][1])) for k in chosen]
    return list(dict.fromkeys(passages))


def beside_excused(features: Features) -> list[Passage]:
    """The sentences of a short text that hold a plain call or slur against a group named in them beside another
    sentence whose cue a report, quotation or rebuke excuses ("Andijan: police are checking posts that called the
    Uyghurs 'jackals'. The Jews are preparing a massacre."), each a passage and its own claim. The classifier, which
    reads the whole text as the report it was trained on, would otherwise speak for the plain sentence too."""
    if len(features.cues) < 2:
        return []
    bounds = Layout(features).bounds
    return [Passage(span=bounds[k], claim=bounds[k]) for k in bearing(features).beside_excused]


def passage_text(text: str, span: tuple[int, int]) -> tuple[str, int]:
    """The passage's text without surrounding white space, and the offset of its first character."""
    start, end = span
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    return raw.strip(), start + lead


def with_passage(article: AnalysisRecord, passage: AnalysisRecord, offset: int) -> AnalysisRecord:
    """The article's analysis flagged by one of its passages: the passage's score, hallmarks and explanation
    (saying where the passage starts), the article's targets, places and evidence spans."""
    return replace(article, score=passage.score, incitement=passage.incitement, hallmarks=list(passage.hallmarks),
                   explanation=f"{passage.explanation} (in the passage at character {offset:,})")


def strongest(article: AnalysisRecord, passages: list[tuple[AnalysisRecord, int]]) -> AnalysisRecord:
    """The article's analysis, or the passage's that flags it with a higher score (with its offset)."""
    flagged = [(p, offset) for p, offset in passages if p.incitement and p.score > article.score]
    if not flagged:
        return article
    passage, offset = max(flagged, key=lambda pair: pair[0].score)
    return with_passage(article, passage, offset)
