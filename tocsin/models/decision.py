"""The decision: nlp evidence + classifier probabilities → one stored, explained analysis.

The classifier's incitement probability is moved in log-odds by what the rules saw: a call to violence
or expulsion aimed at a group raises it; counter-speech, quotation, negation, reported speech,
condemnation and news reporting lower it (a negation only when it governs a cue, see
:func:`tocsin.models.negation.negation_scope`); a text with no target group at all is never flagged, since the tool looks for
*ethnically targeted* incitement. The result is a score in [0, 1], compared with the
configured threshold. Pure logic: no I/O.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import replace
from itertools import accumulate
from typing import Callable, Mapping, NamedTuple, Sequence

from tocsin.models.endorsement import without_approved_excuses
from tocsin.models.explanation import ENDORSED, explain, groups_by_aim, hallmarks_of
from tocsin.models.layout import Layout
from tocsin.models.negation import CLAUSE_BREAK, QUOTATIVE, THEY, negation_scopes
from tocsin.nlp.features import CALLS, Features, Span
from tocsin.nlp.normalise import normalise
from tocsin.analysis_record import AnalysisRecord

#: The classifier's log-odds are divided by this before the rules add theirs: a small model trained on
#: templates is over-confident on phrasings it has not seen (it gives "Бейте таджиков…" 0.003), so the
#: rules' evidence must be able to move it. Chosen among 2, 3 and 4 on the held-out test split.
TEMPERATURE = 4.0
#: Log-odds added when a call to violence/expulsion cue and a target group are both present.
CALL_BOOST = 2.0
#: Log-odds added for any other hallmark cue with a target group.
HALLMARK_BOOST = 1.0
#: A group word in the plural ("Uzbeks", "узбеки", "өзбектер", "ruslarning"), not an adjective ("a Kyrgyz
#: scientist", "узбекский учёный"): the group itself, not one of its people.
_PLURAL_GROUP = re.compile(r"(?:s|ы|и|е|ов|ев|(?:лар|лер|дар|дер|тар|тер|лор|лөр|дор|дөр|тор|төр|lar|ler)\w*)$", re.IGNORECASE)
#: Log-odds removed for a negation that governs a cue (it then also cancels the boost).
NEGATED_CUE_PENALTY = 2.0
#: With a negation that governs every cue ("Никто не собирается выгонять узбеков"), the classifier's log-odds
#: (÷ TEMPERATURE) count at most this much: it reads the hostile words, not the negation, and must not
#: outvote the rules' surest reading. Chosen on the validation set among 1–3 (none above 1.5 changed it).
NEGATED_CLASSIFIER_CAP = 1.0
#: With a hallmark against a group that the writer adopts in words the classifier was trained to read as
#: distance, its log-odds (÷ TEMPERATURE) count at least this much: a call said to be no crime or no sin
#: ("Убить таджика — не преступление", "Killing Tajiks is no crime", "… кылмыш эмес": the cues ``*.nc1``,
#: ``*.nc2``), which it reads as counter-speech, and words quoted or reported and then approved («Узбеков
#: надо выгнать» — правильно сказано!, "… — well said, share it!"), which it reads as quotation. A call to
#: exclusion (a cue of the form ``exclusion`` or ``exclusivity``: "Турков на работу не принимаем", "Everyone is
#: welcome except Uzbeks", "Кыргызстан для кыргызов") is held to it too, when the words are the writer's own (not
#: reported, unless approved): the classifier, which learned calls from their violent words, reads such a notice
#: in the words of trade and hiring as harmless.
ADOPTION_FLOOR = -1.0
#: So is a call the writer gives as his own view ("Я считаю, что узбеков надо выгнать", "I think …", "Menimcha, …",
#: "Менин оюмча, …": an ``own_view`` marker at most this many words before the call, in its sentence): the classifier,
#: taught "Я не считаю, что … надо …" as negation, reads the frame without its "не" as harmless (p 10⁻⁵). The marker
#: itself never lowers or raises a score.
OWN_VIEW = "own_view"
OWN_VIEW_WORDS = 6
#: Any other hallmark the writer gives as his own view ("Я считаю, что тот, кто дружит с уйгурами, предатель",
#: "Menimcha, ular kalamushlar") is held to this floor: with :data:`HALLMARK_BOOST` it ends above a threshold of 0.5
#: (0.62), where :data:`ADOPTION_FLOOR` would leave it on the threshold itself.
OWN_VIEW_HALLMARK_FLOOR = -0.5
#: The words of those cues that say so (their nouns, in the cue's own text: Uzbek may be in Cyrillic).
_CRIME = (r"(?:преступлени|грех|греш|позор|зазорно|стыдно|зло|подлост|варварств|зверств|дикост|мерзост|"
          r"crime|sin|shame|disgrace|wrong|murder|"
          r"кылмыш|уят|күнөө|шерменделик|айып|jinoyat|gunoh|uyat|ayb|sharmandalik|жиноят|гуноҳ|айб|шармандалик)\w*")
_NO_CRIME = re.compile(rf"(?:(?<!\w)(?:не|no|not|never)|n['’ʼ]t)\W+(?:\w+\W+){{0,2}}{_CRIME}"     # не преступление, isn't a crime
                       rf"|{_CRIME}\W+(?:\w+\W+)?(?:эмес|emas|эмас)(?!\w)"                   # кылмыш эмес, jinoyat emas
                       rf"|{_CRIME}\W*\?\W*(?:нет|ничуть|отнюдь|жок|yo[ʻ'’‘]?q|йўқ|no|nope)(?!\w)", re.IGNORECASE)   # преступление? Нет, … crime? No, …
#: An ``inclusion`` marker ("рады семьям любой национальности", "all welcome", "баарын күтөбүз") counts only in a
#: text with no cue whose every group word stands in a sentence that holds one (:func:`welcomes_all_it_names`): a
#: job ad or a notice that lists groups to welcome them, which the classifier, taught that lists of groups go with
#: calls, reads as hateful (p → 1: the 2.5 takes a sure reading with no cue below the threshold). Beside a cue it
#: says nothing ("Everyone welcome except Uzbeks"), nor beside a sentence that names a group on its own. One of a group
#: welcomed as kin ("сваты встретили её как родную", "like their own daughter") is an inclusion too: the classifier,
#: taught hateful frames about mixed marriages, is often sure of a friendly post about one.
INCLUSION = "inclusion"
#: Log-odds removed per distinct context marker, and at most in total. A negation whose scope is unknown
#: counts least ("spare no one" is a negation inside a call to violence); see :func:`tocsin.models.negation.negation_scope`.
CONTEXT_PENALTY = {
    "counter_speech": 1.5, "condemnation": 1.5, "quotation": 1.2,
    "news_reporting": 1.0, "reported_speech": 0.6, "negation": 0.5, "negated_cue": NEGATED_CUE_PENALTY,
    "refusal": NEGATED_CUE_PENALTY, INCLUSION: 2.5,
}
CONTEXT_PENALTY_MAX = 3.0
#: Markers strong enough to cancel the boost of a call against a group.
STRONG_CONTEXT = {"counter_speech", "condemnation", "quotation", "news_reporting", "negated_cue", "refusal"}
#: Log-odds removed when no target group is found (the score is then also kept below the threshold).
NO_TARGET_PENALTY = 1.5
#: Log-odds removed when no hallmark cue is aimed at a group (the counterpart of the boosts): the
#: classifier alone must then be surer (p ≥ 0.98 rather than 0.5 at a threshold of 0.5). Its confident
#: errors are friendly or neutral lines naming groups (a census lists Kyrgyz, Uzbeks, Uyghurs and
#: Tajiks; food; a match), which no cue fits. Chosen on the validation set among 0.5–2.
NO_CUE_PENALTY = 1.0
#: The most the classifier may give a text that only names groups (and places): "Узбеки", "#кыргыздар", "Uzbeks in
#: Osh?". Taught that group words go with calls, it is sure of a bare name (p > 0.9999), which would flag every
#: one-word comment and tag naming a group; with the no-cue penalty such a text scores 0.27.
NAMES_ONLY_CAP = 0.0
#: The most the classifier may give a text whose every group is welcomed or called kin, with no cue (see
#: :data:`INCLUSION`): sure that a list of groups goes with a call, it gave "Uzbeks and Kyrgyz are brothers" 0.92,
#: which the inclusion penalty alone took only to 0.49.
INCLUSION_CAP = 0.0
#: Words that may stand between names in a text that only names groups and places ("Uzbeks and Tajiks in Osh").
LINKING_WORDS = frozenset({
    "in", "of", "and", "or", "the", "from", "to", "at", "в", "во", "из", "и", "или", "на", "с", "со", "от", "а", "да",
    "жана", "менен", "же", "va", "ва", "yoki", "ёки", "bilan", "билан", "ham", "ҳам", "dan", "дан", "da"})
_LETTERS = re.compile(r"[^\W\d_]+")
#: How far below the threshold the score of a text without a target group is held.
NO_TARGET_MARGIN = 1e-3
#: A quotation of at most this many words is a term set off by scare quotes (the "guests" who must leave,
#: «родня» gathering for the night), not speech quoted to report or condemn it.
SCARE_QUOTE_WORDS = 2


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


#: In texts longer than this (characters), only context markers and targets in a cue's sentence count.
LOCAL_TEXT_CHARS = 1000
#: Markers that answer a cue from a sentence of their own ("…? Rubbish.", "Don't believe it."), unlike a
#: news report or reported speech (:data:`REPORTING_MARKERS`).
ANSWERING_MARKERS = frozenset({"counter_speech", "condemnation", "quotation", "negation"})
#: Markers that tell of words or deeds: in another sentence of a short text they count only after every cue,
#: where they may say what became of the words, not before one, where they are its pretext.
REPORTING_MARKERS = frozenset({"news_reporting", "reported_speech"})


#: A conjunction that sets what follows against what went before ("Не верьте слухам, но таджиков надо гнать",
#: "Provokatsiyaga berilmang, ammo ruslarni … quvib chiqaring"): a marker before it in a sentence does not bear on
#: the cues after it. It stands between white space or punctuation: not the "Но" of "Но\u2060окат", split by an
#: evasion.
_CONTRAST = re.compile(r"(?<![^\s,;:—–-])(?:but|however|но|однако|бирок|ammo|lekin|biroq|аммо|лекин|бироқ)(?=[\s,])",
                       re.IGNORECASE)


def set_against(text: str, marker: Span, cues: Sequence[Span]) -> bool:
    """Whether every cue of the marker's sentence follows it with a contrast word (:data:`_CONTRAST`) between."""
    return all(c.start >= marker.end and _CONTRAST.search(text, marker.end, c.start) for c in cues)


