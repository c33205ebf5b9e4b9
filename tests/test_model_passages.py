"""Long texts are also judged passage by passage: which passages, and how one flags its article."""

from __future__ import annotations

from tocsin.models.passages import AFTER, BEFORE, MAX_PASSAGES, cue_passages, passage_text, strongest
from tocsin.nlp.features import Features, Span
from tocsin.store.analyses import AnalysisRecord

FILLER = "В Оше открылся новый рынок, торговцы довольны. "
CALL = "Надо выгнать узбеков из Оша! "


def article(sentences: list[str]) -> Features:
    """Features of the sentences joined, with a cue and a target wherever CALL sits."""
    text = "".join(sentences)
    cues, targets, at = [], [], 0
    for s in sentences:
        if s == CALL:
            cues.append(Span("cue", "call_to_expulsion", "Надо выгнать", at, at + 12))
            targets.append(Span("target", "uzbek", "узбеков", at + 13, at + 20))
        at += len(s)
    return Features(text=text, lang="ru", script="Cyrl", targets=targets, cues=cues, patterns_version="p1")


def record(score: float, flagged: bool, explanation: str = "") -> AnalysisRecord:
    return AnalysisRecord(item_id="i", content_hash="h", model_name="m", model_version="v", patterns_version="p",
                          threshold=0.5, score=score, incitement=flagged, hallmarks=["call_to_expulsion"] if flagged else [],
                          spans=[{"kind": "cue"}], explanation=explanation)


def test_a_short_text_has_no_passages():
    assert cue_passages(article([FILLER, CALL])) == []


def test_a_call_in_a_long_text_is_judged_with_its_neighbouring_sentences():
    sentences = [FILLER] * 20 + [CALL] + [FILLER] * 20
    f = article(sentences)
    [passage] = cue_passages(f)
    text, offset = passage_text(f.text, passage.span)
    assert text == ("".join([FILLER] * BEFORE + [CALL] + [FILLER] * AFTER)).strip()
    assert offset == len(FILLER) * (20 - BEFORE) and f.text[offset:].startswith(text)
    assert passage_text(f.text, passage.claim) == (CALL.strip(), len(FILLER) * 20)


def test_the_claim_takes_the_sentence_before_when_the_group_is_named_only_there():
    naming = "Опять эти узбеки на нашем рынке. "
    f = article([FILLER] * 20 + [naming, "Надо их выгнать! "] + [FILLER] * 20)
    f.cues = [Span("cue", "call_to_expulsion", "Надо их выгнать", len(FILLER) * 20 + len(naming), len(FILLER) * 20 + len(naming) + 15)]
    f.targets = [Span("target", "uzbek", "узбеки", len(FILLER) * 20 + 10, len(FILLER) * 20 + 16)]
    [passage] = cue_passages(f)
    assert passage_text(f.text, passage.claim)[0] == (naming + "Надо их выгнать!")
    assert passage.span[0] == passage.claim[0] == len(FILLER) * 20


def test_a_cue_with_no_group_near_it_gives_no_passage():
    f = article([FILLER] * 40 + [CALL])
    f.targets = []
    assert cue_passages(f) == []


def test_calls_come_first_when_there_are_more_cues_than_passages_judged():
    sentences = []
    for _ in range(MAX_PASSAGES + 5):
        sentences += [FILLER, "Узбеки — крысы. "]
    sentences += [CALL, FILLER]
    f = article(sentences)
    at = 0
    for s in sentences:
        if s.startswith("Узбеки"):
            f.cues.append(Span("cue", "dehumanization", "крысы", at + 9, at + 14))
            f.targets.append(Span("target", "uzbek", "Узбеки", at, at + 6))
        at += len(s)
    passages = cue_passages(f)
    assert len(passages) == MAX_PASSAGES
    assert any(f.text[a:b].find("Надо выгнать") >= 0 for a, b in (p.span for p in passages))
    assert [p.span for p in passages] == sorted(p.span for p in passages)


def test_a_flagged_passage_flags_its_article_and_says_where_it_is():
    article_record = record(0.2, False, "not flagged (score 0.20)")
    weaker, stronger = record(0.6, True, "weaker"), record(0.9, True, "call to expulsion against uzbek: 'Надо выгнать'")
    out = strongest(article_record, [(weaker, 10), (stronger, 12_345), (record(0.95, False), 99)])
    assert out.incitement and out.score == 0.9 and out.hallmarks == ["call_to_expulsion"]
    assert out.explanation == "call to expulsion against uzbek: 'Надо выгнать' (in the passage at character 12,345)"
    assert out.spans == article_record.spans and out.item_id == "i"


def test_passages_that_do_not_flag_leave_the_article_as_it_was():
    article_record = record(0.3, False, "not flagged")
    assert strongest(article_record, [(record(0.45, False), 5)]) is article_record
    flagged = record(0.97, True, "flagged")
    assert strongest(flagged, [(record(0.9, True, "passage"), 5)]) is flagged


def test_a_passage_is_excused_as_its_decision_reads_it(decide_texts):
    """A "no crime" cue that is asked cuts down to its call, and its "not" denies the call: the passage is excused
    as :func:`tocsin.models.decision.decide` would read it, not left to be judged on the cue's whole words."""
    from tocsin.models.decision import excused

    text = "Is it not a crime to kill the Uzbeks who live next door?"
    features, analysis = decide_texts([text])[text]
    assert excused(features, passage=True)
    assert not analysis.incitement and "negated cue" in analysis.explanation, analysis.explanation


def test_a_passage_decision_is_none_when_excused_and_else_the_one_decide_makes(decide_texts):
    """``decide_passage`` reads a passage once: no analysis when a strong marker excuses its cue, else the very
    analysis :func:`tocsin.models.decision.decide` makes of it as a passage."""
    from tocsin.models.decision import decide, decide_passage

    quoted = "They wrote «the Tajiks must be driven out of Osh» and we condemn it."
    plain = "The Tajiks must be driven out of Osh."
    decided = decide_texts([quoted, plain])
    names = {"item_id": "", "content_hash": "", "model_name": "m", "model_version": "v"}
    probs = {"incitement": 0.9}
    assert decide_passage(decided[quoted][0], probs, 0.5, **names) is None
    record = decide_passage(decided[plain][0], probs, 0.5, **names)
    assert record is not None and record.incitement
    assert record == decide(decided[plain][0], probs, 0.5, passage=True, **names)
