"""Kyrgyz cues and markers: phrasings added, cues narrowed to their hateful sense, denials as counter-speech.

Sentences are short and fictional; the hateful ones are labelled by the hallmark they must raise.
"""

from __future__ import annotations

import pytest

from tocsin.nlp import TextAnalyser


@pytest.fixture(scope="module")
def analyser() -> TextAnalyser:
    return TextAnalyser()


def _labels(spans) -> set[str]:
    return {s.label for s in spans}


@pytest.mark.parametrize(("text", "hallmark", "group"), [
    ("Мамлекет коргобосо, тажиктерди өзүбүз жазалайбыз.", "call_to_violence", "tajik"),
    ("Казактарды жазалагыла, аябагыла!", "call_to_violence", "kazakh"),
    ("Дуңгандар түнкүсүн курал чогултуп жатышат, сак болгула!", "accusation_in_a_mirror", "dungan"),
    ("Уйгурлар айылды өрттөгөнү жатышат. Биринчи биз сокку урушубуз керек.", "accusation_in_a_mirror", "uyghur"),
    ("Туугандар, арабызда өзбектерге маалымат ташыган тыңчылар бар.", "questioning_ingroup_loyalty", "uzbek"),
    ("Биздин шаарда казактар — элибиздин денесиндеги шишик, алардан тазалануу керек.", "dehumanization", "kazakh"),
    ("Биздин айылда орустар бул жерде бөтөн, кетишсин.", "call_to_expulsion", "russian"),
    ("Дуңгандарды жазалаш керек, башка жол жок!", "call_to_violence", "dungan"),
    ("Тажиктерди өз өлкөсүнө кайтаруу үчүн кол тамга чогултабыз.", "call_to_expulsion", "tajik"),
    ("Уйгурлар кечинде кыздарыбызга асылып жүрүшөт.", "attack_on_women_and_girls", "uyghur"),
    ("Казактар бизге кол салганы жатышат, даяр болгула!", "accusation_in_a_mirror", "kazakh"),
    ("Уулдарыбыз өзбектер менен үйлөнбөгүлө, улуттун өлүмү ошол.", "threat_to_purity", "uzbek"),
    ("Орустар менен иш кылган адам биздин тууган эмес.", "questioning_ingroup_loyalty", "russian"),
])
def test_added_cues_fire(analyser, text, hallmark, group):
    f = analyser.features(text, "ky")
    assert hallmark in f.hallmarks, (f.cues, f.lang_tag)
    assert group in f.groups


@pytest.mark.parametrize(("text", "hallmark"), [
    # 'бөтөн' (stranger, other) reported in a warning about the past is not a call to expel
    ("Ошондо тажиктерди бөтөн деп жарыялагандар баарыбызга кайгы алып келген.", "call_to_expulsion"),
    ("Бул шаарда бөтөн адамдар көп, базар ызы-чуу.", "call_to_expulsion"),
    # a past blow in a sports report is not a pre-emptive strike
    ("Курош мелдешинде кыргыз балбан биринчи сокку урду.", "accusation_in_a_mirror"),
    # punishing corrupt officials through the courts is not a vigilante call
    ("Сот пара алган чиновниктерди катуу жазалоо керек деп эсептейт.", "call_to_violence"),
    ("Өзбек дүкөнүн талкалагандарды жазалоо керек.", "call_to_violence"),
    # 'our girls' alone, in a congratulation, is not an attack on women
    ("Кыргыз кыздарыбызга мелдеште ийгилик каалайбыз!", "attack_on_women_and_girls"),
])
def test_narrowed_cues_stay_quiet(analyser, text, hallmark):
    f = analyser.features(text, "ky")
    assert hallmark not in f.hallmarks, f.cues


@pytest.mark.parametrize(("text", "marker"), [
    ("Өзбектер курал чогултуп жатышат деген туура эмес.", "counter_speech"),
    ("Казактар айылды өрттөгөнү жатышат деген ушак, ишенбегиле.", "counter_speech"),
    ("Уйгурлар шаарды басып алат дегени чындыкка дал келбейт.", "counter_speech"),
    ("Статистика комитетинин маалыматына ылайык, облуста дуңгандар көп жашайт.", "news_reporting"),
    ("Облустук сот отурумунда эки жигит беш жылга эркинен ажыратылды.", "news_reporting"),
])
def test_new_markers(analyser, text, marker):
    f = analyser.features(text, "ky")
    assert marker in _labels(f.context), f.context


def test_destroy_is_not_a_negation(analyser):
    f = analyser.features("Кампадагы чегирткелерди жок кылуу керек, түшүм азайып жатат.", "ky")
    assert "negation" not in _labels(f.context)
    lose = analyser.features("Чоң атам базарда капчыгын жоготуп алды.", "ky")
    assert "negation" not in _labels(lose.context)
    g = analyser.features("Бул айылда суу жок, дыйкандар нааразы.", "ky")
    assert "negation" in _labels(g.context)


def test_police_alone_is_not_news_wording(analyser):
    f = analyser.features("Милиция коргобосо, түнкүсүн көчөгө чыкпайбыз.", "ky")
    assert "news_reporting" not in _labels(f.context)
    g = analyser.features("Милиция мушташ боюнча эки жигитти кармады.", "ky")
    assert "news_reporting" in _labels(g.context)
