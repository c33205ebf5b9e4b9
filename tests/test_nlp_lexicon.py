"""Lexicons are data: the bundled files are valid, operators add terms without code, errors say how to fix."""

from __future__ import annotations

import json

import pymorphy3
import pytest

from tocsin.config import NlpSettings
from tocsin.nlp import TextAnalyser, patterns_version
from tocsin.nlp.features import CONTEXT_MARKERS, HALLMARKS
from tocsin.nlp.lexicon import LexiconError, bundled_pattern_files, load_lexicons, read_lexicon, read_lexicons, words_of

GROUPS = {"uzbek", "kyrgyz", "tajik", "russian", "dungan", "uyghur", "kazakh", "turk", "jewish", "muslim", "christian"}


def test_bundled_lexicons_load_and_cover_every_group_hallmark_and_marker():
    entries = load_lexicons()
    assert {f.name for f in bundled_pattern_files()} >= {"targets.jsonl", "places.jsonl", "cues.jsonl", "context.jsonl"}
    for lang in ("ru", "ky", "uz", "en"):
        mine = [e for e in entries if e.applies_to(lang)]
        assert {e.label for e in mine if e.kind == "target"} >= GROUPS, lang
        assert {e.label for e in mine if e.kind == "cue"} == set(HALLMARKS), lang
        assert {e.label for e in mine if e.kind == "context"} == set(CONTEXT_MARKERS), lang
    assert all(e.meaning for e in entries)


#: Russian lemma keys of the bundled lexicon that are not their own dictionary form: place names pymorphy3 reads
#: as other words, and exact forms older phrases ask for ("будем", "давайте", "люди"). A word a pattern names
#: as a lemma becomes a key, and a text's word that is a key as written keeps itself as its lemma, so a new
#: inflected key ("крови") hides that word from every pattern for its dictionary form (docs/lexicons.md).
RU_KEYS_AS_WRITTEN = frozenset(
    "аксы будем вещи вражды давай давайте дайте данным действительности деньги дети должен дунган едем едины "
    "зарезанный идем кулунду люди медная наивен нас обязан пойдем русская "
    "следует согдийская соответствует соседи сох стоит уголовное ферганская цитаты цитирую чуй чуйская".split())


def test_russian_lemma_keys_are_dictionary_forms():
    analyser = TextAnalyser(NlpSettings(languages=["ru"]))
    keys = analyser.pipelines["ru"].get_pipe("tocsin_lemmas").lemmatiser.known
    morph = pymorphy3.MorphAnalyzer()

    def inflected(word: str) -> bool:
        parses = morph.parse(word)
        known = any(p.is_known for p in parses)
        return known and word not in {p.normal_form.replace("ё", "е") for p in parses}

    slips = sorted(k for k in keys if k.isalpha() and k not in RU_KEYS_AS_WRITTEN and inflected(k))
    assert not slips, f"write these lemma values in dictionary form (docs/lexicons.md): {slips}"


#: Phrase words that the lemmas would read as another pattern's dictionary word, kept apart on purpose: they are
#: other words ("news" is not "new", "кылмыш" (crime) not "кыл", "ruscha" the language, not the Russians) or
#: places ("Канибадам", "Сүлүктү", "Фергана өрөөнү", "Fargʻona vodiysi"), or must stay as written: "yoʻl qoʻyib
#: boʻlmaydi" keeps "boʻlmaydi" (one cannot …), which read as "boʻl" and a negation would deny the cue before it
#: ("… bilan odamdek gaplashib boʻlmaydi").
PHRASE_WORDS_NOT_FORMS = {
    "ru": {"важно", "полулюди", "призывать", "это"}, "en": {"news"},
    "ky": {"айыпта", "канибадам", "кылмыш", "маалымат", "сүлүктү", "өрөөнү"},
    "uz": {"oʻzbekcha", "qirgʻizcha", "ruscha", "tojikcha", "xitoycha", "vodiysi", "boʻlmaydi", "qoʻyib"},
}


