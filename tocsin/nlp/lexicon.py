"""Lexicons as data: loading and checking the JSONL pattern files, and their version hash.

One entry per line (blank lines and lines starting with ``#`` or ``//`` are comments)::

    {"id": "target.uzbek.ru", "kind": "target", "label": "uzbek", "language": "ru",
     "pattern": "узбек", "meaning": "Uzbek (noun)", "why": "ethnonym"}

A ``words`` entry names a list of words once (its ``label``, its ``pattern`` a list of strings); a token
pattern of the same language writes ``"$label"`` among the values of an ``IN`` or ``NOT_IN`` list to stand
for them all (:func:`expand_word_lists`); a ``words`` entry with ``"extends": true`` adds its words to the list
of that label another file defines. See ``docs/lexicons.md`` for the full format.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from tocsin.nlp.features import CONTEXT_FORMS, CONTEXT_MARKERS, CUE_FORMS, HALLMARKS
from tocsin.text_files import NotUtf8, decode_utf8

logger = logging.getLogger(__name__)

PATTERNS_DIR = Path(__file__).parent / "patterns"
#: Languages a lexicon entry may name (``any``: every pipeline).
LEXICON_LANGUAGES = ("ru", "ky", "uz", "en", "kk", "tg", "any")
#: Kinds of entry: evidence kinds, plus ``not_target`` (homonyms that cancel a target), ``not_context``
#: (set phrases that cancel a context marker: "пока не поздно" is no negation) and ``name`` (given
#: names; a group word next to one is a surname, not a group mention), ``not_cue`` (set phrases that use a cue
#: word in its plain sense: "collect the garbage", "разводят свиней"; a cue of that hallmark inside one is
#: dropped) and ``words`` (a named word list that token patterns use, expanded when the lexicons load; it
#: matches nothing itself).
ENTRY_KINDS = ("target", "place", "cue", "context", "not_target", "not_context", "not_cue", "name", "words")
REQUIRED_FIELDS = ("id", "kind", "label", "language", "pattern", "meaning")
_LABEL = re.compile(r"^[a-z][a-z0-9_]*$")


#: Most bad lines of one lexicon file an error lists.
MAX_PROBLEMS_SHOWN = 20


class LexiconError(ValueError):
    """A lexicon file or entry is wrong: names the file, the line and the fix."""


@dataclass(frozen=True)
class LexiconEntry:
    """One pattern of a lexicon."""

    id: str
    kind: str
    label: str
    languages: tuple[str, ...]
    pattern: Any          # a phrase (str) or a list of spaCy token-pattern dicts
    meaning: str
    why: str
    source: str           # file:line, for error messages and docs
    form: str = ""        # a narrower form of the label (``exclusion``, ``forward``), see CUE_FORMS, CONTEXT_FORMS
    extends: bool = False  # a ``words`` entry that adds its words to a list defined elsewhere with its label

    def applies_to(self, lang: str) -> bool:
        """Whether the entry is used by the pipeline of ``lang``."""
        return "any" in self.languages or lang in self.languages


def bundled_pattern_files() -> list[Path]:
    """The JSONL files shipped in ``tocsin/nlp/patterns/``, sorted by name."""
    return sorted(PATTERNS_DIR.glob("*.jsonl"))


def _check(raw: dict[str, Any], where: str) -> LexiconEntry:
    missing = [f for f in REQUIRED_FIELDS if raw.get(f) in (None, "", [])]
    if missing:
        raise LexiconError(f"{where}: missing field(s) {', '.join(missing)}; every entry needs {', '.join(REQUIRED_FIELDS)}")
    kind = raw["kind"]
    if kind not in ENTRY_KINDS:
        raise LexiconError(f"{where}: kind {kind!r} is unknown; use one of {', '.join(ENTRY_KINDS)}")
    label = str(raw["label"])
    if not _LABEL.match(label):
        raise LexiconError(f"{where}: label {label!r} must be lower-case letters, digits and '_' (e.g. 'uzbek')")
    if kind in ("cue", "not_cue") and label not in HALLMARKS:
        raise LexiconError(f"{where}: cue label {label!r} is not a hallmark; use one of {', '.join(HALLMARKS)}")
    if kind in ("context", "not_context") and label not in CONTEXT_MARKERS:
        raise LexiconError(f"{where}: context label {label!r} is unknown; use one of {', '.join(CONTEXT_MARKERS)}")
    langs = raw["language"]
    langs = tuple(langs.split()) if isinstance(langs, str) else tuple(langs)
    bad = [lang for lang in langs if lang not in LEXICON_LANGUAGES]
    if bad or not langs:
        raise LexiconError(f"{where}: language {raw['language']!r} is unknown; use one or more of {', '.join(LEXICON_LANGUAGES)}")
    pattern = raw["pattern"]
    if kind == "words":
        if not (isinstance(pattern, list) and all(isinstance(w, str) and w.strip() for w in pattern)):
            raise LexiconError(f"{where}: a words entry's pattern is a list of words (strings), e.g. [\"убить\", \"резать\"]")
    elif isinstance(pattern, str):
        if not any(c.isalnum() for c in pattern):
            raise LexiconError(f"{where}: pattern has no letters or digits; write the word or phrase in its dictionary form")
    elif isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern):
        _check_token_pattern(pattern, where)
    else:
        raise LexiconError(f"{where}: pattern must be a phrase (string) or a list of spaCy token patterns (objects)")
    return LexiconEntry(str(raw["id"]), kind, label, langs, pattern, str(raw["meaning"]), str(raw.get("why", "")), where,
                        _checked_form(raw, kind, label, where), _checked_extends(raw, kind, where))


def _checked_extends(raw: dict[str, Any], kind: str, where: str) -> bool:
    """The entry's ``extends`` flag: ``true`` or ``false``, and ``true`` only on a ``words`` entry."""
    extends = raw.get("extends", False)
    if not isinstance(extends, bool):
        raise LexiconError(f"{where}: extends must be true or false, not {extends!r}")
    if extends and kind != "words":
        raise LexiconError(f"{where}: only a words entry can extend a word list; leave 'extends' out of a {kind} entry")
    return extends


