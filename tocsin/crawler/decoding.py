"""Pages and feeds in a legacy encoding that say they are UTF-8, or say nothing: many of the region's older
sites serve Windows-1251 Cyrillic so. Read as UTF-8 (or as Windows-1252, the web's default), the text
would be stored as mojibake and its incitement missed; it is read in the encoding its bytes show instead.
The other way round too: a UTF-8 body that says it is Windows-1251 (a CMS moved to UTF-8, its template not)
is read as UTF-8. A body that its declared encoding reads as no plausible Cyrillic (KOI8-R that says it is
Windows-1251) is read in the single-byte Cyrillic encoding that does, and UTF-16 without a byte-order mark is
told by its NUL bytes."""

from __future__ import annotations

import codecs
import logging
import math
import re
from itertools import islice

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from tocsin.crawler.letter_pairs import MIXED_CASE, CYRILLIC_RUN, has_mixed_case, is_abbreviation, pair_score

logger = logging.getLogger(__name__)

#: The encoding an XML declaration names (group 2), after what comes before it (group 1).
_XML_ENCODING = r"""^(\s*<\?xml[^>]*\bencoding\s*=\s*["'])([\w.:-]+)"""
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
#: Bytes read to find the encoding of a large body, from its first byte beyond ASCII (see :func:`_sample`).
SAMPLE_BYTES = 200_000
_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: ASCII bytes before the first byte beyond ASCII that the sample keeps (see :func:`_sample`).
SAMPLE_LEAD = 100
#: Byte-order marks of the encodings whose characters hold NUL bytes (UTF-32 LE's starts as UTF-16 LE's does).
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)


def _sample(body: bytes) -> bytes:
    """The :data:`SAMPLE_BYTES` of ``body`` its encoding is judged by, from a little before its first byte beyond
    ASCII (:data:`SAMPLE_LEAD` bytes, all ASCII, so that its word is whole: "Café", not "é"): a page whose first
    :data:`SAMPLE_BYTES` are ASCII markup (inline scripts and styles) is judged by its text, not taken for UTF-8
    or ASCII."""
    first = _NON_ASCII.search(body)
    start = max(0, first.start() - SAMPLE_LEAD) if first else 0
    return body[start:start + SAMPLE_BYTES]


#: A body counts as UTF-8 when at most :data:`STRAY_BYTES` of its bytes, or this share of its non-ASCII
#: characters, are bytes UTF-8 cannot read: a UTF-8 page with a stray Windows byte or two stays UTF-8 (one
#: U+FFFD each); a Windows-1251 page read as UTF-8 is nearly all such bytes, and a body whose only bytes beyond
#: ASCII are stray ones ("Ош" in Windows-1251, "Zürich" in Latin-1) is none.
STRAY_SHARE = 0.05
STRAY_BYTES = 2


def is_utf8(body: bytes) -> bool:
    """Whether ``body`` is UTF-8, or UTF-8 with a few stray bytes (see :data:`STRAY_SHARE`)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        text = _sample(body).decode("utf-8", errors="replace")
        stray = text.count("\ufffd")
        non_ascii = sum(1 for c in text if ord(c) > 127)
        return stray < non_ascii and stray <= max(STRAY_BYTES, STRAY_SHARE * non_ascii)
    return True


def guessed_encoding(body: bytes) -> str | None:
    """The encoding ``body``'s bytes show (charset_normalizer's best guess), or None. When :data:`WESTERN`, the
    web's default, reads them as well as the best guess (as little mess, as coherent), it is the guess:
    charset_normalizer breaks such ties by the order of its code pages and would read "São Paulo" in Windows-1252
    as "Săo Paulo" in Windows-1250."""
    from charset_normalizer import from_bytes

    matches = from_bytes(_sample(body))
    best = matches.best()
    if best is None:
        return None
    if any(_codec_name(match.encoding) == WESTERN and (match.chaos, match.coherence) == (best.chaos, best.coherence)
           for match in matches):
        return WESTERN
    return best.encoding


def _codec_name(name: str) -> str | None:
    """Python's name of the encoding ``name`` names ("windows-1251": "cp1251"), None for no encoding it knows."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _is_utf8_name(name: str) -> bool:
    return _codec_name(name) == "utf-8"


