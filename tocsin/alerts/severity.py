"""How severe an item alert is: the rule's base severity, raised by a high score and by a call to
violence or expulsion that names a place or a time (the marks of a call someone could act on). A call to
exclusion (keep a group out of work, housing, trade or a shop: a cue of the form ``exclusion``) is not raised
for its place or time: "no Uzbeks at our stalls in Osh" names a place as every such notice does."""

from __future__ import annotations

import re
from typing import Any

from tocsin.config import SEVERITIES
from tocsin.nlp.features import EXCLUSION_FORMS

#: Hallmarks that call for action against the target.
ACTION_HALLMARKS = ("call_to_violence", "call_to_expulsion")

#: A score at or above this raises the severity one step.
HIGH_SCORE = 0.85

#: Words and forms that put a call at a time: today, tonight, tomorrow, weekdays, clock times, dates.
#: Russian, Kyrgyz, Uzbek (Latin and Cyrillic) and English; matched on lower-cased text.
TIME_PATTERN = re.compile(
    r"\b(?:\d{1,2}[:.]\d{2}|\d{1,2}\s?(?:am|pm)|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?)\b"   # 18:00, 6pm, 12.06
    r"|\b(?:today|tonight|tomorrow|this (?:morning|evening|night|week|friday|saturday|sunday)"
    r"|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
    r"|\b(?:сегодня|завтра|послезавтра|вечером|ночью|утром|в (?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье))\b"
    r"|\b(?:бүгүн|эртең|кечинде|түнү|эртең менен|жума күнү)\b"                        # Kyrgyz
    r"|\b(?:bugun|ertaga|kechqurun|kechasi|ertalab|juma kuni|shanba kuni|якшанба|бугун|эртага|кечқурун|кечаси|жума куни)\b",
    re.IGNORECASE,
)


def rank(severity: str) -> int:
    """Position of a severity on the ladder info < warning < high < critical (-1 for unknown)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def raise_by(severity: str, steps: int) -> str:
    """``severity`` moved ``steps`` up the ladder, at most ``critical``."""
    return SEVERITIES[min(len(SEVERITIES) - 1, max(0, rank(severity)) + steps)]


def names_a_time(text: str) -> bool:
    """Whether a text names a time or a day (today, tomorrow, Friday, 18:00, …) in any of the languages."""
    return bool(TIME_PATTERN.search(text or ""))


def exclusion_only(calls: list[str], analysis: dict[str, Any]) -> bool:
    """Whether the only call of an analysis is to exclusion: its one call hallmark (of ``calls``) is
    ``call_to_expulsion`` (no call to violence, found or suggested) and every call cue is of the form ``exclusion`` or
    ``exclusivity`` (an analysis stored before cues had a form has none, and counts as a call to expulsion)."""
    if calls != ["call_to_expulsion"]:
        return False
    cues = [s for s in analysis.get("spans") or [] if s.get("kind") == "cue" and s.get("label") in ACTION_HALLMARKS]
    return bool(cues) and all(s.get("form") in EXCLUSION_FORMS for s in cues)


def item_severity(base: str, analysis: dict[str, Any], text: str) -> tuple[str, list[str]]:
    """The severity of an item alert and the reasons it was raised.

    :param base: the rule's severity.
    :param analysis: a decoded analysis (score, hallmarks, places, spans).
    :param text: the item's text, searched for a time.
    """
    steps, reasons = 0, []
    if float(analysis.get("score") or 0) >= HIGH_SCORE:
        steps += 1
        reasons.append(f"score {float(analysis['score']):.2f} ≥ {HIGH_SCORE}")
    calls = [h for h in analysis.get("hallmarks") or [] if h in ACTION_HALLMARKS]
    if calls and not exclusion_only(calls, analysis):
        place = bool(analysis.get("places"))
        time = names_a_time(text)
        if place or time:
            steps += 1 + int(place and time)
            named = " and ".join(w for w, ok in (("a place", place), ("a time", time)) if ok)
            reasons.append(f"{calls[0].replace('_', ' ')} naming {named}")
    return raise_by(base, steps), reasons
