"""Normalisation undoes evasions and keeps an exact map back to the original text."""

from __future__ import annotations

import random

import pytest

from tocsin.nlp.normalise import normalise
from tocsin.nlp.translit import ru_cyrl_to_latn, ru_latn_to_cyrl, uz_cyrl_to_latn, uz_latn_to_cyrl


def _original(text: str, start: int, end: int) -> str:
    n = normalise(text)
    s, e = n.to_original(start, end)
    return text[s:e]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("yзбeки", "узбеки"),                      # Latin y, e, inside a Cyrillic word
        ("uzbеk", "uzbek"),                        # Cyrillic е inside a Latin word
        ("уз\u200bбе\u200dки", "узбеки"),          # zero-width space and joiner
        ("\u202eуз\u2066бек\u202c", "узбек"),      # bidi controls
        ("уз6еки", "узбеки"),                      # digit as letter, Cyrillic
        ("3лые", "злые"),                          # leading digit as letter
        ("k1ll", "kill"),                          # digit as letter, Latin
        ("кр@сный", "красный"),                    # symbol as letter
        ("у з б е к и", "узбеки"),                 # spaced out
        ("уз🔥бе😡ки", "узбеки"),                   # emoji inside a word
        ("узбеки 🔥🔥 вон", "узбеки 🔥🔥 вон"),     # emoji between words stay
        ("u.z.b.e.k", "uzbek"),                    # spaced with dots
        ("узбееееки", "узбееки"),                  # emphasis repeats cut to two
        ("o‘zbek g’arb o`g'il", "oʻzbek gʻarb oʻgʻil"),  # Uzbek apostrophe variants
        ("ﬁne", "fine"),                           # NFKC ligature
        ("\u0438\u0306", "\u0439"),               # и + combining breve composes to й
        ("a\x00b", "ab"),                          # NUL removed
    ],
)
def test_evasions_are_undone(raw, expected):
    assert normalise(raw).text == expected


@pytest.mark.parametrize("keep", ["don't", "mp3 2010 COVID-19", "@user #tag", "it's", "в г. Ош", "a b c"])
def test_ordinary_text_is_left_alone(keep):
    assert normalise(keep).text == keep


def test_map_points_back_to_the_original_characters():
    raw = "Бейте у з б е к о в!"
    n = normalise(raw)
    start = n.text.index("узбеков")
    assert _original(raw, start, start + len("узбеков")) == "у з б е к о в"
    raw = "они кр\u200bысы"
    n = normalise(raw)
    start = n.text.index("крысы")
    assert _original(raw, start, start + 5) == "кр\u200bысы"



@pytest.mark.parametrize(
    "raw, expected, word, original",
    [
        ("У з б е к о в живут в Оше", "Узбеков живут в Оше", "Узбеков", "У з б е к о в"),  # -ов is the ending
        ("у з б е к о в Оше", "узбеков Оше", "узбеков", "у з б е к о в"),
        ("у з б е к о в в Оше", "узбеков в Оше", "в Оше", "в Оше"),                       # doubled: a preposition
        ("т у р о к в Оше", "турок в Оше", "в Оше", "в Оше"),                             # after a consonant too
        ("т а д ж и к и в Оше", "таджики в Оше", "таджики", "т а д ж и к и"),
        ("живут в Оше", "живут в Оше", "в Оше", "в Оше"),                                 # no spaced run
    ],
)
def test_a_trailing_spaced_v_is_joined_unless_it_is_the_preposition(raw, expected, word, original):
    n = normalise(raw)
    assert n.text == expected
    start = n.text.index(word)
    assert _original(raw, start, start + len(word)) == original