def lemma_words(token: dict) -> list[str]:
    """The words a token pattern names as ``LEMMA`` (one, or an ``IN`` list)."""
    value = token.get("LEMMA")
    if isinstance(value, str):
        return [value]
    return list(value.get("IN", [])) if isinstance(value, dict) else []


@pytest.mark.parametrize("lang", ["ru", "en", "ky", "uz"])
def test_no_phrase_hides_a_form_from_the_lemma_patterns(lang):
    """A phrase's words are lemma keys as written, so a word of a text that is one keeps itself as its lemma. An
    inflected form there hides that form from every pattern naming its dictionary word ("как пишет" once hid
    "пишет" from "писать"); such a phrase is written as ``LOWER`` tokens (docs/lexicons.md)."""
    from tocsin.nlp.morphology import Lemmatiser

    entries = [e for e in load_lexicons() if e.applies_to(lang) and e.kind != "name"]
    phrase_words = {w for e in entries if isinstance(e.pattern, str) for w in e.pattern.lower().split() if w.isalpha()}
    lemma_values = {word for e in entries if isinstance(e.pattern, list) for token in e.pattern
                    for word in lemma_words(token)}
    keys = phrase_words | lemma_values

    def lemma_without_its_key(word: str) -> str:
        return Lemmatiser(lang, keys - {word}).analyse(word)[0]

    hiding = {w: lemma_without_its_key(w) for w in phrase_words - lemma_values - PHRASE_WORDS_NOT_FORMS[lang]}
    assert not {w: lemma for w, lemma in hiding.items() if lemma != w and lemma in lemma_values}


def test_slurs_say_what_they_mean():
    slurs = [e for e in load_lexicons() if e.meaning.startswith("SLUR")]
    assert slurs, "slurs are marked with SLUR in their meaning"
    assert all(len(e.meaning) > 20 and e.why for e in slurs)


def test_gazetteer_has_the_region():
    places = {e.label for e in load_lexicons() if e.kind == "place"}
    assert {"osh", "jalal_abad", "batken", "uzgen", "kara_suu", "aravan", "nookat", "dostuk", "andijan", "fergana",
            "namangan", "khujand", "isfara", "sokh", "vorukh"} <= places


def _write(path, entries):
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n", encoding="utf-8")
    return str(path)