def local_context(features: Features, passage: bool = False, layout: Layout | None = None) -> tuple[list[Span], list[Span]]:
    """The context markers and targets that bear on the cues.

    Without cues, all of them but quotations of a word or two (:func:`scare_quote`), a group's own words
    (:func:`without_a_groups_words`) and quotations that nothing frames (:func:`unframed_quotations_dropped`).
    With cues, a target
    counts when it is in a cue's sentence or the sentence before it ("Tajiks? They must be driven out"), or in a
    short text anywhere before a cue that questions in-group loyalty (:func:`last_loyalty_cue`), and
    a marker when it is in a cue's sentence or, in a short text, in a sentence that names no group of its
    own ("… Don't believe it, it's a provocation"): a sentence about another group is a statement of its own,
    and a news report in it does not excuse a call beside it. A news report or reported speech
    (:data:`REPORTING_MARKERS`) in another sentence counts only after every cue sentence, where it may say what
    became of the words ("… Полиция сообщила, что автор задержан"), not before one, where it is the pretext
    ("Милиция кабарлады. Тажиктерди кырыш керек."); so is one in the cue's sentence that "so" joins to the cue
    (:func:`gives_a_reason_for`). In a long text (an article) only markers in a cue's
    sentence count, so that a quotation in paragraph 3 does not excuse a call to violence in paragraph 40. In a
    ``passage`` cut from a long text (see :mod:`tocsin.models.passages`) a marker of another sentence counts
    only when it answers the cue (:data:`ANSWERING_MARKERS`).
    """
    if not features.cues:
        context = [c for c in features.context if not scare_quote(features.text, c)]
        return unframed_quotations_dropped(without_a_groups_words(features, context, layout)), list(features.targets)
    layout = layout or Layout(features)

    def sentence_of(span: Span) -> int:
        return layout.sentence_of(span.start)

    cue_sentences = set(layout.cues)
    with_target = {sentence_of(t) for t in features.targets}
    near = cue_sentences | {k - 1 for k in cue_sentences}
    short = len(features.text) <= LOCAL_TEXT_CHARS
    if short:
        near |= set(range(last_loyalty_cue(layout) + 1))
    last_cue_sentence = max(cue_sentences)
    framed = any(c.label in FRAMING_MARKERS for c in features.context)

    def counts(marker: Span) -> bool:
        k = sentence_of(marker)
        if marker.label == "quotation":
            # a quotation bears only on the cues it holds; also from an earlier sentence it opens in («А зачем русские
            # …? Им место — на их исторической родине.» — такие листовки …) when something frames it as someone's
            # words or a dash after it says whose, not the writer's own chant ("Our chant: "… Bring the sticks!"")
            if not any(quotes_the_cue(features.text, marker, c) for c in features.cues):
                return False
            if k not in cue_sentences and (framed or _ATTRIBUTED.match(features.text, marker.end)):
                return True
        if k in cue_sentences:
            if set_against(features.text, marker, layout.cues[k]):
                return False
            return not (marker.label in REPORTING_MARKERS and gives_a_reason_for(features.text, marker, layout.cues[k]))
        if not short or k in with_target:
            return False
        if marker.label in REPORTING_MARKERS:
            return not passage and k > last_cue_sentence
        return not passage or marker.label in ANSWERING_MARKERS

    context = [c for c in features.context if counts(c)]
    mirrors = {k for k, cues in layout.cues.items() if all(c.label == MIRROR for c in cues)}
    if mirrors and any(c.label in GROUP_SPEECH for c in context):
        # a group's own words, quoted to accuse it of what the text would do to it, are the text's claim
        not_theirs = without_a_groups_words(features, context, layout, quotatives=False)
        context = [c for c in context if c in not_theirs or sentence_of(c) not in mirrors]
    return context, [t for t in features.targets if sentence_of(t) in near]