def legacy_encoding(body: bytes, guess: str | None = None) -> str | None:
    """The encoding to read ``body`` in when it is not UTF-8 (bar a stray byte or two, see :func:`is_utf8`)
    and its bytes show another one (``guess``, or charset_normalizer's guess when none is given); None when it
    should be read as UTF-8. A guess that reads a Cyrillic text as no plausible Cyrillic (charset_normalizer
    takes a line of KOI8-R for Shift JIS) gives way to the Cyrillic encoding that does (see
    :func:`better_cyrillic`), on a text of a few letters too (see :func:`short_text_encoding`)."""
    if is_utf8(body):
        return None
    encoding = guess or guessed_encoding(body)
    if not encoding or _is_utf8_name(encoding):
        return None
    return (short_text_encoding(body, encoding) or better_cyrillic(body, encoding)
            or western_instead(_sample(body), encoding, short=False) or encoding)


#: Share of Russian letters, per mille, by which :func:`cyrillic_score` judges a reading (Kyrgyz and Uzbek
#: Cyrillic share the common ones; their own letters are given a share of their own); any other Cyrillic letter
#: (і, ї, ѕ) counts as :data:`RARE_LETTER`.
LETTER_FREQUENCY = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёүөңўқғҳ", (
    110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17, 17, 17, 16, 14, 12, 10, 9, 7, 6, 5,
    4, 3, 3, 0.4, 0.4, 5, 5, 5, 5, 5, 5, 5)))
RARE_LETTER = 0.5
#: Characters beyond ASCII that are no letter but common in Cyrillic text; any other (a box-drawing "═", an
#: "®", a letter of another script inside a word) is as unlikely as :data:`STRANGE`.
TYPOGRAPHY = set("«»—–…№“”„‘’\u00a0•·°")
STRANGE = 1e-4
#: The likelihood of a Cyrillic word in capitals ("СРОЧНО"; not an abbreviation of two to
#: :data:`~tocsin.crawler.letter_pairs.ABBREVIATION_LETTERS`, "ФСБ", "МВД КР", none of whose letters is one no word
#: starts with, "ГЬЫС"), of one whose case is mixed other than as a capital initial (:data:`MIXED_CASE`; "оБДП",
#: "хГАЕЙ": KOI8-R read as Windows-1251 swaps the case of every letter), of one with :data:`CONSONANT_RUN` consonants in a row, which Russian, Kyrgyz and
#: Uzbek hardly have ("бодрствовать"; "япнвмн" is "СРОЧНО" in Windows-1251 read as KOI8-R), and of one of two
#: letters or more without a vowel ("млн"; "нчд" is "МВД" in KOI8-R read as Windows-1251).
CAPITALS, CONSONANTS, NO_VOWEL = 0.1, 1e-3, 0.1
CONSONANT_RUN = 5
_CONSONANTS = re.compile(f"[бвгджзйклмнпрстфхцчшщқғҳң]{{{CONSONANT_RUN}}}")
VOWELS = set("аеёиоуыэюяіүөў")
_LOG_LETTER = {c: math.log(f / 1000) for c, f in LETTER_FREQUENCY.items()}
_LOG_RARE, _LOG_STRANGE = math.log(RARE_LETTER / 1000), math.log(STRANGE)
_TOKEN = re.compile(r"[^\W\d_]+|[^\x00-\x7f]")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]{2}")


def _token_score(token: str) -> tuple[float, int]:
    """The log-likelihood of one token beyond ASCII (a word, or a character that is no letter) and the characters
    it counts for; nothing for an abbreviation (see :data:`CAPITALS`), which may be any."""
    if not token[0].isalpha():
        return (0.0 if token in TYPOGRAPHY else _LOG_STRANGE), 1
    if not CYRILLIC_RUN.fullmatch(token):
        strange = sum(1 for c in token if not c.isascii())
        return strange * _LOG_STRANGE, strange
    if is_abbreviation(token):
        return 0.0, 0
    lower = token.lower()
    score = sum(_LOG_LETTER.get(c, _LOG_RARE) for c in lower)
    if token.isupper() and len(token) > 1:
        score += math.log(CAPITALS)
    elif has_mixed_case(token):
        score += math.log(MIXED_CASE)
    if _CONSONANTS.search(lower):
        score += math.log(CONSONANTS)
    if len(token) > 1 and not VOWELS & set(lower):
        score += math.log(NO_VOWEL)
    return score, len(token)