def test_odd_characters_between_plain_runs_are_passed_one_by_one():
    """Plain runs are copied whole; a mark after one composes with its last letter, which then maps to both."""
    raw = "Ура и\u0306 ﬁne\u200b Ｏsh"
    n = normalise(raw)
    assert n.text == "Ура \u0439 fine Osh"
    start = n.text.index("\u0439")
    assert _original(raw, start, start + 1) == "и\u0306"
    start = n.text.index("fi")
    assert _original(raw, start, start + 2) == "ﬁ"
    start = n.text.index("Osh")
    assert _original(raw, start, start + 3) == "Ｏsh"


@pytest.mark.parametrize(
    "raw, word, expected",
    [
        ("Узбековввв надо выгнать", "Узбековв", "Узбековввв"),   # the repeats cut at a word's end
        ("Ошааааа", "Ошаа", "Ошааааа"),
        ("Uzbeksssss out", "Uzbekss", "Uzbeksssss"),
        ("Узбеккккков надо", "Узбекков", "Узбеккккков"),         # and inside a word
    ],
)
def test_repeats_cut_from_a_word_map_back_to_the_last_letter_kept(raw, word, expected):
    n = normalise(raw)
    start = n.text.index(word)
    s, e = n.to_original(start, start + len(word))
    assert raw[s:e] == expected


def test_a_dropped_combining_mark_maps_back_to_its_letter():
    raw = "У̸з̸б̸е̸к̸о̸в̸ надо выгнать из О̸ш̸а̸"
    n = normalise(raw)
    assert n.text == "Узбеков надо выгнать из Оша"
    s, e = n.to_original(0, 7)
    assert raw[s:e] == "У̸з̸б̸е̸к̸о̸в̸"
    s, e = n.to_original(len(n.text) - 3, len(n.text))
    assert raw[s:e] == "О̸ш̸а̸"


def test_ten_thousand_combining_marks_are_dropped():
    raw = "e" + "\u0301" * 10_000 + " узбек"
    n = normalise(raw)
    assert n.text == "é узбек"
    assert len(n.starts) == len(n.text) == len(n.ends)
    assert normalise("а" + "\u0483" * 10_000 + " б").text == "а б"  # Cyrillic combining marks too


def test_empty_and_emoji():
    assert normalise("").text == ""
    assert normalise("🙂🙂🔥").text == "🙂🙂🔥"


def _random_text(rng: random.Random) -> str:
    alphabet = (
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяөүңўқғҳ"
        "ABCabcdefoxyz0123456789@$'’‘`ʻ  .-_\n\u200b\u200d\u202e\u0301\x00ﬁ🙂"
    )
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))


def test_offset_map_is_consistent_on_random_text():
    rng = random.Random(11)
    for _ in range(400):
        raw = _random_text(rng)
        n = normalise(raw)
        assert len(n.starts) == len(n.ends) == len(n.text)
        assert all(0 <= s < e <= len(raw) for s, e in zip(n.starts, n.ends))
        assert n.starts == sorted(n.starts)
        for _ in range(5):
            if not n.text:
                break
            a = rng.randrange(len(n.text))
            b = rng.randrange(a, len(n.text)) + 1
            s, e = n.to_original(a, b)
            assert 0 <= s <= e <= len(raw)


def test_uzbek_transliteration_both_ways():
    latin = "Oʻzbeklar va qirgʻizlar shaharda yashaydi"
    cyrillic, _ = uz_latn_to_cyrl(latin)
    assert cyrillic == "Ўзбеклар ва қирғизлар шаҳарда яшайди"
    back, ranges = uz_cyrl_to_latn(cyrillic)
    assert back == latin
    assert len(ranges) == len(back)
    assert uz_cyrl_to_latn("Ер")[0] == "Yer"


def test_uzbek_yo_okina_is_one_short_o_after_y():
    """"yoʻ" is "й" + "ў" ("yoʻq" → "йўқ"), not "ё" followed by a stray okina."""
    for latin, cyrillic in [("Yoʻq, bu yoʻl emas", "Йўқ, бу йўл эмас"), ("YOʻQ", "ЙЎҚ"), ("yoz", "ёз")]:
        assert uz_latn_to_cyrl(latin)[0] == cyrillic
        assert uz_cyrl_to_latn(cyrillic)[0] == latin


