"""Approval of quoted or reported words: a writer who approves the call he quotes says it himself.

The classifier and the rules read quote marks and "he said that …" as distance, which excuses the hostile words
inside them. An endorsement marker (``context.endorsement.*``: "правильно сказано", "туура айтылган", "toʻgʻri
gap", "well said", "share it") cancels that excuse, but only where it plainly answers those words: right after
them, introducing them, or as the short sentence that follows them. An approval of a verdict, an arrest or a
warning to pass on stands in the same places less plainly and is left alone. Pure logic: no I/O.
"""

from __future__ import annotations

import re

from tocsin.models.layout import Layout
from tocsin.nlp.features import Features, Span

#: Markers whose excuse an approval cancels. A news report, counter-speech or condemnation beside the words stays
#: ("… арестован за «бейте узбеков» — и правильно!" approves the arrest).
ENDORSABLE = frozenset({"quotation", "reported_speech"})
#: What may stand between the words and the approval that follows them in their sentence: punctuation, a dash, a
#: number, "and", a quotative ("that says", "to the words": «…» — и правильно!, "…" — well said, share it!, «…»
#: деген сөзгө кол коём, «…» degan gapga qoʻshilaman), and in Kyrgyz and Uzbek, where the verb of saying follows
#: the words, that verb («…» деп кыйкырды — туура айтат!, «…» deb baqirdi — toʻgʻri aytadi!, «…» деди — тўғри!).
_ADJACENT = re.compile(r"[\W\d_]*(?:(?:и|а|да|and|va|ва|жана|деген|деп|деб|деган|degan|deb|сөзгө|сөзүнө|гапга|gapga|"
                       r"сўзга|so[ʻ'’]zga|словам|"
                       r"(?:кыйкыр|айт|жаз|деди|дешти|baqir|qichqir|ayt|yoz|dedi|бақир|қичқир|ёз)\w*)"
                       r"(?!\w)[\W\d_]*){0,2}", re.IGNORECASE)
#: A colon or dash at most this many words after an approval, which introduces the words that follow it.
_INTRODUCTION = r"(?:[^\w:—–-]{{1,3}}\w+){{0,{words}}}[^\w:—–-]{{0,3}}[:—–-]"
#: An approval before the words introduces them: a colon or dash straight after it ("Правильно сказано: «…»").
_INTRODUCES = re.compile(_INTRODUCTION.format(words=3))   # "Правильно сказал депутат: «…»"
#: A forward's label (an endorsement of form ``forward``: "Переслано из канала …:", "Forwarded from …:") introduces
#: the words it passes on across the name of their source, which may run to several words.
_INTRODUCES_FROM_SOURCE = re.compile(_INTRODUCTION.format(words=8))
#: An approval that names words, speech, agreement or truth ("верно говорят", "полностью согласен", "he was right",
#: "туура айтат", "toʻgʻri gap") can answer the sentence before it; one that only applauds or passes on ("так и
#: надо", "репост", "share it", "barakalla") does not, since a verdict or a warning is applauded and shared too.
_OF_WORDS = re.compile(r"сказ|говор|соглас|подпис|слов|(?<!\w)прав[аы]?(?!\w)|правда|айт|макул|сөз|ayt|gap|гап|"
                       r"so[ʻ'’]z|сўз|rozi|рози|qo[ʻ'’]shil|қўшил|(?<!\w)(?:haq|ҳақ)|said|put|agree|word|right|true|spoken|"
                       r"better", re.IGNORECASE)
#: A call to pass words on ("перешлите", "share this", "tarqating") answers nothing before it: warnings and
#: fact-checks are shared too.
_PASS_ON = re.compile(r"распростран|репост|перепост|перешл|разошл|расшар|share|repost|retweet|spread|pass|tarqat|ulash|"
                      r"тарқат|улаш|бөлүш|тарат|жайылт", re.IGNORECASE)
#: An approval that only applauds ("Поддерживаю!", "Так и надо, расклеим по всему городу!") answers the sentence
#: before it when its own sentence is at most this long.
APPLAUSE_WORDS = 6
#: A word that opens a clause of its own after the approval ("И правильно, что его уволили" approves a dismissal).
_OWN_CLAUSE = re.compile(r"(?<!\w)(?:что|чтобы|потому|ki|деп|because)(?!\w)", re.IGNORECASE)
#: A colon after the approval introduces words of its own ("Правильно сказал аксакал: такое не должно повториться"),
#: not one between digits ("репост до 21:00").
_OWN_WORDS = re.compile(r"(?<!\d):(?!\d)")
#: The longest sentence, in words, that answers the one before it as a whole ("Полностью согласен, подписываюсь
#: под каждым словом.").
ANSWER_WORDS = 8
#: Marks of a quotation inside a quotation: a cue in one is quoted by the quoted speaker, not approved.
_INNER_QUOTE = re.compile(r"„[^„“”]*[“”]|“[^“”]*”|\"[^\"]*\"|‘[^‘’]*’|‹[^‹›]*›|(?<!\w)'[^']*'(?!\w)")