def cyrillic_score(text: str) -> tuple[float, int]:
    """How plausibly ``text`` is Cyrillic prose: the mean log-likelihood of its characters beyond ASCII (of its
    first :data:`CYRILLIC_TOKENS` words and signs beyond ASCII), by letter frequency and the case of words (-3 to
    -3.4 for Russian or Kyrgyz prose, -4 and below for KOI8-R read as Windows-1251; 0.0 when it has none), and
    how many characters it is judged on."""
    tokens = islice((t for m in _TOKEN.finditer(text) if not (t := m.group()).isascii()), CYRILLIC_TOKENS)
    scores = [_token_score(t) for t in tokens]
    count = sum(n for _, n in scores)
    return (sum(score for score, _ in scores) / count if count else 0.0), count


#: The single-byte Cyrillic encodings a body may be in whatever it declares, in order of preference.
CYRILLIC_ENCODINGS = ("cp1251", "koi8-r", "koi8-u", "iso8859-5", "cp866")
#: Cyrillic encodings rare on the region's web that charset_normalizer may guess for Windows-1251, whose small
#: letters they read alike but not all its capitals ("Ѕишкек"): one of :data:`CYRILLIC_ENCODINGS` that reads a
#: body at least as well is preferred.
RARE_CYRILLIC = ("mac-cyrillic", "ptcp154", "kz1048", "cp1125", "cp855", "koi8-t")
#: A reading scoring at least this (:func:`cyrillic_score`) is plausible and kept; another replaces a reading
#: that is not only when it is plausible and scores :data:`CYRILLIC_MARGIN` more.
PLAUSIBLE_SCORE = -3.7
CYRILLIC_MARGIN = 0.5
#: Words :func:`cyrillic_score` judges a text by, and the fewest characters it must judge each reading on
#: for :func:`better_cyrillic` to prefer one: a few words ("ФСБ и МВД КР") read about as well in another
#: encoding as in their own.
CYRILLIC_TOKENS = 2_000
CYRILLIC_EVIDENCE = 20


def _readings(sample: bytes, names: tuple[str, ...]) -> dict[str, tuple[float, int]]:
    """:func:`cyrillic_score` of ``sample`` read in each of ``names``."""
    return {name: cyrillic_score(sample.decode(name, errors="replace")) for name in names}


def better_cyrillic(body: bytes, encoding: str) -> str | None:
    """The single-byte Cyrillic encoding (of :data:`CYRILLIC_ENCODINGS`) that reads ``body`` as plausible
    Cyrillic when ``encoding`` does not (KOI8-R read as Windows-1251 gives "оБДП ЧЩЗОБФШ") or is one of
    :data:`RARE_CYRILLIC`; None when ``encoding`` reads it plausibly or as Latin text (German read in CP866 makes
    "Bürgermeister" "B№rgermeister", whose "№" a Cyrillic text may hold), or no other reads it clearly better."""
    sample = _sample(body)
    if sample.isascii() or _codec_name(encoding) is None:
        return None
    if _codec_name(encoding) in RARE_CYRILLIC:
        scores = _readings(sample, (*CYRILLIC_ENCODINGS, encoding))
        best = max(scores, key=lambda n: scores[n][0])
        return None if best == encoding else best
    given, count = cyrillic_score(sample.decode(encoding, errors="replace"))
    if given >= PLAUSIBLE_SCORE or count < CYRILLIC_EVIDENCE or _reads_as_latin_text(sample, encoding):
        return None
    scores = _readings(sample, CYRILLIC_ENCODINGS)
    best = max(scores, key=lambda n: scores[n][0])
    score, count = scores[best]
    return best if score >= max(PLAUSIBLE_SCORE, given + CYRILLIC_MARGIN) and count >= CYRILLIC_EVIDENCE else None


