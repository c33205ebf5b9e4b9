"""The rule pipelines: targets in every inflected form, places, hallmark cues, context, evasions."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tocsin.nlp import TextAnalyser
from tocsin.nlp.evasion import VARIANTS, evade, variants_for
from tocsin.nlp.features import CONTEXT_MARKERS, HALLMARKS, Features

FIXTURES = Path(__file__).parent / "fixtures" / "nlp"


def _jsonl(name: str) -> list[dict]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


CASES = _jsonl("cases.jsonl")
CONTEXT_CASES = _jsonl("context_cases.jsonl")


def assert_spans_exact(f: Features) -> None:
    for span in f.spans:
        assert f.text[span.start:span.end] == span.text, span
        assert span.text.strip(), span


def summary(f: Features) -> tuple:
    return f.groups, sorted(f.hallmarks), sorted({p.label for p in f.places})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:30])
def test_cases_find_target_cue_and_place(analyser, case):
    f = analyser.features(case["text"])
    assert f.lang_tag == case["lang"]
    assert f.groups == case["groups"]
    assert sorted(f.hallmarks) == sorted(case["hallmarks"])
    assert sorted({p.label for p in f.places}) == sorted(case.get("places", []))
    assert_spans_exact(f)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:30])
def test_every_evasion_finds_the_same_evidence(analyser, case):
    plain = summary(analyser.features(case["text"]))
    for name in variants_for(case["lang"]):
        for seed in range(3):
            text = evade(case["text"], name, seed)
            f = analyser.features(text)
            assert summary(f) == plain, (name, text, f.normalised)
            assert_spans_exact(f)


def test_each_named_evasion_changes_the_text():
    text = "Узбеков надо выгнать из города"
    for name in ("homoglyph", "digits", "zero_width", "spacing", "repeat", "translit", "bidi", "mixed"):
        assert evade(text, name, 1) != text, name
    assert evade("Oʻzbeklarni haydash kerak", "script_switch") == "Ўзбекларни ҳайдаш керак"
    assert set(variants_for("uz-Latn")) <= set(VARIANTS)
    # language-specific generators leave other languages alone, so any generator fits any text
    assert evade("We must leave the city now", "translit") == "We must leave the city now"
    assert evade("Өзбектерди кубалагыла деген жок", "script_switch") == "Өзбектерди кубалагыла деген жок"
    with pytest.raises(KeyError, match="unknown evasion"):
        evade(text, "rot13")


@pytest.mark.parametrize(
    "text, group",
    [
        # Russian: cases and plurals through lemmas
        ("узбек пришёл", "uzbek"), ("узбеки пришли", "uzbek"), ("нет узбеков", "uzbek"), ("узбекам сказали", "uzbek"),
        ("с узбеками", "uzbek"), ("об узбеках", "uzbek"), ("узбечка пришла", "uzbek"), ("узбекские семьи", "uzbek"),
        ("киргизов много", "kyrgyz"), ("кыргызам сказали", "kyrgyz"), ("таджиков много", "tajik"),
        ("русских много", "russian"), ("дунган много", "dungan"), ("дунганы пришли", "dungan"), ("уйгурами", "uyghur"), ("казахов много", "kazakh"),
        ("турок-месхетинцев много", "turk"), ("турков избили", "turk"), ("евреев много", "jewish"), ("мусульман много", "muslim"),
        ("христиан много", "christian"), ("китайцев много", "chinese"), ("китаянка пришла", "chinese"),
        ("корейцев много", "korean"), ("корейцы пришли", "korean"),
        # Kyrgyz suffix chains
        ("өзбектерди көрдүм", "uzbek"), ("өзбектердин үйү", "uzbek"), ("өзбектерге айт", "uzbek"),
        ("өзбектерден сура", "uzbek"), ("кыргыздарды көрдүм", "kyrgyz"), ("тажиктерге айт", "tajik"),
        ("орустардын үйү", "russian"), ("казактар келди", "kazakh"), ("дуңгандарды көрдүм", "dungan"),
        ("дүңгөндөрдү көрдүм", "dungan"), ("кытайларды көрдүм", "chinese"), ("кытайлыктар келди", "chinese"),
        ("менин өзбегим келди", "uzbek"),                                   # к voiced before a vowel
        # Uzbek suffix chains, both scripts
        ("qirg'izlarni ko'rdim", "kyrgyz"), ("qirg'izlarga ayt", "kyrgyz"), ("qirgʻizlarning uyi", "kyrgyz"),
        ("o'zbeklardan so'ra", "uzbek"), ("tojiklarni ko'rdim", "tajik"), ("ruslarga ayt", "russian"),
        ("uning tojigi keldi", "tajik"), ("xitoyliklarni ko'rdim", "chinese"), ("koreyslarni koʻrdim", "korean"),
        ("oʻrislar keldi", "russian"), ("ўрислар келди", "russian"), ("корейслар келди", "korean"),
        ("қирғизларни кўрдим", "kyrgyz"), ("ўзбекларга айт", "uzbek"), ("қозоқлар келди", "kazakh"),
        # English
        ("the Uzbeks came", "uzbek"), ("a Kyrgyz family", "kyrgyz"), ("Tajik's house", "tajik"),
        ("the Meskhetian Turks", "turk"), ("Uyghurs and Dungans", "uyghur"), ("Chinese workers arrived", "chinese"),
        ("the Koreans of Jalal-Abad", "korean"), ("корейлерди көрдүм", "korean"),
    ],
)
def test_inflected_and_suffixed_forms(analyser, text, group):
    f = analyser.features(text)
    assert group in f.groups, (text, f.lang_tag, f.normalised)
    assert_spans_exact(f)


@pytest.mark.parametrize(
    "text, not_group, lang",
    [
        ("Казаки пели песни у костра.", "kazakh", "ru"),           # казак = Cossack in Russian
        ("Иван Русских приехал домой.", "russian", "ru"),          # surname next to a given name
        ("Азамат Узбеков выиграл турнир.", "uzbek", "ru"),
        ("Приказ подписал А. Б. Киргизов.", "kyrgyz", "ru"),
        ("Слово взял г-н Таджиков.", "tajik", "ru"),
        ("Иван Турков пришёл.", "turk", "ru"), ("Семья Турковых переехала.", "turk", "ru"),
        ("Mr Turk opened the new bakery.", "turk", "en"),
        ("Свари кофе в турке на плите.", "turk", "ru"),            # турка = coffee pot
        ("Я пью турецкий кофе по утрам.", "turk", "ru"),
        ("Мы учим русский язык в школе.", "russian", "ru"),        # a language, not people
        ("Статья доступна на русском и узбекском.", "uzbek", "ru"),
        ("The report was published in Uzbek.", "uzbek", "en"),
        ("Russian-language media reported it.", "russian", "en"),
        ("I love Turkish coffee and Turkish delight.", "turk", "en"),
        ("ФК «Узбек» выиграл матч.", "uzbek", "ru"),               # a club
        ("U ruscha gapiradi.", "russian", "uz"),                   # 'in Russian'
        ("Ал кыргызча сүйлөйт.", "kyrgyz", "ky"),
        ("Купил китайский телефон, работает.", "chinese", "ru"),   # goods, not people
        ("Мен кытай тилин үйрөнүп жатам.", "chinese", "ky"),
        ("Кытайга иш сапары менен бардым.", "chinese", "ky"),      # the country: to China
        ("Xitoydan kelgan mollar arzon.", "chinese", "uz"),
        ("We ordered Chinese food and tea.", "chinese", "en"),
        ("кытайга жер сатпагыла!", "chinese", "ky"),                 # the country in lower case too
        ("Кытай компанияларын өлкөдөн кууп чыгуу керек!", "chinese", "ky"),
        ("Xitoy mollari arzon, lekin sifatsiz.", "chinese", "uz"),
        ("The Chinese government must get out of Kyrgyzstan.", "chinese", "en"),
        ("Купила корейскую морковку на базаре.", "korean", "ru"),   # a dish, not people
        ("We watched Korean dramas all night.", "korean", "en"),
        ("Мен Кореяга иштегени бардым.", "korean", "ky"),           # the country
    ],
)
def test_homonyms_and_names_are_not_targets(analyser, text, not_group, lang):
    f = analyser.features(text, lang_hint=lang)
    assert not_group not in f.groups, (text, f.targets)


@pytest.mark.parametrize(
    "text, lang, women",
    [
        ("Они обижают наших дочерей и сёстер.", "ru", True), ("Мама кыргызка, папа узбек.", "ru", True),
        ("Кто женится на узбечке, тот нам не брат.", "ru", True), ("Кыздар, не ходите туда вечером!", "ru", True),
        ("Бабушки принесли сюзане на выставку.", "ru", True), ("Мы обсуждали цены на хлопок.", "ru", False),
        ("Кыздарыбызды коргойлу.", "ky", True), ("Тажиктер аял-кыздарыбызга кол салып жатат.", "ky", True),
        ("Апам менен энем келди.", "ky", True),
        ("Ал кызматтан кетти.", "ky", False),                 # кызмат, service, is not кыз, girl
        ("Кызыл алма сатылат.", "ky", False), ("Аялдамада күтүп турабыз.", "ky", False),
        ("Ата-энелер документтерди тапшырсын.", "ky", False),  # parents
        ("Qizlarimizni asrang.", "uz", True), ("Onam qirg'iz, otam o'zbek.", "uz", True),
        ("Қизларимизни асранг.", "uz", True),
        ("Qizil Xoch yordam berdi.", "uz", False), ("Keling, choy ichamiz.", "uz", False),
        ("Jiyanim Toshkentdan keldi.", "uz", False),          # jiyan, a nephew or a niece
        ("Our schoolgirls are lured into cars.", "en", True), ("The ladies' choir sang.", "en", True),
        ("Prices at the bazaar fell.", "en", False),
        # a line in another language of the region
        ("Надо выгнать узбеков из Оша! Кыздарыбызды коргойлу.", "ru", True),
        ("Drive the Uzbeks out of Osh! Кыздарыбызды коргойлу.", "en", True),
        ("Студентке стипендия берилди.", "ky", False),       # a Kyrgyz word for a student, not Russian студентка
        ("Надо выгнать узбеков из Оша! Кызматтан кетсин.", "ru", False),
    ],
)
def test_a_text_speaks_of_women_when_a_word_for_them_occurs_in_any_form(analyser, text, lang, women):
    assert analyser.features(text, lang_hint=lang).speaks_of_women is women, text


def test_a_word_for_women_far_into_a_long_text_counts():
    from tocsin.config import NlpSettings

    analyser = TextAnalyser(NlpSettings(max_chunk_chars=1000))
    filler = "Цены на хлопок в долине выросли. " * 100
    assert not analyser.features(filler, "ru").speaks_of_women
    assert analyser.features(filler + "Они обижают наших дочерей.", "ru").speaks_of_women


def test_common_words_are_not_places(analyser):
    assert analyser.features("Мы стояли в арке у старого дома.").places == []
    assert analyser.features("Quyosh sharqdan chiqadi, hamma biladi.").places == []


def test_slur_for_central_asians_has_its_own_group(analyser):
    assert analyser.features("Чурки понаехали в Бишкек").groups == ["central_asian"]


def test_language_phrases_do_not_hide_people(analyser):
    assert analyser.features("Толпа напала на русских у рынка.").groups == ["russian"]
    assert analyser.features("They attacked Uzbek villages in Uzbek districts.").groups == ["uzbek"]


def test_kyrgyz_kazak_is_kazakh(analyser):
    assert analyser.features("Казактар менен кыргыздар бир тууган").groups == ["kazakh", "kyrgyz"]


def test_uzbek_osh_is_pilaf_not_the_city(analyser):
    assert analyser.features("Bugun mazali osh pishirdik, hamma keldi.").places == []
    assert [p.label for p in analyser.features("Bugun Oʻshda bozor yopiq edi.").places] == ["osh"]


@pytest.mark.parametrize("text", ["Oʻsha odamlar bozorga keldi.", "Oʻshalar ketdi, oʻshani koʻrdim.", "O'sha kuni yomgʻir yogʻdi.",
                                  "Ўша одамлар бозорга келди.", "Ўшаларнинг уйи шу ерда."])
def test_uzbek_that_is_not_osh(analyser, text):
    """'oʻsha' (that) reads as Oʻsh plus a verb's -a; only the city's case forms are the city."""
    assert analyser.features(text).places == []


@pytest.mark.parametrize(
    "text, place",
    [
        ("В Оше открыли рынок.", "osh"), ("Из Джалал-Абадской области", "jalal_abad"), ("Жалал-Абадда жаан", "jalal_abad"),
        ("Ошто майрам", "osh"), ("Oʻshda bozor", "osh"), ("Andijonga bordik", "andijan"), ("Андижондан келди", "andijan"),
        ("The market near Kara-Suu was closed", "kara_suu"), ("через пункт пропуска Достук", "dostuk"), ("Xoʻjandda yashaydi", "khujand"),
        ("в Худжанде", "khujand"), ("Өзгөндө той", "uzgen"), ("в Узгене", "uzgen"), ("Баткенде", "batken"),
        ("в Ак-Сае стреляли", "ak_sai"), ("у Тортгуля", "tortgul"), ("Көк-Ташта", "kok_tash"),
    ],
)
def test_places(analyser, text, place):
    f = analyser.features(text)
    assert place in {p.label for p in f.places}, (text, f.lang_tag, f.normalised)
    assert_spans_exact(f)


@pytest.mark.parametrize("case", CONTEXT_CASES, ids=lambda c: f"{c['lang']}-{c['marker']}")
def test_context_markers(analyser, case):
    f = analyser.features(case["text"])
    assert f.lang_tag == case["lang"]
    assert case["marker"] in {c.label for c in f.context}
    assert_spans_exact(f)


def test_context_fixture_covers_every_marker_in_every_variant():
    covered = {(c["lang"], c["marker"]) for c in CONTEXT_CASES}
    assert covered == {(lang, m) for lang in ("ru", "ky", "uz-Latn", "uz-Cyrl", "en") for m in CONTEXT_MARKERS}


def test_cases_cover_every_hallmark_in_every_variant():
    covered = {(c["lang"], h) for c in CASES for h in c["hallmarks"]}
    missing = {(lang, h) for lang in ("ru", "ky", "uz-Latn", "uz-Cyrl", "en") for h in HALLMARKS} - covered
    assert missing == set()


@pytest.mark.parametrize(
    "text, group, hallmark",
    [
        ("ubivat' kirgizov nado", "kyrgyz", "call_to_violence"),           # translit, modal after the verb
        ("0ш узб3ки крысы", "uzbek", "dehumanization"),                     # 3 for е, 0 for о
        ("The Kyrgyz must be driven out of Osh.", "kyrgyz", "call_to_expulsion"),
        ("The Tajiks should be killed.", "tajik", "call_to_violence"),
        ("Кыргыздар, бирикпесек өзбектер бизди жок кылат.", "uzbek", "accusation_in_a_mirror"),
        ("Сдохните, уйгуры!", "uyghur", "call_to_violence"),
        ("Смерть таджикам!", "tajik", "call_to_violence"),
        ("Громите дома дунган!", "dungan", "call_to_violence"),            # imperative = 2nd plural present
        ("Burn out the Russians, before it's too late!", "russian", "call_to_violence"),
        ("Өзбектер өлсүн!", "uzbek", "call_to_violence"),                  # jussive "let them die"
        ("Qirg'izlar o'lsin!", "kyrgyz", "call_to_violence"),
        ("Пусть таджики горят!", "tajik", "call_to_violence"),
        ("Уйгурларды аябагыла!", "uyghur", "call_to_violence"),            # "do not spare them"
        ("Qozoqlarni ayamanglar!", "kazakh", "call_to_violence"),
        ("Death to the Tajiks! No mercy.", "tajik", "call_to_violence"),
        ("Өзбектер, тезинен көчкүлө!", "uzbek", "call_to_expulsion"),     # the group addressed: "move away"
        ("Uzbeks, pack up and leave!", "uzbek", "call_to_expulsion"),
        ("Our people must stay pure: not a single Uyghur in our villages.", "uyghur", "threat_to_purity"),
        ("Элибиз таза калышы керек: бир да уйгур болбосун.", "uyghur", "threat_to_purity"),
        ("Everyone knows the Uzbeks will come tonight to burn our homes.", "uzbek", "accusation_in_a_mirror"),
        ("Журналисты, которые оправдывают узбеков, — не наши.", "uzbek", "questioning_ingroup_loyalty"),
        ("Осторожно! уйгуры собираются отравить воду в Оше.", "uyghur", "accusation_in_a_mirror"),
        ("Угушумча, өзбектер түнү балдарыбызды союуга келишет.", "uzbek", "accusation_in_a_mirror"),
        ("The Tajiks are just waiting for the moment to butcher us all.", "tajik", "accusation_in_a_mirror"),
        ("Не роднитесь с казахами: дети будут не наши.", "kazakh", "threat_to_purity"),
        ("Qaranglar: uyg'urlar qonimizni buzmoqda.", "uyghur", "threat_to_purity"),
        ("Жетишет: тажиктерди айдап чыгуу керек.", "tajik", "call_to_expulsion"),
        ("This MP is friends with the Uzbeks — so he sold out.", "uzbek", "questioning_ingroup_loyalty"),
        ("Девушки, которые гуляют с казахами, — позор.", "kazakh", "attack_on_women_and_girls"),
        ("Qirg'izlar bizning qizlarimizni olib ketyapti.", "kyrgyz", "attack_on_women_and_girls"),
    ],
)
def test_more_forms_of_the_hallmarks(analyser, text, group, hallmark):
    f = analyser.features(text)
    assert group in f.groups and hallmark in f.hallmarks, (f.lang_tag, f.normalised, f.cues)
    assert_spans_exact(f)


@pytest.mark.parametrize(
    "text",
    [
        "Вчера в Оше задержали двоих, которые призывали бить узбеков, сообщает МВД.",  # a report, not a call
        "Tojiklarni o'ldirmanglar, ular ham inson.",                                   # "do not kill"
        "Аларды өлтүрбөгүлө, алар да адам.",
        "Police said two men were killed in the clashes near Osh.",
        "Жайлоодо малчылар боз үй тигишти.",                                           # herders, not cattle
        "Militsiya telefon o'g'irlashda gumon qilingan shaxsni ushladi.",               # theft, not abduction
        "Жители вышли очистить парк от мусора.",                                       # cleaning, not cleansing
        "В драке на рынке убили мужчину, сообщает милиция.",                             # news of a killing
        "Кагылышта эки киши өлтүрүлдү, деп кабарлады милиция.",
        "To'qnashuvda ikki kishi o'ldirildi, deb xabar berdi militsiya.",
        "Тўқнашувда икки киши ўлдирилди, деб хабар берди милиция.",
        "Короону тазалагыла, балдар.",
        "Hovlini tozalanglar, bolalar.",
    ],
)
def test_no_call_or_dehumanization_in_reports_and_negated_calls(analyser, text):
    f = analyser.features(text)
    assert not {"call_to_violence", "call_to_expulsion", "dehumanization", "attack_on_women_and_girls",
                "threat_to_purity"} & set(f.hallmarks), f.cues


@pytest.mark.parametrize("text", ["Надо очистить город от узбеков!", "Жерибизди өзбектерден тазалагыла!",
                                  "Shaharni qirg'izlardan tozalash kerak."])
def test_cleansing_of_a_place_or_group(analyser, text):
    assert "threat_to_purity" in analyser.features(text).hallmarks


def test_idioms_with_a_negation_word_are_not_negation(analyser):
    f = analyser.features("Громите лавки евреев, пока не поздно!")
    assert "negation" not in {c.label for c in f.context} and f.hallmarks == ["call_to_violence"]
    assert "negation" not in {c.label for c in analyser.features("It is not only a rumour.").context}
    assert "negation" in {c.label for c in analyser.features("Не надо громить лавки.").context}


@pytest.mark.parametrize("text", [
    "Такие слова просто так не говорят.", "Не зря таджики скупают дома.", "Узбеки не шутят.", "They are not joking.",
    "It is no accident that the Uzbeks bought those houses.", "Бул тамаша эмес.", "Бекер эмес, дуңгандар үй сатып алышат.",
    "Bu hazil emas.", "Qozoqlar uylarni bejiz emas sotib olmoqda.",
])
def test_idioms_that_assert_are_not_negation(analyser, text):
    assert "negation" not in {c.label for c in analyser.features(text).context}, text


def test_more_spellings_and_frames_from_a_probe(analyser):
    assert "jewish" in analyser.features("Жүйүттөр мите, аларды Ферганадан кууп чыгаргыла.").groups
    court = analyser.features("Жалал-Абад соту өзбектерди кууп чыгууга чакырган блогерди беш жылга соттоду.")
    assert "news_reporting" in {c.label for c in court.context}
    assert "call_to_violence" in analyser.features("Узбеков надо наказывать.").hallmarks


@pytest.mark.parametrize("text", ["Баткендеги тажиктер куралданып жатат дешет. Бул калп! Эл өрүк терип жатат.",
                                  "Qirgʻizlar qurollanmoqda deyishadi. Bu yolgʻon! Bugun Oʻshda edim."])
def test_this_is_a_lie_in_a_sentence_of_its_own_is_counter_speech(analyser, text):
    assert "counter_speech" in {c.label for c in analyser.features(text).context}
    assert "counter_speech" not in {c.label for c in analyser.features("Тажиктер куралданып жатат. Бул калп эмес!").context}


@pytest.mark.parametrize("text", ["Бул жолку олжобуз — казактар. Эч бири качып кутулбасын.",
                                  "Oʻljamiz — qirgʻizlar. Birortasi ham qochib qutulmasin.",
                                  "Добыча — таджики. Ни один не уйдёт."])
def test_let_none_escape_negates_nothing(analyser, text):
    assert "negation" not in {c.label for c in analyser.features(text).context}


def test_distrust_of_a_group_urged_is_no_counter_speech(analyser):
    markers = lambda text: {c.label for c in analyser.features(text).context}
    assert "counter_speech" not in markers("Никогда не верь узбеку.")
    assert "counter_speech" not in markers("Не верьте таджикам, они всегда обманут.")
    assert "counter_speech" in markers("Не верьте слухам про узбеков, это провокация.")


@pytest.mark.parametrize("text, negated", [
    ("Tojik bolalar yovvoyi olma terishdi.", False),      # olma, the apple
    ("Bozorda qozoq ayollar olma va uzum sotadi.", False),
    ("Oʻzbek dehqonlar bir kilo olma berdi.", False),
    ("Qirgʻizlarni ishga olma!", True),                   # olma!, do not take
    ("Бозорда хитой олмаси арзон.", False),
])
def test_uzbek_olma_is_the_apple_after_a_word_that_describes_or_counts_it_and_before_what_is_done_with_it(
        analyser, text, negated):
    assert ("negation" in {c.label for c in analyser.features(text).context}) is negated


def test_negation_carried_by_a_verb_suffix(analyser):
    ky = analyser.features("Аларды өлтүрбөгүлө!")
    assert "negation" in {c.label for c in ky.context}
    uz = analyser.features("Ularni oʻldirmanglar!")
    assert "negation" in {c.label for c in uz.context}


def test_features_carry_language_version_and_normalised_text(analyser):
    f = analyser.features("Ўзбекларни ҳайдаш керак")
    assert (f.lang, f.script, f.lang_tag) == ("uz", "Cyrl", "uz-Cyrl")
    assert f.normalised == "Oʻzbeklarni haydash kerak"
    assert f.patterns_version == analyser.patterns_version and len(f.patterns_version) == 12


def test_features_many_keeps_order_and_hints(analyser):
    texts = ["Узбеков надо выгнать", "", "We must drive them out", "Ошто той болду"]
    many = analyser.features_many(texts, ["ru", "", "en", "ky"])
    assert [f.text for f in many] == texts
    assert [f.lang for f in many] == ["ru", "other", "en", "ky"]
    assert [f.groups for f in many] == [analyser.features(t).groups for t in texts]
    with pytest.raises(ValueError, match="language hints"):
        analyser.features_many(texts, ["ru"])


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙂🙂🔥🔥", "\x00\x00узбек\x00", "e" + "\u0301" * 10_000, "\u200b" * 5000, "!" * 10_000,
     "ﷺ" * 100, "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")],
)
def test_hostile_inputs_do_not_crash(analyser, text):
    f = analyser.features(text)
    assert f.lang in ("ru", "ky", "uz", "en", "kk", "tg", "other")
    assert_spans_exact(f)


def test_nul_bytes_do_not_hide_a_group(analyser):
    f = analyser.features("Бейте уз\x00беков")
    assert f.groups == ["uzbek"] and f.hallmarks == ["call_to_violence"]
    assert_spans_exact(f)


@pytest.mark.slow
def test_five_megabyte_text(analyser):
    sentence = "Жители Оша вышли на субботник. "
    text = sentence * (5_000_000 // len(sentence))
    text += "Узбеков надо выгнать из Оша."
    f = analyser.features(text)
    assert f.lang == "ru"
    assert "uzbek" in f.groups and "call_to_expulsion" in f.hallmarks
    last = f.targets[-1]
    assert last.start > 4_900_000 and text[last.start:last.end] == "Узбеков"
    assert len(f.places) > 100_000
    assert_spans_exact(f)


CALL = "Надо выгнать узбеков из Оша!"


@pytest.mark.parametrize("padding", [" " * 4000, "😀" * 5000 + " ", "." * 5000 + " ", "12345 " * 1000, "\u200b" * 5000])
def test_padding_without_letters_does_not_hide_the_language_of_the_words(analyser, padding):
    f = analyser.features(padding + CALL)
    assert (f.lang, f.groups, f.hallmarks) == ("ru", ["uzbek"], ["call_to_expulsion"])
    assert_spans_exact(f)


@pytest.mark.parametrize("before, after, lang, hallmark", [
    ("The weather in the city was nice today and the market opened early. " * 80, CALL, "en", "call_to_expulsion"),
    ("Бүгүн шаарда аба ырайы жакшы болду жана базар эрте ачылды. " * 80, "Надо выгнать всех узбеков из Оша, пока не поздно, "
     "прямо сейчас!", "ky", "call_to_expulsion"),
    ("Сегодня в городе хорошая погода. " * 50, "Өзбектерди Оштон кууп чыгуу керек!", "ru", "call_to_expulsion"),
    ("Сегодня в городе хорошая погода. " * 150, "We must drive the Uzbeks out of Osh!", "ru", "call_to_expulsion"),
    ("Вчера в Оше прошёл большой митинг. Журналисты писали о нём весь день.\n", "Oʻzbeklarni Oshdan haydash kerak!",
     "ru", "call_to_expulsion"),
])
def test_a_sentence_in_another_language_is_read_by_its_own_rules(analyser, before, after, lang, hallmark):
    f = analyser.features(before + after)
    assert f.lang == lang, "the text's language is the language of most of it"
    assert "uzbek" in f.groups and hallmark in f.hallmarks
    assert all(t.start >= len(before) for t in f.targets)
    assert_spans_exact(f)


def test_language_runs_keep_short_sentences_with_their_neighbours_and_cover_the_text():
    from tocsin.nlp.language import detect_language
    from tocsin.nlp.runs import language_runs, letters_sample

    text = "Сегодня в городе хорошая погода и много людей. OK. Спасибо! The market opened early today for everyone. Да."
    runs = language_runs(text, "ru", "Cyrl", {"ru", "en"}, detect_language)
    assert "".join(piece for _, piece, _, _ in runs) == text
    assert [(lang, piece.strip()) for _, piece, lang, _ in runs] == [
        ("ru", "Сегодня в городе хорошая погода и много людей. OK. Спасибо!"),
        ("en", "The market opened early today for everyone. Да.")]
    assert all(text[offset:offset + len(piece)] == piece for offset, piece, _, _ in runs)
    assert language_runs(text, "ru", "Cyrl", {"ru"}, detect_language) == [(0, text, "ru", "Cyrl")], "no English rules"
    assert letters_sample(["... 😀 12 Ош, ", "!!! узбеки"]) == "Ош, узбеки"
    assert len(letters_sample(["слово " * 2000], limit=100)) == 100


@pytest.mark.parametrize(
    "tail",
    [
        " https://example.com/news/2026/11/some-long-article-slug-here",
        " @some_channel_name_here #breakingnews #kyrgyzstan",
        "\n@some_channel_name_here #breakingnews #kyrgyzstan",
    ],
)
@pytest.mark.parametrize("hint", ["", "ru"])
def test_a_link_or_hashtags_do_not_take_a_russian_post_to_english_rules(analyser, tail, hint):
    text = "Узбеков надо выгнать из Оша" + tail
    f = analyser.features(text, hint)
    assert (f.lang, f.script) == ("ru", "Cyrl")
    assert [(s.kind, s.label, text[s.start:s.end]) for s in f.spans] == [
        ("target", "uzbek", "Узбеков"), ("cue", "call_to_expulsion", "Узбеков надо выгнать"), ("place", "osh", "Оша")]
    assert_spans_exact(f)


def test_letters_sample_leaves_out_links_and_tags_unless_they_are_all():
    from tocsin.nlp.runs import letters_sample

    assert letters_sample(["Ош, https://t.me/some_channel/12 узбеки @name #tag"]) == "Ош, узбеки"
    assert letters_sample(["(https://example.com/a), #tag"]) == "(https://example.com/a), #tag"


@pytest.mark.parametrize(
    "text, target, place",
    [
        ("Узбековввв надо выгнать из Ошааааа", "Узбековввв", "Ошааааа"),
        ("Drive the Uzbeksssss out of Oshhhh", "Uzbeksssss", "Oshhhh"),
        ("У̸з̸б̸е̸к̸о̸в̸ надо выгнать из О̸ш̸а̸", "У̸з̸б̸е̸к̸о̸в̸", "О̸ш̸а̸"),
    ],
)
def test_spans_keep_the_repeats_and_marks_at_a_words_end(analyser, text, target, place):
    f = analyser.features(text)
    assert [text[s.start:s.end] for s in f.targets] == [target]
    assert [text[s.start:s.end] for s in f.places] == [place]
    assert_spans_exact(f)


def test_long_text_is_processed_in_bounded_chunks():
    from tocsin.config import NlpSettings

    analyser = TextAnalyser(NlpSettings(max_chunk_chars=1000))
    sentence = "Соседи живут мирно в Оше. "
    text = sentence * 200 + "Бейте таджиков! " + sentence * 200
    f = analyser.features(text)
    assert f.groups == ["tajik"] and f.hallmarks == ["call_to_violence"]
    assert len([p for p in f.places if p.label == "osh"]) == 400
    assert_spans_exact(f)


def test_a_word_too_long_to_be_one_gets_no_lemma_and_the_rest_is_read(analyser):
    from tocsin.nlp.pipeline import LONGEST_WORD

    blob = "узбек" * 20_000          # a pasted blob: one 100,000-letter "word" (a minute and 4 GB to lemmatise)
    f = analyser.features(f"Бейте узбеков! {blob} Соседи живут мирно в Оше.")
    assert f.groups == ["uzbek"] and f.hallmarks == ["call_to_violence"] and [p.label for p in f.places] == ["osh"]
    doc = analyser.pipelines["ru"](f"Бейте узбеков {blob[:LONGEST_WORD + 1]} {blob[:LONGEST_WORD]}")
    assert [t.lemma_ for t in doc][2:] == ["", "узбек" * (LONGEST_WORD // 5)]


def test_unknown_language_gets_language_id_only(analyser):
    f = analyser.features("Қазақтар мен қырғыздар бауырлас халық")
    assert f.lang == "kk" and f.spans == []


def test_kazakh_and_tajik_pipelines_can_be_enabled():
    from tocsin.config import NlpSettings

    analyser = TextAnalyser(NlpSettings(languages=["kk", "tg"]))
    kk = analyser.features("Қазақтар мен қырғыздар бауырлас халық, Ош қаласында тұрады")
    assert (kk.lang, kk.groups, [p.label for p in kk.places]) == ("kk", ["kazakh", "kyrgyz"], ["osh"])
    tg = analyser.features("Тоҷикон ва ӯзбекон дар Хуҷанд зиндагӣ мекунанд")
    assert (tg.lang, tg.groups, [p.label for p in tg.places]) == ("tg", ["tajik", "uzbek"], ["khujand"])


def test_random_evasions_keep_spans_exact(analyser):
    rng = random.Random(5)
    for case in CASES:
        text = case["text"]
        for _ in range(3):
            text = VARIANTS[rng.choice(list(VARIANTS))](text, rng)
        assert_spans_exact(analyser.features(text))


def test_random_unicode_never_crashes_and_spans_stay_exact(analyser):
    rng = random.Random(17)
    pieces = ["узбек", "өзбектерди", "oʻzbek", "Ош", "бейте", "kill", "«", "»", "\"", " ", "\u200b", "\u0301",
              "3", "0", "@", "'", "-", ".", "\n", "🙂", "\x00", "ﬁ", "yзбeк", "у з б е к", "\u202e", "ß", "İ"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    for f in analyser.features_many(texts):
        assert_spans_exact(f)


def test_explain_names_the_lexicon_entry_behind_each_span(analyser):
    spans = analyser.explain("Он написал «режьте сартов», мы это осуждаем.")
    by_text = {s["text"]: s for s in spans}
    assert by_text["сартов"]["rule"].startswith("target.uzbek") and by_text["сартов"]["meaning"].startswith("SLUR")
    call = next(s for s in spans if s["label"] == "call_to_violence")  # "режьте" (with its object, "режьте сартов")
    assert call["text"].startswith("режьте") and "imperative" in call["meaning"] and call["rule"].startswith("cue.")
    assert by_text["«режьте сартов»"]["rule"] == "builtin.quote_marks"
    assert all(s["rule"] for s in spans)


def test_russian_e_for_yo(analyser):
    for text in ("Пойдём бить таджиков", "Пойдем бить таджиков"):
        f = analyser.features(text)
        assert (f.groups, f.hallmarks) == (["tajik"], ["call_to_violence"])
    assert [p.label for p in analyser.features("В Черемушках и Черёмушках").places] == ["cheremushki", "cheremushki"]


@pytest.mark.parametrize(
    "text, hint, group, hallmark",
    [
        ("Озбектерди шаардан кубалагыла", "ky", "uzbek", "call_to_expulsion"),   # о for ө
        ("Ozbeklarni shahardan haydanglar", "uz", "uzbek", "call_to_expulsion"),  # no oʻ apostrophe
        ("Qirgizlar qurollanmoqda", "uz", "kyrgyz", "accusation_in_a_mirror"),
    ],
)
def test_group_words_typed_without_special_letters(analyser, text, hint, group, hallmark):
    f = analyser.features(text, hint)
    assert group in f.groups and hallmark in f.hallmarks
    assert_spans_exact(f)


@pytest.mark.parametrize(
    "text, hint, group",
    [
        ("Узбектерди шаардан кубалагыла", "ky", "uzbek"),       # Russian spelling of өзбек
        ("Казахтарды кууп чыгуу керек", "ky", "kazakh"),
        ("Таджиктерди кууп чыгуу керек", "ky", "tajik"),
        ("Uzbeklarni shahardan haydanglar", "uz", "uzbek"),
        ("Kazaxlarni quvib chiqarish kerak", "uz", "kazakh"),
        ("Kirgizlarni shahardan haydab chiqarish kerak", "uz", "kyrgyz"),
        ("Tadjiklarni quvib chiqarish kerak", "uz", "tajik"),
        ("Таджикларни шаҳардан ҳайдаб чиқариш керак", "uz", "tajik"),   # Uzbek Cyrillic
        ("Киргизларни шаҳардан ҳайдаб чиқариш керак", "uz", "kyrgyz"),
        ("Tadzhiks must be expelled", "en", "tajik"),                 # English spellings from Russian
        ("Uigurs must be expelled", "en", "uyghur"),
        ("evreev nado vygnat", "ru", "jewish"),                        # translit: an opening e may be е
    ],
)
def test_group_words_in_their_russian_spelling(analyser, text, hint, group):
    f = analyser.features(text, hint)
    assert f.groups == [group] and f.hallmarks == ["call_to_expulsion"]


def test_let_in_is_no_kyrgyz(analyser):
    # kirgiz-/киргиз- is also "let in": only the plural of the Russian spelling names the Kyrgyz
    for text, hint in (("Uyga hech kimni kirgizmaymiz", "uz"), ("Mehmonlarni ichkariga kirgizing", "uz"),
                       ("Оштогу кафеге тажиктерди киргизбегиле", "ky")):
        assert "kyrgyz" not in analyser.features(text, hint).groups


def test_plain_typing_does_not_turn_other_verbs_into_cues(analyser):
    # олтургула "sit down" is not өлтүргүлө "kill" typed plainly: only group words and places are folded
    assert analyser.features("Тажиктерди көрдүм, олтургула", "ky").hallmarks == []


def test_everyday_sentences_carry_no_hallmark_cue(analyser):
    from tocsin.nlp.language import training_sentences

    lines = (FIXTURES / "langid_eval.tsv").read_text(encoding="utf-8").splitlines()
    texts = [line.split("\t", 1)[1] for line in lines if line.strip() and not line.startswith("#")]
    texts += [s for sents in training_sentences().values() for s in sents]
    flagged = [(f.text, [(c.label, c.text) for c in f.cues]) for f in analyser.features_many(texts) if f.cues]
    assert flagged == []


@pytest.mark.parametrize(
    "text, hallmark",
    [
        ("Казахов с рынка Кара-Суу выкинуть, нечего им тут торговать", "call_to_expulsion"),   # the group fronted
        ("Узбеков из Оша выгнать!", "call_to_expulsion"),
        ("Дунган жечь вместе с их теплицами", "call_to_violence"),
        ("Russians have no place in Khujand anymore", "call_to_expulsion"),
        ("Өзбектерди кууйлу!", "call_to_expulsion"),                       # hortative of куу after the group
        ("Казак мигранттарды таш менен уруп куугула!", "call_to_expulsion"),
        ("Туура, өзбектерди шаардан кууш керек.", "call_to_expulsion"),   # куу as a verbal noun with "must"
        ("Тажиктерди бул жерден куушубуз керек!", "call_to_expulsion"),
        ("Turklarni mahalladan haydaymiz!", "call_to_expulsion"),           # a resolve: "we will drive out"
        ("Турклар кўпайиб кетди. Уриб ҳайдаймиз уларни.", "call_to_expulsion"),
    ],
)
def test_calls_with_the_group_fronted_or_told_it_has_no_place(analyser, text, hallmark):
    f = analyser.features(text)
    assert hallmark in f.hallmarks and f.groups


@pytest.mark.parametrize(
    "text",
    [
        "Узбеков выгнать нельзя.",                       # forbidden: the infinitive does not close the clause
        "Узбеков выгнать?",                              # asked
        "Хотят узбеков выгнать.",                        # someone's intent, reported
        "Зачем уйгуров депортировать, объясните",        # a question word before the group
        "Приказ был евреев уничтожить, — рассказывает экскурсовод.",
        "Uzbeks have no place to live after the flood, help them.",
        "Көк бөрүдө казак жигиттер менен улакты кууйлу.",                # chase the goat with Kazakh boys
        "Мага орустарды кууйлу дешти, мен макул болгон жокмун.",          # someone's words, reported
        "Turklarni mahalladan haydamaymiz, ular qo'shnilarimiz.",           # negated
        "Uyg'urlarni quvamiz degan odamni sudga berishdi.",                 # reported
        "Eshakni savalab haydaymiz, bo'lmasa qirg'izlarning bog'iga kirib ketadi.",   # a donkey
        "Погромщики шли узбеков бить, а соседи их прятали.",             # the group not opening the sentence
        "Кто посмеет узбеков выгнать, ответит по закону.",
        "Казахов выгнать, конечно, проще, чем договориться.",             # a judgement after the comma
        "Казактарды узатып анан койлорду тоого кууйлу.",                  # another object: the sheep
        "Казак жылкыларды жайлоого кууйлу.",                              # livestock
        "Өзбектерди кууйлу дейсиңерби?",                                  # a verb of saying after it
        "Казактарды узатып, койлорду тоого кууш керек.",                  # the sheep must be driven
        "Рейтингде казактарды кууш керек, кийинки жылы алдыга чыгабыз.",  # catch up in a ranking
        "Көкбөрүдө казактарды кууш керек эле, улак алардын колунда.",      # in kok-boru
        "Өзбектерди шаардан кууш керек дегендер жазаланат.",              # the words of others, punished
        "Reytingda qozoqlarni quvamiz, keyingi yil oldinga o'tamiz!",       # catch up, in a ranking
        "Turklarni mahalladan haydaymiz desangiz, qamalasiz.",
        "Tajiks have no future here without jobs, economists warn.",
        "Kazakhs have no place on the podium this year.",
    ],
)
def test_look_alikes_of_those_calls(analyser, text):
    assert not {"call_to_expulsion", "call_to_violence"} & set(analyser.features(text).hallmarks)


@pytest.mark.parametrize(
    "text, plain",
    [
        ("Uzbeks are garbage.", "Uzbek street cleaners collect the garbage every morning in Osh."),
        ("Uzbeks are garbage.", "A Kyrgyz driver's garbage truck broke down in Osh."),
        ("The Kyrgyz are snakes.", "A Kyrgyz boy was bitten by a snake near Jalal-Abad."),
        ("The Tajiks are pigs.", "Tajik farmers raise pigs near Kant."),
        ("The Tajiks are pigs.", "Kyrgyz vets: swine fever found on a farm near Osh."),
        ("Uzbeks are a virus.", "Kazakh doctors vaccinate children against the virus."),
        ("Таджики — свиньи.", "Русские фермеры под Кантом разводят свиней."),
        ("Kazakhs are a disease.", "Vets say the foot-and-mouth disease among Kazakh herders' cattle is under control."),
        ("Өзбектер жапайы.", "Баткендин жанында жапайы жылкылардын үйүрү жолду кесип өттү, тажик чек арачылары келди."),
        ("Tojiklar yovvoyi.", "Tojik bolalar yovvoyi olma terishdi."),
        ("Өзбектер жапайы.", "Тажик балдар жапайы алма терип келишти."),
    ],
)
def test_a_dehumanizing_word_in_its_plain_sense_is_no_cue(analyser, text, plain):
    assert "dehumanization" in analyser.features(text).hallmarks
    assert "dehumanization" not in analyser.features(plain).hallmarks


@pytest.mark.parametrize("text", [
    "Clearing the street of the Uzbeks is just pest control.",       # a purge's euphemism
    "эти кыргызы стадо баранов",                                     # a herd of rams, said of people
    "Tojiklar yovvoyi hayvonlar.",                                   # wild beasts, said of people
])
def test_the_words_said_of_a_group_stay_cues(analyser, text):
    assert "dehumanization" in analyser.features(text).hallmarks


@pytest.mark.parametrize(
    "text",
    [
        "Qirgʻizlar hayvonlar!",                            # an animal word as a predicate
        "Тажиктер айбандар, адам эмес.",
        "Uygʻurlar — parazitlar.",
        "Dunganlar kalamushga oʻxshaydi.",                  # compared with vermin
        "Тажиктер келемиштерге окшош.",
        "Өзбектер биттей көбөйүп кетти.",
        "Qirgʻizlar qurtlar, ulardan tozalash kerak.",
        "Tojiklar bitdek koʻpayib ketdi.",
        "Өзбек келемиштерди көргүм келбейт.",                # the group word names the vermin, in any case
        "Oʻzbek kalamushlarini koʻrishni xohlamayman.",
        "Mahallamizni kalamushlardan tozalash vaqti keldi: dunganlar.",   # a purge of "vermin" from our place
        "Шаҳримизни зараркунандалардан тозалаймиз, руслар кетсин.",
        "Шаарыбызды келемиштерден тазалоо убагы келди: өзбектерди айтып жатам.",
        "Келемиштерден айылды тазалайлы, дуңгандар бул жерде жашабасын.",
        "Qozoq bolasi — ilonning bolasi.",                               # children named a snake's young
        "Тажиктин баласы — жыландын баласы, чоңойсо чагат.",
        "Tojiklar shu yerda. Zararkunandaga rahm qilinmaydi.",           # mercy denied to "vermin"
        "Орустар келди. Келемишке ырайым жок.",
    ],
)
def test_vermin_and_animal_words_said_of_a_group(analyser, text):
    f = analyser.features(text)
    assert "dehumanization" in f.hallmarks and f.groups


@pytest.mark.parametrize(
    "text",
    [
        "Qirgʻiz choʻponlari hayvonlarni yaylovga haydashdi.",          # herders drive the animals
        "Кыргыз малчылары айбандарды жайлоого айдашты.",
        "Oʻzbek dehqonlari zararkunandalarga qarshi dori sepishmoqda.",  # farmers spray against pests
        "Базарда өзбек аялдар курт сатышат.",                            # курт: dried curd
        "Bozorda oʻzbek ayollar qurt sotishadi.",
        "Тожиклар билан битим тузилди.",                                 # битим: an agreement
        "Кыргыздар менен иш битти, келишим түзүлдү.",                    # the job is done
        "Qirgʻizlar kalamushlarni tutib, omborni tozalashdi.",            # the group catches the rats
        "Qirgʻizlar qurt tayyorlashadi.",
        "Дунгандар доңуз этин жебейт.",                                   # pork
        "Кыргыздар үчүн бул жыл — чычкан жылы.",                          # the year of the mouse
        "Uygʻur oshpazlar toʻngʻiz goʻshtini ishlatmaydi.",
        "Тажик малчылары: айбандарыбыз ачка, жем жок.",                   # our animals
        "Oʻzbek fermerlar omborni kalamushlardan tozalashdi.",            # a barn, a field cleared of pests
        "Кыргыз фермерлер кампаны келемиштерден тазалашты.",
        "Qirgʻiz dehqonlar dalani zararkunandalardan tozalashdi.",
        "Zoologlar aytishicha, ilonning bolasi tuxumdan chiqadi; qozoq olimlar kuzatdi.",  # a snake's young
        "Shahrimizni chiqindidan tozalash kuni: oʻzbek va qirgʻiz yoshlar birga chiqdi.",  # litter, not people
    ],
)
def test_animals_curd_and_agreements_beside_a_group_are_no_dehumanization(analyser, text):
    assert "dehumanization" not in analyser.features(text).hallmarks


def test_an_analyser_on_demand_builds_a_language_only_for_its_texts_and_finds_the_same(analyser):
    lazy = TextAnalyser(on_demand=True)
    assert lazy.pipelines.built == [] and set(lazy.pipelines) == {"ru", "ky", "uz", "en"}
    texts = ["Надо выгнать узбеков из Оша!", "Мы обсуждали цены на хлопок."]
    assert lazy.features_many(texts) == analyser.features_many(texts)
    assert lazy.pipelines.built == ["ru"]
    # a Kyrgyz word for girls in a Russian text is read by the Kyrgyz lemmatiser, built for it then
    mixed = "Надо выгнать узбеков из Оша! Кыздарыбызды коргойлу."
    assert lazy.features(mixed, "ru") == analyser.features(mixed, "ru")
    assert lazy.features(mixed, "ru").speaks_of_women and "ky" in lazy.pipelines.built
    assert lazy.pipelines["ky"] is lazy.pipelines["ky"]          # built once
    with pytest.raises(KeyError):
        lazy.pipelines["kk"]                                      # not configured


@pytest.mark.parametrize("text, cue", [
    ("🔥🔥 Узбеков из Оша выгнать!", "Узбеков из Оша выгнать"),
    ("Это позор. ‼️ Узбеков из Оша выгнать!", "Узбеков из Оша выгнать"),
    ("👉 Ruslarni Andijondan haydash kerak", "Ruslarni Andijondan haydash"),
])
def test_a_sentence_that_opens_with_emoji_starts_at_its_first_word(analyser, text, cue):
    f = analyser.features(text)
    assert cue in [s.text for s in f.spans if s.kind == "cue"] and "call_to_expulsion" in f.hallmarks
    assert_spans_exact(f)
