"""Uzbek cues and markers: phrasings added, cues narrowed to their hateful sense, denials as counter-speech.

Sentences are short and fictional; the hateful ones are labelled by the hallmark they must raise.
"""

from __future__ import annotations

import pytest

from tocsin.models.decision import context_markers, local_context
from tocsin.nlp import TextAnalyser


@pytest.fixture(scope="module")
def analyser() -> TextAnalyser:
    return TextAnalyser()


def _labels(spans) -> set[str]:
    return {s.label for s in spans}


@pytest.mark.parametrize(("text", "hallmark", "group"), [
    ("Qishloqdagi tojiklarni o'ldirish uchun ko'ngillilar kerak.", "call_to_violence", "tajik"),
    ("Dunganlarni yo'q qilish kerak, boshqa chora yo'q.", "call_to_violence", "dungan"),
    ("Hokimiyat aralashmasa, qozoqlarni o'zimiz qirib tashlaymiz.", "call_to_violence", "kazakh"),
    ("Ruslar quduqlarni zaharlashmoqchi, ehtiyot bo'ling.", "accusation_in_a_mirror", "russian"),
    ("Uyg'urlar qirg'in uyushtirishga tayyorlanmoqda.", "accusation_in_a_mirror", "uyghur"),
    ("Qirg'izlarni qishlog'imizdan haydash — adolat.", "call_to_expulsion", "kyrgyz"),
    ("Tojiklarni shahardan chiqarib yuborish vaqti keldi.", "call_to_expulsion", "tajik"),
    ("Qozoqlar bilan aralashmang, ajralib yashaymiz.", "threat_to_purity", "kazakh"),
    ("O'zbeklar qizlarimizni yo'ldan urmoqda.", "attack_on_women_and_girls", "uzbek"),
    ("Dunganlar — zararkunandalar.", "dehumanization", "dungan"),
])
def test_added_phrasings_raise_their_hallmark(analyser, text, hallmark, group):
    f = analyser.features(text, "uz")
    assert group in f.groups, f.targets
    assert hallmark in _labels(f.cues), f.cues


@pytest.mark.parametrize(("text", "hallmark"), [
    # a girls' team: "our girls" alone is no attack on women
    ("Tojik va o'zbek qizlaridan iborat jamoa yutdi, qizlarimiz zo'r o'ynadi!", "attack_on_women_and_girls"),
    # mol-mulk is property, not cattle said of people
    ("Uyg'ur tadbirkorning mol-mulki qaytarildi.", "dehumanization"),
    # begona alone is stranger, foreign
    ("Qirg'iz cho'ponlari begona itlardan ehtiyot bo'lishdi.", "call_to_expulsion"),
    # a sheep slaughtered for the feast is no violence
    ("Hayitda rus qo'shnilarimiz bilan qo'y so'yamiz.", "call_to_violence"),
    # we will not kill: the negated verb is no call
    ("Biz hech kimni o'ldirmaymiz, tojiklar ham qo'shnimiz.", "call_to_violence"),
])
def test_narrowed_cues_stay_silent_on_harmless_uses(analyser, text, hallmark):
    f = analyser.features(text, "uz")
    assert f.groups, f.targets
    assert hallmark not in _labels(f.cues), f.cues


def test_destroy_is_no_negation(analyser):
    f = analyser.features("Qozoqlarni yo'q qilamiz!", "uz")
    assert "call_to_violence" in _labels(f.cues)
    assert "negation" not in _labels(f.context), f.context


def test_a_denial_negates_the_rumour_before_it(analyser):
    f = analyser.features("Dunganlar qo'zg'olonga tayyorlanmoqda degani yolg'on.", "uz")
    assert "accusation_in_a_mirror" in _labels(f.cues)
    assert "counter_speech" in _labels(f.context)
    context, _ = local_context(f)
    assert "negated_cue" in context_markers(f, context)


def test_do_not_be_fooled_is_counter_speech(analyser):
    f = analyser.features("Uyg'urlar uylarimizni yoqmoqchi degan gaplarga aldanmanglar.", "uz")
    assert "counter_speech" in _labels(f.context)


def test_cyrillic_uzbek_uses_the_same_rules(analyser):
    f = analyser.features("Қозоқларни ўлдириш учун йигитлар керак.", "uz")
    assert f.groups == ["kazakh"] and "call_to_violence" in _labels(f.cues)
    denial = analyser.features("Руслар қирғинга тайёрланмоқда дегани нотўғри.", "uz")
    assert "counter_speech" in _labels(denial.context)


def test_not_hate_is_no_condemnation(analyser):
    f = analyser.features("Ruslarni quvib chiqarish nafrat emas, adolat.", "uz")
    assert "call_to_expulsion" in _labels(f.cues)
    assert "condemnation" not in _labels(f.context), f.context


def test_police_in_a_condition_is_no_news_report(analyser):
    f = analyser.features("Militsiya bizni himoya qilmasa, tojiklarni o'zimiz o'ldiramiz.", "uz")
    assert "call_to_violence" in _labels(f.cues)
    assert "news_reporting" not in _labels(f.context), f.context
    report = analyser.features("Militsiya O'shda ikki kishi ushlanganini xabar qildi, ular tojiklar.", "uz")
    assert "news_reporting" in _labels(report.context)


def test_a_true_patriot_never_is_no_denial(analyser):
    f = analyser.features("Haqiqiy vatanparvar hech qachon qirg'izlarning tarafini olmaydi.", "uz")
    assert "questioning_ingroup_loyalty" in _labels(f.cues)
    assert "negation" not in _labels(f.context), f.context


def test_the_peoples_language_still_names_the_people(analyser):
    assert analyser.features("O'zbek tilida dars bo'ladi.", "uz").groups == []
    assert analyser.features("Bu yerda qirg'izlarning tili ko'payib ketdi.", "uz").groups == ["kyrgyz"]