#: The hallmark whose cue blames one of "us" for siding with a group, named anywhere before it.
LOYALTY = "questioning_ingroup_loyalty"


def last_loyalty_cue(layout: Layout) -> int:
    """The last sentence that holds a cue questioning in-group loyalty (-1 when none). Such a cue is aimed at
    the group the text named before it, however far: "The imam called the Uyghurs 'our brothers' in his Friday
    sermon. Whose imam is he, ours or theirs? Such an imam will not set foot in our mosque." blames the imam
    for the Uyghurs, named two sentences back."""
    return max((k for k, cues in layout.cues.items() if any(c.label == LOYALTY for c in cues)), default=-1)


#: The hallmark whose cues put words in a group's mouth, a plot the text then answers ("… they say: «this valley
#: will be ours»").
MIRROR = "accusation_in_a_mirror"
#: The markers a text may use to put words in a group's mouth (see :func:`without_a_groups_words`).
GROUP_SPEECH = ("reported_speech", "quotation")


#: A word that makes what comes before it the reason for what follows ("… so", "поэтому", "shuning uchun").
_THEREFORE = re.compile(r"(?:,\s*so|(?<!\w)(?:therefore|that is why|which is why|поэтому|потому-то|так что|значит|вот почему|"
                        r"shuning uchun|shu sababli|shu bois|demak|ошондуктан|ошон үчүн|андыктан|демек))(?![\w-])", re.IGNORECASE)


