"""Redaction of personal identifiers inside text: e-mail addresses, profile links, @handles, phone numbers.

Each match is replaced by a short bracketed token (``[email]``, ``[profile]``, ``[handle]``, ``[phone]``).
Because a token is rarely as long as what it replaces, :meth:`Redaction.map_offset` translates a
character offset in the original text into the redacted text, so evidence spans stay exact.

The rules read a text as a reader or a browser shows it (see :class:`_Reading`): percent-escapes decoded
("t.me%2Fivan", "%40ivan") and invisible characters left out ("t.me/\u200bivan"); what they find is redacted
in the original, escapes and invisible characters inside it included.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import Iterable, Iterator

#: Rule names, in the order they are applied (earlier rules win where matches overlap).
RULES = ("emails", "profile_links", "handles", "phones")

#: The token each rule puts in place of what it removes.
TOKENS = {"emails": "[email]", "profile_links": "[profile]", "handles": "[handle]", "phones": "[phone]"}

#: Combining marks (Latin and Cyrillic diacritics): in decomposed text (NFD) a letter such as й is и followed
#: by U+0306, and the mark is part of the name it sits in, though ``\w`` does not match it.
_MARKS = "\u0300-\u036f\u0483-\u0489"

#: Format characters that show nothing (zero-width space, non-joiner and joiner, word joiner, soft hyphen, BOM,
#: direction marks, invisible operators), which a poster may slip into an address, a link or a handle so that it is
#: not seen as one (:class:`_Reading` leaves them out). None is special inside a character class.
_INVISIBLE = "".join(map(chr, [0xad, 0x61c, 0x180e, *range(0x200b, 0x2010), *range(0x202a, 0x202f),
                               *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0xfeff]))

#: An '@' as addresses write it: also full-width ("ivan＠mail.ru", to hide it from scrapers) or percent-encoded
#: ("mailto:ivan%40mail.ru", as links carry it).
_AT_SIGN = "[@\uff20]|%40"
#: Mail services whose name alone, without its top-level domain, stands for an address ("ivan@gmail").
_MAIL_SERVICES = (r"gmail|googlemail|mail|yandex|inbox|list|bk|rambler|outlook|hotmail|icloud|yahoo|proton|protonmail|"
                  r"ukr")
#: The one host name without a dot that makes a word before it an address: the machine itself ("root@localhost", as
#: logs and configuration files write it). Other dotless names after a word are handles ("thanks@osh_voice").
_LOCAL_HOST = "localhost"
#: An e-mail address; invisible characters may stand anywhere in it ("ivan\u200b@mail.ru") and are redacted with it.
#: Its domain has a top-level domain, or is one of :data:`_MAIL_SERVICES` or :data:`_LOCAL_HOST` (not followed by more
#: of a name).
_EMAIL = re.compile(rf"(?<![\w{_MARKS}.+\-{_INVISIBLE}])[\w{_MARKS}.+\-{_INVISIBLE}]+(?:{_AT_SIGN})"
                    rf"(?:[\w{_MARKS}\-{_INVISIBLE}]+(?:\.[\w{_MARKS}\-{_INVISIBLE}]+)*"
                    rf"\.[{_INVISIBLE}]*[^\W\d_](?:[^\W\d_]|[{_MARKS}{_INVISIBLE}])+(?![\w{_MARKS}{_INVISIBLE}])"
                    rf"|(?i:{_MAIL_SERVICES}|{_LOCAL_HOST})(?!\.?[\w{_MARKS}{_INVISIBLE}\-]))")

#: Hosts whose first path segment names a person (or a personal channel or page).
_SOCIAL_HOSTS = (
    r"t\.me|telegram\.me|telegram\.dog|vk\.com|vk\.ru|ok\.ru|facebook\.com|fb\.com|m\.facebook\.com|"
    r"instagram\.com|twitter\.com|x\.com|tiktok\.com|youtube\.com|linkedin\.com|threads\.net|"
    r"wa\.me|mastodon\.social|my\.mail\.ru|fb\.me|instagr\.am|vk\.me|ig\.me|m\.me|dzen\.ru|zen\.yandex\.ru|"
    r"bsky\.app|reddit\.com|max\.ru|vkontakte\.ru|odnoklassniki\.ru|threads\.com|medium\.com|tumblr\.com|blogger\.com|substack\.com"
)
#: Hosts whose subdomain names a person (``ivan.livejournal.com``, ``ivan.blogspot.com``): personal blogs, and
#: Telegram's ``t.me``, where ``ivan.t.me`` is ``t.me/ivan`` (``www.t.me`` is no one's: see :data:`_PERSONAL_BLOG`).
#: Blogspot's country domains come first (``blogspot.com.br`` before ``blogspot.com``), so a blog is matched whole.
_PERSONAL_SUBDOMAIN_HOSTS = (r"livejournal\.com|blogspot\.(?:com?\.[a-z]{2}|com|[a-z]{2})|substack\.com|wordpress\.com|"
                             r"tumblr\.com|medium\.com|t\.me")
#: A host under one of those, and the host it is under.
_UNDER_PERSONAL_HOST = re.compile(r".+\.(" + _PERSONAL_SUBDOMAIN_HOSTS + ")", re.IGNORECASE)
#: A personal blog's address, ``www.`` or ``m.`` before its name or not (the host's own ``www.blogspot.com``
#: is no blog); a pattern of its own, tried only on texts that name such a host (trying its ``name.`` at every
#: word of every text made redaction a third slower).
_PERSONAL_BLOG = re.compile(r"(?:https?://)?(?<![\w.-])(?:www\.|m\.)?(?!www\.)[\w-]+\.(?:" + _PERSONAL_SUBDOMAIN_HOSTS
                            + r")(?![\w-])(?:/[\w.?=&%-]*)*", re.IGNORECASE)
#: A profile link; its host is not the end of a longer one (``dropbox.com`` is no ``x.com``), though it may follow a
#: subdomain (``mobile.twitter.com``) or be glued to a word in another script ("Подписывайтесьt.me/…").
_PROFILE_LINK = re.compile(
    r"(?:tg://(?:resolve|user|openmessage|join|privatepost)\?[\w.=&%+-]+|"   # a Telegram user, invite or private post
    r"(?<![a-z0-9-])(?:https?://)?(?:www\.|m\.)?(?:" + _SOCIAL_HOSTS + r")/(?:s/|in/|profile/|@|u/|user/|people/|joinchat/|\+)?"
    rf"[\w{_MARKS}.@+%-]+(?:/[\w{_MARKS}.?=&%-]*)*(?:\?[\w{_MARKS}.=&%-]*)?)",
    re.IGNORECASE,
)

#: A time of day after an '@' ("meet@5pm", "@17:00"), which is no handle.
_TIME_OF_DAY = r"\d{1,2}(?::\d{2})?(?i:[ap]m)?(?![\w:])"
#: '@' (or the full-width '＠') and the handle after it, whatever stands before: an e-mail address is
#: redacted first (earlier rules win), and what is left of 'thanks@osh_voice' or 'The end.@handle' is a
#: handle. Dots and hyphens may join its parts ('@ivan-petrov', '@Ali.K'), and it ends in a letter or digit.
#: However long the run is, all of it is redacted, invisible characters inside it too; an '@' in it starts
#: the next handle ('@ivan@anna' is two). A time of day after it is no handle ("meet@5pm").
_HANDLE = re.compile(rf"[@\uff20][{_INVISIBLE}]*(?!{_TIME_OF_DAY})\w(?:[\w{_MARKS}.\-{_INVISIBLE}]*[\w{_MARKS}])?")

#: Dashes as typed or autocorrected between digits: hyphen (also Unicode's and the non-breaking one), figure and en
#: dashes, minus. Em dashes are left out: they join words and numbers in prose ("2019 — 2020 — 2021").
_DASHES = "\\-\u2010-\u2013\u2212"
#: What phone numbers separate digit groups with (as a character class's body): spaces (also no-break, figure,
#: thin and narrow no-break ones, as word processors group digits), dashes, dots and brackets.
_PHONE_SEPARATORS = r" \t\u00a0\u2007\u2009\u202f.()" + _DASHES
#: Where a phone number may start: not inside a word or number, nor after a time's "12:" (the minutes are no number's
#: digits: "в 12:30 0555 123 456"); a percent-encoded '+' may stand before it ("tel:%2B996…": see
#: :func:`_with_encoded_plus`).
_PHONE_START = r"(?:(?<![\w+])(?<!\d:)|(?<=%2[Bb]))"
#: Digits with the separators phone numbers are written with; checked further in :func:`_is_phone`. However long the
#: run is, it is one match: two numbers in a row ("0555 123 456 0777 123 456") are told apart in :func:`_split_phones`.
_PHONE = re.compile(rf"{_PHONE_START}(?:\+|\b00)?\(?\d(?:[{_PHONE_SEPARATORS}]{{0,3}}\d){{6,}}(?!\w)")
#: A phone number in the shape of one, a '+' and a country code or a leading 0 and nine or ten more digits, glued to a
#: word on one side: "тел0555123456", "WhatsApp+996555987654", "+996555123456Иван" (the word must be letters alone:
#: see :func:`_glued_phone_spans`). Codes such as "A320", "iPhone15" or "COVID-19" have too few digits for it.
_GLUED_SHAPE = rf"(?:\+\d(?:[{_PHONE_SEPARATORS}]{{0,3}}\d){{8,14}}|0[1-9](?:[{_PHONE_SEPARATORS}]{{0,3}}\d){{8,9}})"
_GLUED_PHONE = re.compile(rf"(?<=[^\W\d_]){_GLUED_SHAPE}(?!\w)|(?<![\w+]){_GLUED_SHAPE}(?=[^\W\d_])")
#: Latin capitals glued before digits without a '+' make a code ("SKU0123456789", "ID0555123456"), not a word and a
#: phone number, unless they are a word that announces a number ("TEL0555123456").
_PHONE_WORDS = frozenset({"TEL", "PHONE", "MOB", "MOBILE", "CALL", "SMS", "WA", "WHATSAPP", "VIBER", "TG", "TELEGRAM"})
#: A UUID ("123e4567-e89b-12d3-a456-426614174000"): its groups of digits are no phone number.
_UUID = re.compile(r"(?<![\w-])[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}(?![\w-])", re.IGNORECASE)
#: A candidate that opens with a real calendar date (year 19xx/20xx first, or day and month first) or a time:
#: "2010-06-10 12 30" is not a phone, but "0555-12-34-56" (a Kyrgyz mobile) and "0312-66-12-34" are.
_YEAR, _MONTH, _DAY = r"(?:19|20)\d{2}", r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
_DATE_LIKE = re.compile(rf"^{_YEAR}([./{_DASHES}]){_MONTH}\1{_DAY}(?!\d)|^{_DAY}([./{_DASHES}]){_MONTH}\2(?:{_YEAR}|\d{{2}})(?!\d)"
                        rf"|^\d{{1,2}}:\d{{2}}")
#: The spaces word processors group digits with: plain, no-break, figure, thin and narrow no-break.
_SPACES = " \u00a0\u2007\u2009\u202f"
#: A payment card's number: sixteen to nineteen digits in groups of four (the last may be shorter), with one kind of
#: space or dash throughout or none ("4169 5853 1234 5678", "4169-5853-1234-5678", "4169585312345678").
_CARD_NUMBER = re.compile(rf"\d{{4}}([{_SPACES}{_DASHES}]?)\d{{4}}\1\d{{4}}\1\d{{4}}(?:\1\d{{1,3}})?")
#: Digits grouped in threes by one kind of space (or dot) throughout, as amounts are written: "1 000 000 000",
#: "250 000 000", "100 000" (too short for a phone alone; after a year, see :func:`_phone_in`). Checked further in
#: :func:`_is_grouped_amount`.
_GROUPED_IN_THREES = re.compile(rf"([1-9]\d{{0,2}})([{_SPACES}.])\d{{3}}(?:\2\d{{3}})*")
#: A year and, after spaces, the rest of a candidate: "2025 1 000 000 000" is a year and an amount, not a phone;
#: "2025 0555 123 456" a year and a phone.
_AFTER_YEAR = re.compile(rf"{_YEAR}[{_SPACES}]+(.+)")
#: A year, or years in a row as a list of them is written: "2019 2020 2021".
_YEARS = re.compile(rf"{_YEAR}(?:[{_SPACES}]+{_YEAR})*")
#: What may stand between two numbers written in a row: separators with a space among them ("0555 123 456 0777 123
#: 456", "10.06.2026 0555 12 34 56", "0555 123 456 - 0777 123 456"). Brackets stay with the number they belong to.
_GAP_CHARACTERS = _SPACES + "\t." + _DASHES
_NUMBER_GAP = re.compile(rf"[{_GAP_CHARACTERS}]*[{_SPACES}\t][{_GAP_CHARACTERS}]*")
#: The most parts (between gaps) one piece of a split candidate holds: a phone number is written in six groups at most,
#: an amount up to a sextillion ("1 000 000 000 000 000 000") in seven.
_MOST_PARTS = 8


def site_without_person(host: str) -> str:
    """``host`` less a subdomain that names a person (``ivan.livejournal.com`` → ``livejournal.com``)."""
    under = _UNDER_PERSONAL_HOST.fullmatch(host)
    return under.group(1).lower() if under else host


def _phone_in(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the phone number of a candidate span is: all of it, or what follows a year that opens it ("2025 996 555
    123 456" is a year and a number, and only the number goes); None when it holds none (a date, a time, an amount, a
    year and an amount: "2025 100 000", "2024 1 500 000")."""
    after_year = _AFTER_YEAR.fullmatch(text, start, end)
    if after_year and _is_phone(after_year.group(1)):
        return after_year.start(1), end
    return (start, end) if _is_phone(text[start:end]) else None


