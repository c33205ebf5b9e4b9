"""Dates written with a month's name, as the region's sites write them: "1 июня 2024, 14:30", "1-июнь 2024",
"2024-жылдын 1-июну", "2024-yil 1-iyun", "1 iyun 2024", "June 1, 2024"; and days named relative to today, as
forums and comment threads write them: "Сегодня, 14:30", "вчера в 09:05", "Бүгүн 14:30", "Kecha, 18:00", "14:30".

Russian, Kyrgyz and Uzbek Cyrillic month names share their stems; Uzbek Latin and English have their own. A
time (14:30) after the date, or before it, is read with it; the date has no zone (the source's is applied later).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

_LETTERS = r"[^\W\d_]"
#: Stems of the month names (Russian, Kyrgyz, Uzbek Cyrillic; Uzbek Latin), read with any ending: "июня",
#: "июнунда", "iyunda".
MONTH_STEMS = {
    1: ("январ", "yanvar"), 2: ("феврал", "fevral"), 3: ("март", "mart"), 4: ("апрел", "aprel"), 5: ("ма[йя]", "may"),
    6: ("июн", "iyun"), 7: ("июл", "iyul"), 8: ("август", "avgust"), 9: ("сентябр", "sent[ya]?abr"),
    10: ("октябр", "okt[ya]?abr"), 11: ("ноябр", "noyabr"), 12: ("декабр", "dekabr"),
}
#: English month names and their short forms, read as whole words ("5 decisions, 2024" holds no date).
ENGLISH_MONTHS = {
    1: "jan(?:uary)?", 2: "feb(?:ruary)?", 3: "mar(?:ch)?", 4: "apr(?:il)?", 5: "may", 6: "june?", 7: "july?",
    8: "aug(?:ust)?", 9: "sept?(?:ember)?", 10: "oct(?:ober)?", 11: "nov(?:ember)?", 12: "dec(?:ember)?",
}
_MONTH = "|".join(
    f"(?P<m{n}>(?:{'|'.join(MONTH_STEMS[n])}){_LETTERS}*|{ENGLISH_MONTHS[n]}(?!{_LETTERS}))" for n in MONTH_STEMS)
_MONTH_WORD = rf"(?<!{_LETTERS})(?:{_MONTH})\.?"
#: A day ("1", "01"), in Kyrgyz and Uzbek with its suffix ("1-", "1-июнда"); a year with "г.", "года", "-жылы", "-yil".
_DAY = rf"(?P<day>\d{{1,2}})(?:-{_LETTERS}*)?"
_YEAR = rf"(?P<year>\d{{4}})(?:-?{_LETTERS}+\.?)?"
_PATTERNS = [
    re.compile(rf"(?<!\d){_DAY}[\s.\-]*{_MONTH_WORD}[\s,]+{_YEAR}", re.IGNORECASE),
    re.compile(rf"(?<!\d){_YEAR}[\s,]+(?:{_LETTERS}+\.?\s+)?{_DAY}[\s.\-]*{_MONTH_WORD}", re.IGNORECASE),
    re.compile(rf"{_MONTH_WORD}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})", re.IGNORECASE),
]
#: A time, on the 24-hour clock or the 12-hour one ("2:30 PM", "12:15 a.m.").
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])(?:\s?(?P<half>[ap])\.?m(?![^\W\d_])\.?)?",
                    re.IGNORECASE)


def written_date(text: str) -> datetime | None:
    """The date (and time, when there is one) of ``text`` written with a month's name, without a zone; None
    when there is none; a ValueError for a day that does not exist (31 июня)."""
    for pattern in _PATTERNS:
        found = pattern.search(text)
        if found:
            month = next(int(name[1:]) for name, value in found.groupdict().items() if name[0] == "m" and value)
            clock = _CLOCK.search(text, found.end()) or _CLOCK.search(text, 0, found.start())
            hour, minute, second = clock_time(clock) if clock else (0, 0, 0)
            return datetime(int(found["year"]), month, int(found["day"]), hour, minute, second)
    return None


def clock_time(clock: re.Match) -> tuple[int, int, int]:
    """Hour, minute and second of a :data:`_CLOCK` match, a 12-hour time on the 24-hour clock ("12:15 AM" is 0:15)."""
    hour, minute, second = (int(part or 0) for part in clock.groups()[:3])
    if clock["half"]:
        hour = hour % 12 + (12 if clock["half"].lower() == "p" else 0)
    return hour, minute, second


#: Words for today and yesterday (Russian, Kyrgyz, Uzbek Latin and Cyrillic, English), by days back.
_DAYS_BACK = {"сегодня": 0, "бүгүн": 0, "бугун": 0, "bugun": 0, "today": 0,
              "вчера": 1, "кечээ": 1, "кеча": 1, "kecha": 1, "yesterday": 1}
_RELATIVE = re.compile(rf"^(?:(?P<word>{'|'.join(_DAYS_BACK)})[\s,]*(?:в|at|soat)?\s*)?"
                       r"(?P<hour>\d{1,2}):(?P<minute>\d{2})$|^(?P<alone>" + "|".join(_DAYS_BACK) + ")$", re.IGNORECASE)


def relative_date(text: str, zone: tzinfo | None = None, now: datetime | None = None) -> datetime | None:
    """The time of "Сегодня, 14:30", "вчера в 09:05", "Kecha" or a bare "14:30" (today), with today taken in
    ``zone`` (the source's; UTC if None); None for any other text."""
    found = _RELATIVE.match(text.strip())
    if not found:
        return None
    zone = zone or timezone.utc
    today = (now or datetime.now(timezone.utc)).astimezone(zone)
    word = (found["word"] or found["alone"] or "").casefold()
    day = today - timedelta(days=_DAYS_BACK.get(word, 0))
    hour, minute = int(found["hour"] or 0), int(found["minute"] or 0)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
