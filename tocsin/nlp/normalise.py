"""Normalisation that keeps a map back to the original text.

``normalise(text)`` undoes the usual evasions while remembering, for every character of the result,
which characters of the original it came from:

1. Unicode NFKC; zero-width, bidi and other control characters (NUL included) removed; combining
   marks composed with their letter where that gives a letter of the alphabets read (й, ё, ў, é …),
   dropped otherwise (``ќ`` from к + ◌́ is not made; a pile of 10,000 marks goes).
2. Emoji and pictographs put inside a word removed (``уз🙂беки``); runs of more than 20 symbols cut to 20;
   runs of white space made one space (or their line breaks), tabs spaces; letters spaced out to dodge filters
   (``у з б е к``, ``u.z.b.e.k``) joined into one word; a hashtag of capitalised words run together
   (``#UzbeksGoHome``) read as its words.
3. Per word: look-alike letters folded to the word's dominant script (Latin ``a e o c y`` inside a
   Cyrillic word and the reverse, Greek look-alikes too), digits and symbols used as letters
   (``3``→з/e, ``0``→о/o, ``@``→а/a, ``4``→ч/a …), and letters repeated three or more times cut to two.
4. Uzbek apostrophe variants (ʻ ’ ' ` ‘ ´) unified: ``oʻ``/``gʻ`` take U+02BB, other in-word ones ``'``.

Language-specific steps (Uzbek Cyrillic→Latin, Russian translit→Cyrillic) are applied with
:meth:`NormalisedText.transliterated` once the language is known; for the rules, the words of a hashtag joined by
underscores are parted too (:meth:`NormalisedText.with_hashtag_words`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable

from tocsin.nlp.translit import UZ_OKINA

#: Characters removed outright: zero-width, joiners, bidi controls, soft hyphen, BOM, word joiner.
INVISIBLE = set(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b"
    "\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)

# Latin look-alikes of Cyrillic letters, and the reverse (case-sensitive).
LATN_TO_CYRL = dict(zip("aeopcyxkmABEKMHOPCTXY", "аеорсухкмАВЕКМНОРСТХУ"))
CYRL_TO_LATN = {**{v: k for k, v in LATN_TO_CYRL.items()}, "і": "i", "І": "I", "ј": "j", "Ј": "J",
                "ѕ": "s", "Ѕ": "S", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h"}
GREEK_TO_LATN = dict(zip("αβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧΖ", "abeiknoptuxABEHIKMNOPTYXZ"))
GREEK_TO_CYRL = dict(zip("αβεκορτχΑΒΕΗΚΜΟΡΤΧ", "авекортхАВЕНКМОРТХ"))

# Digits and symbols used as letters, by the script of the word they sit in.
LEET_CYRL = {"3": "з", "0": "о", "4": "ч", "6": "б", "8": "в", "9": "я", "@": "а", "$": "с"}
LEET_LATN = {"3": "e", "0": "o", "4": "a", "1": "i", "5": "s", "7": "t", "@": "a", "$": "s", "8": "b"}

#: Letters with a mark that the alphabets read here have: й ё ў ӣ ӯ ї (Russian, Uzbek, Tajik, Ukrainian) and the
#: Latin letters of Latin-1 and Latin Extended-A (café, Turkish, Polish). A combining mark that would make any
#: other letter of its base (к + ◌́ → ќ, о + ◌̈ → ӧ, e + ◌̃ → ẽ) is dropped: an accent put on a letter of a word,
#: for stress or to dodge a filter, is not a letter of the word.
COMPOSED_LETTERS = frozenset("йЙёЁўЎӣӢӯӮїЇ") | frozenset(c for c in map(chr, range(0xC0, 0x180)) if c.isalpha())

#: Languages whose Latin alphabet has no letter with a diacritic (Uzbek's ``oʻ``, ``gʻ`` take a modifier letter):
#: an accent on a letter of theirs (``Üzbeks``, ``Kýrgyz``, ``Úzbeklarni``) is there for show or to dodge a filter,
#: and their rules read the letter without it (see :meth:`NormalisedText.without_latin_accents`); loanwords such
#: as ``café`` read as ``cafe``, which the lexicons list too.
ACCENTLESS_LATIN = ("en", "uz")
_LATIN_ACCENTS_FOLDED = {ord(c): base for c in map(chr, range(0xC0, 0x250))
                         if (base := unicodedata.normalize("NFD", c)[0]) != c and base.isascii() and base.isalpha()}
_LATIN_ACCENTED = re.compile("[" + "".join(map(chr, _LATIN_ACCENTS_FOLDED)) + "]")

#: A run of more symbols than this (neither letters, digits nor white space: "!!!…", emoji, "₽₽₽", "___") is cut
#: to this many. spaCy's tokenizer takes such a run apart one character at a time, in a time that grows with the
#: square of its length: 10,000 "!" after a word took 9 s, 100,000 a quarter of an hour.
SYMBOL_RUN_KEPT = 20

APOSTROPHES = set("'`\u2018\u2019\u02bb\u02bc\u00b4\u2032\u02b9\u02bf\u02be")
_CONTRACTION_TAILS = ("s", "t", "ll", "re", "ve", "d", "m")

_SYMBOL_RUN = re.compile(r"(?:[^\w\s]|_){%d,}" % (SYMBOL_RUN_KEPT + 1))
#: White space other than one plain space or a line break alone: a run ("Do not  hire", "\n\n" among them, left
#: as it is), a tab or a carriage return. spaCy makes each extra white space a token of its own, which no rule's
#: phrase steps over: doubling a space hid a call from every rule.
_LOOSE_SPACE = re.compile(r"\s{2,}|[^\S \n]")
# Emoji, pictographs and dingbats between two letters of a word.
_SYMBOL_IN_WORD = re.compile(r"(?<=[^\W\d_])[\u2190-\u21ff\u2300-\u23ff\u2500-\u27bf\u2b00-\u2bff\U0001F000-\U0001FAFF]+(?=[^\W\d_])")
# A run of at least four single letters joined by the same separator: "у з б е к", "u.z.b.e.k".
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_](?P<sep>[ .\-_*·/|])[^\W\d_](?:(?P=sep)[^\W\d_]){2,}(?![^\W_])")
# A single-letter preposition that may end a spaced-out run without being part of it ("т у р о к в Оше").
# Only "в": other one-letter words (и, а, к …) end too many real words.
_SINGLE_LETTER_WORDS = set("в")
# Letters before a final "в" that make it a word's ending ("у з б е к о в" is узбеков, not "узбеко в").
_ENDING_BEFORE_V = set("оеё")
#: A hashtag: words run together, capitalised (``#UzbeksGoHome``, ``#ЎрусларУйгаКетсин``) or joined by underscores
#: (``#узбеки_вон``). The rules read its words, which spaCy would take for one (the negations among them excepted: see
#: :class:`tocsin.nlp.analyser.TextAnalyser`), and the classifier the capitalised ones.
HASHTAG = re.compile(r"(?<![\w#])#([^\W\d]+)")
#: The shortest word, and the length one of its words must reach, for a hashtag to be read as words: "#УзБеКи" and
#: "#уЗбЕкИ" (case changed to dodge a filter) stay one word.
HASHTAG_WORD_MIN, HASHTAG_LONG_WORD = 2, 4
_WORDISH = re.compile(r"(?:[^\W_]|[@$'`\u2018\u2019\u00b4\u2032])+")
# Signs that a word pass is needed: a letter repeated 3+ times, digits/symbols touching letters,
# apostrophes, Greek letters.
_NEEDS_WORD_PASS = re.compile(r"([^\W\d_])\1\1|[0-9@$][^\W\d_]|[^\W\d_][0-9@$]|['`\u2018\u2019\u02bb\u02bc\u00b4\u2032]|[\u0370-\u03ff]")
_HAS_CYRL = re.compile(r"[\u0400-\u052f]")
_HAS_LATN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Text that needs no character pass: printable ASCII, common whitespace, basic Cyrillic, Uzbek okina.
_PLAIN_CHARS = r"[\t\n\r\x20-\x7e\u0400-\u0482\u048a-\u04ff\u02bb\u02bc]"
_PLAIN = re.compile(_PLAIN_CHARS + r"*\Z")
#: A run of characters that step 1 leaves as they are.
_PLAIN_RUN = re.compile(_PLAIN_CHARS + "+")


@dataclass
class NormalisedText:
    """A normalised text with, for each of its characters, the range of the original it came from.

    ``starts[i]``/``ends[i]`` bound the original characters behind ``text[i]``; use
    :meth:`to_original` to turn a span of ``text`` into a span of the original.
    """

    text: str
    starts: list[int] = field(repr=False)
    ends: list[int] = field(repr=False)
    original_length: int = 0

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` to ``(start, end)`` offsets in the original text."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else self.original_length
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def transliterated(self, convert: Callable[[str], tuple[str, list[tuple[int, int]]]]) -> NormalisedText:
        """Apply a transliteration (see :mod:`tocsin.nlp.translit`) and keep the map to the original."""
        new_text, ranges = convert(self.text)
        return NormalisedText(
            new_text,
            [self.starts[a] for a, _ in ranges],
            [self.ends[b - 1] for _, b in ranges],
            self.original_length,
        )

    def replaced_words(self, pattern: re.Pattern[str], convert: Callable[[str], tuple[str, list[tuple[int, int]]]]) -> NormalisedText:
        """Transliterate only the matches of ``pattern`` (e.g. Latin words in a Russian text)."""
        if not pattern.search(self.text):
            return self
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            a, b = m.span()
            pieces.append(self.text[pos:a])
            starts.extend(self.starts[pos:a])
            ends.extend(self.ends[pos:a])
            new, ranges = convert(m.group())
            pieces.append(new)
            starts.extend(self.starts[a + x] for x, _ in ranges)
            ends.extend(self.ends[a + y - 1] for _, y in ranges)
            pos = b
        pieces.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return NormalisedText("".join(pieces), starts, ends, self.original_length)

    def with_hashtag_words(self) -> NormalisedText:
        """The text with the words of each hashtag joined by underscores parted too (``#узбеки_вон`` → ``#узбеки
        вон``; see :func:`_split_hashtags`): for the rules, which read words. The classifier reads them whole: parted,
        they moved a sure reading of a hateful Russian text below the threshold."""
        if "#" not in self.text:
            return self
        parted = _split_hashtags(self.text, self.starts, self.ends, underscores=True)
        return NormalisedText(*parted, self.original_length)

    def without_latin_accents(self) -> NormalisedText:
        """The text with each Latin letter that bears a diacritic as its base letter (``Üzbeks`` → ``Uzbeks``), one
        character for one: for languages that write none (:data:`ACCENTLESS_LATIN`)."""
        if not _LATIN_ACCENTED.search(self.text):
            return self
        folded = self.text.translate(_LATIN_ACCENTS_FOLDED)
        folded = _WORDISH.sub(lambda m: _unify_apostrophe(m.group()), folded)   # "Óʻzbek" is "Oʻzbek", not "O'zbek"
        return NormalisedText(folded, self.starts, self.ends, self.original_length)


def _script_of(ch: str) -> str:
    """``Cyrl``, ``Latn``, ``Grek`` or ``""`` for one letter."""
    o = ord(ch)
    if 0x0400 <= o <= 0x052F or 0x1C80 <= o <= 0x1C8F or 0x2DE0 <= o <= 0x2DFF or 0xA640 <= o <= 0xA69F:
        return "Cyrl"
    if o < 0x250 or 0x1E00 <= o <= 0x1EFF or o in (0x02BB, 0x02BC):
        return "Latn" if ch.isalpha() else ""
    if 0x0370 <= o <= 0x03FF:
        return "Grek"
    return ""


def _char_pass(text: str) -> tuple[list[str], list[int], list[int]]:
    """Step 1: NFKC per character, invisible/control characters out, combining marks composed or dropped.

    Runs of characters the step leaves as they are (:data:`_PLAIN_RUN`) are copied whole; only the
    characters between them are looked at one by one."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for run in _PLAIN_RUN.finditer(text):
        a, b = run.span()
        _odd_characters(text, pos, a, chars, starts, ends)
        chars.extend(text[a:b]), starts.extend(range(a, b)), ends.extend(range(a + 1, b + 1))
        pos = b
    _odd_characters(text, pos, len(text), chars, starts, ends)
    return chars, starts, ends