def _phones_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The phone numbers of a candidate span: the one :func:`_phone_in` finds, else, where it may be several numbers
    (:func:`_may_be_several`), those :func:`_split_phones` finds among its parts."""
    phone = _phone_in(text, start, end)
    if phone:
        return [phone]
    return _split_phones(text, start, end) if _may_be_several(text[start:end]) else []


def _may_be_several(candidate: str) -> bool:
    """Whether a candidate that is no phone number as a whole may be several numbers: it has more digits than one
    phone number, or a date opens it and more than nine digits follow; but not when it is years or an amount ("12 345
    678 901 234 567" is no "12 345" and a phone number)."""
    digits = _count_digits(candidate)
    return ((digits > 15 or (digits > 9 and _DATE_LIKE.search(candidate) is not None))
            and not _is_years_or_amount(candidate))


def _split_phones(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The phone numbers in a candidate that is none as a whole, being several numbers written in a row with spaces
    between them: "0555 123 456 0777 123 456" is two phone numbers, "10.06.2026 0555 12 34 56" a date and one.

    The candidate is cut at those spaces into the pieces that leave the fewest digits unexplained (in no phone number,
    date, year or amount: see :func:`_read_piece`), then hold the most phone numbers, then redact the fewest digits
    ("1 000 000 000 0555 123 456" is an amount and a number, not "1 000" and a longer number).
    """
    parts = _parts_between_gaps(text, start, end)
    if len(parts) < 2:
        return []
    # best[i]: the best reading of parts[i:], as its score (added up piece by piece), where its first piece ends (the
    # index of the part after it) and that piece's phone number, if any. Each piece holds _MOST_PARTS parts at most, so
    # a long run of numbers (a table) takes time in proportion to its length.
    best = [((0, 0, 0), len(parts), [])] * (len(parts) + 1)
    for first in range(len(parts) - 1, -1, -1):
        readings = []
        for last in range(first, min(first + _MOST_PARTS, len(parts))):
            score, phones = _read_piece(text, parts[first][0], parts[last][1])
            rest = best[last + 1][0]
            readings.append(((score[0] + rest[0], score[1] + rest[1], score[2] + rest[2]), last + 1, phones))
        best[first] = min(readings, key=lambda reading: reading[0])
    found, first = [], 0
    while first < len(parts):
        _, first, phones = best[first]
        found += phones
    return found


def _parts_between_gaps(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of ``text[start:end]`` between the gaps two numbers in a row may have (:data:`_NUMBER_GAP`)."""
    parts, part_start = [], start
    for gap in _NUMBER_GAP.finditer(text, start, end):
        parts.append((part_start, gap.start()))
        part_start = gap.end()
    parts.append((part_start, end))
    return parts


def _read_piece(text: str, start: int, end: int) -> tuple[tuple[int, int, int], list[tuple[int, int]]]:
    """How one piece of a split candidate reads: its score (digits unexplained, minus the phone numbers, digits
    redacted) and its phone number's span, if it holds one. A piece whose digits open with ``000`` holds none: it is
    the end of an amount ("1 000 000 000")."""
    piece = text[start:end]
    digits = _digits_of(piece)
    phone = _phone_in(text, *_trim_phone(text, start, end)) if len(digits) >= 9 and digits[:3] != "000" else None
    if phone:
        return (0, -1, _count_digits(text[phone[0]:phone[1]])), [phone]
    explained = len(digits) >= 4 and _is_other_number(piece)   # a date, a year or an amount has four digits or more
    return (0 if explained else len(digits), 0, 0), []


def _is_phone(candidate: str) -> bool:
    """Nine to fifteen digits that do not read as another number (:func:`_is_other_number`), or a card number (one
    redaction, where its last fifteen digits alone would read as a phone number and leave the first ones)."""
    if _is_card_number(candidate):
        return True
    return 9 <= _count_digits(candidate) <= 15 and not _is_other_number(candidate)


def _is_card_number(candidate: str) -> bool:
    """Whether ``candidate`` is written as a card's number (:data:`_CARD_NUMBER`) and is not years in a row."""
    return _CARD_NUMBER.fullmatch(candidate) is not None and _YEARS.fullmatch(candidate) is None


def _is_other_number(candidate: str) -> bool:
    """Whether ``candidate`` reads as a number other than a phone number: a date or a time opens it, or it is years
    or an amount (:func:`_is_years_or_amount`)."""
    return _DATE_LIKE.search(candidate.strip("()")) is not None or _is_years_or_amount(candidate)


def _is_years_or_amount(candidate: str) -> bool:
    """Whether ``candidate`` is a year or years ("в 2019 2020 2021 годах"), or a grouped amount, after a year or not
    ("2025 100 000")."""
    if _YEARS.fullmatch(candidate):
        return True
    after_year = _AFTER_YEAR.fullmatch(candidate)
    return _is_grouped_amount(after_year.group(1) if after_year else candidate)


def _is_grouped_amount(candidate: str) -> bool:
    """Digits grouped in threes as amounts are, led by one or two digits or with only ``000`` groups after the
    first.

    "1 000 000 000" and "250 000 000" are amounts; "555 123 456", "996 555 123 456" and "996 555 123 000" (Kyrgyz
    numbers without their '+') are phones, as is anything with a '+', a bracket, a dash or a leading 0.
    """
    grouped = _GROUPED_IN_THREES.fullmatch(candidate)
    if grouped is None:
        return False
    lead, separator = grouped.group(1), grouped.group(2)
    return len(lead) < 3 or set(candidate[len(lead):].split(separator)) == {"", "000"}


def _count_digits(candidate: str) -> int:
    """How many digits ``candidate`` holds."""
    return sum(map(str.isdigit, candidate))


def _digits_of(candidate: str) -> str:
    """The digits of ``candidate`` alone."""
    return "".join(ch for ch in candidate if ch.isdigit())


def _with_encoded_plus(text: str, start: int) -> int:
    """Where a phone number starting at ``start`` starts with the percent-encoded '+' before it ("tel:%2B996…")."""
    return start - 3 if text[max(0, start - 3):start] in ("%2B", "%2b") else start


@dataclass
class RedactionRules:
    """Which identifiers to redact; defaults from ``settings.export``."""

    emails: bool = True
    profile_links: bool = True
    handles: bool = True
    phones: bool = True

    @classmethod
    def from_settings(cls, export_settings) -> "RedactionRules":
        return cls(emails=export_settings.redact_emails, profile_links=export_settings.redact_profile_links,
                   handles=export_settings.redact_handles, phones=export_settings.redact_phones)

    def enabled(self) -> list[str]:
        """Names of the rules turned on, in application order."""
        return [r for r in RULES if getattr(self, r)]


@dataclass
class Redaction:
    """A redacted text and how its offsets moved."""

    text: str
    #: (original start, original end, new start, new end) for each replacement, in order.
    replacements: list[tuple[int, int, int, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def map_offset(self, offset: int, *, is_end: bool = False) -> int:
        """The offset in the redacted text that corresponds to ``offset`` in the original.

        An offset strictly inside a redacted stretch moves to the token's start (``is_end=False``) or its
        end (``is_end=True``), so a span touching a redaction covers the whole token.
        """
        if not self.replacements:
            return offset
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return offset
        o_start, o_end, n_start, n_end = self.replacements[i]
        if offset >= o_end:
            return offset + (n_end - o_end)
        if offset == o_start:
            return n_start
        return n_end if is_end else n_start

    @cached_property
    def starts(self) -> list[int]:
        """Where each replacement starts in the original text (made once: a long text maps thousands of spans)."""
        return [r[0] for r in self.replacements]

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the original text."""
        new_start = self.map_offset(start)
        new_end = max(new_start, self.map_offset(end, is_end=True))
        return new_start, new_end


#: What hides part of a text from the patterns: a percent-escape of one character (an ASCII one, "%40", "%2F", or the
#: UTF-8 bytes of one letter, "%D0%B8") or an invisible character.
_HIDDEN = re.compile(rf"%[0-9A-Fa-f]{{2}}(?:%[89ABab][0-9A-Fa-f])*|[{_INVISIBLE}]")
_INVISIBLE_CHARACTERS = frozenset(_INVISIBLE)


@dataclass(frozen=True)
class _Reading:
    """A text as a reader (or a browser) sees it: percent-escapes decoded and invisible characters left out, and
    where each of its characters stands in the original (``starts`` and ``ends``; empty when nothing was hidden)."""

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> "_Reading":
        """The reading of ``text``; ``text`` itself, cheaply, when it hides nothing."""
        if not _may_hide(text):
            return cls(text)
        shown: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for start, end, piece in _pieces(text):
            shown.append(piece)
            if piece == text[start:end]:   # as written: each character stands at its own place
                starts.extend(range(start, end))
                ends.extend(range(start + 1, end + 1))
            else:   # decoded or left out: what is shown stands for the whole piece
                starts.extend([start] * len(piece))
                ends.extend([end] * len(piece))
        return cls("".join(shown), starts, ends)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The stretch of the original text that ``[start, end)`` of the reading was read from."""
        if not self.starts:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _may_hide(text: str) -> bool:
    """Whether ``text`` holds a percent-escape or an invisible character (an ASCII text can hold only the former)."""
    return ("%" in text or not text.isascii()) and _HIDDEN.search(text) is not None


def _pieces(text: str) -> Iterator[tuple[int, int, str]]:
    """``text`` cut into stretches as written and hidden pieces between them: (start, end, what a reader sees)."""
    position = 0
    for hidden in _HIDDEN.finditer(text):
        yield position, hidden.start(), text[position:hidden.start()]
        yield hidden.start(), hidden.end(), _shown(hidden.group())
        position = hidden.end()
    yield position, len(text), text[position:]


def _shown(hidden: str) -> str:
    """What a reader sees of a hidden piece: nothing of an invisible character; the character a percent-escape
    stands for (nothing if that is invisible), or the escape as written when its bytes are no character."""
    if not hidden.startswith("%"):
        return ""
    try:
        character = bytes.fromhex(hidden.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return hidden
    return "" if character in _INVISIBLE_CHARACTERS else character


class Redactor:
    """Applies the enabled rules to texts; one instance per export (it counts what it removed)."""

    def __init__(self, rules: RedactionRules):
        self.rules = rules
        self.enabled = rules.enabled()
        self.totals: dict[str, int] = {r: 0 for r in self.enabled}

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, rule) matches, earlier rules first where they overlap, found in what
        ``text`` reads as (see :class:`_Reading`)."""
        reading = _Reading.of(text)
        if not _might_match(reading.text):
            return []
        return [(*reading.original_span(start, end), rule) for start, end, rule in self._find_in(reading.text)]

    def _find_in(self, text: str) -> list[tuple[int, int, str]]:
        """:meth:`find` in a text that hides nothing."""
        taken: list[tuple[int, int, str]] = []
        for rule in self.enabled:
            spans = _rule_spans(rule, text)
            if rule == "handles":
                kept = self._kept_whole(text)
                spans = (span for span in spans if not _overlaps(kept, *span))
            _take(taken, spans, rule)
        return taken

    def _kept_whole(self, text: str) -> list[tuple[int, int, str]]:
        """The addresses and profile links of rules turned off: kept on purpose, they keep the '@' and what follows
        it (an address its domain, "youtube.com/@name" its name) rather than lose it as a handle."""
        kept: list[tuple[int, int, str]] = []
        for rule in ("emails", "profile_links"):
            if rule not in self.enabled:
                _take(kept, _rule_spans(rule, text), rule)
        return kept

    def redact(self, text: str | None) -> Redaction:
        """Redact one text; ``None`` is treated as empty."""
        text = text or ""
        if not self.enabled or not text:
            return Redaction(text)
        matches = self.find(text)
        if not matches:
            return Redaction(text)
        out: list[str] = []
        replacements = []
        counts: dict[str, int] = {}
        pos = new_pos = 0
        for start, end, rule in matches:
            out.append(text[pos:start])
            new_pos += start - pos
            token = TOKENS[rule]
            out.append(token)
            replacements.append((start, end, new_pos, new_pos + len(token)))
            new_pos += len(token)
            pos = end
            counts[rule] = counts.get(rule, 0) + 1
            self.totals[rule] += 1
        out.append(text[pos:])
        return Redaction("".join(out), replacements, counts)

    def redact_text(self, text: str | None) -> str:
        """Only the redacted string."""
        if not text or not self.enabled:
            return text or ""
        return self.redact(text).text


def _rule_spans(rule: str, text: str) -> Iterable[tuple[int, int]]:
    """The spans of ``rule``'s matches in ``text``, none where cheap tests show it holds none."""
    if not _worth_trying(rule, text):
        return ()
    return _SPANS[rule](text) if rule in _SPANS else (m.span() for m in _PATTERNS[rule].finditer(text))


def _take(taken: list[tuple[int, int, str]], spans: Iterable[tuple[int, int]], rule: str) -> None:
    """Add each of ``spans`` that overlaps nothing in ``taken`` (sorted) as ``(start, end, rule)``: a match taken
    earlier wins."""
    for start, end in spans:
        if not _overlaps(taken, start, end):
            bisect.insort(taken, (start, end, rule))


_PATTERNS = {"emails": _EMAIL, "profile_links": _PROFILE_LINK, "handles": _HANDLE, "phones": _PHONE}
#: A character each rule's matches must contain (phones and profile links: see :func:`_worth_trying`).
_NEEDS = {"emails": ("@", "\uff20", "%40"), "handles": ("@", "\uff20")}
_DIGIT_RUN = re.compile(rf"\d[\d{_PHONE_SEPARATORS}]{{6,}}\d")
_ASCII_DIGITS = "0123456789"
#: The characters besides ``isalnum()`` ones that an e-mail's name part holds: '_', '.', '+', '-', the marks and
#: the invisible characters.
_EMAIL_NAME_EXTRA = frozenset("_.+-" + "".join(map(chr, [*range(0x300, 0x370), *range(0x483, 0x48A)])) + _INVISIBLE)
_ASCII_DIGIT_BYTES = _ASCII_DIGITS.encode("ascii")


#: An '@' or '＠'; :data:`_AT_OR_ENCODED` finds '%40' too, and is used only on texts that hold one (a search for an
#: alternation cannot skip ahead as one for a character class does: it took four times as long).
_AT = re.compile("[@\uff20]")
_AT_OR_ENCODED = re.compile(_AT_SIGN)


def _find_at(at_sign: re.Pattern[str], text: str, start: int) -> int:
    """Where the next match of ``at_sign`` (:data:`_AT` or :data:`_AT_OR_ENCODED`) from ``start`` is, or -1."""
    found = at_sign.search(text, start)
    return found.start() if found else -1


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans ``_EMAIL.finditer(text)`` finds, found from each '@' (or full-width '＠', which hides an address
    from simple scrapers, or percent-encoded '%40') instead of from every position.

    A match holds exactly one '@' and starts where the run of word characters and ``.+-`` before it starts (the
    look-behind forbids starting inside the run), so each '@' has one place a match can start.
    """
    at_sign = _AT_OR_ENCODED if "%" in text and "%40" in text else _AT
    done = 0
    at = _find_at(at_sign, text, 0)
    while at >= 0:
        start = at
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in _EMAIL_NAME_EXTRA):  # \w: isalnum() or '_'
            start -= 1
        if done <= start < at:
            m = _EMAIL.match(text, start)
            if m:
                yield m.span()
                done = m.end()
        at = _find_at(at_sign, text, max(at + 1, done))


def _overlaps(spans: list[tuple[int, int, str]] | list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of ``spans`` (sorted, not overlapping each other): only its
    neighbours need looking at."""
    i = bisect.bisect_left(spans, (start,))
    return bool((i and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end))


def _might_match(text: str) -> bool:
    """A cheap test that skips texts with no '@' (or full-width '＠', or '%40'), no '/', no host of personal blogs
    and no run of eight digits and separators."""
    if "@" in text or "/" in text or "\uff20" in text or ("%" in text and "%40" in text):
        return True
    return _might_hold_phone(text) or _names_personal_host(text)


def _worth_trying(rule: str, text: str) -> bool:
    """Whether ``text`` might hold a match of ``rule``: cheap tests, since the full patterns are slow on long texts."""
    if rule == "phones":
        return not _too_few_digits(text)
    if rule == "profile_links":   # a personal blog's address needs no '/' ("ivan.livejournal.com")
        return _names_social_host(text) or _names_personal_host(text)
    return any(c in text for c in _NEEDS[rule])


def _might_hold_phone(text: str) -> bool:
    """False when ``text`` cannot hold a phone number: a phone has nine digits or more (see :func:`_is_phone`)."""
    return not _too_few_digits(text) and _DIGIT_RUN.search(text) is not None


def _too_few_digits(text: str) -> bool:
    """True for an ASCII text with fewer than the nine digits of a phone number; False where it may hold one.

    An ASCII text's digits are 0-9 alone, so counting them (in C) settles most texts without a regex.
    """
    if not text.isascii():
        return False
    if not any(map(text.__contains__, _ASCII_DIGITS)):
        return True
    return len(text) - len(text.encode("ascii").translate(None, _ASCII_DIGIT_BYTES)) < 9


#: A digit and the run of digits and phone characters after it. Every match of :data:`_PHONE` lies in
#: one run of the characters it can hold (digits, '+' and :data:`_PHONE_SEPARATORS`) and holds seven digits or more.
_PHONE_RUN = re.compile(rf"\d[\d+{_PHONE_SEPARATORS}]*")
#: The characters other than digits that :data:`_PHONE` can match.
_PHONE_NON_DIGITS = frozenset("+() \t\u00a0\u2007\u2009\u202f.-\u2010\u2011\u2012\u2013\u2212")


def _phone_runs(text: str) -> Iterator[tuple[int, int]]:
    """The runs of phone characters that hold a digit and can hold a match of :data:`_PHONE` or
    :data:`_GLUED_PHONE`, each from the '+', '(' or separator before its first digit to its end.

    The patterns' look-behinds are slow to try at every position of a long text. A match cannot cross the
    end of a run (the character there is not one it can hold), so matching each run on its own, with the
    character on either side for the look-behind and the look-ahead, finds exactly the same spans; and
    a run shorter than seven characters from its first digit cannot hold a match's seven digits.
    """
    for run in _PHONE_RUN.finditer(text):
        start, end = run.span()
        if end - start < 7:
            continue
        while start > 0 and text[start - 1] in _PHONE_NON_DIGITS:  # a '+', '(' or separator before the first digit
            start -= 1
        yield start, end


def _phone_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans ``_PHONE.finditer(text)`` finds, searching only the runs of :func:`_phone_runs`."""
    for start, end in _phone_runs(text):
        yield from _spans_in_run(_PHONE, text, start, end)


def _spans_in_run(pattern: re.Pattern[str], text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The spans of ``pattern`` in the run ``text[start:end]``, with the character after it for a look-ahead."""
    return (m.span() for m in pattern.finditer(text, start, end + 1))


def _glued_phone_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The spans of :data:`_GLUED_PHONE` in the run ``text[start:end]`` where the word glued to the number is letters
    alone and makes no code: "тел0555123456" is a word and a number, but "3f0a0123456789" (a hash) and
    "SKU0123456789" (see :func:`_is_code`) are one token each and stay."""
    return (span for span in _spans_in_run(_GLUED_PHONE, text, start, end) if _is_glued_to_a_word(text, *span))


def _is_glued_to_a_word(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` is glued to a word of letters alone that makes no code with it."""
    word = _glued_word(text, start, end)
    return word.isalpha() and not _is_code(text, start, word)


def _is_code(text: str, start: int, word: str) -> bool:
    """Whether ``word`` stands right before a number at ``start`` that has no '+', and is Latin capitals that
    announce no number (see :data:`_PHONE_WORDS`)."""
    return (text[start] != "+" and text.endswith(word, 0, start)
            and word.isascii() and word.isupper() and word not in _PHONE_WORDS)


def _touches_a_letter(text: str, start: int, end: int) -> bool:
    """Whether a letter stands right before the first digit of the run ``text[start:end]`` (or before the '+' there),
    or right after its last digit: only then can it hold a glued number (:func:`_glued_phone_spans`)."""
    first = start
    while not text[first].isdigit():   # the '+', '(' or separators before the first digit
        first += 1
    before = text[max(0, first - 2):first]
    return (before[-1:].isalpha() or (before[-1:] == "+" and before[:1].isalpha())
            or (text[end - 1].isdigit() and text[end:end + 1].isalpha()))


def _glued_word(text: str, start: int, end: int) -> str:
    """The word characters right before ``start``, else those right after ``end``."""
    first, last = start, end
    while first and (text[first - 1].isalnum() or text[first - 1] == "_"):
        first -= 1
    if first < start:
        return text[first:start]
    while last < len(text) and (text[last].isalnum() or text[last] == "_"):
        last += 1
    return text[end:last]


def _phone_numbers(text: str) -> Iterator[tuple[int, int]]:
    """Where the phone numbers in ``text`` are: in each candidate span outside a UUID, less what it swallowed at
    either end, the numbers :func:`_phones_in` finds, each with the percent-encoded '+' before it."""
    uuids = _uuid_spans(text)
    for run_start, run_end in _phone_runs(text):
        candidates = _spans_in_run(_PHONE, text, run_start, run_end)
        if _touches_a_letter(text, run_start, run_end):
            candidates = chain(candidates, _glued_phone_spans(text, run_start, run_end))
        for start, end in candidates:
            if _overlaps(uuids, start, end):
                continue
            for phone_start, phone_end in _phones_in(text, *_trim_phone(text, start, end)):
                yield _with_encoded_plus(text, phone_start), phone_end


def _uuid_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the UUIDs in ``text`` (a UUID has dashes: a text without one is not searched)."""
    return [m.span() for m in _UUID.finditer(text)] if "-" in text else []


#: A host of personal blogs after a '.', as in every blog's address (only then are such addresses looked for).
#: The case-sensitive '.' first lets the search skip ahead fast (ignoring case throughout made it several times slower).
_PERSONAL_HOST = re.compile(r"\.(?i:" + _PERSONAL_SUBDOMAIN_HOSTS + ")")
#: A social host followed by '/': every profile link holds one (the full pattern is slow on long texts).
_HOST_SLASH = re.compile(r"(?:" + _SOCIAL_HOSTS + r"|tg:)/", re.IGNORECASE)
_LONGEST_HOST = max(len(host.replace("\\", "")) for host in _SOCIAL_HOSTS.split("|"))


def _names_personal_host(text: str) -> bool:
    """Whether ``text`` names a host of personal blogs, with or without a '/' after it."""
    return _PERSONAL_HOST.search(text) is not None


def _names_social_host(text: str) -> bool:
    """Whether some '/' in ``text`` follows a social host, looking only just before each '/'."""
    slash = text.find("/")
    while slash >= 0:
        if _HOST_SLASH.search(text, max(0, slash - _LONGEST_HOST), slash + 1):
            return True
        slash = text.find("/", slash + 1)
    return False


def _trim_phone(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop an unbalanced bracket or separator the phone pattern swallowed at either end."""
    while start < end and not (text[start].isdigit() or text[start] in "+("):
        start += 1
    while end > start and not text[end - 1].isdigit() and text[end - 1] != ")":
        end -= 1
    if text[start] == "(" and ")" not in text[start:end]:
        start += 1
    if text[end - 1] == ")" and "(" not in text[start:end]:
        end -= 1
    return start, end


def _trim_trailing_punctuation(text: str, start: int, end: int) -> int:
    """A link at the end of a sentence does not own the full stop or comma after it."""
    while end > start and text[end - 1] in ".,;:!?)'\"":
        end -= 1
    return end


def _profile_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans of personal blogs' addresses where the text names their host, then of profile links, each without
    the punctuation after it.

    Blogs come first: ``ivan.medium.com/post`` is one blog's address, not ``ivan.`` before a profile link.
    """
    blogs = _PERSONAL_BLOG.finditer(text) if _names_personal_host(text) else ()
    for link in chain(blogs, _PROFILE_LINK.finditer(text)):
        yield link.start(), _trim_trailing_punctuation(text, *link.span())


#: Rules whose matches are found by a faster route than ``finditer`` over the whole text (same spans; phone numbers'
#: are then checked, split where several are in a row, and joined by those glued to a word).
_SPANS = {"emails": _email_spans, "phones": _phone_numbers, "profile_links": _profile_spans}
