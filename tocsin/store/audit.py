"""The audit log: who did what, when (logins, decisions, silences, exports, erasures)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from tocsin.store.db import transaction, utcnow


def log_event(db: sqlite_utils.Database, actor: str, action: str, target: str = "", **details: Any) -> None:
    """Append one event to the audit log. ``details`` must not hold erased or scraped content."""
    with transaction(db):
        db.execute(
            "INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
            [utcnow(), actor, action, target, json.dumps(details, ensure_ascii=False, default=str)],
        )


def audit_events(db: sqlite_utils.Database, action: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest audit events, optionally of one action."""
    if action:
        return list(db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?", [action, limit]))
    return list(db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))
