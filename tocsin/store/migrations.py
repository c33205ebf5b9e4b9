"""Schema changes, each applied once, in order, inside its own transaction.

Add a migration by appending a function to :data:`MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Callable

import sqlite_utils

from tocsin.store.db import transaction, utcnow

logger = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]


def m001_core(db: sqlite_utils.Database) -> None:
    """Sources, crawls, items with versions and raw snapshots, analyses, alerts, reviews, audit."""
    execute_script(
        db,
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            enabled INTEGER NOT NULL DEFAULT 1,
            interval_minutes INTEGER NOT NULL DEFAULT 60,
            state TEXT NOT NULL DEFAULT '{}',          -- spider resume state (JSON), e.g. last message id
            last_crawl_at TEXT,
            last_success_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',   -- running | ok | partial | failed
            pages INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0,
            new_items INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX crawl_runs_source ON crawl_runs(source, started_at);
        CREATE TABLE crawl_errors (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES crawl_runs(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,                        -- http_404, timeout, too_large, blocked_address, parse, ...
            message TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX crawl_errors_run ON crawl_errors(run_id);
        CREATE TABLE items (
            seq INTEGER PRIMARY KEY,                   -- stable rowid for the full-text index
            id TEXT NOT NULL UNIQUE,                   -- sha256 of the canonical URL
            source TEXT NOT NULL REFERENCES sources(name),
            kind TEXT NOT NULL CHECK (kind IN ('article', 'post', 'comment')),
            url TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            author_pseudonym TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            removed_at TEXT,
            lang TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}'            -- JSON: views, forwarded_from, links, message_id, ...
        );
        CREATE INDEX items_source ON items(source, first_seen);
        CREATE INDEX items_first_seen ON items(first_seen);
        CREATE TABLE snapshots (
            sha256 TEXT PRIMARY KEY,                   -- of the raw, uncompressed body
            content_type TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL,
            body BLOB NOT NULL,                        -- zlib-compressed raw body
            fetched_at TEXT NOT NULL
        );
        CREATE TABLE item_versions (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,
            snapshot_sha256 TEXT REFERENCES snapshots(sha256),
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            seen_at TEXT NOT NULL,
            UNIQUE (item_id, content_hash)
        );
        CREATE TABLE analyses (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,
            model_name TEXT NOT NULL,
            model_version TEXT NOT NULL,
            patterns_version TEXT NOT NULL,
            threshold REAL NOT NULL,
            score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
            incitement INTEGER NOT NULL,
            lang TEXT NOT NULL DEFAULT '',
            targets TEXT NOT NULL DEFAULT '[]',        -- JSON list of {group, text, start, end}
            places TEXT NOT NULL DEFAULT '[]',         -- JSON list of {place, text, start, end}
            hallmarks TEXT NOT NULL DEFAULT '[]',      -- JSON list of names
            spans TEXT NOT NULL DEFAULT '[]',          -- JSON list of {kind, label, text, start, end}
            explanation TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',            -- set when analysis of this item failed
            analysed_at TEXT NOT NULL,
            UNIQUE (item_id, model_name, model_version, content_hash)
        );
        CREATE INDEX analyses_flagged ON analyses(incitement, score);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            kind TEXT NOT NULL,                        -- item | spike | spread | stale_source
            key TEXT NOT NULL,                         -- grouping key, e.g. 'uzbek|osh'
            severity TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',       -- open | acknowledged | resolved
            title TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            payload TEXT NOT NULL DEFAULT '{}',
            item_ids TEXT NOT NULL DEFAULT '[]',
            count INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_sent_at TEXT,
            acknowledged_by TEXT,
            acknowledged_at TEXT
        );
        CREATE INDEX alerts_rule_key ON alerts(rule, key, created_at);
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
            sink TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',    -- pending | sending | sent | dead | silenced
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
        CREATE TABLE silences (
            id INTEGER PRIMARY KEY,
            matchers TEXT NOT NULL,                    -- JSON {rule?, key?, group?, place?, severity?}
            comment TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL DEFAULT '',
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead', 'admin')),
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            reviewer TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('incitement', 'not_incitement', 'escalate', 'unsure')),
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX reviews_item ON reviews(item_id);
        CREATE TRIGGER reviews_append_only BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            reviewer TEXT NOT NULL,
            assigned_by TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (item_id, reviewer)
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,                      -- login, logout, decision, silence, export, forget, ...
            target TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE secrets (
            name TEXT PRIMARY KEY,                     -- author_key, session_key, link_key:<name>
            value BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        """
    )
    execute_script(
        db,
        """
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, text, content='items', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
        END;
        CREATE TRIGGER items_fts_au AFTER UPDATE OF title, text ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
            INSERT INTO items_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        """,
    )


def execute_script(db: sqlite_utils.Database, sql: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would commit it)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:80]!r}")


def m002_alerts_outbox(db: sqlite_utils.Database) -> None:
    """Alerts: notification bookkeeping, message snapshots per delivery, delivery attempts, daemon jobs."""
    execute_script(
        db,
        """
        ALTER TABLE alerts ADD COLUMN notifications INTEGER NOT NULL DEFAULT 0;   -- notifications enqueued
        ALTER TABLE alerts ADD COLUMN notified_count INTEGER NOT NULL DEFAULT 0;  -- count at the last one
        ALTER TABLE alerts ADD COLUMN notified_severity TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN notification INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE deliveries ADD COLUMN body TEXT NOT NULL DEFAULT '{}';        -- the message, frozen
        ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';    -- host:pid while sending
        CREATE INDEX deliveries_alert ON deliveries(alert_id);
        CREATE TABLE delivery_attempts (
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NOT NULL,                     -- sent | transient | permanent
            error TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
        CREATE TABLE job_runs (
            name TEXT PRIMARY KEY,                     -- daemon job: deliver, analyse, crawl:<source>, ...
            last_started_at TEXT,
            last_finished_at TEXT,
            last_status TEXT NOT NULL DEFAULT '',      -- ok | failed | killed
            last_summary TEXT NOT NULL DEFAULT '',
            last_error TEXT NOT NULL DEFAULT '',
            last_duration_s REAL NOT NULL DEFAULT 0,
            runs INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0
        );
        """,
    )


def m003_privacy_indexes(db: sqlite_utils.Database) -> None:
    """Indexes that erasure and retention need: snapshots by the versions that point to them (deleting a
    snapshot checks that foreign key) and items by author pseudonym (``tocsin forget --author``)."""
    execute_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS item_versions_snapshot ON item_versions(snapshot_sha256);
        CREATE INDEX IF NOT EXISTS items_author ON items(author_pseudonym);
        """,
    )


#: Every migration, in order. Append only.
MIGRATIONS: list[Migration] = [m001_core, m002_alerts_outbox, m003_privacy_indexes]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply each pending migration once, in its own transaction; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = []
    for migration in MIGRATIONS:
        name = migration.__name__
        with transaction(db):
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", [name]).fetchone():
                continue
            migration(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [name, utcnow()])
        logger.info("applied migration %s", name)
        applied.append(name)
    return applied