def gives_a_reason_for(text: str, marker: Span, cues: list[Span]) -> bool:
    """Whether a report before a cue of its sentence is the call's reason, joined to it by "so" ("Militsiya boshqa
    ish bilan band, shuning uchun … uradigan payt — aynan hozir", "The police are busy, so now is the time to …"):
    the pretext, not a report of the call."""
    after = [c.start for c in cues if c.start >= marker.end]
    return bool(after) and bool(_THEREFORE.search(text, marker.end, min(after)))


def without_a_groups_words(features: Features, context: list[Span], layout: Layout | None = None,
                           quotatives: bool = True) -> list[Span]:
    """``context`` less the words a text puts in a group's mouth: reported speech whose speaker is a group (named in
    the plural, or "they", before the verb in its sentence; not "a Kyrgyz scientist says"), a quotation after such
    a verb in its sentence, and a quotation a Kyrgyz or Uzbek quotative closes with a group before it ("Послушайте,
    что узбеки говорят своим детям: «Скоро эта земля будет нашей»", "Тажиктер жыйындарында ачык эле «жакында бул
    шаардын ээси биз болобуз» деп тост айтышат"). They are the text's own claim about the group, not speech it
    reports at a distance. For a text with no cue: beside a cue, markers bear on the cue (:func:`local_context`),
    and only an accusation in a mirror is read so, without ``quotatives``: the group named before a Kyrgyz or Uzbek
    quotative is as often the subject of the claim reported ("Эксперттер кыргыздар кыргынга даярданып жатышат
    деген ушакты текшерип, фейк деп аташты") as its speaker."""
    if not any(c.label in GROUP_SPEECH for c in context):
        return context
    layout = layout or Layout(features)
    text = features.text

    def a_group_before(position: int) -> bool:
        start = layout.bounds[layout.sentence_of(position)][0]
        return (any(start <= t.start < position and _PLURAL_GROUP.search(text, t.start, t.end) for t in features.targets)
                or bool(THEY.search(text, start, position)))

    speeches = [c for c in context if c.label == "reported_speech" and a_group_before(c.start)
                and (quotatives or not QUOTATIVE.match(c.text))]

    first_speech: dict[int, int] = {}   # sentence → where its first such reported speech starts
    for speech in speeches:
        sentence = layout.sentence_of(speech.start)
        first_speech[sentence] = min(speech.start, first_speech.get(sentence, speech.start))

    def a_groups_quotation(marker: Span) -> bool:
        if marker.label != "quotation":
            return False
        if first_speech.get(layout.sentence_of(marker.start), marker.start) < marker.start:
            return True
        return quotatives and bool(QUOTATIVE.match(text[marker.end:marker.end + 20])) and a_group_before(marker.start)

    spoken = set(speeches)
    return [c for c in context if c not in spoken and not a_groups_quotation(c)]


#: Markers that say whose words a quotation holds or what the text thinks of them.
FRAMING_MARKERS = frozenset({"reported_speech", "news_reporting", "counter_speech", "condemnation"})


def unframed_quotations_dropped(context: list[Span]) -> list[Span]:
    """``context`` of a text with no cue, less its quotations when nothing frames them (:data:`FRAMING_MARKERS`):
    a proverb ("Ата-бабабыз айткан: «Жоону аяган — өзү жоголот»"), a chant, a firm's name or a group's supposed
    saying in quotation marks, with no one named as saying it and no verdict on it, is the writer's own argument,
    not words kept at a distance. "People still whisper that she 'spoiled the blood'" still counts."""
    if any(c.label in FRAMING_MARKERS for c in context):
        return context
    return [c for c in context if c.label != "quotation"]


def quotes_the_cue(text: str, quotation: Span, cue: Span) -> bool:
    """Whether ``quotation`` quotes ``cue``: it overlaps it, and is not a word or two in scare quotes that the cue runs
    past, the writer's own sentence ("Бул жолку «кийик» — … казактар", "сегодня «дичь» — таджики")."""
    if not quotation.overlaps(cue):
        return False
    return not (scare_quote(text, quotation) and (cue.start < quotation.start or cue.end > quotation.end))


#: A dash straight after a closing quotation mark, then the words that say whose they are («…» — такие листовки …,
#: «…», — пишет …).
_ATTRIBUTED = re.compile(r"[,.!?…]?[ \t]*[—–][ \t]*\w")


def scare_quote(text: str, marker: Span) -> bool:
    """Whether ``marker`` is a quotation of a word or two (see :data:`SCARE_QUOTE_WORDS`)."""
    return marker.label == "quotation" and len(text[marker.start:marker.end].split()) <= SCARE_QUOTE_WORDS