def _checked_form(raw: dict[str, Any], kind: str, label: str, where: str) -> str:
    """The entry's ``form``, if it has one: only a cue or a context marker may, and only one its label knows
    (:data:`CUE_FORMS`, :data:`CONTEXT_FORMS`)."""
    form = raw.get("form")
    if form in (None, ""):
        return ""
    known = {"cue": CUE_FORMS, "context": CONTEXT_FORMS}.get(kind, {}).get(label, ())
    if form not in known:
        fix = f"use {' or '.join(map(repr, known))} or leave it out" if known else "leave it out"
        forms = "; ".join(f"{name}: {', '.join(names)}" for name, names in {**CUE_FORMS, **CONTEXT_FORMS}.items())
        raise LexiconError(f"{where}: form {form!r} is unknown for a {kind} labelled {label!r}; {fix} (forms: {forms})")
    return form


def _check_token_pattern(pattern: list[dict[str, Any]], where: str) -> None:
    """spaCy's own check of a token pattern's attributes and types, and every ``REGEX`` compiled, so that a
    pattern that passes here cannot stop the pipeline from being built."""
    from spacy.schemas import validate_token_pattern

    problems = validate_token_pattern(pattern)
    if any("_" in token for token in pattern):
        problems.append("custom attributes ('_') are not available to lexicon patterns")
    if problems:
        raise LexiconError(f"{where}: not a valid spaCy token pattern ({'; '.join(problems[:3])}); see "
                           "https://spacy.io/usage/rule-based-matching#adding-patterns-attributes")
    for regex in _regexes(pattern):
        try:
            re.compile(regex)
        except re.error as exc:
            raise LexiconError(f"{where}: REGEX {regex!r} is not a valid regular expression ({exc})") from None


def _regexes(value: Any) -> Iterator[str]:
    """Every ``REGEX`` value in a token pattern, however deep."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.upper() == "REGEX" and isinstance(inner, str):
                yield inner
            else:
                yield from _regexes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _regexes(inner)


def read_lexicon(path: str | Path) -> list[LexiconEntry]:
    """Read and check one JSONL lexicon file.

    :raises LexiconError: the file is missing, a line is not JSON, or an entry is incomplete.
    """
    path = Path(path)
    try:
        lines = decode_utf8(path.read_bytes(), str(path)).splitlines()
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: lexicon file not found; fix the path in nlp.extra_lexicons") from exc
    except NotUtf8 as exc:
        raise LexiconError(f"{exc} (JSON Lines)") from None
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read the lexicon file ({exc.strerror or exc}); fix the path in "
                           "nlp.extra_lexicons") from exc
    entries, problems = [], []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        try:
            entries.append(_entry(stripped, f"{path.name}:{number}"))
        except LexiconError as exc:   # every bad line is named at once, not one per try
            problems.append(str(exc))
    if len(problems) == 1:
        raise LexiconError(problems[0])
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise LexiconError(f"{path.name}: {len(problems)} bad entries:\n  " + "\n  ".join(shown) + more)
    return entries


def _entry(line: str, where: str) -> LexiconEntry:
    """One line of a lexicon file as a checked entry."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LexiconError(f"{where}: not valid JSON ({exc.msg}); one JSON object per line") from exc
    except RecursionError:
        raise LexiconError(f"{where}: JSON nested too deeply to read; one flat JSON object per line") from None
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: a line must be a JSON object with {', '.join(REQUIRED_FIELDS)}")
    return _check(raw, where)


def load_lexicons(extra: Iterable[str | Path] = ()) -> list[LexiconEntry]:
    """All bundled entries plus those of the operator's extra files, word lists expanded
    (:func:`expand_word_lists`); ids must be unique."""
    return expand_word_lists(read_lexicons(extra))


