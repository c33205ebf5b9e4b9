"""Short lines as monitors in southern Kyrgyzstan meet them, which the lexicons once misread.

A probe of about 190 everyday lines in the five languages and scripts (calls, slogans, rumours, dehumanisation;
and peace appeals, remembrance of 2010, sports, weddings, markets, court news, counter-speech) found these
false alarms and misses that came from a missing or wrong lexicon entry. Each table row is one sentence,
short and fictional. The rule checks read the lexicons alone; the decision checks go through the shipped
classifier as well, for lines whose fix is a context marker that only the decision counts.
"""

from __future__ import annotations

import pytest

from tocsin.models.decision import context_markers, local_context
from tocsin.nlp.features import Features


def _rows(table: str) -> list:
    """Pytest params from ``lang | text | expected`` lines (``-`` for none); ``#`` lines are comments."""
    params = []
    for line in table.strip().splitlines():
        if line.strip().startswith("#"):
            continue
        lang, text, expected = (cell.strip() for cell in line.split("|"))
        params.append(pytest.param(lang, text, None if expected == "-" else expected, id=f"{lang}-{text[:40]}"))
    return params


def _cues(f: Features) -> set[str]:
    return {c.label for c in f.cues}


def _counted(f: Features) -> set[str]:
    """The context markers the decision counts for the cues, negation resolved."""
    return set(context_markers(f, local_context(f)[0]))


@pytest.mark.parametrize(("lang", "text", "hallmark"), _rows("""
    # the group named dogs, told there is no place for it (the dative on the animal word, not the group)
    ky | Бул шаарда өзбек иттерге орун жок. | call_to_expulsion
    uz | Bu shaharda oʻzbek itlarga joy yoʻq. | call_to_expulsion
    uz | Қирғиз итларга бу ерда жой йўқ. | call_to_expulsion
    en | Uzbek dogs have no place in our city. | call_to_expulsion
    en | Uzbek rats have no place here. | call_to_expulsion
    # "here" (бул жерде, bu yerda) is a place a group is told not to live or work in
    ky | Өзбектер бул жерде жашабасын. | call_to_expulsion
    uz | Qirgʻizlar bu yerda ishlamasin. | call_to_expulsion
    uz | Руслар бу ерда яшамасин. | call_to_expulsion
"""))
def test_a_call_the_lexicons_missed_is_found(analyser, lang, text, hallmark):
    f = analyser.features(text, lang)
    assert hallmark in _cues(f), (text, _cues(f))


@pytest.mark.parametrize(("lang", "text", "hallmark"), _rows("""
    # a group at work here, not told to stop
    uz | Qirgʻizlar bu yerda ishlamoqda, hammasi tinch. | call_to_expulsion
    # a match won or hoped for, the score or the game after the team
    en | Kyrgyzstan beat the Uzbeks 2-1 in a friendly. | call_to_violence
    en | We will beat the Tajiks 3:0 tomorrow! | call_to_violence
    en | Can't wait to beat the Uzbeks in the semifinal. | call_to_violence
    en | We beat the Tajiks 2-1 in the final! | call_to_violence
    # 'не надо' between the verb and 'надо' is no call ('бить надо')
    ru | Узбеков бить не надо. | call_to_violence
    ru | Таджиков убивать не нужно, они люди. | call_to_violence
"""))
def test_a_plain_line_raises_no_cue(analyser, lang, text, hallmark):
    f = analyser.features(text, lang)
    assert hallmark not in _cues(f), (text, _cues(f))


def test_dogs_with_no_place_are_no_group_kept_out(analyser):
    """Dogs cleared from a town: the bare 'орун жок' stays the plain cue, no call to exclusion of a group."""
    f = analyser.features("Бул шаарда иттерге орун жок, аларды питомникке алып кетишти.", "ky")
    assert not f.groups and not [c for c in f.cues if c.form == "exclusion"], f.cues


@pytest.mark.parametrize(("lang", "text", "hallmark"), _rows("""
    # the fight arranged at a match is still a call
    en | Beat the Uzbeks at the match tonight, bring sticks. | call_to_violence
    # verb and 'надо' with no 'не' between are still a call
    ru | Узбеков бить надо. | call_to_violence
    ru | Бить их надо, узбеков этих. | call_to_violence
"""))
def test_the_narrowed_cue_still_finds_the_call(analyser, lang, text, hallmark):
    f = analyser.features(text, lang)
    assert hallmark in _cues(f), (text, _cues(f))