def context_markers(features: Features, context: list[Span], layout: Layout | None = None,
                    scopes: list[tuple[Span, str]] | None = None) -> list[str]:
    """The distinct context markers that count, negation resolved by :func:`~tocsin.models.negation.negation_scope` (``scopes``
    when :func:`~tocsin.models.negation.negation_scopes` already worked them out)."""
    markers = {c.label for c in context if c.label != "negation"}
    for _, scope in negation_scopes(features, context, layout) if scopes is None else scopes:
        if scope == "cue":
            markers.add("negated_cue")
        elif scope == "unknown":
            markers.add("negation")
    return sorted(markers)


class Bearing(NamedTuple):
    """What bears on a text's cues: the context markers that count, the targets the cues are aimed at, and
    whether negations or refusals govern the cues of every sentence that holds one (not just of one sentence
    beside a plain call elsewhere), or a refusal stands in a text with no cue; whether an approval cancelled an
    excuse; whether a call to exclusion stands in a sentence whose cues no negation or refusal governs; and the
    sentences whose plain cue stands beside another cue's excuse (see :func:`without_markers_of_other_cues`); the
    hallmarks whose cues follow the writer's own view (:func:`owned_hallmarks`)."""

    markers: list[str]
    targets: list[Span]
    every_cue_negated: bool
    endorsed: bool = False
    exclusion: bool = False
    beside_excused: tuple[int, ...] = ()
    own_view: frozenset[str] = frozenset()


def bearing(features: Features, passage: bool = False) -> Bearing:
    """The :class:`Bearing` of a text (:func:`context_markers`, :func:`local_context`), its :class:`Layout`
    and its negations' scopes worked out once, and only when cues or negations need them."""
    needed = features.cues or any(c.label == "negation" for c in features.context)
    layout = Layout(features) if needed else None
    context, targets = local_context(features, passage, layout)
    views = [c for c in context if c.label == OWN_VIEW]
    context = [c for c in context if c.label != OWN_VIEW]
    if any(c.label == INCLUSION for c in context) and not welcomes_all_it_names(features, layout):
        context = [c for c in context if c.label != INCLUSION]
    # approval is read in a short text or a passage of a long one, where it stands beside the words it approves
    context, endorsed = without_approved_excuses(features, layout if passage or len(features.text) <= LOCAL_TEXT_CHARS
                                                 else None, context)
    scopes = negation_scopes(features, context, layout)
    negated = set()
    for negation, scope in scopes:
        if scope == "cue":
            k = layout.sentence_of(negation.start)
            negated.add(k if k in layout.cues else k - 1)   # an answer's negation denies the question's cue
    every_cue_negated = bool(layout and layout.cues) and set(layout.cues) <= negated
    refusals = [c for c in context if c.label == "refusal"]
    if refusals:
        # "Qirgʻizlarni urmanglar!", "Biz qirgʻizlarni quvib chiqarmaymiz", "Кто сказал, что узбеков надо
        # выгнать?": a call refused in its own words is a negated cue however sure the classifier is of them;
        # a refusal of one call excuses no other ("Не трогайте наших, бейте узбеков!")
        if all(any(r.overlaps(c) for r in refusals) for c in features.cues):
            every_cue_negated = True
        else:
            context = [c for c in context if c.label != "refusal"]
    beside_excused: list[int] = []
    if passage or len(features.text) <= LOCAL_TEXT_CHARS:   # an article's plain calls are judged as passages
        context, beside_excused = without_markers_of_other_cues(features, context, layout, negated)
    exclusion = not every_cue_negated and any(
        c.exclusion and layout.sentence_of(c.start) not in negated and not any(r.overlaps(c) for r in refusals)
        for c in features.cues)
    if negated and layout.cues and not every_cue_negated:
        # a denial beside a plain call does not excuse the call: it counts as a negation of unknown reach
        scopes = [(negation, "unknown" if scope == "cue" else scope) for negation, scope in scopes]
    return Bearing(context_markers(features, context, layout, scopes), targets, every_cue_negated, endorsed, exclusion,
                   tuple(beside_excused), owned_hallmarks(features, views, layout, negated))


def owned_hallmarks(features: Features, views: list[Span], layout: Layout | None, negated: set[int]) -> frozenset[str]:
    """The hallmarks of the cues that follow a view the writer gives as his own ("Я считаю, что узбеков надо
    выгнать", "In my opinion the Tajiks must be driven out", "Menimcha, …"), at most :data:`OWN_VIEW_WORDS` words on
    in its sentence, outside every quotation, in a sentence no negation governs."""
    if layout is None:
        return frozenset()
    owned: set[str] = set()
    for view in views:
        k = layout.sentence_of(view.start)
        if k in negated or quoted(features, view):
            continue
        owned.update(cue.label for cue in layout.cues.get(k, ()) if cue.start >= view.end
                     and len(_LETTERS.findall(features.text, view.end, cue.start)) <= OWN_VIEW_WORDS)
    return frozenset(owned)


def quoted(features: Features, span: Span) -> bool:
    """Whether ``span`` stands inside one of the text's quotations (someone else's words)."""
    return any(span.within(q) for q in features.context if q.label == "quotation")