def test_russian_translit_back_to_cyrillic():
    assert ru_latn_to_cyrl("uzbekov nado vygnat'")[0] == "узбеков надо выгнать"
    assert ru_latn_to_cyrl("Novye doma")[0] == "Новые дома"
    assert ru_latn_to_cyrl("Tadzhiki gotovyatsya")[0] == "Таджики готовятся"
    text = "Смешанные браки губят чистоту крови"
    assert ru_latn_to_cyrl(ru_cyrl_to_latn(text)[0])[0] == text


def test_transliterated_text_keeps_the_map():
    raw = "Ўзбекларни ҳайдаш"
    n = normalise(raw).transliterated(uz_cyrl_to_latn)
    assert n.text == "Oʻzbeklarni haydash"
    start = n.text.index("haydash")
    s, e = n.to_original(start, start + len("haydash"))
    assert raw[s:e] == "ҳайдаш"


def test_a_texts_main_script_counts_the_letters_each_script_has():
    """The regular expressions that count a text's letters agree with the letter-by-letter reading."""
    from tocsin.nlp.normalise import _script_of, _text_script

    def by_letter(text):
        scripts = [_script_of(ch) for ch in text]
        return "Cyrl" if scripts.count("Cyrl") >= scripts.count("Latn") else "Latn"

    rng = random.Random(5)
    blocks = [(0x20, 0x250), (0x2B0, 0x2C0), (0x370, 0x530), (0x1C80, 0x1C90), (0x1E00, 0x1F00), (0x2DE0, 0x2E00),
              (0xA640, 0xA6A0), (0x20, 0x10000), (0x1F600, 0x1F650)]
    texts = ["", "²³½ 123", "ʻʼ", "Ошда oʻzbeklar", "Osh shahrida бозор"]
    for _ in range(3000):
        texts.append("".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(rng.randrange(1, 40))))
    assert [_text_script(t) for t in texts] == [by_letter(t) for t in texts]
    assert {_text_script(t) for t in texts} == {"Cyrl", "Latn"}



@pytest.mark.parametrize("raw, expected", [
    ("#UzbeksGoHome now", "#Uzbeks Go Home now"),
    ("#ЎрусларУйгаКетсин бу ерда", "#Ўруслар Уйга Кетсин бу ерда"),
    ("#узбеки_вон", "#узбеки вон"),
    ("Shout out #KyrgyzUzbekFriendship!", "Shout out #Kyrgyz Uzbek Friendship!"),
])
def test_a_hashtag_of_words_run_together_is_read_as_its_words_by_the_rules(raw, expected):
    assert normalise(raw).with_hashtag_words().text == expected


@pytest.mark.parametrize("raw", ["#УзБеКи", "#уЗбЕкИ", "#чистыйкыргыз", "#Osh2024", "x#NotATag", "#iPhone"])
def test_a_hashtag_of_one_word_or_a_word_in_mixed_case_stays_whole(raw):
    assert normalise(raw).with_hashtag_words().text == raw


def test_the_classifier_reads_capitalised_words_parted_and_words_joined_by_underscores_whole():
    assert normalise("#UzbeksGoHome #узбеки_вон").text == "#Uzbeks Go Home #узбеки_вон"


def test_the_words_of_a_hashtag_map_back_to_their_letters():
    raw = "ok #UzbeksGoHome! #ош_без_них"
    n = normalise(raw).with_hashtag_words()
    go = n.text.index("Go")
    assert raw[slice(*n.to_original(go, go + 2))] == "Go"
    assert raw[slice(*n.to_original(n.text.index("Uzbeks"), n.text.index("Home") + 4))] == "UzbeksGoHome"
    assert raw[slice(*n.to_original(n.text.index("без"), n.text.index("них") + 3))] == "без_них"