def approved_cues(features: Features, layout: Layout) -> list[Span]:
    """The cues whose quoted or reported words an endorsement outside every quotation approves:

    - in the cue's sentence, right after the quotation that holds the cue (or after the cue itself), with nothing
      but punctuation, "and" or other approvals between («…» — правильно сказано!, "…" — well said, share it!);
    - before it, introducing it with a colon or dash ("Правильно сказано: «…»", a forward's label "Переслано из …:
      «…»"), unless the cue is quoted again inside that quotation;
    - opening the next sentence, a short one with no clause of its own, when it names words, agreement or truth
      ("Верно говорят.", "Полностью согласен, подписываюсь под каждым словом."), or applauds in a shorter one
      ("Поддерживаю!", "Так и надо, расклеим по всему городу!"); a call to pass on ("Перешлите родителям") never.
    """
    quotations = [c for c in features.context if c.label == "quotation"]

    def quotation_of(span: Span) -> Span | None:
        return next((q for q in quotations if span.within(q)), None)

    endorsements = [c for c in features.context if c.label == "endorsement" and quotation_of(c) is None]
    if not endorsements:
        return []
    text = features.text

    def adjacent(start: int, end: int) -> bool:
        """Nothing but punctuation, "and" or other approvals in a row ("— правильно сказано, поддерживаю")."""
        between = list(text[start:end])
        for other in endorsements:
            if start <= other.start and other.end <= end:
                between[other.start - start:other.end - start] = " " * (other.end - other.start)
        return _ADJACENT.fullmatch("".join(between)) is not None

    def follows(endorsement: Span, cue: Span) -> bool:
        quoted = quotation_of(cue)
        end = quoted.end if quoted else cue.end
        return endorsement.start >= end and adjacent(end, endorsement.start)

    def introduces(endorsement: Span, cue: Span) -> bool:
        opening = _INTRODUCES_FROM_SOURCE if endorsement.form == "forward" else _INTRODUCES
        if endorsement.end > cue.start or not opening.match(text, endorsement.end):
            return False
        quoted = quotation_of(cue)
        return not quoted or not any(m.start() <= cue.start < m.end()
                                     for m in _INNER_QUOTE.finditer(text, quoted.start + 1, quoted.end - 1))

    def answers(endorsement: Span, k: int) -> bool:
        start, end = layout.bounds[k]
        sentence = text[start:end]
        words = len(sentence.split())
        of_words = _OF_WORDS.search(endorsement.text) is not None
        applause = not of_words and not _PASS_ON.search(endorsement.text) and words <= APPLAUSE_WORDS
        return ((of_words or applause) and adjacent(start, endorsement.start) and words <= ANSWER_WORDS
                and not _OWN_CLAUSE.search(text, endorsement.end, end) and not _OWN_WORDS.search(text, endorsement.end, end))

    placed = [(e, layout.sentence_of(e.start)) for e in endorsements]
    answered = {k - 1 for e, k in placed if answers(e, k)}   # the sentences a next one answers as a whole
    return [cue for k, cues in layout.cues.items() for cue in cues
            if k in answered or any(j == k and (follows(e, cue) or introduces(e, cue)) for e, j in placed)]


def without_approved_excuses(features: Features, layout: Layout | None, context: list[Span]) -> tuple[list[Span], bool]:
    """``context`` without endorsement markers, and without the quotations and reported speech that hold an approved
    cue (:func:`approved_cues`) or stand in its sentence or the approval's; and whether the text holds such words."""
    context = [c for c in context if c.label != "endorsement"]
    if layout is None or not layout.cues or not any(c.label in ENDORSABLE for c in features.context):
        return context, False
    approved = approved_cues(features, layout)
    if not approved:
        return context, False
    sentences = {layout.sentence_of(c.start) for c in approved}
    sentences |= {k for k in (layout.sentence_of(c.start) for c in features.context if c.label == "endorsement")
                  if k - 1 in sentences}

    def excuses_approved(marker: Span) -> bool:
        return marker.label in ENDORSABLE and (layout.sentence_of(marker.start) in sentences
                                               or any(marker.overlaps(cue) for cue in approved))

    # the classifier reads the quote marks even where the rules do not count them (a quotation that starts in the
    # sentence before the cue's), so an approval of quoted or reported words is one whether or not they counted
    return [c for c in context if not excuses_approved(c)], any(excuses_approved(c) for c in features.context)