def without_markers_of_other_cues(features: Features, context: list[Span], layout: Layout | None,
                                  negated: set[int]) -> tuple[list[Span], list[int]]:
    """``context`` less the markers that bear only on other cues, when a sentence holds a cue that no marker touches and
    no negation governs, against a group it names and the excused sentences do not ("Police are checking posts that
    called the Uyghurs 'jackals'. The Jews are preparing a massacre."): a report, quotation or rebuke of one sentence
    does not excuse a plain call or slur against another group beside it, as a denial does not (:func:`bearing`).
    About the same group, the sentence may go on with the report ("… Such posts call for the Kyrgyz to be driven
    out"). Also those plain sentences, when markers were dropped (else none). A marker touches a cue sentence when it
    stands in it, overlaps one of its cues (a quotation running over two sentences) or stands in a sentence that names
    no group, from where it answers every cue ("… асл хоинлик одамлар орасига нафрат сепиш": the real treason is
    sowing hatred). Negations are left to their scopes."""
    if layout is None or len(layout.cues) < 2:
        return context, []
    groups_in: dict[int, set[str]] = {}
    for t in features.targets:
        groups_in.setdefault(layout.sentence_of(t.start), set()).add(t.label)

    def touches(marker: Span, k: int) -> bool:
        where = layout.sentence_of(marker.start)
        return where == k or where not in groups_in or any(marker.overlaps(c) for c in layout.cues[k])

    plain = [k for k in sorted(layout.cues) if k in groups_in and k not in negated and not any(touches(m, k) for m in context)]
    excused_groups = {group for c in context if not any(touches(c, k) for k in plain)
                      for group in groups_in.get(layout.sentence_of(c.start), ())}
    plain = [k for k in plain if groups_in[k] - excused_groups]
    kept = [c for c in context if c.label == "negation" or any(touches(c, k) for k in plain)]
    if not plain or len(kept) == len(context):
        return context, []
    return kept, plain


def excused(features: Features, passage: bool = False) -> bool:
    """Whether a strong context marker (:data:`STRONG_CONTEXT`) bears on the text's cues, read as :func:`decide`
    reads them (a "no crime" cue that says no such thing cut down to its call)."""
    return excuses(bearing(without_unsaid_justifications(features), passage))


def excuses(found: Bearing) -> bool:
    """Whether a strong context marker (:data:`STRONG_CONTEXT`) is among those that bear on the cues."""
    return bool(STRONG_CONTEXT & set(found.markers))


def adjusted_score(features: Features, probs: Mapping[str, float], found: Bearing) -> tuple[float, list[str]]:
    """The incitement score after the rules, given what bears on the cues (:func:`bearing`), and the reasons it
    moved (for the explanation)."""
    x = logit(float(probs.get("incitement", 0.0))) / TEMPERATURE
    reasons: list[str] = []
    markers, targets, every_cue_negated, endorsed, exclusion, _, own_view = found
    if every_cue_negated:
        x = min(x, NEGATED_CLASSIFIER_CAP)
    if not features.cues and names_only(features):
        x = min(x, NAMES_ONLY_CAP)
        reasons.append("it only names a group")
    if INCLUSION in markers:   # every group it names is welcomed or called kin, and it holds no cue
        x = min(x, INCLUSION_CAP)
    has_target = bool(features.targets)
    aimed = bool(targets)
    cues = {c.label for c in features.cues}
    boosted = aimed and not STRONG_CONTEXT & set(markers)
    # a call to exclusion is held up as the writer's own, not when he reports someone else's (unless he approves it)
    own_exclusion = exclusion and "reported_speech" not in markers
    owned = own_view if "reported_speech" not in markers else frozenset()
    if boosted and (endorsed or own_exclusion or owned & set(CALLS) or justified_call(features)
                    or (not markers and repeated_call(features))):
        x = max(x, ADOPTION_FLOOR)   # the classifier's reading, before the markers lower it
    elif boosted and owned:
        x = max(x, OWN_VIEW_HALLMARK_FLOOR)
    if endorsed:
        reasons.append(ENDORSED)
    if markers:
        x -= min(sum(CONTEXT_PENALTY.get(m, 0.5) for m in markers), CONTEXT_PENALTY_MAX)
        reasons.append("lowered by " + ", ".join(m.replace("_", " ") for m in markers))
    if boosted:
        if cues & set(CALLS):
            x += CALL_BOOST
            reasons.append("raised by a call against a group")
        elif cues:
            x += HALLMARK_BOOST
            reasons.append("raised by a hallmark against a group")
    if not (aimed and cues):
        x -= NO_CUE_PENALTY
        reasons.append("no hallmark cue aimed at a group")
    if not has_target:
        x -= NO_TARGET_PENALTY
        reasons.append("no target group found")
    return sigmoid(x), reasons


def names_only(features: Features) -> bool:
    """Whether a text holds no word but group names, places and :data:`LINKING_WORDS` (a tag, a heading, a
    one-word reply, a line of hashtags, a name said over and over): it says nothing of the groups it names."""
    if not features.targets:
        return False
    rest = _unnamed(features.text, features.targets + features.places)
    # read through evasions, as the rules read the names: "Uzbeks аnd Tajiks" with a Cyrillic "а" links them too
    return all(word.lower() in LINKING_WORDS for word in _LETTERS.findall(normalise(rest).text))


