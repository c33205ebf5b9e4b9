"""A decision its session refused (the session ended, or the page's token expired), carried through the
login form so that it is not lost, and recorded only for the monitor whose session it was.

The decision travels in one signed field (``pending``) that names that monitor: only a request that came with
their session cookie gets one, which a form on another site cannot send (the cookie is SameSite=Lax), and
logging in as anyone else records nothing. Nothing is kept on the server meanwhile.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from tocsin.store.reviewing import DECISIONS
from tocsin.terminal import without_controls

#: The longest note (and comment) kept, in characters.
MAX_NOTE = 2000
#: A carried decision older than this is refused at login (a day: the monitor decides again).
CARRY_MAX_AGE_S = 86_400
_SALT = "tocsin-carried-decision"


def kept_note(note: str) -> str:
    """A note as a decision keeps it: control characters dropped (a note pasted from text read in the wrong encoding
    holds invisible ones, and refusing it would throw away its decision), white space at its ends stripped."""
    return without_controls(note.strip()).strip()


def too_long(note: str) -> str:
    """Why a decision with this (kept) note is not recorded: it is longer than :data:`MAX_NOTE`, and cutting it would
    lose the end without notice; '' when it is not too long."""
    if len(note) <= MAX_NOTE:
        return ""
    return f"Your note is {len(note):,} characters long, more than the {MAX_NOTE:,} kept: shorten it, then decide again."


def carried_decision(fields: Mapping[str, Any]) -> dict[str, str] | None:
    """The decision in ``pending_*`` fields (``item``, ``decision``, ``note``, ``seen_review``, ``version``: the
    version of the item its page showed, checked when it is recorded), or None; None too for a note that is
    :func:`too_long`, which is refused with the note shown back, never cut to fit."""
    decision, item_id = str(fields.get("pending_decision", "")), str(fields.get("pending_item", ""))
    note = kept_note(str(fields.get("pending_note", "")))
    if decision not in DECISIONS or not item_id or len(item_id) > 128 or too_long(note):
        return None
    return {"item": item_id, "decision": decision, "note": note,
            "seen_review": str(fields.get("pending_seen_review", "")),
            "version": str(fields.get("pending_version", ""))[:128]}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def carry_token(pending: dict[str, str], owner: str) -> str:
    """``pending`` signed for ``owner``, the monitor whose session refused it (see :func:`carried_for`)."""
    return _serializer().dumps({"for": owner, **pending})


def carried_for(token: str | None) -> tuple[dict[str, str] | None, str]:
    """The decision a carry token holds and the monitor it was signed for; ``(None, "")`` when there is none or
    it was altered, forged or is older than :data:`CARRY_MAX_AGE_S`."""
    try:
        data = _serializer().loads(token or "", max_age=CARRY_MAX_AGE_S)
    except BadData:
        return None, ""
    if not isinstance(data, dict) or not isinstance(data.get("for"), str):
        return None, ""
    return carried_decision({f"pending_{key}": value for key, value in data.items() if key != "for"}), data["for"]
