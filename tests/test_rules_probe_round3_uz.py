"""Uzbek context entries of the third probe round (counter-speech false alarms), in Latin and Cyrillic script: a
group's own defence refused as slur or insult ("do not call them traitors", "do not humiliate them"), the speakers of
a call rebuked, those who set peoples fighting, "even talking of it is madness", "why on earth should …?", and groups
said to be human too or this land's children; the markers stay off a provocation blamed on a group, those who set
peoples fighting named as a group, and the same words denied or asked."""

from __future__ import annotations

import pytest

from tests.known_wrong import cases

FOUND = [
    ('Tojiklar ham inson, ularni kamsitmang.', 'refusal'),
    ('Тожиклар ҳам инсон, уларни камситманг.', 'counter_speech'),
    ('Nega endi ruslarni haydash kerak? Ular ham shu yurtning fuqarosi.', 'refusal'),
    ('Ўзбеклар ҳам, қирғизлар ҳам бу юртнинг эгаси.', 'inclusion'),
    ('Oʻzbeklarni urish kerak degan odam jinoyatchi.', 'counter_speech'),
    ('Тожикларни ҳайдашга чақирганлар жазолансин.', 'counter_speech'),
    ('Yahudiylarni hamma narsada ayblash — adolatsizlik.', 'condemnation'),
    ('Дунганларни ҳайдаш ҳақида гапириш ақлсизлик.', 'refusal'),
    ('Ruslarni sotqin demang, ular ham shu yerda tugʻilgan.', 'refusal'),
    ('Қозоқларни душман қилиб кўрсатманг.', 'refusal'),
    ('Tojiklarni haydash kerak deyayotganlarga aytaman: oʻzingiz qayerdan kelgansiz?', 'counter_speech'),
    ('Русларни айблашдан олдин, ўзимизга қарайлик.', 'counter_speech'),
    ('Kimningdir gapiga kirib qoʻlingizga tosh olmang.', 'counter_speech'),
    ('Қозоқ биродарларимизни ҳурмат қиламиз.', 'inclusion'),
    ('Oʻzbeklar bilan qirgʻizlarni urishtirmoqchi boʻlganlar hech qachon maqsadiga erishmaydi.', 'counter_speech'),
    ('Ўзбекларни ва қирғизларни бир-бирига қарши қўяётганлар бизнинг дўстимиз эмас.', 'counter_speech'),
]

PASSED = [
    'Tojiklar ham inson, ularni kamsitmang.',
    'Тожиклар ҳам инсон, уларни камситманг.',
    'Nega endi ruslarni haydash kerak? Ular ham shu yurtning fuqarosi.',
    'Ўзбеклар ҳам, қирғизлар ҳам бу юртнинг эгаси.',
    'Oʻzbeklarni urish kerak degan odam jinoyatchi.',
    'Тожикларни ҳайдашга чақирганлар жазолансин.',
    'Yahudiylarni hamma narsada ayblash — adolatsizlik.',
    'Дунганларни ҳайдаш ҳақида гапириш ақлсизлик.',
    'Ruslarni sotqin demang, ular ham shu yerda tugʻilgan.',
    'Қозоқларни душман қилиб кўрсатманг.',
    'Tojiklarni haydash kerak deyayotganlarga aytaman: oʻzingiz qayerdan kelgansiz?',
    'Қозоқ биродарларимизни ҳурмат қиламиз.',
    'Oʻzbeklar bilan qirgʻizlarni urishtirmoqchi boʻlganlar hech qachon maqsadiga erishmaydi.',
    'Ўзбекларни ва қирғизларни бир-бирига қарши қўяётганлар бизнинг дўстимиз эмас.',
]

HATEFUL = [
    ('Provokatsiya qilayotgan oʻzbeklarni oʻldirish kerak.', 'condemnation'),
    ('Провокатсия қилаётган ўзбекларни ўлдириш керак.', 'condemnation'),
    ('Xalqni urishtirayotganlar tojiklar, ularni quvib chiqaring.', 'counter_speech'),
    ('Бизни уриштираётганлар — ўзбеклар, уларни ҳайдаш керак.', 'counter_speech'),
    ('Bizni bir-birimizga qarshi qoʻyayotganlar ruslar, ularni yurtdan haydash kerak.', 'counter_speech'),
    ('Uygʻurlar ham insonmi? Ular kalamushlar.', 'counter_speech'),
    ('Ўзбеклар ҳам бу юртнинг эгаси эмас, улар кетиши керак.', 'inclusion'),
    ('Qirgʻizlarni ayblash adolatsizlik emas, ular aybdor, ularni quvib chiqaring.', 'condemnation'),
    ('Қирғизлар билан тинч яшаш керак деган одам миллатчи эмас, сотқин. Уларни ҳайдаш керак.', 'counter_speech'),
    ('Tojiklar ham inson, lekin ularni haydash kerak.', None),
]


def test_counter_speech_markers_are_found(decide_texts):
    for text, (features, _) in decide_texts([t for t, _ in FOUND]).items():
        labels = {c.label for c in features.context}
        wanted = [label for t, label in FOUND if t == text]
        assert set(wanted) <= labels, (text, labels)


def test_counter_speech_is_not_flagged(decide_texts):
    for text, (_, analysis) in decide_texts(PASSED).items():
        assert not analysis.incitement, text


#: Read wrong by the shipped model (see docs/model-card.md, "A split put right, an eleventh template round").
KNOWN_WRONG = {
    "Провокатсия қилаётган ўзбекларни ўлдириш керак.":
        "the classifier reads the Cyrillic line as harmless (p 0.00); the call's boost leaves it at 0.44, where the "
        "Latin twin is flagged",
}


@pytest.fixture(scope="module")
def hateful(decide_texts):
    return decide_texts([t for t, _ in HATEFUL])


def test_hate_with_the_same_words_is_not_excused(hateful):
    for text, (features, _) in hateful.items():
        unwanted = [label for t, label in HATEFUL if t == text and label]
        assert not set(unwanted) & {c.label for c in features.context}, text


@pytest.mark.parametrize("text", cases([t for t, _ in HATEFUL], KNOWN_WRONG))
def test_hate_with_the_same_words_is_flagged(hateful, text):
    assert hateful[text][1].incitement, (text, hateful[text][1].score)