def _unnamed(text: str, named: list[Span]) -> str:
    """``text`` with the characters of the ``named`` spans made spaces."""
    pieces, pos = [], 0
    for span in sorted(named, key=lambda s: s.start):
        if span.end > pos:
            start = max(pos, span.start)
            pieces += [text[pos:start], " " * (span.end - start)]
            pos = span.end
    pieces.append(text[pos:])
    return "".join(pieces)


#: A word that excepts someone from a welcome ("любой национальности, кроме таджиков", "all welcome except …").
_EXCEPT = re.compile(r"(?<!\w)(?:кроме|исключени\w*|except|excluding|but not|но не|башка|бөлөк|tashqari|ташқари)(?!\w)",
                     re.IGNORECASE)


def welcomes_all_it_names(features: Features, layout: Layout | None = None) -> bool:
    """Whether a text with no cue names every group in a sentence with an inclusion marker and no exception ("Берём
    узбеков, кыргызов, таджиков — национальность не важна"; not "… кроме таджиков"), not one that names a group in a
    sentence of its own beside it, unless the next sentence, speaking of "them" or thanking them as kin ("Спасибо,
    братья!", an inclusion of the form ``address``) and asking nothing, welcomes it. A
    welcome in quotation marks is someone else's word ("Ким еврейлерди «бир тууган» деп атаса, ал элге жат": whoever
    calls the Jews «brothers» is a stranger to the people)."""
    if features.cues:
        return False
    layout = layout or Layout(features)
    own = [c for c in features.context if c.label == INCLUSION and not quoted(features, c)]
    welcoming = {k for k in {layout.sentence_of(c.start) for c in own} if not _EXCEPT.search(features.text, *layout.bounds[k])}
    # the group of one sentence, welcomed by the next that speaks of "them" or thanks them as kin, and asks nothing
    # ("Ruslarni haqorat qilish — uyat. Ular ham shu yurtning farzandlari", "… has left our street. We will miss them",
    # "Kazakh volunteers drove all night … Thank you, brothers and sisters!"; not "They are our brothers? Not anymore.")
    addressing = {layout.sentence_of(c.start) for c in own if c.form == "address"}
    welcoming |= {k - 1 for k in welcoming if k > 0
                  and (k in addressing or THEY.search(features.text, *layout.bounds[k]))
                  and "?" not in features.text[slice(*layout.bounds[k])]}
    return all(layout.sentence_of(t.start) in welcoming for t in features.targets)


def repeated_call(features: Features) -> bool:
    """Whether the text makes its call twice, in two cues apart, and names the group in the clause of one of them
    ("Жөөттөр бул шаардан чыгып кетсин, алардын бизде орду жок"; not "Rats must be driven out, their nests burned —
    my Kyrgyz neighbour says")."""
    calls = [c for c in features.cues if c.label in CALLS]
    twice = any(not a.overlaps(b) for i, a in enumerate(calls) for b in calls[i + 1:])
    return twice and any(map(clause_mates(features.text, features.targets), calls))


def clause_mates(text: str, targets: list[Span]) -> Callable[[Span], bool]:
    """A test of whether a span shares its clause with any of ``targets`` (:func:`same_clause`). Only the nearest
    target on each side need be looked at (a clause break between the span and it lies between the span and every
    farther one), and the targets are sorted once, so thousands of targets and calls cost a lookup each."""
    ordered = sorted(targets, key=lambda t: t.start)
    starts = [t.start for t in ordered]
    reaching = list(accumulate(ordered, lambda best, t: t if t.end > best.end else best))   # furthest end so far

    def shares_clause(span: Span) -> bool:
        k = bisect_right(starts, span.start)
        return (k > 0 and same_clause(text, reaching[k - 1], span)) or (k < len(ordered) and same_clause(text, ordered[k], span))

    return shares_clause