def test_operator_adds_a_term_without_code(tmp_path):
    extra = _write(tmp_path / "local.jsonl", [
        {"id": "local.osh.market", "kind": "place", "label": "jayma_bazaar", "language": "ru ky",
         "pattern": "Жайма", "meaning": "Jayma bazaar in Osh", "why": "local landmark named in rumours"},
        {"id": "local.cue.1", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": "termite", "meaning": "insect word used of people", "why": "seen in local posts"},
        {"id": "local.cue.2", "kind": "cue", "label": "call_to_expulsion", "form": "exclusion", "language": "en",
         "pattern": "no Uzbeks at the pool", "meaning": "a pool kept from a group", "why": "seen on a sign"},
    ])
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert [p.label for p in analyser.features("Пожар на базаре Жайма в Оше").places] == ["jayma_bazaar", "osh"]
    assert analyser.features("They are termites, all of them").hallmarks == ["dehumanization"]
    assert [(c.label, c.form) for c in analyser.features("Summer rule: no Uzbeks at the pool.").cues] == [
        ("call_to_expulsion", "exclusion")]
    assert analyser.patterns_version == patterns_version([extra]) != patterns_version()


def test_a_hyphenated_word_in_a_token_pattern_matches_although_the_tokenizer_splits_it(tmp_path):
    # "aka-uka" and "blood-money" are three tokens each ("aka", "-", "uka"): a single token naming the whole word
    # could never match, so the pattern is also tried with the word's pieces in its place
    extra = _write(tmp_path / "hyphen.jsonl", [
        {"id": "local.cue.hyphen", "kind": "cue", "label": "call_to_violence", "language": "en",
         "pattern": [{"LOWER": {"IN": ["bloodbath", "blood-money"]}}, {"LOWER": "for"}, {"LEMMA": "$GROUP"}],
         "meaning": "a test word", "why": "a test word"},
    ])
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert analyser.features("No more blood-money for Uzbeks").hallmarks == ["call_to_violence"]
    assert analyser.features("A bloodbath for Uzbeks").hallmarks == ["call_to_violence"]
    assert analyser.features("No more blood money for Uzbeks").hallmarks == []


def test_operator_marks_a_plain_sense_of_a_cue_word(tmp_path):
    extra = _write(tmp_path / "plain.jsonl", [
        {"id": "local.not_cue.termite", "kind": "not_cue", "label": "dehumanization", "language": "en",
         "pattern": "termite inspection", "meaning": "a house checked for termites"},
        {"id": "local.cue.termite", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": "termite", "meaning": "insect word used of people"},
    ])
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert analyser.features("Kazakhs are termites").hallmarks == ["dehumanization"]
    assert analyser.features("A Kazakh firm does the termite inspection").hallmarks == []
    bad = _write(tmp_path / "bad.jsonl", [{"id": "x", "kind": "not_cue", "label": "rudeness", "language": "en",
                                           "pattern": "x", "meaning": "m"}])
    with pytest.raises(LexiconError, match="cue label 'rudeness' is not a hallmark"):
        load_lexicons([bad])


def test_patterns_version_is_stable_and_tracks_content(tmp_path):
    assert patterns_version() == patterns_version() and len(patterns_version()) == 12
    extra = tmp_path / "x.jsonl"
    _write(extra, [{"id": "a", "kind": "cue", "label": "dehumanization", "language": "en", "pattern": "x", "meaning": "m"}])
    first = patterns_version([str(extra)])
    _write(extra, [{"id": "a", "kind": "cue", "label": "dehumanization", "language": "en", "pattern": "y", "meaning": "m"}])
    assert patterns_version([str(extra)]) != first


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"kind": "cue", "label": "dehumanization", "language": "en", "pattern": "x", "meaning": "m"}, "missing field"),
        ({"id": "a", "kind": "slur", "label": "x", "language": "en", "pattern": "x", "meaning": "m"}, "kind 'slur' is unknown"),
        ({"id": "a", "kind": "cue", "label": "rudeness", "language": "en", "pattern": "x", "meaning": "m"}, "not a hallmark"),
        ({"id": "a", "kind": "context", "label": "sarcasm", "language": "en", "pattern": "x", "meaning": "m"}, "context label"),
        ({"id": "a", "kind": "target", "label": "Uzbek!", "language": "en", "pattern": "x", "meaning": "m"}, "lower-case"),
        ({"id": "a", "kind": "target", "label": "uzbek", "language": "fr", "pattern": "x", "meaning": "m"}, "language 'fr'"),
        ({"id": "a", "kind": "target", "label": "uzbek", "language": "en", "pattern": 5, "meaning": "m"}, "pattern must be"),
        ({"id": "a", "kind": "cue", "label": "call_to_expulsion", "form": "eviction", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'eviction' is unknown for a cue labelled 'call_to_expulsion'; use 'exclusion' or 'exclusivity' or leave it out"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "form": "exclusion", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'exclusion' is unknown for a cue labelled 'dehumanization'; leave it out"),
        ({"id": "a", "kind": "target", "label": "uzbek", "form": "exclusion", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'exclusion' is unknown for a target"),
        ({"id": "a", "kind": "context", "label": "endorsement", "form": "repost", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'repost' is unknown for a context labelled 'endorsement'; use 'forward' or leave it out"),
        ({"id": "a", "kind": "context", "label": "negation", "form": "forward", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'forward' is unknown for a context labelled 'negation'; leave it out"),
        ({"id": "a", "kind": "context", "label": "inclusion", "form": "forward", "language": "en", "pattern": "x",
          "meaning": "m"}, "form 'forward' is unknown for a context labelled 'inclusion'; use 'address' or leave it out"),
        # patterns that would stop the pipeline from being built are refused when the file is read
        ({"id": "a", "kind": "target", "label": "uzbek", "language": "ru", "pattern": "!!! ...", "meaning": "m"},
         "no letters or digits"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": [{"LOWER": {"REGEX": "(["}}],
          "meaning": "m"}, r"REGEX '\(\[' is not a valid regular expression"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": [{"FOO": "x"}], "meaning": "m"},
         r"not a valid spaCy token pattern \(\[pattern -> 0 -> FOO\]"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": [{"LOWER": {"regex": "(["}}],
          "meaning": "m"}, r"REGEX '\(\[' is not a valid regular expression"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": [{"_": {"nope": "x"}}],
          "meaning": "m"}, r"custom attributes \('_'\) are not available"),
        ({"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": [{"LOWER": {"IN": "x"}}],
          "meaning": "m"}, "not a valid spaCy token pattern"),
    ],
)
def test_bad_entries_name_the_line_and_the_fix(tmp_path, entry, message):
    path = _write(tmp_path / "bad.jsonl", [entry])
    with pytest.raises(LexiconError, match=message) as err:
        read_lexicon(path)
    assert "bad.jsonl:1" in str(err.value)


def test_every_bad_line_of_a_lexicon_is_named_at_once(tmp_path):
    good = {"id": "local.ok", "kind": "cue", "label": "dehumanization", "language": "en", "pattern": "vermin", "meaning": "m"}
    bad = [{**good, "id": f"local.{n}", "meaning": None} for n in range(25)]
    path = _write(tmp_path / "many.jsonl", [good, {**good, "id": "local.x", "kind": "omen"}, *bad])
    with pytest.raises(LexiconError) as err:
        read_lexicon(path)
    message = str(err.value)
    assert message.startswith("many.jsonl: 26 bad entries:") and "many.jsonl:2: kind 'omen' is unknown" in message
    assert "many.jsonl:3:" in message and "many.jsonl:21:" in message and "… and 6 more" in message


def test_bad_files(tmp_path):
    with pytest.raises(LexiconError, match="not found.*nlp.extra_lexicons"):
        TextAnalyser(NlpSettings(extra_lexicons=[str(tmp_path / "missing.jsonl")]))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('# a comment\n\n{"id": "a",\n', encoding="utf-8")
    with pytest.raises(LexiconError, match="broken.jsonl:3: not valid JSON"):
        read_lexicon(broken)
    dup = _write(tmp_path / "dup.jsonl", [
        {"id": "target.uzbek.ru.1", "kind": "target", "label": "uzbek", "language": "ru", "pattern": "x", "meaning": "m"}])
    with pytest.raises(LexiconError, match="already used"):
        load_lexicons([dup])


def test_a_lexicon_in_another_encoding_names_the_line_and_one_with_a_bom_is_read(tmp_path):
    entry = {"id": "local.1", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": "нелюди",
             "meaning": "m"}
    path = tmp_path / "local.jsonl"
    path.write_bytes(("# ours\n" + json.dumps(entry, ensure_ascii=False) + "\n").encode("cp1251"))
    with pytest.raises(LexiconError, match=r"local\.jsonl:2: not valid UTF-8 \(byte 0xed\); save the file as UTF-8"):
        read_lexicon(path)
    path.write_bytes(("\ufeff" + json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
    assert [e.id for e in read_lexicon(path)] == ["local.1"]


def test_an_unreadable_lexicon_or_one_nested_too_deeply_is_named(tmp_path):
    with pytest.raises(LexiconError, match="cannot read the lexicon file"):
        read_lexicon(tmp_path)
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="deep.jsonl:1: JSON nested too deeply"):
        read_lexicon(deep)


def test_a_bad_extra_lexicon_is_one_clear_message_from_any_command(tmp_path, runner):
    from tocsin.cli import main

    bad = _write(tmp_path / "bad.jsonl", [{"id": "a", "kind": "cue", "label": "dehumanization", "language": "ru",
                                           "pattern": [{"LOWER": {"REGEX": "(["}}], "meaning": "m"}])
    config = tmp_path / "tocsin.toml"
    config.write_text(f"[nlp]\nextra_lexicons = [{str(bad)!r}]\n", encoding="utf-8")
    for command in (["classify"], ["status"]):
        result = runner.invoke(main, ["--config", str(config), "--db", str(tmp_path / "x.db"), *command], input="hello\n")
        assert result.exit_code == 2 and "tocsin: bad lexicon: bad.jsonl:1: REGEX" in result.output, command
        assert "Traceback" not in result.output


def test_languages_setting_limits_the_pipelines():
    analyser = TextAnalyser(NlpSettings(languages=["ru"]))
    assert set(analyser.pipelines) == {"ru"}
    f = analyser.features("Өзбектерди кубалагыла")
    assert f.lang == "ky" and f.spans == []
    with pytest.raises(ValueError, match="max_chunk_chars"):
        TextAnalyser(NlpSettings(max_chunk_chars=10))
    with pytest.raises(ValueError, match="nlp.languages.*'fr'.*use any of ru, ky, uz, en"):
        TextAnalyser(NlpSettings(languages=["ru", "fr"]))


def test_command_line_check_and_analyse(tmp_path, capsys):
    from tocsin.nlp.__main__ import main

    bad = _write(tmp_path / "bad.jsonl", [{"id": "a"}])
    assert main(["--check", bad]) == 2
    assert "bad.jsonl:1: missing field" in capsys.readouterr().err
    good = _write(tmp_path / "good.jsonl", [
        {"id": "g1", "kind": "place", "label": "jayma_bazaar", "language": "ru", "pattern": "Жайма", "meaning": "a bazaar"}])
    assert main(["--check", good]) == 0
    assert "1 entries (place 1)" in capsys.readouterr().out
    assert main(["--lexicon", good, "Пожар на базаре Жайма"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lang"] == "ru" and [s["label"] for s in out["spans"]] == ["jayma_bazaar"]


def test_a_named_word_list_stands_for_its_words_in_the_patterns_of_its_language(tmp_path):
    extra = _write(tmp_path / "lists.jsonl", [
        {"id": "local.words.en.pests", "kind": "words", "label": "pests", "language": "en",
         "pattern": ["termites", "weevils"], "meaning": "pest insects"},
        {"id": "local.cue.pests", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": [{"LOWER": {"IN": ["are", "were"]}}, {"LOWER": {"IN": ["$pests", "locusts"]}}],
         "meaning": "'are termites / weevils / locusts'"},
        {"id": "local.cue.not_pests", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": [{"LOWER": "filthy"}, {"LOWER": {"NOT_IN": ["$pests"]}}],
         "meaning": "'filthy' before anything but a pest word"},
    ])
    entries = {e.id: e for e in load_lexicons([extra])}
    assert "local.words.en.pests" not in entries            # a list matches nothing by itself
    assert entries["local.cue.pests"].pattern[1] == {"LOWER": {"IN": ["termites", "weevils", "locusts"]}}
    assert entries["local.cue.not_pests"].pattern[1] == {"LOWER": {"NOT_IN": ["termites", "weevils"]}}
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert analyser.features("They are weevils, all of them").hallmarks == ["dehumanization"]
    assert analyser.features("Those filthy termites ate the fence").hallmarks == []
    # the bundled lists serve an operator's patterns too
    bundled = _write(tmp_path / "uses_bundled.jsonl", [
        {"id": "local.cue.ru", "kind": "cue", "label": "call_to_violence", "language": "ru",
         "pattern": [{"LEMMA": {"IN": ["$kill_verbs"]}}, {"LOWER": "чужаков"}], "meaning": "'kill the strangers'"}])
    words = next(e for e in load_lexicons([bundled]) if e.id == "local.cue.ru").pattern[0]["LEMMA"]["IN"]
    assert "убить" in words and "$kill_verbs" not in words


def test_an_operators_word_lists_add_words_for_women_and_look_alikes(tmp_path):
    extra = _write(tmp_path / "local_words.jsonl", [
        {"id": "local.words.ru.women", "kind": "words", "label": "women_local", "language": "ru",
         "pattern": ["тётя"], "meaning": "aunt"},
        {"id": "local.words.ky.lookalikes", "kind": "words", "label": "lookalikes_local", "language": "ky",
         "pattern": ["кызган"], "meaning": "to be jealous (not кыз, girl)"}])
    assert {e.id for e in read_lexicons([extra]) if e.kind == "words"} >= {"local.words.ru.women", "words.ru.women"}
    assert words_of(read_lexicons([extra]), ["women", "women_local"], "ru") >= {"тётя", "женщина"}
    plain, local = TextAnalyser(), TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert not plain.features("Приехала тётя из Бишкека.", "ru").speaks_of_women
    assert local.features("Приехала тётя из Бишкека.", "ru").speaks_of_women
    assert plain.features("Ал кызганып кетти.", "ky").speaks_of_women         # read as кыз + suffixes
    assert not local.features("Ал кызганып кетти.", "ky").speaks_of_women


def test_an_operators_words_entry_can_extend_a_bundled_list(tmp_path):
    extra = _write(tmp_path / "more_words.jsonl", [
        {"id": "local.words.ru.kill", "kind": "words", "label": "kill_verbs", "language": "ru", "extends": True,
         "pattern": ["укокошить"], "meaning": "slang: to kill"},
        {"id": "local.words.ru.women", "kind": "words", "label": "women", "language": "ru", "extends": True,
         "pattern": ["тётя"], "meaning": "aunt"},
        {"id": "local.cue.ru", "kind": "cue", "label": "call_to_violence", "language": "ru",
         "pattern": [{"LEMMA": {"IN": ["$kill_verbs"]}}, {"LOWER": "чужаков"}], "meaning": "'kill the strangers'"}])
    words = next(e for e in load_lexicons([extra]) if e.id == "local.cue.ru").pattern[0]["LEMMA"]["IN"]
    assert {"убить", "укокошить"} <= set(words)                  # the bundled words, then the operator's
    bundled_cue = next(e for e in load_lexicons([extra]) if e.id == "cue.call_to_violence.ru.1")
    assert "укокошить" in str(bundled_cue.pattern)                # the bundled patterns get them too
    plain, extended = TextAnalyser(), TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert plain.features("Укокошьте узбеков!", "ru").hallmarks == []
    assert extended.features("Укокошьте узбеков!", "ru").hallmarks == ["call_to_violence"]
    assert extended.features("Приехала тётя из Бишкека.", "ru").speaks_of_women


@pytest.mark.parametrize("entries, message", [
    ([{"id": "c", "kind": "cue", "label": "dehumanization", "language": "ky", "pattern": [{"LEMMA": {"IN": ["$kill_verbs"]}}],
       "meaning": "m"}], r"no word list 'kill_verbs' for language ky; define it as an entry of kind 'words'"),
    ([{"id": "w1", "kind": "words", "label": "pests", "language": "en", "pattern": ["a"], "meaning": "m"},
      {"id": "w2", "kind": "words", "label": "pests", "language": "en ru", "pattern": ["b"], "meaning": "m"}],
     r"the word list 'pests' is already defined for en at .*:1; give one of them another label, or write "
     r"\"extends\": true to add to it"),
    ([{"id": "w", "kind": "words", "label": "pests", "language": "en", "pattern": ["a"], "meaning": "m", "extends": True}],
     r"no word list 'pests' for language en to extend; define it there first, or leave 'extends' out"),
    ([{"id": "w", "kind": "words", "label": "kill_verbs", "language": "en ky", "pattern": ["a"], "meaning": "m",
       "extends": True}], r"no word list 'kill_verbs' for language ky to extend"),
    ([{"id": "w", "kind": "words", "label": "kill_verbs", "language": "ru", "pattern": ["a"], "meaning": "m",
       "extends": "yes"}], r"extends must be true or false, not 'yes'"),
    ([{"id": "c", "kind": "cue", "label": "dehumanization", "language": "ru", "pattern": "крысы", "meaning": "m",
       "extends": True}], r"only a words entry can extend a word list; leave 'extends' out of a cue entry"),
    ([{"id": "w", "kind": "words", "label": "pests", "language": "en", "pattern": "termites", "meaning": "m"}],
     r"a words entry's pattern is a list of words"),
])
def test_a_word_list_named_but_not_defined_or_defined_twice_is_an_error_that_says_the_fix(tmp_path, entries, message):
    from tocsin.nlp.__main__ import main

    path = _write(tmp_path / "lists.jsonl", entries)
    with pytest.raises(LexiconError, match=message):
        load_lexicons([path])
    assert main(["--check", path]) == 2        # the file alone is checked against the bundled lists


def test_operator_token_pattern_with_morphology(tmp_path):
    extra = _write(tmp_path / "morph.jsonl", [
        {"id": "local.kill.plural", "kind": "cue", "label": "call_to_violence", "language": "ru",
         "pattern": [{"LEMMA": "громить", "MORPH": {"IS_SUPERSET": ["Mood=Imp", "Number=Plur"]}}],
         "meaning": "plural imperative of 'smash'", "why": "test of a multi-feature MORPH pattern"},
        {"id": "local.ky.word", "kind": "cue", "label": "dehumanization", "language": "ky",
         "pattern": [{"LEMMA": "жин", "MORPH": {"IS_SUPERSET": ["Number=Plur", "Case=Acc"]}}],
         "meaning": "'demons' in the accusative plural", "why": "test on a doc without any morphology"},
    ])
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    assert "call_to_violence" in analyser.features("Громите их склады!").hallmarks
    assert analyser.features("жин деген сөз").hallmarks == []          # no morphology on the doc: no crash
    assert analyser.features("Алар жиндерди көрүшкөн").hallmarks == ["dehumanization"]


def test_operator_token_patterns_are_tried_on_the_texts_holding_what_they_need(tmp_path):
    extra = _write(tmp_path / "needs.jsonl", [
        {"id": "local.regex", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": [{"LOWER": {"REGEX": "^vermin(ous)?$"}}], "meaning": "a word form by expression", "why": "test"},
        {"id": "local.anchored", "kind": "cue", "label": "threat_to_purity", "language": "en",
         "pattern": [{"LOWER": {"REGEX": r"\Apolluters\Z"}}], "meaning": "an expression anchored to the string",
         "why": "test"},
        {"id": "local.dash", "kind": "cue", "label": "call_to_expulsion", "language": "en",
         "pattern": [{"LOWER": "zebra"}, {"LOWER": "—"}, {"LOWER": "quokka"}], "meaning": "a dash as a needed word",
         "why": "test"},
        {"id": "local.nothing", "kind": "cue", "label": "call_to_violence", "language": "en",
         "pattern": [{"IS_TITLE": True}, {"IS_DIGIT": True}, {"IS_TITLE": True}], "meaning": "names no word",
         "why": "test"},
        {"id": "local.lookahead", "kind": "cue", "label": "dehumanization", "language": "en",
         "pattern": [{"LOWER": {"REGEX": r"^zorble(?!\s)"}}], "meaning": "an expression looking around", "why": "test"},
        {"id": "local.bang", "kind": "cue", "label": "call_to_violence", "language": "en",
         "pattern": [{"LOWER": "!"}, {"LEMMA": "smash", "OP": "?"}], "meaning": "a needed mark, a lemma after it",
         "why": "test"},
        {"id": "local.two", "kind": "cue", "label": "accusation_in_a_mirror", "language": "en",
         "pattern": [{"LOWER": "poison"}, {"IS_ALPHA": True, "OP": "{0,3}"}, {"LOWER": "wells"}],
         "meaning": "two needed words", "why": "test"},
    ])
    analyser = TextAnalyser(NlpSettings(extra_lexicons=[extra]))
    def rules_found(text):
        return {span["rule"] for span in analyser.explain(text, "en")}

    assert "local.regex" in rules_found("They are verminous, every one")
    assert "local.anchored" in rules_found("Such polluters everywhere")
    for dash in ("—", "–", "--", "-"):   # compared as spaCy normalises them
        assert "local.dash" in rules_found(f"The zebra {dash} quokka line"), dash
    assert "local.lookahead" in rules_found("They are zorble people, all of them")
    assert "local.nothing" in rules_found("The code they used was Alpha 12 Bravo")
    assert "local.two" in rules_found("They poison all our wells")
    assert "local.two" not in rules_found("They poison the river")

    # a chunk of marks alone has no lemmas, tags or morphology: the Matcher must not refuse it
    chunked = TextAnalyser(NlpSettings(extra_lexicons=[extra], max_chunk_chars=1000))
    text = "The weather is nice today. " * 45 + "! " * 700
    assert [s["rule"] for s in chunked.explain(text, "en")].count("local.bang") == 700

    rules = analyser.pipelines["en"].get_pipe("tocsin_token_rules")
    tried = {p["id"] for group in rules.groups_for({"poison", "river"}) for p in group.patterns}
    assert "local.two" not in tried and "local.anchored" in tried and "local.nothing" in tried
    assert "local.regex" not in tried
    assert "local.regex" in {p["id"] for group in rules.groups_for({"vermin"}) for p in group.patterns}


def test_a_plain_post_tries_few_of_the_token_patterns():
    analyser = TextAnalyser()
    for lang, text in (("en", "The weather is nice and the market is open today."),
                       ("ru", "На рынке сегодня не было дождя, и он открыт."),
                       ("ky", "Бүгүн базарда жаан болгон жок."), ("uz", "Bugun bozorda yomgʻir yogʻmadi.")):
        rules = analyser.pipelines[lang].get_pipe("tocsin_token_rules")
        words = {w for t in analyser.pipelines[lang](text) for w in (t.lemma_, t.norm_)}
        tried = sum(len(group.patterns) for group in rules.groups_for(words))
        assert tried < len(rules.patterns) / 20, (lang, tried)


def test_a_long_text_finds_the_same_spans_with_its_patterns_run_group_by_group_or_in_one_matcher(monkeypatch):
    from tocsin.nlp import pipeline

    sentences = ["Надо выгнать узбеков из Оша!", "Мы не дадим тронуть наших соседей-узбеков.",
                 "Бейте таджиков, сегодня же!", "В Оше открыли новый рынок.", "Киргизы и узбеки живут рядом.",
                 "Гнать дунган, нечего им тут делать!", "Никто не собирается выгонять казахов."]
    text = " ".join(sentences[i % len(sentences)] for i in range(300))
    analyser = TextAnalyser()

    def found():
        return [(s["kind"], s["label"], s["start"], s["end"], s["rule"]) for s in analyser.explain(text, "ru")]

    nlp = analyser.pipelines["ru"]
    rules = nlp.get_pipe("tocsin_token_rules")
    for words, one_matcher in ((text, True), (sentences[0], False)):
        with nlp.select_pipes(disable=["tocsin_token_rules", "tocsin_context", "tocsin_filters"]):
            doc = nlp(words)
        runs = rules.groups_for(doc.user_data[pipeline.WORDS_KEY])
        assert len(runs) > 1 and (len(rules._matchers_for(doc, runs)) == 1) == one_matcher

    combined = found()
    monkeypatch.setattr(pipeline, "RUNS_PER_COMPILED_PATTERN", 10 ** 12)   # never combine
    assert found() == combined
    assert sum(kind == "cue" for kind, *_ in combined) >= 3 * 300 // len(sentences)