#: What a Latin text holds beyond ASCII (see :func:`reads_as_latin`): letters of the Latin script (Uzbek's
#: ``oʻ`` and ``gʻ`` among them), and signs (``£``, ``«``, ``—``, ``€``, ``™``).
_LATIN_LETTER = re.compile(r"[\u00c0-\u024f\u02bb\u02bc\u1e00-\u1eff]")
_LATIN_SIGN = re.compile(r"[\u00a0-\u00bf\u00d7\u00f7\u2000-\u20cf\u2116\u2122]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
#: Printable ASCII, which an encoding a text of the region may be in reads as itself (EBCDIC and UTF-16 do not).
_PRINTABLE = bytes(range(0x20, 0x7f))
#: The encoding a short body that declares none is read in when it reads as Latin text and no other reading is
#: plausible: the web's default.
WESTERN = "cp1252"


#: The single-byte encodings web browsers read (the WHATWG Encoding Standard's), by Python's names; charset_normalizer
#: also guesses DOS and old Mac code pages, which no web page is in.
WEB_ENCODINGS = frozenset((
    "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10",
    "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "cp874", "cp1250",
    "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "mac-cyrillic"))


def reads_as_latin(text: str) -> bool:
    """Whether ``text`` reads as Latin-script text: what it holds beyond ASCII is signs and Latin letters, each
    word of two letters or more among them holding ASCII letters as well ("Café", "Größe"; a word with none,
    "Ìèòèíã", is Windows-1251 read as Windows-1252)."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isascii():
            continue
        if not token[0].isalpha():
            if not _LATIN_SIGN.fullmatch(token):
                return False
        elif any(not (c.isascii() or _LATIN_LETTER.fullmatch(c)) for c in token):
            return False
        elif len(token) > 1 and not _ASCII_LETTER.search(token):
            return False
    return True


def _reads_as_latin_text(sample: bytes, encoding: str) -> bool:
    """Whether ``encoding`` reads ``sample`` as Latin text (:func:`reads_as_latin`), its ASCII as ASCII, and is not
    one of :data:`RARE_CYRILLIC`."""
    if _codec_name(encoding) in RARE_CYRILLIC or _PRINTABLE.decode(encoding, errors="replace") != _PRINTABLE.decode():
        return False
    return reads_as_latin(sample.decode(encoding, errors="replace"))


def short_text_encoding(body: bytes, guess: str) -> str | None:
    """The encoding to read ``body`` (which declares none, or UTF-8 that it is not) in instead of the ``guess`` made
    for it, when it is short (the guess reads it as fewer than :data:`CYRILLIC_EVIDENCE` letters, too few for
    :func:`better_cyrillic`) and the guess does not read it as Latin text: of :data:`CYRILLIC_ENCODINGS`, those whose
    reading is not implausible (:data:`SHORT_PLAUSIBLE_SCORE`, :func:`cyrillic_score`: charset_normalizer takes the
    Windows-1251 bytes of "ФСБ" for Japanese) and has a word of two letters or more ("à Paris" is "а Paris" in
    Windows-1251), the one whose letter pairs are likeliest (:func:`~tocsin.crawler.letter_pairs.pair_score`; a few
    letters' frequencies cannot tell "СРОЧНО" in KOI8-R from the "утпюоп" Windows-1251 makes of it), Windows-1251,
    the region's commonest, given :data:`COMMONEST_BONUS`; else :data:`WESTERN` when that reads it as Latin text
    ("Café résumé"); None to keep the guess. A body with a byte-order mark keeps its guess."""
    sample = _sample(body)
    if sample.isascii() or sample.startswith(_WIDE_BOMS) or _codec_name(guess) is None:
        return None
    letters = cyrillic_score(sample.decode(guess, errors="replace"))[1]
    if letters >= CYRILLIC_EVIDENCE:
        return None
    if _reads_as_latin_text(sample, guess):
        return western_instead(sample, guess, short=True)
    likelihood = {}
    for name in CYRILLIC_ENCODINGS:
        text = sample.decode(name, errors="replace")
        if cyrillic_score(text)[0] >= SHORT_PLAUSIBLE_SCORE and _CYRILLIC_WORD.search(text):
            likelihood[name] = pair_score(text) + (COMMONEST_BONUS if name == CYRILLIC_ENCODINGS[0] else 0.0)
    if likelihood:
        return max(likelihood, key=likelihood.__getitem__)
    return WESTERN if reads_as_latin(sample.decode(WESTERN, errors="replace")) else None


def western_instead(sample: bytes, guess: str, short: bool) -> str | None:
    """:data:`WESTERN` for a ``sample`` that the ``guess`` reads as Latin text when it reads it so too and the
    guess is no better founded: the sample is ``short`` (a few words tell Western code pages apart no better than
    chance) or the guess is none of :data:`WEB_ENCODINGS` (charset_normalizer reads "€10 fine" as "Ç10 fine" in
    the DOS code page 437, and English prose with "café" and "£5" in the Baltic DOS page 775); None to keep it."""
    if _codec_name(guess) == WESTERN or not (short or _codec_name(guess) not in WEB_ENCODINGS):
        return None
    if not (_reads_as_latin_text(sample, guess) and reads_as_latin(sample.decode(WESTERN, errors="replace"))):
        return None
    return WESTERN


#: How low a short text's :func:`cyrillic_score` may be and still be read as Cyrillic: words with rare letters
#: ("Эфир", "подъём", "ещё") score -4 to -5.3, a Western text misread as Cyrillic -9 and below.
SHORT_PLAUSIBLE_SCORE = -5.5
#: The head start (in mean log-probability of a letter pair) of Windows-1251 among readings of a short text.
COMMONEST_BONUS = 0.3


#: Bytes :func:`utf16_encoding` reads; a UTF-16 body has NUL bytes at every other position among them for all its
#: ASCII (markup, spaces, digits), at least :data:`UTF16_NUL_SHARE` of its pairs, and almost none at the others.
UTF16_SAMPLE_BYTES = 4_000
UTF16_NUL_SHARE = 0.1
#: Characters a UTF-16 reading may hold (besides ASCII): Latin, Cyrillic, punctuation; at least
#: :data:`UTF16_PLAUSIBLE_SHARE` of them. UTF-8 read as UTF-16 gives CJK characters instead.
_UTF16_TEXT = re.compile(r"[\x00-\u04ff\u2000-\u206f\u2116]")
UTF16_PLAUSIBLE_SHARE = 0.95


def utf16_encoding(body: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``body`` is UTF-16 without a byte-order mark (as some Windows tools write
    feeds), told by where its NUL bytes are; None otherwise (a body with a BOM is read by it)."""
    sample = body[:UTF16_SAMPLE_BYTES]
    sample = sample[:len(sample) - len(sample) % 2]
    if b"\x00" not in sample or sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) < UTF16_NUL_SHARE * len(sample) / 2 or min(even, odd) * 10 > max(even, odd):
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    text = sample.decode(encoding, errors="replace")
    return encoding if len(_UTF16_TEXT.findall(text)) >= UTF16_PLAUSIBLE_SHARE * len(text) else None


def is_plainly_utf8(body: bytes) -> bool:
    """Whether ``body`` is UTF-8 beyond doubt: it reads as UTF-8 without one bad byte and holds characters
    beyond ASCII (a Windows-1251 or KOI8-R text of any length never does) and is no UTF-16 (see
    :func:`utf16_encoding`); a stray NUL byte (``узб\\x00еков``) does not stop it being UTF-8."""
    if body.isascii() or utf16_encoding(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def better_encoding(body: bytes, claimed: str, declared: bool = True) -> str | None:
    """The encoding to read ``body`` in instead of the one it ``claimed`` (by declaration or, not ``declared``,
    Scrapy's guess), or None when that one reads it: UTF-16 without a byte-order mark; when it claims UTF-8 and is
    not, the encoding its bytes show; when it declares none, UTF-8 if it is UTF-8 (bar a stray byte or two) and
    else the guess, or a better one (see :func:`legacy_encoding`); when it declares another, UTF-8 if it is
    plainly UTF-8, and the Cyrillic encoding that reads it plausibly when the claimed one does not (KOI8-R that
    says Windows-1251, see :func:`better_cyrillic`)."""
    utf16 = utf16_encoding(body)
    if utf16:
        return None if _codec_name(claimed) == utf16 else utf16
    if _is_utf8_name(claimed):
        return legacy_encoding(body)
    if not declared and not body.isascii():
        encoding = legacy_encoding(body, claimed) or "utf-8"
        return None if _codec_name(encoding) == _codec_name(claimed) else encoding
    if is_plainly_utf8(body):
        return "utf-8"
    return better_cyrillic(body, claimed)


def declares_encoding(response: TextResponse) -> bool:
    """Whether ``response`` names its encoding, as Scrapy reads one: by a byte-order mark, its ``Content-Type``,
    or a ``<meta>`` tag or XML declaration."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    body = response.body
    return bool(read_bom(body)[0] or http_content_type_encoding(content_type) or html_body_declared_encoding(body))


def readable_response(response: TextResponse) -> TextResponse:
    """``response``, or a copy read in the encoding :func:`better_encoding` finds for it."""
    encoding = better_encoding(response.body, response.encoding, declares_encoding(response))
    if encoding is None:
        return response
    logger.debug("%s is not in %s as it says; read as %s", response.url, response.encoding, encoding)
    return response.replace(encoding=encoding)


def feed_encoding(body: bytes, declared: list[str]) -> str | None:
    """The encoding to transcode a feed from, or None to leave it to the encoding it ``declared`` (in its XML
    declaration or content type): UTF-16 without a byte-order mark; when it declares none other than UTF-8 and
    is not UTF-8, the encoding its bytes show; when it declares another, UTF-8 if it is plainly UTF-8, and the
    Cyrillic encoding that reads it plausibly when a declared one does not (KOI8-R that says Windows-1251, see
    :func:`better_cyrillic`)."""
    utf16 = utf16_encoding(body)
    if utf16:
        return utf16
    if all(_is_utf8_name(name) for name in declared):
        return legacy_encoding(body)
    if is_plainly_utf8(body):
        return "utf-8"
    return next(filter(None, (better_cyrillic(body, name) for name in declared if not _is_utf8_name(name))), None)


def without_nuls(body: bytes, declared: list[str]) -> bytes:
    """``body`` without NUL bytes, which XML allows nowhere: a word split by one (``узб\\x00еков``, to slip past
    a filter or from a broken CMS) is joined as the store joins it, and the feed is no longer malformed. A body
    in UTF-16 or UTF-32 (by its byte-order mark or as ``declared``) is left as it is, its NULs being part of its
    characters."""
    wide = body.startswith(_WIDE_BOMS)
    wide = wide or any((_codec_name(name) or "").startswith(("utf-16", "utf-32")) for name in declared)
    if b"\x00" not in body or wide:
        return body
    return body.replace(b"\x00", b"")


#: An XML content type of the ``text`` kind with no charset, which RFC 3023 reads as US-ASCII whatever the XML says.
_TEXT_XML = re.compile(r"\s*text/(?:[\w.-]+\+)?xml\s*(?:;(?![^;]*\bcharset\s*=).*)?$", re.IGNORECASE | re.DOTALL)


def _without_text_default(content_type: str) -> str:
    """``content_type``, but ``application/xml`` for ``text/xml`` (or ``text/rss+xml``…) without a charset: servers
    send that for UTF-8 feeds, and feedparser, taking it for US-ASCII as RFC 3023 says, would call every such feed
    malformed (CharacterEncodingOverride). The body's encoding was checked before (:func:`feed_encoding`)."""
    return "application/xml" if content_type and _TEXT_XML.match(content_type) else content_type


def feed_as_utf8(body: bytes, content_type: str) -> tuple[bytes, str]:
    """A feed's body and content type, transcoded to UTF-8 when :func:`feed_encoding` finds the body in another
    encoding than it declares; otherwise as they are. A UTF-8 byte-order mark is dropped: it would hide the
    declaration, and XML reads a body that starts with one as UTF-8 whatever the declaration says. NUL bytes are
    dropped (:func:`without_nuls`)."""
    body = body.removeprefix(codecs.BOM_UTF8)
    declared = [m.group(2).decode("ascii", "replace") for m in [re.match(_XML_ENCODING.encode(), body[:300])] if m]
    declared += [m.group(1) for m in [_CHARSET.search(content_type or "")] if m]
    encoding = feed_encoding(body, declared)
    if encoding is None:
        return without_nuls(body, declared), _without_text_default(content_type)
    text = body.decode(encoding, errors="replace").replace("\x00", "")
    text = re.sub(_XML_ENCODING, r"\1utf-8", text, count=1)
    return text.encode("utf-8"), "application/xml; charset=utf-8"