@pytest.mark.parametrize(("lang", "text", "marker"), _rows("""
    # the dead of two groups mourned together
    ru | Сегодня 14 лет со дня трагических событий в Оше: помним всех погибших узбеков и кыргызов. | inclusion
    ky | 2010-жылдагы окуяларда каза болгон кыргыздарды жана өзбектерди эскеребиз. | inclusion
    uz | 2010-yilda halok boʻlgan qirgʻiz va oʻzbeklarni xotirlaymiz. | inclusion
    en | We remember the Uzbek and Kyrgyz victims of June 2010. | inclusion
    # groups called one family
    ru | Узбеки и кыргызы — одна семья, берегите мир в Оше. | inclusion
    ru | Кыргызы и узбеки живут одной семьёй. | inclusion
    ky | Кыргыздар менен өзбектер бир үй-бүлө. | inclusion
    uz | Oʻzbeklar va qirgʻizlar bir oila. | inclusion
    en | Uzbeks and Kyrgyz are one family. | inclusion
    # collective blame rejected
    ru | Нельзя обвинять целый народ, узбеки такие же жертвы, как и кыргызы. | counter_speech
    # a call refused in its own words
    ru | Узбеков бить не надо. | refusal
    ru | Уйгуров выселять не нужно. | refusal
"""))
def test_a_marker_of_a_harmless_line_is_found(analyser, lang, text, marker):
    f = analyser.features(text, lang)
    assert marker in {c.label for c in f.context}, (text, [(c.label, c.text) for c in f.context])


@pytest.mark.parametrize(("lang", "text", "marker"), _rows("""
    # one family of them, not one family with them
    ru | В доме жила одна семья узбеков. | inclusion
    ru | — одна семья узбеков сгорела. | inclusion
    uz | Bir oila qirgʻizlar koʻchib ketdi. | inclusion
    # one group's dead alone
    ru | Помним погибших кыргызов. | inclusion
"""))
def test_a_lookalike_is_no_marker(analyser, lang, text, marker):
    f = analyser.features(text, lang)
    assert marker not in {c.label for c in f.context}, (text, [(c.label, c.text) for c in f.context])


@pytest.mark.parametrize(("lang", "text", "marker"), _rows("""
    # 'пока … не' after a comma is 'before', not a denial of the accused group's deed
    ru | Кыргызы, просыпайтесь, пока узбеки не вырезали наши сёла. | negated_cue
"""))
def test_until_is_no_negation(analyser, lang, text, marker):
    f = analyser.features(text, lang)
    assert _cues(f), text
    assert marker not in _counted(f) and "negation" not in _counted(f), (text, _counted(f))


@pytest.mark.parametrize(("lang", "text"), [
    ("ru", "Слава богу, пока никто не пострадал, узбеки и кыргызы сохраняют спокойствие."),
])
def test_so_far_nobody_is_still_a_negation(analyser, lang, text):
    f = analyser.features(text, lang)
    assert "negation" in {c.label for c in f.context}, text


# Whole decisions (the rules and the shipped classifier): the probe's lines that were wrong before the fix.
FIXED = [
    ("ru", "Кыргызы, просыпайтесь, пока узбеки не вырезали наши сёла.", True),
    ("ky", "Бул шаарда өзбек иттерге орун жок.", True),
    ("ky", "Өзбектер бул жерде жашабасын.", True),
    ("uz", "Bu shaharda oʻzbek itlarga joy yoʻq.", True),
    ("uz", "Qirgʻizlar bu yerda ishlamasin.", True),
    ("uz", "Қирғиз итларга бу ерда жой йўқ.", True),
    ("uz", "Руслар бу ерда яшамасин.", True),
    ("en", "Uzbek dogs have no place in our city.", True),
    ("en", "Uzbek rats have no place here.", True),
    ("ru", "Сегодня 14 лет со дня трагических событий в Оше: помним всех погибших узбеков и кыргызов.", False),
    ("ru", "Нельзя обвинять целый народ, узбеки такие же жертвы, как и кыргызы.", False),
    ("ru", "Узбеки и кыргызы — одна семья.", False),
    ("ru", "Узбеков бить не надо.", False),
    ("ru", "Таджиков убивать не нужно, они люди.", False),
    ("ru", "Уйгуров выселять не нужно.", False),
    ("ky", "2010-жылдагы окуяларда каза болгон кыргыздарды жана өзбектерди эскеребиз.", False),
    ("ky", "Кыргыздар менен өзбектер бир үй-бүлө.", False),
    ("uz", "Oʻzbeklar va qirgʻizlar bir oila.", False),
    ("en", "We remember the Uzbek and Kyrgyz victims of June 2010.", False),
    ("en", "Uzbeks and Kyrgyz are one family.", False),
]


@pytest.mark.parametrize(("lang", "text", "flagged"), [pytest.param(*row, id=f"{row[0]}-{row[1][:40]}") for row in FIXED])
def test_the_probe_line_is_decided_right(decide_texts, lang, text, flagged):
    _, analysis = decide_texts([text])[text]
    assert analysis.incitement is flagged, (text, analysis.score, analysis.explanation)