def _odd_characters(text: str, begin: int, end: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Step 1 for the characters ``text[begin:end]``, appended to ``chars`` with their offsets."""
    nfkc = unicodedata.normalize
    category = unicodedata.category
    for i in range(begin, end):
        ch = text[i]
        if ch in INVISIBLE:
            continue
        cat = category(ch)
        if cat == "Cc":
            if ch in "\t\n\r":
                chars.append(ch), starts.append(i), ends.append(i + 1)
            elif ch == "\x00" or ch == "\x7f":
                continue
            else:
                chars.append(" "), starts.append(i), ends.append(i + 1)
            continue
        if cat == "Cf" or cat == "Cs" or cat == "Co" or cat == "Cn":
            continue
        if cat in ("Mn", "Me", "Mc"):
            if chars:   # composed or dropped, the mark belongs to the letter before it
                chars[-1] = _with_mark(chars[-1], ch)
                ends[-1] = i + 1
            continue
        out = nfkc("NFKC", ch) if ord(ch) > 0x7E else ch
        for c in out:
            if category(c) in ("Mn", "Me", "Mc") and chars:
                chars[-1] = _with_mark(chars[-1], c)
                ends[-1] = i + 1
                continue
            chars.append(c), starts.append(i), ends.append(i + 1)


def _with_mark(letter: str, mark: str) -> str:
    """``letter`` with the combining ``mark`` composed into it when that gives one of :data:`COMPOSED_LETTERS`,
    else ``letter`` as it was (the mark dropped)."""
    composed = unicodedata.normalize("NFC", letter + mark)
    return composed if composed in COMPOSED_LETTERS else letter


#: A stretch ``text[a:b]`` to replace: ``(a, b, new text, and for each of its characters where in the original it
#: starts and ends)``.
Run = tuple[int, int, str, list[int], list[int]]


def _rewrite_runs(text: str, starts: list[int], ends: list[int], runs: Iterable[Run]) -> tuple[str, list[int], list[int]]:
    """``text`` and its map back to the original with each of ``runs`` (in order, none overlapping) in place of the
    stretch it replaces."""
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for a, b, new, run_starts, run_ends in runs:
        pieces += (text[pos:a], new)
        new_starts += starts[pos:a]
        new_starts += run_starts
        new_ends += ends[pos:a]
        new_ends += run_ends
        pos = b
    pieces.append(text[pos:])
    new_starts += starts[pos:]
    new_ends += ends[pos:]
    return "".join(pieces), new_starts, new_ends


def _cut_symbol_runs(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 2b: a run of more than :data:`SYMBOL_RUN_KEPT` symbols cut to that many, the last one kept mapping
    back to the end of the run."""
    if not _SYMBOL_RUN.search(text):
        return text, starts, ends

    def cut(m: re.Match[str]) -> Run:
        a, b = m.span()
        kept = a + SYMBOL_RUN_KEPT
        return a, b, text[a:kept], starts[a:kept], [*ends[a:kept - 1], ends[b - 1]]

    return _rewrite_runs(text, starts, ends, map(cut, _SYMBOL_RUN.finditer(text)))


def _tighten_spaces(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 2c: a run of white space made one space (mapping back to the whole run), or its line breaks when it
    holds any (a paragraph break stays one; "\r\n" is "\n"); a tab one space."""
    if not _LOOSE_SPACE.search(text):
        return text, starts, ends

    def tightened(m: re.Match[str]) -> Run:
        a, b = m.span()
        breaks = [k for k in range(a, b) if text[k] == "\n"]
        if breaks:
            return a, b, "\n" * len(breaks), [starts[k] for k in breaks], [ends[k] for k in breaks]
        return a, b, " ", [starts[a]], [ends[b - 1]]

    runs = (tightened(m) for m in _LOOSE_SPACE.finditer(text) if m.group().strip("\n"))   # line breaks alone stay
    return _rewrite_runs(text, starts, ends, runs)


def _drop_symbols_in_words(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 2a: emoji and pictographs put inside a word to break it (``уз🙂беки``) are removed."""
    if not _SYMBOL_IN_WORD.search(text):
        return text, starts, ends
    keep = [True] * len(text)
    for m in _SYMBOL_IN_WORD.finditer(text):
        for k in range(m.start(), m.end()):
            keep[k] = False
    return ("".join(c for c, k in zip(text, keep) if k), [s for s, k in zip(starts, keep) if k],
            [e for e, k in zip(ends, keep) if k])


def _hashtag_breaks(body: str, underscores: bool) -> list[int]:
    """Where the words of a hashtag's body start, after the first (an underscore, or a capital between small letters:
    "UzbeksGoHome" → [6, 8]); none when its words would be too short to be words (:data:`HASHTAG_WORD_MIN`,
    :data:`HASHTAG_LONG_WORD`)."""
    breaks = [k for k in range(1, len(body) - 1) if (underscores and body[k] == "_")
              or (body[k - 1].islower() and body[k].isupper() and body[k + 1].islower())]
    bounds = [0, *breaks, len(body)]
    words = [body[a:b].strip("_") for a, b in zip(bounds, bounds[1:])]
    if not breaks or min(map(len, words)) < HASHTAG_WORD_MIN or max(map(len, words)) < HASHTAG_LONG_WORD:
        return []
    return breaks


def _split_hashtags(text: str, starts: list[int], ends: list[int],
                    underscores: bool) -> tuple[str, list[int], list[int]]:
    """Step 2e (and, with ``underscores``, for the rules): the words of each hashtag run together parted by spaces,
    one put before each capital that starts a word (mapping to nothing: an empty span where that capital starts) and,
    with ``underscores``, an underscore made one."""
    if "#" not in text:
        return text, starts, ends

    def parted(m: re.Match[str]) -> Run | None:
        a, b = m.span(1)
        breaks = set(_hashtag_breaks(m.group(1), underscores))
        if not breaks:
            return None
        new: list[str] = []
        run_starts: list[int] = []
        run_ends: list[int] = []
        for k in range(a, b):
            if underscores and text[k] == "_":
                new.append(" ")
                run_starts.append(starts[k])
                run_ends.append(ends[k])
                continue
            if k - a in breaks:
                new.append(" ")
                run_starts.append(starts[k])
                run_ends.append(starts[k])
            new.append(text[k])
            run_starts.append(starts[k])
            run_ends.append(ends[k])
        return a, b, "".join(new), run_starts, run_ends

    runs = [run for m in HASHTAG.finditer(text) if (run := parted(m))]
    return _rewrite_runs(text, starts, ends, runs) if runs else (text, starts, ends)


def _ends_with_preposition(text: str, end: int) -> bool:
    """Whether the last letter of the spaced run ending at ``end`` is the preposition "в", not part of the word.

    It is when doubled (``у з б е к о в в Оше``) or when a word follows and the letter before it is not one
    that ends words in "-ов/-ев" (``т у р о к в Оше``, but ``у з б е к о в живут`` is узбеков)."""
    last, before = text[end - 1].lower(), text[end - 3].lower()
    if last not in _SINGLE_LETTER_WORDS:
        return False
    if before == last:
        return True
    return before not in _ENDING_BEFORE_V and end + 1 < len(text) and text[end] == " " and text[end + 1].isalpha()


def _join_spaced(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Step 2: ``у з б е к`` -> ``узбек``."""
    if not _SPACED.search(text):
        return text, starts, ends

    def joined(m: re.Match[str]) -> Run:
        a, b = m.span()
        if m.group("sep") == " " and b - a >= 9 and _ends_with_preposition(text, b):
            b -= 2  # "т у р о к в Джалал-Абаде": the last "в" is the preposition
        return a, b, text[a:b:2], starts[a:b:2], ends[a:b:2]

    return _rewrite_runs(text, starts, ends, map(joined, _SPACED.finditer(text)))


def _dominant_script(word: str, default: str) -> str:
    cyr = lat = 0
    for ch in word:
        s = _script_of(ch)
        if s == "Cyrl" and ch not in CYRL_TO_LATN:
            cyr += 1
        elif s == "Latn" and ch not in LATN_TO_CYRL:
            lat += 1
    if cyr > lat:
        return "Cyrl"
    if lat > cyr:
        return "Latn"
    return default


def _fold_word(word: str, default_script: str) -> str:
    """Step 3 for one word; returns a string of the same length (one char per char)."""
    scripts = {_script_of(c) for c in word if c.isalpha()} - {""}
    has_leet = any(c in LEET_LATN or c in LEET_CYRL for c in word)
    letters = sum(1 for c in word if c.isalpha())
    if len(scripts) <= 1 and not (has_leet and (letters >= 2 or word[0] == "0")) and "Grek" not in scripts:
        return word
    target = _dominant_script(word, default_script if len(scripts) != 1 else next(iter(scripts)))
    if target not in ("Cyrl", "Latn"):
        return word
    fold = LATN_TO_CYRL if target == "Cyrl" else CYRL_TO_LATN
    greek = GREEK_TO_CYRL if target == "Cyrl" else GREEK_TO_LATN
    leet = LEET_CYRL if target == "Cyrl" else LEET_LATN
    chars = list(word)
    n = len(chars)
    for k, ch in enumerate(chars):
        if ch.isalpha():
            s = _script_of(ch)
            if s == "Grek":
                chars[k] = greek.get(ch, ch)
            elif s and s != target:
                chars[k] = fold.get(ch, ch)
        elif ch in leet and (letters >= 2 or (k == 0 and ch == "0")):
            before = k > 0 and word[k - 1].isalpha()
            after = k + 1 < n and word[k + 1].isalpha()
            leading_word = k == 0 and (n - 1 >= 2 and word[1:3].isalpha() or (ch == "0" and target == "Cyrl" and word[1:].isalpha()))
            between_leet = 0 < k < n - 1 and (word[k - 1] in leet or before) and (word[k + 1] in leet or after) and (before or after)
            if (before and after) or (leading_word and ch not in "@$") or between_leet:
                chars[k] = leet[ch]
    return "".join(chars)


def _squeeze(word: str) -> tuple[str, list[int], list[int]]:
    """Letters repeated three or more times cut to two; returns the word, the index of each kept character and
    the index of the last character it stands for (itself, or the last repeat cut after it)."""
    keep: list[int] = []
    last: list[int] = []
    out: list[str] = []
    for k, ch in enumerate(word):
        if len(out) >= 2 and ch.isalpha() and out[-1].lower() == ch.lower() and out[-2].lower() == ch.lower():
            last[-1] = k
            continue
        out.append(ch)
        keep.append(k)
        last.append(k)
    return "".join(out), keep, last


def _unify_apostrophe(word: str) -> str:
    """Step 4 for one word (same length)."""
    if not any(c in APOSTROPHES for c in word):
        return word
    chars = list(word)
    n = len(chars)
    for k, ch in enumerate(chars):
        if ch not in APOSTROPHES or k == 0 or k == n - 1:
            continue
        prev, nxt = word[k - 1], word[k + 1]
        if not (prev.isalpha() and nxt.isalpha()):
            continue
        tail = word[k + 1:].lower()
        if prev in "oOgG" and _script_of(prev) == "Latn" and tail not in _CONTRACTION_TAILS:
            chars[k] = UZ_OKINA
        else:
            chars[k] = "'"
    return "".join(chars)


def _letter_class(script: str) -> re.Pattern[str]:
    """A character class of every character that :func:`_script_of` assigns to ``script``."""
    return re.compile("[" + "".join(re.escape(chr(o)) for o in range(0x10000) if _script_of(chr(o)) == script) + "]")


#: Letters counted for a text's main script (the same as :func:`_script_of`, in one regular expression each, so
#: that a long article is not read character by character in Python).
_CYRL_LETTER, _LATN_LETTER = _letter_class("Cyrl"), _letter_class("Latn")


def _text_script(text: str) -> str:
    """``Cyrl`` when the text has at least as many Cyrillic letters as Latin ones, else ``Latn``."""
    cyr = len(text) - len(_CYRL_LETTER.sub("", text))
    lat = len(text) - len(_LATN_LETTER.sub("", text))
    return "Cyrl" if cyr >= lat else "Latn"


def normalise(text: str) -> NormalisedText:
    """Normalise ``text`` against evasion and return it with the map back to the original offsets."""
    if not isinstance(text, str):
        raise TypeError(f"normalise() needs a str, got {type(text).__name__}")
    n = len(text)
    if _PLAIN.match(text):
        chars_text, starts, ends = text, list(range(n)), list(range(1, n + 1))
    else:
        chars, starts, ends = _char_pass(text)
        chars_text = "".join(chars)
    chars_text, starts, ends = _drop_symbols_in_words(chars_text, starts, ends)
    chars_text, starts, ends = _cut_symbol_runs(chars_text, starts, ends)
    chars_text, starts, ends = _tighten_spaces(chars_text, starts, ends)
    chars_text, starts, ends = _join_spaced(chars_text, starts, ends)
    chars_text, starts, ends = _split_hashtags(chars_text, starts, ends, underscores=False)
    if not _NEEDS_WORD_PASS.search(chars_text) and not (_HAS_CYRL.search(chars_text) and _HAS_LATN.search(chars_text)):
        return NormalisedText(chars_text, starts, ends, n)
    default_script = _text_script(chars_text)
    runs = [run for m in _WORDISH.finditer(chars_text) if (run := _folded_word(m, starts, ends, default_script))]
    if not runs:
        return NormalisedText(chars_text, starts, ends, n)
    return NormalisedText(*_rewrite_runs(chars_text, starts, ends, runs), n)


def _folded_word(m: re.Match[str], starts: list[int], ends: list[int], default_script: str) -> Run | None:
    """Step 3 and 4 for one word: look-alikes folded, digits and symbols read as letters, repeats squeezed and
    apostrophes unified; None when that leaves it as it was."""
    word = m.group()
    if word.isalpha() and not (_HAS_CYRL.search(word) and _HAS_LATN.search(word)) and not _NEEDS_WORD_PASS.search(word):
        return None
    squeezed, keep, last = _squeeze(_unify_apostrophe(_fold_word(word, default_script)))
    if squeezed == word:
        return None
    a, b = m.span()
    return a, b, squeezed, [starts[a + k] for k in keep], [ends[a + k] for k in last]