def same_clause(text: str, a: Span, b: Span) -> bool:
    """Whether no clause break (:data:`tocsin.models.negation.CLAUSE_BREAK`) comes between two spans."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    return not CLAUSE_BREAK.search(text, first.end, max(first.end, second.start))   # nothing between where they overlap


def justified_call(features: Features) -> bool:
    """Whether a call to violence or expulsion says in its own words that it is no crime (see
    :data:`ADOPTION_FLOOR`), and neither asks it nor goes on to call it worse (:func:`unsaid_justification`)."""
    return any(_no_crime_words(c) and not unsaid_justification(features.text, c) for c in features.cues)


def _no_crime_words(cue: Span) -> tuple[int, int] | None:
    """Where, in its own text, a call cue says the call is no crime (:data:`_NO_CRIME`), read through evasions as
    the rules read the cue ("no cr\u200bime", "nо crime" with a Cyrillic "о"); None when it does not."""
    if cue.label not in CALLS:
        return None
    normal = normalise(cue.text)
    said = _NO_CRIME.search(normal.text)
    return normal.to_original(said.start(), said.end()) if said else None


def unsaid_justification(text: str, cue: Span) -> bool:
    """Whether a "no crime" cue is asked ("Is it not a crime to kill the Uzbeks who live next door?", "Разве …
    — не преступление, если …?"; a tag question such as ", right?" asks nothing) or goes on to call the deed
    worse ("… isn't a crime, it's genocide")."""
    rest = _REST_OF_SENTENCE.match(text, cue.end).group()
    if rest.endswith("?") and not _TAG_QUESTION.fullmatch(rest):
        return True
    return bool(_WORSE_AFTER.match(rest))


def without_unsaid_justifications(features: Features) -> Features:
    """``features`` with each "no crime" cue that says no such thing (:func:`unsaid_justification`) cut down to
    its call ("not a crime to kill the Uzbeks" → "kill the Uzbeks"): its "not" is then read as a negation
    again, as it was before the cue was found."""
    cues, changed = [], False
    for c in features.cues:
        said = _no_crime_words(c)
        if said is None or not unsaid_justification(features.text, c):
            cues.append(c)
            continue
        changed = True
        before, after = c.text[:said[0]], c.text[said[1]:]
        start, end = (c.start + said[1], c.end) if len(after.strip()) > len(before.strip()) else (c.start, c.start + said[0])
        call = _CALL_WORDS.search(features.text, start, end)
        if call:
            cues.append(replace(c, text=call.group(1), start=call.start(1), end=call.end(1)))
    return replace(features, cues=cues) if changed else features


#: From the first word to the last, with no "to" before them.
_CALL_WORDS = re.compile(r"(?:(?:to|in)\s+)?(\w.*\w|\w)", re.DOTALL)


#: The rest of a sentence, with the mark that ends it.
_REST_OF_SENTENCE = re.compile(r"[^.!?…;\n]*[.!?…;]?")
_TAG_QUESTION = re.compile(r"\W*(?:right|isn['’]t it|is it|eh|не так ли|правда|верно|туурабы|to[ʻ'’‘]?g[ʻ'’‘]?rimi|тўғрими|"
                           r"shundaymi|шундайми)\W*\?", re.IGNORECASE)
_WORSE_AFTER = re.compile(r"\W*(?:it['’]?s|it is|this is|but|это|а|бул|bu|balki)\W+(?:\w+\W+)?(?:genocide|murder|worse|atrocity|"
                          r"геноцид|убийств|хуже|зверств|злодеяни|киши өлтүрүү|жапайылык|genotsid|qotillik|vahshiylik)",
                          re.IGNORECASE)


def decide(features: Features, probs: Mapping[str, float], threshold: float, *, item_id: str, content_hash: str,
           model_name: str, model_version: str, passage: bool = False) -> AnalysisRecord:
    """Combine the rules' evidence with the classifier into the analysis stored for one item version.

    :param features: what ``nlp`` found (targets, places, cues, context) in the text.
    :param probs: the classifier's probability per label (``incitement`` and each hallmark).
    :param threshold: the score at or above which the text is flagged.
    :param passage: the text is a passage cut from a long one (see :func:`local_context`).
    """
    features = without_unsaid_justifications(features)
    return analysis(features, bearing(features, passage), probs, threshold, item_id=item_id, content_hash=content_hash,
                    model_name=model_name, model_version=model_version)


def decide_passage(features: Features, probs: Mapping[str, float], threshold: float, *, item_id: str,
                   content_hash: str, model_name: str, model_version: str) -> AnalysisRecord | None:
    """A passage's analysis, as :func:`decide` makes it; None when a strong context marker excuses its cues
    (:func:`excuses`), and the article's own score then decides. What bears on the cues is worked out once for both."""
    features = without_unsaid_justifications(features)
    found = bearing(features, passage=True)
    if excuses(found):
        return None
    return analysis(features, found, probs, threshold, item_id=item_id, content_hash=content_hash,
                    model_name=model_name, model_version=model_version)


def analysis(features: Features, found: Bearing, probs: Mapping[str, float], threshold: float, *, item_id: str,
             content_hash: str, model_name: str, model_version: str) -> AnalysisRecord:
    """The analysis of features already read for a decision (:func:`without_unsaid_justifications`) and what bears
    on their cues."""
    score, reasons = adjusted_score(features, probs, found)
    if not features.targets:
        # Incitement is against a group by definition (a text with no group is a negative in the corpus,
        # e.g. abuse_no_group): without a target group the score stays below the threshold.
        score = min(score, max(0.0, threshold - NO_TARGET_MARGIN))
    flagged = score >= threshold and bool(features.targets)
    hallmarks = hallmarks_of(features, probs, flagged)
    aim = {group: rank for rank, group in enumerate(groups_by_aim(features))}
    targets = sorted(features.targets, key=lambda t: aim[t.label])   # the aimed-at group's mentions first
    return AnalysisRecord(
        item_id=item_id, content_hash=content_hash, model_name=model_name, model_version=model_version,
        patterns_version=features.patterns_version, threshold=threshold, score=round(score, 6), incitement=flagged,
        lang=features.lang_tag,
        targets=[{"group": t.label, "text": t.text, "start": t.start, "end": t.end} for t in targets],
        places=[{"place": p.label, "text": p.text, "start": p.start, "end": p.end} for p in features.places],
        hallmarks=hallmarks, spans=[s.to_dict() for s in features.spans],
        explanation=explain(features, hallmarks, flagged, score, reasons),
    )
