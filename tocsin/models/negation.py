"""What a negation bears on: a cue it governs, a claim about a group it denies, or nothing.

A negation lowers a score only when it denies hatred ("Никто не собирается выгонять узбеков", "The Uzbeks are not
our enemies"), not when it is part of a call ("никого не жалейте"), a condition ("If we don't drive them out …") or
a line about "us" (see :func:`negation_scope`). Pure logic on the text and its spans.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Sequence

from tocsin.models.layout import Layout
from tocsin.nlp.features import Features, Span
from tocsin.nlp.morphology import russian_analyzer

#: A negation that governs a cue is at most this many characters from it (see :func:`negation_scope`).
NEGATION_REACH = 30
#: A negation with at most this many words before it in its sentence can answer the question before it
#: ("Нет.", "Конечно, нет.", "Of course not.", "Albatta yoʻq.").
ANSWER_WORDS = 2
_QUESTION_END = re.compile(r"\?[^\w]*$")
#: Words that answer "no" on their own ("Нет, это ложь", "No, they are not", "Yoʻq", "Жок"): any other negation
#: answers a question only when its clause ends with it ("Конечно, нет.", "Of course not.", "We will not."), not
#: when it negates words of its own after it ("Тогда ты не с нами": then you are not one of us).
_NO = re.compile(r"(?:нет|no|nope|yo[ʻ'’‘`]?q|йўқ|жок|жоқ)$", re.IGNORECASE)
_NOTHING_AFTER = re.compile(r"[^\w]*(?:[.!?…;:,—–]|$)")
#: Languages whose negation follows the verb it negates (Kyrgyz, Uzbek, Kazakh, Tajik).
VERB_FINAL_LANGS = ("ky", "uz", "kk", "tg")
#: A cue that ends in a finite verb — a jussive ("кетсин", "ketsin"), a plural imperative ("ургула",
#: "uringlar") or "must" ("керек", "kerak") — or in an "until" converb ("сүрүп чыкмайынча",
#: "haydamaguncha") closes its clause in Kyrgyz and Uzbek, so a negation after it belongs to the next
#: clause ("… жўнаб кетсин бизга кераги йўқ": we do not need them; "… чыкмайынча бизге үй жок": until …,
#: there are no flats for us) and does not govern it, as it governs a verbal noun ("quvib chiqarish …
#: yo'l qo'ymaymiz": we will not allow) or a clause that a quotative embeds ("сабаш керек деп ойлобойм":
#: I do not think one should beat them).
_FINITE_CUE_END = re.compile(r"(?:с[ыиуү]н(?:лар|лер)?|sin(?:lar)?|кере[кг]|кера[кг]|kerak|зарыл|zarur|"
                             r"[гк][ыиуү]л[аеө]|инглар|нглар|inglar|nglar|"
                             r"[мбп][аеоө]й[ыиуү]н[чш][аеоө]|maguncha|magancha|магунча|маганча)\W*$", re.IGNORECASE)
#: A cue that ends in "must" (керек, kerak, зарыл …), and the "not" straight after it: "… кууп чыгаруу керек
#: эмес", "… oʻldirish kerak emas" deny the need, unlike a jussive or imperative closed by its own ending.
_NECESSITY_END = re.compile(r"(?:кере[кг]|кера[кг]|kerak|зарыл|zarur)\W*$", re.IGNORECASE)
_NOT_SO = re.compile(r"\s*(?:эмес|emas|эмас)(?!\w)(?![^.!?\n]*\?)", re.IGNORECASE)   # not "… керек эмес беле?"
#: "Until", "unless", "or else" between a negation and a cue make the cue a condition of what is negated ("There
#: will be no peace until we drive out …", "не будет мира, пока …", "Don't touch us or we will kill …"): a threat,
#: not a denial.
_UNTIL = re.compile(r"(?<!\w)(?:until|till|unless|otherwise|or (?:else|we|they|you)|пока|покуда|иначе|а то|toki|"
                    r"boʻlmasa|bo'lmasa|болбосо)(?!\w)", re.IGNORECASE)
#: "Never", "in no case", "by no means": in Russian, Kyrgyz and Uzbek such a word agrees with the "not" of the
#: prohibition after it rather than denying it ("Никогда не давайте узбекам работу", "Hech qachon oʻzbeklarga ish
#: bermang", "Эч качан өзбектерге иш бербегиле": never give the Uzbeks work), as "never" opens an English call.
_REINFORCING = re.compile(r"(?:никогда|ни\s+в\s+коем\s+случае|ни\s+за\s+что|ни\s+при\s+каких\s+условиях|"
                          r"hech\s+qachon|ҳеч\s+қачон|эч\s+качан(?:да)?|never)(?!\w)", re.IGNORECASE)
#: A negation inside a noun phrase that names a group, in a relative clause or an attributive participle, says what
#: the group's people do not do and denies nothing the sentence says of them: "Tajiks who do not speak our language
#: should be driven out", "hurmat qilmaydigan oʻzbeklarni haydab chiqarish kerak", "Не уважающих наши законы узбеков
#: надо выгнать". It governs no cue after it (:func:`inside_a_noun_phrase`). A clause about what is not done *to* a
#: group ("Qirgʻizlarni urmaydigan yigitlar …", "не бьющие узбеков парни …": lads who do not beat them) is not such a
#: phrase. English: a subject relative clause after a group word, the negation straight after "who", "which" or
#: "that" (and its auxiliary).
_RELATIVE_BEFORE = re.compile(r"(?<!\w)(?:who|which|that)\s+(?:(?:do|does|did|are|is|was|were|have|has|had|will|would|"
                              r"can|could|shall|should)\s+)?$", re.IGNORECASE)
#: Uzbek "-maydigan" (who does not …), in either script, with its plural and case endings.
_UZ_NEGATIVE_PARTICIPLE = re.compile(r"(?:maydigan|майдиган)\w*$", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s+(\w+)")
#: How far before a relative pronoun the group word it follows may start ("the Uzbeks of Osh who …").
RELATIVE_HEAD_REACH = 20
#: A Kyrgyz or Uzbek quotative ("деп", "deb", "деген": saying) that opens a stretch of text: the words before it
#: are quoted, not said by the writer.
QUOTATIVE = re.compile(r"^\W*(?:деп|деб|deb|деген|деган|degan|дея|deya)(?!\w)", re.IGNORECASE)
#: What ends a clause between a negation and a cue; a comma before "что"/"that"/"чтобы" does not.
CLAUSE_BREAK = re.compile(r"[;:—–]|\s-\s|,(?!\s*(?:что|чтобы|that)\b)", re.IGNORECASE)
#: :func:`clause_start` in a long sentence looks for a clause break this many characters before a position first.
LOOK_BACK = 200
#: A character after which a scan for clause breaks may not start afresh (see :func:`clause_start`): one that a
#: break may straddle (" - "), or a comma, whose look-ahead reads on through the white space after it.
_STRADDLED = re.compile(r"[\s,-]")
#: "If": a negation in a conditional clause states a condition, not a denial ("If we don't drive the Uzbeks out
#: now, they will take everything" threatens what follows unless the call is heeded).
_CONDITIONAL = re.compile(r"(?<!\w)(?:if|если|ежели|коль|agar|агар|эгер)(?!\w)", re.IGNORECASE)
#: The same condition said by the verb's own ending in Uzbek and Kyrgyz, its negation and "-sa" together: "tojiklar
#: ketmasa, …", "дунганлар кетмаса, …", "өзбектер кетпесе, …" (if they do not leave, …): a threat, not a denial.
_NEGATED_CONDITIONAL_VERB = re.compile(r"(?:ma|ма|ба|бе|бо|бө|па|пе|по|пө)(?:sa|са|се|со|сө)\w*$", re.IGNORECASE)
#: "We": a negation in a clause about the speaker's own side, in a sentence with no cue ("It wasn't us who started
#: this", "Мы не агрессоры", "Biz hech kimga tegmaganmiz"), speaks of "us", and denies no hatred of a group.
_FIRST_PERSON_PLURAL = re.compile(r"(?<!\w)(?:we|us|our|ours|мы|нас|нам|нами|наш|наша|наше|наши|нашего|нашей|нашему|нашим|"
                                  r"наших|нашу|нашими|нашем|биз|бизди|бизге|бизден|биздин|бизде|бизни|бизга|"
                                  r"биздан|бизнинг|бизда|biz|bizni|bizga|bizdan|bizning|bizda)(?!\w)", re.IGNORECASE)
#: "They" and its forms: a clause that says it speaks of a group without naming it.
THEY = re.compile(r"(?<!\w)(?:they|them|their|theirs|они|их|им|ими|них|ним|ними|алар|аларды|аларга|алардан|алардын|аларда|"
                  r"ular|ularni|ularga|ulardan|ularning|ularda|улар|уларни|уларга|улардан|уларнинг|уларда)(?!\w)", re.IGNORECASE)
#: A dash that ends the text before a clause (see :func:`about_a_group`).
_DASH_END = re.compile(r"\s*[—–-]\s*$")
_BLANK = re.compile(r"\s*")
#: Words a denial of a claim negates ("not true", "неправда", "туура эмес", "rost emas").
_UNTRUE = re.compile(r"(?<!\w)(?:true|so|the case|правд\w*|верно|так|чын\w*|туура|андай|rost|to[ʻ'’`‘]?g[ʻ'’`‘]?ri|"
                     r"тўғри|рост|unday|ундай)(?!\w)", re.IGNORECASE)


def negation_scope(features: Features, negation: Span, layout: Layout | None = None) -> str:
    """What a negation marker bears on.

    ``"cue"`` when it governs a cue of its clause: it comes at most :data:`NEGATION_REACH` characters
    before the cue ("It's not true we should wipe out…", "не считаю, что … надо жечь", "Hech kim …
    o'ldirish kerak deb hisoblamayman") or, in the verb-final Kyrgyz and Uzbek, also after it ("… quvib
    chiqarish hech kimga yo'l qo'ymaymiz"), with no clause break between them, and every cue of its
    sentence is so governed. ``"none"`` when it is part of a cue or its sentence holds a cue it does not
    govern ("никого не жалейте", "звери, а не люди", "другого выхода нет", "If the police won't act,
    we'll wipe out…", "cockroaches, nothing but filth"), or when it is in a conditional clause ("If we don't
    drive them out now, …", "Если не ударим первыми, …", "ketmasa, …": a condition, not a denial), or when it
    stands inside a noun phrase that describes a group (:func:`inside_a_noun_phrase`). In a sentence with no
    cue, ``"cue"`` when it opens the answer to a question about a group or with a cue just before it
    ("Выгнать узбеков из Оша? Конечно, нет.", "Are the Kazakhs taking our jobs? No."), ``"none"`` when its
    clause speaks of "us" and names no group ("It wasn't us who started this: …", "Мы не агрессоры") or, as beside a
    cue, it states a condition or describes a group's people, else ``"unknown"``.
    """
    text = features.text
    layout = layout or Layout(features)
    if layout.overlaps_a_cue(negation):   # a cue may run on into the next sentence ("…? Нет, это долг")
        return "none"
    k = layout.sentence_of(negation.start)
    cues = layout.cues.get(k, [])
    clause = clause_of(text, layout.bounds[k], negation, layout.break_ends(k, CLAUSE_BREAK))
    if not cues:
        if answers_question(features, layout, k, negation):
            return "cue"
        if conditional(text, clause, negation, features.lang) or inside_a_noun_phrase(features, negation, clause[0]):
            return "none"
        return "unknown" if about_a_group(features, clause, layout.bounds[k], layout.break_ends(k, CLAUSE_BREAK)) else "none"
    if conditional(text, clause, negation, features.lang) or reinforces_a_prohibition(text, negation, cues):
        return "none"
    verb_final = features.lang in VERB_FINAL_LANGS

    in_noun_phrase = inside_a_noun_phrase(features, negation, clause[0])

    def governed(c: Span) -> bool:
        if negation.end <= c.start:
            gap = text[negation.end:c.start]
            if _UNTIL.search(gap) or in_noun_phrase:
                return False
        elif verb_final and c.end <= negation.start:
            gap = text[c.end:negation.start]
            cue_text = text[c.start:c.end]
            not_so = _NOT_SO.match(text, c.end)
            denied_need = _NECESSITY_END.search(cue_text) and not_so is not None and not_so.end() == negation.end
            if _FINITE_CUE_END.search(cue_text) and not QUOTATIVE.search(gap) and not denied_need:
                return False
            if QUOTATIVE.match(negation.text):   # "…, degan gap toʻgʻri emas": the comma ends the words denied
                gap = gap.rstrip().removesuffix(",")
        else:
            return False
        return len(gap) <= NEGATION_REACH and not CLAUSE_BREAK.search(gap)

    return "cue" if all(governed(c) for c in cues) else "none"


def clause_of(text: str, sentence: tuple[int, int], negation: Span, breaks: Sequence[int] | None = None) -> tuple[int, int]:
    """Where the clause of ``negation`` starts and ends: between the clause breaks of its ``sentence``.

    :param breaks: see :func:`clause_start`.
    """
    after = CLAUSE_BREAK.search(text, negation.start, sentence[1])
    end = after.start() if after else max(sentence[1], negation.start)
    return clause_start(text, sentence[0], negation.start, breaks), end


def clause_start(text: str, sentence_start: int, position: int, breaks: Sequence[int] | None = None) -> int:
    """Where the clause that holds ``position`` starts: after the last clause break of its sentence before it
    (the last of those that scanning ``text[sentence_start:position]`` finds).

    :param breaks: where each clause break of the sentence ends, the sentence scanned whole
        (:meth:`tocsin.models.layout.Layout.break_ends`): a position far into a long sentence then costs a look at
        the :data:`LOOK_BACK` characters before it, not a scan of the sentence up to it (a text of megabytes with
        no sentence punctuation is one sentence, with thousands of negations).
    """
    if breaks is None or position - sentence_start <= LOOK_BACK:
        return position - len(CLAUSE_BREAK.split(text[sentence_start:position])[-1])
    # From a character after neither white space, "-" nor a comma, a scan finds the breaks that a scan from the
    # sentence start finds: no break straddles it (the only break longer than a character is " - "). Before it,
    # the sentence's breaks are those of text[sentence_start:position]: none of them reads as far as position
    # (a comma's look-ahead reads the white space after it, then at most six characters).
    window = position - LOOK_BACK
    while window > sentence_start and _STRADDLED.match(text, window - 1):
        window -= 1
    last = None
    for last in CLAUSE_BREAK.finditer(text, window, position):
        pass
    if last is not None:
        return last.end()
    before = bisect_right(breaks, window)
    return breaks[before - 1] if before else sentence_start


def dash_before(text: str, sentence_start: int, position: int) -> re.Match[str] | None:
    """``_DASH_END.search(text, sentence_start, position)``: a dash (with white space around it) that ends the text
    before ``position``, looked for backwards from ``position``, not forwards through the whole sentence."""
    window, step = position, 64
    while True:
        window = max(sentence_start, window - step)
        dash = _DASH_END.search(text, window, position)
        # a match that starts after the window's start, or none where the window holds more than white space,
        # is what the search from the sentence start finds; else the white space may go on before the window
        if window == sentence_start or (dash.start() > window if dash else not _BLANK.fullmatch(text, window, position)):
            return dash
        step *= 2


def names_a_group(features: Features, start: int, end: int) -> bool:
    """Whether a group word (a target) starts between ``start`` and ``end``."""
    return any(start <= t.start < end for t in features.targets)


def reinforces_a_prohibition(text: str, negation: Span, cues: Sequence[Span]) -> bool:
    """Whether ``negation`` is a "never" (:data:`_REINFORCING`) before calls to exclusion only, whose prohibition
    it strengthens ("Никогда не берите узбеков на работу"), not denies; "Никогда не бейте узбеков" still refuses
    a call to violence."""
    after = [c for c in cues if c.start >= negation.start]
    return bool(after) and all(c.exclusion for c in after) and _REINFORCING.match(text, negation.start) is not None


def inside_a_noun_phrase(features: Features, negation: Span, clause_start: int) -> bool:
    """Whether ``negation`` stands in a relative clause or an attributive participle of a noun phrase (see
    :data:`_RELATIVE_BEFORE`): English "<group> who don't", Uzbek "-maydigan" with no group named before it in its
    clause, Russian "не" before a full participle that agrees with the group word after it."""
    text, lang = features.text, features.lang
    if lang == "en":
        relative = _RELATIVE_BEFORE.search(text, max(clause_start, negation.start - 40), negation.start)
        return relative is not None and names_a_group(features, max(clause_start, relative.start() - RELATIVE_HEAD_REACH),
                                                      relative.start())
    if lang == "uz":
        return _UZ_NEGATIVE_PARTICIPLE.search(negation.text) is not None and not names_a_group(features, clause_start,
                                                                                                negation.start)
    if lang == "ru" and negation.text.lower() == "не":
        return _participle_agrees_with_a_group(features, negation)
    return False


def _participle_agrees_with_a_group(features: Features, negation: Span) -> bool:
    """Whether the word after a Russian "не" is a full participle whose case and number a group word after it shares
    in the same clause ("не уважающих наши законы узбеков"; not "не бьющие узбеков парни")."""
    text = features.text
    word = _NEXT_WORD.match(text, negation.end)
    if word is None:
        return False
    parse = russian_analyzer().parse(word.group(1))[0]
    if parse.tag.POS != "PRTF":
        return False
    for target in sorted(features.targets, key=lambda t: t.start):
        if target.start < word.end():
            continue
        if CLAUSE_BREAK.search(text, word.end(), target.start):
            return False
        head = russian_analyzer().parse(target.text.split()[0])
        if any(p.tag.case == parse.tag.case and p.tag.number == parse.tag.number for p in head):
            return True
    return False


def conditional(text: str, clause: tuple[int, int], negation: Span, lang: str = "") -> bool:
    """Whether the ``clause`` of ``negation`` holds an "if" before it, or (in ``lang`` Kyrgyz or Uzbek) the negated
    verb is itself conditional (:data:`_NEGATED_CONDITIONAL_VERB`)."""
    if lang in ("ky", "uz") and _NEGATED_CONDITIONAL_VERB.search(negation.text):
        return True
    return bool(_CONDITIONAL.search(text[clause[0]:negation.start]))


def about_a_group(features: Features, clause: tuple[int, int], sentence: tuple[int, int],
                  breaks: Sequence[int] | None = None) -> bool:
    """Whether the ``clause`` of a negation in a sentence with no cue may deny something about a group: it names
    one ("The Uzbeks are not our enemies"), says "they" ("Они ни в чём не виноваты") or denies a claim ("That
    is not true", "Бул туура эмес"), and is not about "us" (:func:`about_us`). A negation that speaks of no
    one ("ҳеч кимни ажратмасдан", without setting anyone apart; "no tickets left") denies nothing about a group,
    so it does not lower the score. ``breaks``: see :func:`clause_start`."""
    text = features.text
    start, end = clause
    dash = dash_before(text, sentence[0], start)
    if dash:   # "Бить тревогу за узбеков — не стыдно": the dash joins the subject to its negated predicate
        start = clause_start(text, sentence[0], dash.start(), breaks)
    named = names_a_group(features, start, end) or THEY.search(text, start, end) or _UNTRUE.search(text, start, end)
    return bool(named) and not about_us(features, clause)


def about_us(features: Features, clause: tuple[int, int]) -> bool:
    """Whether the ``clause`` of a negation speaks of "us" and names no group ("It wasn't us who started this:
    …"), unlike "The Uzbeks are not our enemies", which denies hostility to a group."""
    start, end = clause
    return bool(_FIRST_PERSON_PLURAL.search(features.text[start:end])) and not names_a_group(features, start, end)


def answers_question(features: Features, layout: Layout, k: int, negation: Span) -> bool:
    """Whether ``negation`` opens sentence ``k`` (after at most :data:`ANSWER_WORDS` words) right after a
    question that names a group or holds a cue, as a "no" of its own (:data:`_NO`): the answer denies what the
    question suggested."""
    if k == 0 or len(re.findall(r"\w+", features.text[layout.bounds[k][0]:negation.start])) > ANSWER_WORDS:
        return False
    if not (_NO.match(negation.text) or _NOTHING_AFTER.match(features.text, negation.end)):
        return False
    start, end = layout.bounds[k - 1]
    if not _QUESTION_END.search(features.text[start:end]):
        return False
    return bool(layout.cues.get(k - 1)) or names_a_group(features, start, end)


def negation_scopes(features: Features, context: list[Span], layout: Layout | None = None) -> list[tuple[Span, str]]:
    """Each negation marker of ``context`` with what it bears on (:func:`negation_scope`)."""
    negations = [c for c in context if c.label == "negation"]
    if negations and layout is None:
        layout = Layout(features)
    return [(c, negation_scope(features, c, layout)) for c in negations]