def read_lexicons(extra: Iterable[str | Path] = ()) -> list[LexiconEntry]:
    """All bundled entries plus those of the operator's extra files as written, ``words`` entries among them;
    ids must be unique."""
    entries: list[LexiconEntry] = []
    for path in [*bundled_pattern_files(), *map(Path, extra)]:
        entries.extend(read_lexicon(path))
    seen: dict[str, str] = {}
    for e in entries:
        if e.id in seen:
            raise LexiconError(f"{e.source}: id {e.id!r} is already used at {seen[e.id]}; give each entry its own id")
        seen[e.id] = e.source
    return entries


def words_of(entries: Iterable[LexiconEntry], labels: Iterable[str], lang: str) -> frozenset[str]:
    """Every word, lower-cased, of the ``words`` entries with one of ``labels`` that serve ``lang``."""
    wanted = set(labels)
    return frozenset(word.lower() for e in entries if e.kind == "words" and e.label in wanted and e.applies_to(lang)
                     for word in e.pattern)


#: How a token pattern names a word list among the values of ``IN`` or ``NOT_IN``.
WORD_LIST_MARK = "$"


def expand_word_lists(entries: list[LexiconEntry]) -> list[LexiconEntry]:
    """The entries with every ``"$name"`` in an ``IN``/``NOT_IN`` list replaced by the words of the ``words``
    entry labelled ``name`` that serves each of the entry's languages, with those of the entries that extend
    it, and the ``words`` entries left out.

    :raises LexiconError: a name no list of the entry's language defines, one defined twice for it, or an
        extension of a list no file defines.
    """
    lists = [e for e in entries if e.kind == "words"]
    _check_word_lists(lists)
    out = []
    for e in entries:
        if e.kind == "words":
            continue
        if isinstance(e.pattern, list):
            e = replace(e, pattern=[_expanded_token(token, e, lists) for token in e.pattern])
        out.append(e)
    return out


def _check_word_lists(lists: list[LexiconEntry]) -> None:
    """Each label defined at most once per language, and each extension extending a list that is defined."""
    definitions = [e for e in lists if not e.extends]
    for k, e in enumerate(definitions):
        twin = next((o for o in definitions[:k] if o.label == e.label and set(o.languages) & set(e.languages)), None)
        if twin is not None:
            raise LexiconError(f"{e.source}: the word list {e.label!r} is already defined for "
                               f"{' '.join(sorted(set(twin.languages) & set(e.languages)))} at {twin.source}; "
                               'give one of them another label, or write "extends": true to add to it')
    for e in (e for e in lists if e.extends):
        unserved = [lang for lang in e.languages
                    if not any(d.label == e.label and d.applies_to(lang) for d in definitions)]
        if unserved:
            raise LexiconError(f"{e.source}: no word list {e.label!r} for language {' '.join(unserved)} to extend; "
                               "define it there first, or leave 'extends' out to define it")


def _expanded_token(token: dict[str, Any], entry: LexiconEntry, lists: list[LexiconEntry]) -> dict[str, Any]:
    """``token`` with the word lists named in its ``IN``/``NOT_IN`` values spelled out."""
    out: dict[str, Any] = {}
    for attr, value in token.items():
        if isinstance(value, dict):
            value = {op: (_expanded_values(vals, entry, lists) if op in ("IN", "NOT_IN") and isinstance(vals, list)
                          else vals) for op, vals in value.items()}
        out[attr] = value
    return out


def _expanded_values(values: list[Any], entry: LexiconEntry, lists: list[LexiconEntry]) -> list[Any]:
    """``values`` with each ``"$name"`` replaced by its list's words, in order, each word once."""
    words: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith(WORD_LIST_MARK) and len(value) > 1:
            words.extend(_word_list(value[1:], entry, lists))
        else:
            words.append(value)
    return list(dict.fromkeys(words))


def _word_list(name: str, entry: LexiconEntry, lists: list[LexiconEntry]) -> list[str]:
    """The words of the list ``name`` that serves every language of ``entry`` (a list for ``any`` serves all),
    then those of each extension of it that serves them all."""
    serving = [w for w in lists if w.label == name and all(w.applies_to(lang) for lang in entry.languages)]
    definition = next((w for w in serving if not w.extends), None)
    if definition is not None:
        return [*definition.pattern, *(word for w in serving if w.extends for word in w.pattern)]
    known = sorted({w.label for w in lists if any(w.applies_to(lang) for lang in entry.languages)})
    raise LexiconError(f"{entry.source}: no word list {name!r} for language {' '.join(entry.languages)}; define it "
                       f"as an entry of kind 'words' with that label and language"
                       + (f" (lists known there: {', '.join(known)})" if known else ""))


def patterns_version(extra: Iterable[str | Path] = ()) -> str:
    """A short hash of the bundled pattern files and the extra lexicons, recorded with each analysis."""
    digest = hashlib.sha256()
    for path in [*bundled_pattern_files(), *map(Path, extra)]:
        digest.update(Path(path).name.encode())
        digest.update(b"\0")
        try:
            digest.update(Path(path).read_bytes())
        except FileNotFoundError as exc:
            raise LexiconError(f"{path}: lexicon file not found; fix the path in nlp.extra_lexicons") from exc
        digest.update(b"\0")
    return digest.hexdigest()[:12]
