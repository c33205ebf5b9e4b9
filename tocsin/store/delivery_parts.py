"""The parts of a split e-mail delivery, and the recipients each owes its message to (``deliveries.owed``, m016).

A delivery whose ``owed`` is NULL is for every recipient of its sink. When some recipients refuse an e-mail for good
while others defer it, a dead letter is split off for the first: from then on each part of the message (every
delivery of its notification to its sink) names the recipients it owes it to, and its ``reached`` those of them that
have it. A recipient of the sink that no part owes it to, such as an address corrected after the split, is taken on
by the first part sent: each recipient is sent the message by one part only.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from tocsin.store import alerting
from tocsin.store.db import transaction

#: Every recipient that a part of the message of delivery ``?`` owes it to or has reached.
COVERED = """WITH parts AS (SELECT part.owed, part.reached FROM deliveries mine JOIN deliveries part
                 ON part.alert_id = mine.alert_id AND part.sink = mine.sink AND part.notification = mine.notification
                 WHERE mine.id = ?)
             SELECT value FROM parts, json_each(parts.owed) UNION SELECT value FROM parts, json_each(parts.reached)"""


def owe(db: sqlite_utils.Database, delivery_id: int, recipients: Iterable[str]) -> None:
    """Make ``recipients`` those a delivery owes its message to."""
    db.execute("UPDATE deliveries SET owed = ? WHERE id = ?", [json.dumps(sorted(set(recipients))), delivery_id])


def split_off_refused(db: sqlite_utils.Database, delivery_id: int, *, refused: Iterable[str], owed: Iterable[str],
                      **attempt: Any) -> int:
    """Split a dead letter off a delivery for the recipients that ``refused`` its e-mail for good while others
    deferred it: the dead letter owes them the message, the delivery the rest of those it ``owed`` it to. Call it in
    the transaction that records the delivery's attempt, so that neither is kept without the other. Returns the dead
    letter's id.

    :param attempt: the attempt and its error, as :func:`alerting.split_off_dead_letter` records them for the dead letter.
    """
    refused = set(refused)
    with transaction(db):
        dead_id = alerting.split_off_dead_letter(db, delivery_id, reached=(), **attempt)
        owe(db, dead_id, refused)
        owe(db, delivery_id, [r for r in owed if r not in refused])
    return dead_id


def take_on_unowed(db: sqlite_utils.Database, delivery_id: int, recipients: Iterable[str]) -> list[str]:
    """The recipients a part of a split message owes it to, once it took on those of ``recipients`` (its sink's, as
    configured now) that no part of the message owes it to or has reached."""
    with transaction(db):
        owed = json.loads(db.execute("SELECT owed FROM deliveries WHERE id = ?", [delivery_id]).fetchone()[0])
        covered = {row[0] for row in db.execute(COVERED, [delivery_id])}
        unowed = [r for r in recipients if r not in covered]
        if unowed:
            owe(db, delivery_id, [*owed, *unowed])
    return [*owed, *unowed]
