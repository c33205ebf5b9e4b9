"""Schema changes, each applied once, in order, inside its own transaction.

Add a migration by appending a function to :data:`MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Callable

import sqlite_utils

from tocsin import __version__
from tocsin.store.db import DatabaseUnusable, database_file, is_file_condition, transaction, utcnow

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


# m004 -- the review queue as a table. The SQL below is frozen with the migration: to change what the
# triggers do, add a migration that drops and recreates them.

#: The most severe open alert naming the item whose id is the SQL expression ``{item}`` (0: none).
_M004_ALERT_LEVEL = """(SELECT COALESCE(MAX(CASE al.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                                                WHEN 'warning' THEN 1 ELSE 0 END), 0)
             FROM alert_items ai JOIN alerts al ON al.id = ai.alert_id WHERE ai.item_id = {item} AND al.status = 'open')"""
#: Queue rows of the flagged analyses ``a`` chosen by ``{which}`` (each item's newest analysis).
_M004_QUEUE_ROWS = """
    INSERT INTO review_queue (item_id, analysis_id, source, lang, score, hallmark_level, alert_level, severity_level,
                              first_seen, dated_at, latest_decision)
    SELECT q.item_id, q.analysis_id, q.source, q.lang, q.score, q.hallmark_level, q.alert_level,
           MAX(q.hallmark_level, q.alert_level), q.first_seen, q.dated_at, q.latest_decision
    FROM (SELECT a.item_id, a.id AS analysis_id, i.source, COALESCE(NULLIF(a.lang, ''), i.lang) AS lang, a.score,
                 CASE WHEN a.hallmarks LIKE '%"call_to_violence"%' OR a.hallmarks LIKE '%"call_to_expulsion"%' THEN 3
                      WHEN a.hallmarks != '[]' THEN 2 ELSE 1 END AS hallmark_level,
                 {alert_level} AS alert_level,
                 i.first_seen, COALESCE(i.published_at, i.first_seen) AS dated_at,
                 (SELECT r.decision FROM reviews r WHERE r.item_id = a.item_id ORDER BY r.id DESC LIMIT 1) AS latest_decision
          FROM analyses a JOIN items i ON i.id = a.item_id
          WHERE a.incitement = 1 AND {which}) q;"""
#: Per facet: the analyses column (a JSON list) and the value of one element ``v`` of it.
_M004_FACETS = (("group", "targets", "CASE WHEN v.type = 'object' THEN json_extract(v.value, '$.group') END"),
                ("place", "places", "CASE WHEN v.type = 'object' THEN json_extract(v.value, '$.place') END"),
                ("hallmark", "hallmarks", "CASE WHEN v.type IN ('text', 'integer', 'real') THEN v.value END"))
#: The groups, places and hallmarks of the queue rows ``b`` chosen by ``{which}``.
_M004_LABELS = "".join(
    f"""
    INSERT OR IGNORE INTO review_queue_labels (item_id, facet, value)
    SELECT b.item_id, '{facet}', {value} FROM review_queue b JOIN analyses a ON a.id = b.analysis_id,
         json_each(CASE WHEN json_valid(a.{column}) THEN a.{column} ELSE '[]' END) v
    WHERE {{which}} AND {value} IS NOT NULL AND {value} != '';"""
    for facet, column, value in _M004_FACETS)
#: Links from the alerts ``al`` chosen by ``{which}`` to the items their ``item_ids`` name.
_M004_ALERT_LINKS = """
    INSERT OR IGNORE INTO alert_items (item_id, alert_id)
    SELECT j.value, al.id FROM alerts al, json_each(CASE WHEN json_valid(al.item_ids) THEN al.item_ids ELSE '[]' END) j
    WHERE {which} AND j.type = 'text';"""
_M004_OLD_ALERT_ITEMS = "SELECT j.value FROM json_each(CASE WHEN json_valid(old.item_ids) THEN old.item_ids ELSE '[]' END) j"


def _m004_refresh(item: str) -> str:
    """Statements that rebuild the queue row and labels of the item whose id is the SQL expression ``item``
    (the row's labels go with it through ``review_queue_ad``)."""
    return (f"\n    DELETE FROM review_queue WHERE item_id = {item};"
            + _M004_QUEUE_ROWS.format(alert_level=_M004_ALERT_LEVEL.format(item="a.item_id"),
                                      which=f"a.id = (SELECT MAX(x.id) FROM analyses x WHERE x.item_id = {item})")
            + _M004_LABELS.format(which=f"b.item_id = {item}"))


def _m004_relevel(items: str) -> str:
    """A statement that recomputes the alert level and severity of the queue rows of ``items`` (a subquery)."""
    level = _M004_ALERT_LEVEL.format(item="review_queue.item_id")
    return f"""
    UPDATE review_queue SET alert_level = {level}, severity_level = MAX(hallmark_level, {level})
    WHERE item_id IN ({items});"""


def m004_review_queue(db: sqlite_utils.Database) -> None:
    """The review queue as a table, filled from the existing analyses: one row per flagged item (its newest
    analysis flags it) with what the queue orders, filters and counts by. Triggers on analyses, items,
    reviews and alerts keep it right inside each write's transaction, whichever module writes.
    ``review_queue_labels`` holds each row's groups, places and hallmarks; ``alert_items`` the items each
    alert names (from ``alerts.item_ids``)."""
    execute_script(
        db,
        """
        CREATE TABLE alert_items (
            item_id TEXT NOT NULL,
            alert_id INTEGER NOT NULL,
            PRIMARY KEY (item_id, alert_id)
        ) WITHOUT ROWID;
        CREATE INDEX alert_items_alert ON alert_items(alert_id);
        CREATE TABLE review_queue (
            item_id TEXT PRIMARY KEY,
            analysis_id INTEGER NOT NULL,              -- the item's newest analysis, which flags it
            source TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT '',             -- the analysis's language, else the item's
            score REAL NOT NULL,
            hallmark_level INTEGER NOT NULL,           -- 3 call to violence or expulsion, 2 other hallmark, 1 none
            alert_level INTEGER NOT NULL DEFAULT 0,    -- most severe open alert naming the item: 3 critical .. 0 none
            severity_level INTEGER NOT NULL,           -- MAX(hallmark_level, alert_level)
            first_seen TEXT NOT NULL,
            dated_at TEXT NOT NULL,                    -- published time, else first seen (date filters)
            latest_decision TEXT                       -- the newest review's decision; NULL: nobody decided yet
        ) WITHOUT ROWID;
        CREATE INDEX review_queue_order ON review_queue(severity_level, score, first_seen, item_id);
        CREATE TABLE review_queue_labels (
            item_id TEXT NOT NULL,
            facet TEXT NOT NULL,                       -- group | place | hallmark
            value TEXT NOT NULL,
            PRIMARY KEY (item_id, facet, value)
        ) WITHOUT ROWID;
        CREATE INDEX review_queue_labels_value ON review_queue_labels(facet, value);
        CREATE INDEX assignments_reviewer ON assignments(reviewer, item_id);
        CREATE INDEX reviews_item_reviewer ON reviews(item_id, reviewer);
        """,
    )
    execute_script(db, _M004_ALERT_LINKS.format(which="1"))
    execute_script(db, _M004_QUEUE_ROWS.format(alert_level=_M004_ALERT_LEVEL.format(item="a.item_id"),
                                               which="a.id IN (SELECT MAX(x.id) FROM analyses x GROUP BY x.item_id)"))
    execute_script(db, _M004_LABELS.format(which="1"))
    execute_script(
        db,
        f"""
        CREATE TRIGGER review_queue_analyses_ai AFTER INSERT ON analyses BEGIN{_m004_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_au AFTER UPDATE OF item_id, incitement, score, lang, targets, places, hallmarks
        ON analyses BEGIN{_m004_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_moved AFTER UPDATE OF item_id ON analyses
        WHEN old.item_id IS NOT new.item_id BEGIN{_m004_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_ad AFTER DELETE ON analyses BEGIN{_m004_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_items_au AFTER UPDATE OF source, lang, published_at, first_seen ON items
        WHEN EXISTS (SELECT 1 FROM review_queue WHERE item_id = new.id) BEGIN{_m004_refresh("new.id")}
        END;
        CREATE TRIGGER review_queue_items_ad AFTER DELETE ON items BEGIN
            DELETE FROM review_queue WHERE item_id = old.id;
        END;
        CREATE TRIGGER review_queue_ad AFTER DELETE ON review_queue BEGIN
            DELETE FROM review_queue_labels WHERE item_id = old.item_id;
        END;
        CREATE TRIGGER review_queue_reviews_ai AFTER INSERT ON reviews BEGIN
            UPDATE review_queue SET latest_decision = (SELECT r.decision FROM reviews r WHERE r.item_id = new.item_id
                                                       ORDER BY r.id DESC LIMIT 1) WHERE item_id = new.item_id;
        END;
        CREATE TRIGGER review_queue_reviews_ad AFTER DELETE ON reviews BEGIN
            UPDATE review_queue SET latest_decision = (SELECT r.decision FROM reviews r WHERE r.item_id = old.item_id
                                                       ORDER BY r.id DESC LIMIT 1) WHERE item_id = old.item_id;
        END;
        CREATE TRIGGER alert_items_ai AFTER INSERT ON alerts BEGIN{_M004_ALERT_LINKS.format(which="al.id = new.id")}
        {_m004_relevel("SELECT item_id FROM alert_items WHERE alert_id = new.id")}
        END;
        CREATE TRIGGER alert_items_au AFTER UPDATE OF id, item_ids, severity, status ON alerts
        WHEN old.id IS NOT new.id OR old.item_ids IS NOT new.item_ids OR old.severity IS NOT new.severity
             OR old.status IS NOT new.status BEGIN
            DELETE FROM alert_items WHERE alert_id = old.id;{_M004_ALERT_LINKS.format(which="al.id = new.id")}
        {_m004_relevel(_M004_OLD_ALERT_ITEMS + " UNION SELECT item_id FROM alert_items WHERE alert_id = new.id")}
        END;
        CREATE TRIGGER alert_items_ad AFTER DELETE ON alerts BEGIN
        {_m004_relevel("SELECT item_id FROM alert_items WHERE alert_id = old.id")}
            DELETE FROM alert_items WHERE alert_id = old.id;
        END;
        """,
    )


# m005 -- the review queue keyed by the item's integer ``seq`` (joins and id lists on integers cost half of
# those on 64-character ids), with an index that counts languages, sources and decisions without a sort.
# Frozen with the migration, like m004; the alert links and their triggers of m004 stay as they are.

#: Queue rows of the flagged analyses ``a`` chosen by ``{which}`` (each item's newest analysis).
_M005_QUEUE_ROWS = """
    INSERT INTO review_queue (seq, item_id, analysis_id, source, lang, score, hallmark_level, alert_level, severity_level,
                              first_seen, dated_at, latest_decision)
    SELECT q.seq, q.item_id, q.analysis_id, q.source, q.lang, q.score, q.hallmark_level, q.alert_level,
           MAX(q.hallmark_level, q.alert_level), q.first_seen, q.dated_at, q.latest_decision
    FROM (SELECT i.seq, a.item_id, a.id AS analysis_id, i.source, COALESCE(NULLIF(a.lang, ''), i.lang) AS lang, a.score,
                 CASE WHEN a.hallmarks LIKE '%"call_to_violence"%' OR a.hallmarks LIKE '%"call_to_expulsion"%' THEN 3
                      WHEN a.hallmarks != '[]' THEN 2 ELSE 1 END AS hallmark_level,
                 (SELECT COALESCE(MAX(CASE al.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'warning' THEN 1
                                      ELSE 0 END), 0)
                  FROM alert_items ai JOIN alerts al ON al.id = ai.alert_id
                  WHERE ai.item_id = a.item_id AND al.status = 'open') AS alert_level,
                 i.first_seen, COALESCE(i.published_at, i.first_seen) AS dated_at,
                 (SELECT r.decision FROM reviews r WHERE r.item_id = a.item_id ORDER BY r.id DESC LIMIT 1) AS latest_decision
          FROM analyses a JOIN items i ON i.id = a.item_id
          WHERE a.incitement = 1 AND {which}) q;"""
#: Per facet: the analyses column (a JSON list) and the value of one element ``v`` of it.
_M005_FACETS = (("group", "targets", "CASE WHEN v.type = 'object' THEN json_extract(v.value, '$.group') END"),
                ("place", "places", "CASE WHEN v.type = 'object' THEN json_extract(v.value, '$.place') END"),
                ("hallmark", "hallmarks", "CASE WHEN v.type IN ('text', 'integer', 'real') THEN v.value END"))
#: The groups, places and hallmarks of the queue rows ``b`` chosen by ``{which}``.
_M005_LABELS = "".join(
    f"""
    INSERT OR IGNORE INTO review_queue_labels (facet, value, seq)
    SELECT '{facet}', {value}, b.seq FROM review_queue b JOIN analyses a ON a.id = b.analysis_id,
         json_each(CASE WHEN json_valid(a.{column}) THEN a.{column} ELSE '[]' END) v
    WHERE {{which}} AND {value} IS NOT NULL AND {value} != '';"""
    for facet, column, value in _M005_FACETS)


def _m005_refresh(item: str) -> str:
    """Statements that rebuild the queue row and labels of the item whose id is the SQL expression ``item``
    (the row's labels go with it through ``review_queue_ad``)."""
    return (f"\n    DELETE FROM review_queue WHERE item_id = {item};"
            + _M005_QUEUE_ROWS.format(which=f"a.id = (SELECT MAX(x.id) FROM analyses x WHERE x.item_id = {item})")
            + _M005_LABELS.format(which=f"b.item_id = {item}"))


def m005_review_queue_by_seq(db: sqlite_utils.Database) -> None:
    """The review queue and its labels again, keyed by the item's ``seq``, refilled from the analyses, with
    their triggers (the columns and their meaning are those of m004)."""
    execute_script(
        db,
        """
        DROP TRIGGER IF EXISTS review_queue_analyses_ai;
        DROP TRIGGER IF EXISTS review_queue_analyses_au;
        DROP TRIGGER IF EXISTS review_queue_analyses_moved;
        DROP TRIGGER IF EXISTS review_queue_analyses_ad;
        DROP TRIGGER IF EXISTS review_queue_items_au;
        DROP TRIGGER IF EXISTS review_queue_items_ad;
        DROP TRIGGER IF EXISTS review_queue_reviews_ai;
        DROP TRIGGER IF EXISTS review_queue_reviews_ad;
        DROP TABLE IF EXISTS review_queue_labels;
        DROP TABLE IF EXISTS review_queue;
        CREATE TABLE review_queue (
            seq INTEGER PRIMARY KEY,                   -- the item's seq
            item_id TEXT NOT NULL UNIQUE,
            analysis_id INTEGER NOT NULL,              -- the item's newest analysis, which flags it
            source TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT '',             -- the analysis's language, else the item's
            score REAL NOT NULL,
            hallmark_level INTEGER NOT NULL,           -- 3 call to violence or expulsion, 2 other hallmark, 1 none
            alert_level INTEGER NOT NULL DEFAULT 0,    -- most severe open alert naming the item: 3 critical .. 0 none
            severity_level INTEGER NOT NULL,           -- MAX(hallmark_level, alert_level)
            first_seen TEXT NOT NULL,
            dated_at TEXT NOT NULL,                    -- published time, else first seen (date filters)
            latest_decision TEXT                       -- the newest review's decision; NULL: nobody decided yet
        );
        CREATE INDEX review_queue_order ON review_queue(severity_level, score, first_seen, item_id);
        CREATE INDEX review_queue_facets ON review_queue(lang, source, latest_decision);
        CREATE TABLE review_queue_labels (
            facet TEXT NOT NULL,                       -- group | place | hallmark
            value TEXT NOT NULL,
            seq INTEGER NOT NULL,                      -- review_queue.seq
            PRIMARY KEY (facet, value, seq)
        ) WITHOUT ROWID;
        CREATE INDEX review_queue_labels_seq ON review_queue_labels(seq);
        """,
    )
    execute_script(db, _M005_QUEUE_ROWS.format(which="a.id IN (SELECT MAX(x.id) FROM analyses x GROUP BY x.item_id)"))
    execute_script(db, _M005_LABELS.format(which="1"))
    execute_script(
        db,
        f"""
        CREATE TRIGGER review_queue_analyses_ai AFTER INSERT ON analyses BEGIN{_m005_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_au AFTER UPDATE OF item_id, incitement, score, lang, targets, places, hallmarks
        ON analyses BEGIN{_m005_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_moved AFTER UPDATE OF item_id ON analyses
        WHEN old.item_id IS NOT new.item_id BEGIN{_m005_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_ad AFTER DELETE ON analyses BEGIN{_m005_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_items_au AFTER UPDATE OF source, lang, published_at, first_seen ON items
        WHEN EXISTS (SELECT 1 FROM review_queue WHERE seq = new.seq) BEGIN{_m005_refresh("new.id")}
        END;
        CREATE TRIGGER review_queue_items_ad AFTER DELETE ON items BEGIN
            DELETE FROM review_queue WHERE seq = old.seq;
        END;
        CREATE TRIGGER review_queue_ad AFTER DELETE ON review_queue BEGIN
            DELETE FROM review_queue_labels WHERE seq = old.seq;
        END;
        CREATE TRIGGER review_queue_reviews_ai AFTER INSERT ON reviews BEGIN
            UPDATE review_queue SET latest_decision = (SELECT r.decision FROM reviews r WHERE r.item_id = new.item_id
                                                       ORDER BY r.id DESC LIMIT 1) WHERE item_id = new.item_id;
        END;
        CREATE TRIGGER review_queue_reviews_ad AFTER DELETE ON reviews BEGIN
            UPDATE review_queue SET latest_decision = (SELECT r.decision FROM reviews r WHERE r.item_id = old.item_id
                                                       ORDER BY r.id DESC LIMIT 1) WHERE item_id = old.item_id;
        END;
        """,
    )


def m006_review_queue_counts(db: sqlite_utils.Database) -> None:
    """How many queue rows carry each group, place and hallmark, per language, source and latest decision
    (``''``: none yet), kept by triggers on the queue and its labels: the queue's counts per filter value
    without reading every row when no group, place, hallmark, date or search filter is set."""
    execute_script(
        db,
        """
        CREATE TABLE review_queue_counts (
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            lang TEXT NOT NULL,
            source TEXT NOT NULL,
            decision TEXT NOT NULL,                    -- the rows' latest decision; '' when nobody decided yet
            n INTEGER NOT NULL,                        -- may fall to 0; readers skip those
            PRIMARY KEY (facet, value, lang, source, decision)
        ) WITHOUT ROWID;
        INSERT INTO review_queue_counts (facet, value, lang, source, decision, n)
        SELECT l.facet, l.value, b.lang, b.source, COALESCE(b.latest_decision, ''), COUNT(*)
        FROM review_queue_labels l JOIN review_queue b ON b.seq = l.seq GROUP BY 1, 2, 3, 4, 5;
        CREATE TRIGGER review_queue_counts_label_ai AFTER INSERT ON review_queue_labels BEGIN
            INSERT INTO review_queue_counts (facet, value, lang, source, decision, n)
            SELECT new.facet, new.value, b.lang, b.source, COALESCE(b.latest_decision, ''), 1 FROM review_queue b
            WHERE b.seq = new.seq
            ON CONFLICT (facet, value, lang, source, decision) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER review_queue_counts_label_ad AFTER DELETE ON review_queue_labels BEGIN
            UPDATE review_queue_counts SET n = n - 1
            WHERE (facet, value, lang, source, decision) IN (
                SELECT old.facet, old.value, b.lang, b.source, COALESCE(b.latest_decision, '') FROM review_queue b
                WHERE b.seq = old.seq);
        END;
        CREATE TRIGGER review_queue_counts_au AFTER UPDATE OF lang, source, latest_decision ON review_queue
        WHEN old.lang IS NOT new.lang OR old.source IS NOT new.source OR old.latest_decision IS NOT new.latest_decision
        BEGIN
            UPDATE review_queue_counts SET n = n - 1
            WHERE (facet, value, lang, source, decision) IN (
                SELECT l.facet, l.value, old.lang, old.source, COALESCE(old.latest_decision, '')
                FROM review_queue_labels l WHERE l.seq = old.seq);
            INSERT INTO review_queue_counts (facet, value, lang, source, decision, n)
            SELECT l.facet, l.value, new.lang, new.source, COALESCE(new.latest_decision, ''), 1
            FROM review_queue_labels l WHERE l.seq = new.seq
            ON CONFLICT (facet, value, lang, source, decision) DO UPDATE SET n = n + 1;
        END;
        DROP TRIGGER review_queue_ad;
        CREATE TRIGGER review_queue_ad AFTER DELETE ON review_queue BEGIN
            UPDATE review_queue_counts SET n = n - 1
            WHERE (facet, value, lang, source, decision) IN (
                SELECT l.facet, l.value, old.lang, old.source, COALESCE(old.latest_decision, '')
                FROM review_queue_labels l WHERE l.seq = old.seq);
            DELETE FROM review_queue_labels WHERE seq = old.seq;
        END;
        """,
    )


def m007_review_queue_label_text(db: sqlite_utils.Database) -> None:
    """Each queue row's groups, places and hallmarks also as one string (``facet=value`` tokens, each
    ended by the unit separator U+001F; values holding that character are left out), kept by triggers on
    the labels: a row read in queue order is tested against group, place and hallmark filters without
    building the list of every row that carries the value."""
    execute_script(
        db,
        """
        ALTER TABLE review_queue ADD COLUMN labels_text TEXT NOT NULL DEFAULT '\x1f';
        UPDATE review_queue SET labels_text = char(31) || COALESCE((
            SELECT group_concat(l.facet || '=' || l.value || char(31), '') FROM review_queue_labels l
            WHERE l.seq = review_queue.seq AND instr(l.value, char(31)) = 0), '');
        CREATE TRIGGER review_queue_label_text_ai AFTER INSERT ON review_queue_labels
        WHEN instr(new.value, char(31)) = 0 BEGIN
            UPDATE review_queue SET labels_text = labels_text || new.facet || '=' || new.value || char(31) WHERE seq = new.seq;
        END;
        CREATE TRIGGER review_queue_label_text_ad AFTER DELETE ON review_queue_labels
        WHEN instr(old.value, char(31)) = 0 BEGIN
            UPDATE review_queue SET labels_text = replace(labels_text, char(31) || old.facet || '=' || old.value || char(31), char(31))
            WHERE seq = old.seq;
        END;
        """,
    )


def m008_user_session_generation(db: sqlite_utils.Database) -> None:
    """A number per user that every review-page session carries; logging out raises it, so a copy of the
    session cookie (Flask keeps sessions in the cookie alone) stops working with it."""
    execute_script(db, "ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;")


def m009_review_queue_version(db: sqlite_utils.Database) -> None:
    """A random token that every write changing what the review queue shows renews (its rows and labels,
    reviews, assignments), in the writer's transaction: a reader that finds the same token sees the same
    queue, even in a store restored from a copy, and may reuse what it counted."""
    renewals = "\n".join(
        f"""CREATE TRIGGER review_queue_version_{table}_{event.lower()} AFTER {event} ON {table} BEGIN
            UPDATE review_queue_version SET token = lower(hex(randomblob(16))) WHERE id = 1;
        END;"""
        for table in ("review_queue", "review_queue_labels", "reviews", "assignments")
        for event in ("INSERT", "UPDATE", "DELETE"))
    execute_script(
        db,
        f"""
        CREATE TABLE review_queue_version (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL);
        INSERT INTO review_queue_version (id, token) VALUES (1, lower(hex(randomblob(16))));
        {renewals}
        """,
    )


def m010_alert_files(db: sqlite_utils.Database) -> None:
    """The files alert sinks have appended to, whatever config wrote them: an export never overwrites them and
    ``forget`` scrubs them, also when it runs with another config or none."""
    execute_script(db, "CREATE TABLE alert_files (path TEXT PRIMARY KEY, sink TEXT NOT NULL, first_written_at TEXT NOT NULL);")


def m011_delivery_progress(db: sqlite_utils.Database) -> None:
    """Per delivery, when its body was frozen (``frozen_at``: the first attempt of any message of its notification;
    until then every message of the notification is rendered again) and which recipients of its sink have it
    already (``reached``, JSON: an e-mail refused by some recipients is sent again to those only). A
    ``delivery_attempts`` row may now also have the outcome ``interrupted`` (a send cut short by a stop, not
    counted). A notification any of whose messages was tried before is frozen as of its creation."""
    execute_script(
        db,
        """
        ALTER TABLE deliveries ADD COLUMN frozen_at TEXT;
        ALTER TABLE deliveries ADD COLUMN reached TEXT NOT NULL DEFAULT '[]';
        UPDATE deliveries SET frozen_at = created_at WHERE EXISTS (
            SELECT 1 FROM deliveries tried WHERE tried.alert_id = deliveries.alert_id
            AND tried.notification = deliveries.notification
            AND (tried.attempts > 0 OR tried.status IN ('sending', 'sent', 'dead')
                 OR EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = tried.id)));
        """,
    )


def m012_item_version_order(db: sqlite_utils.Database) -> None:
    """When an item last came to show each of its versions (``current_since``: the version's first sighting,
    or the item's latest return to it) and the order of those times (``current_rank``: the version the item
    shows has the highest of its item, also after edits within one second), kept by triggers whichever module
    writes: an item edited A → B → A has A, not B, as its newest version. A return stored before this
    migration gets the top rank and, its time unknown, the newest sighting among the item's versions."""
    execute_script(
        db,
        """
        ALTER TABLE item_versions ADD COLUMN current_since TEXT;
        ALTER TABLE item_versions ADD COLUMN current_rank INTEGER NOT NULL DEFAULT 0;
        UPDATE item_versions SET current_since = seen_at, current_rank = id;
        UPDATE item_versions AS v
        SET current_since = (SELECT max(o.seen_at) FROM item_versions o WHERE o.item_id = v.item_id),
            current_rank = (SELECT max(o.id) FROM item_versions o WHERE o.item_id = v.item_id) + 1
        WHERE EXISTS (SELECT 1 FROM items i WHERE i.id = v.item_id AND i.content_hash = v.content_hash)
          AND v.id < (SELECT max(o.id) FROM item_versions o WHERE o.item_id = v.item_id);
        CREATE TRIGGER item_versions_order_ai AFTER INSERT ON item_versions WHEN new.current_rank = 0 BEGIN
            UPDATE item_versions SET current_since = COALESCE(new.current_since, new.seen_at),
                current_rank = (SELECT max(o.current_rank) + 1 FROM item_versions o WHERE o.item_id = new.item_id)
            WHERE id = new.id;
        END;
        CREATE TRIGGER item_versions_order_items_au AFTER UPDATE OF content_hash ON items
        WHEN old.content_hash IS NOT new.content_hash BEGIN
            UPDATE item_versions SET current_since = new.last_seen,
                current_rank = (SELECT max(o.current_rank) + 1 FROM item_versions o WHERE o.item_id = new.id)
            WHERE item_id = new.id AND content_hash = new.content_hash;
        END;
        """,
    )


# m013 -- the review queue follows the analysis that speaks for each item (m012's version order), not its newest
# analysis: an item edited A -> B -> A is queued, or not, and labelled as A's analysis says. Frozen like m004.

#: The id of the analysis that speaks for the item whose id is the SQL expression ``{item}``: the newest of the
#: version it shows, else of the one it showed last (the text of ``analyses.current_analysis_id`` when m013 shipped).
_M013_CURRENT_ANALYSIS = """(SELECT a2.id FROM analyses a2 JOIN items i2 ON i2.id = a2.item_id
                LEFT JOIN item_versions v2 ON v2.item_id = a2.item_id AND v2.content_hash = a2.content_hash
                WHERE a2.item_id = {item} AND 1
                ORDER BY a2.content_hash = i2.content_hash DESC, v2.current_rank DESC, a2.id DESC LIMIT 1)"""


def _m013_refresh(item: str) -> str:
    """Statements that rebuild the queue row and labels of the item whose id is the SQL expression ``item``
    from the analysis that speaks for it."""
    return (f"\n    DELETE FROM review_queue WHERE item_id = {item};"
            + _M005_QUEUE_ROWS.format(which=f"a.id = {_M013_CURRENT_ANALYSIS.format(item=item)}")
            + _M005_LABELS.format(which=f"b.item_id = {item}"))


def m013_review_queue_current_analysis(db: sqlite_utils.Database) -> None:
    """The review queue's rows from the analysis that speaks for each item (the one of the version it shows, else
    of the one it showed last) instead of its newest: rows from another analysis are rebuilt, and the triggers on
    analyses and items recreated. An item whose content changes is refreshed too (also outside the queue): one
    edited back to a version analysed before is judged by that analysis again, though no new analysis is made."""
    execute_script(
        db,
        f"""
        DROP TRIGGER review_queue_analyses_ai;
        DROP TRIGGER review_queue_analyses_au;
        DROP TRIGGER review_queue_analyses_moved;
        DROP TRIGGER review_queue_analyses_ad;
        DROP TRIGGER review_queue_items_au;
        CREATE TEMP TABLE m013_stale AS SELECT i.seq FROM items i
        WHERE (SELECT b.analysis_id FROM review_queue b WHERE b.seq = i.seq) IS NOT {_M013_CURRENT_ANALYSIS.format(item="i.id")};
        DELETE FROM review_queue WHERE seq IN (SELECT seq FROM temp.m013_stale);
        {_M005_QUEUE_ROWS.format(which=f"+i.seq IN (SELECT seq FROM temp.m013_stale) "
                                       f"AND a.id = {_M013_CURRENT_ANALYSIS.format(item='a.item_id')}")}
        {_M005_LABELS.format(which="b.seq IN (SELECT seq FROM temp.m013_stale)")}
        DROP TABLE temp.m013_stale;
        CREATE TRIGGER review_queue_analyses_ai AFTER INSERT ON analyses BEGIN{_m013_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_au
        AFTER UPDATE OF item_id, content_hash, incitement, score, lang, targets, places, hallmarks
        ON analyses BEGIN{_m013_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_moved AFTER UPDATE OF item_id ON analyses
        WHEN old.item_id IS NOT new.item_id BEGIN{_m013_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_ad AFTER DELETE ON analyses BEGIN{_m013_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_items_au AFTER UPDATE OF source, lang, published_at, first_seen, content_hash ON items
        WHEN old.content_hash IS NOT new.content_hash OR EXISTS (SELECT 1 FROM review_queue WHERE seq = new.seq)
        BEGIN{_m013_refresh("new.id")}
        END;
        """,
    )


def m014_alerts_owed(db: sqlite_utils.Database) -> None:
    """Saved analyses whose item alerts failed to be raised, kept until raising them succeeds (so they outlive a
    restart); deleted with their analysis."""
    execute_script(
        db,
        """
        CREATE TABLE alerts_owed (
            analysis_id INTEGER PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
            failed_at TEXT NOT NULL,                   -- the first failure
            error TEXT NOT NULL                        -- the latest failure
        );
        """,
    )


def m015_item_version_rank_index(db: sqlite_utils.Database) -> None:
    """An index for m012's version order: its triggers find an item's highest ``current_rank`` without reading
    every version of the item (a live blog with 3,000 versions: 11 → 0.5 ms per stored edit)."""
    execute_script(db, "CREATE INDEX item_versions_rank ON item_versions(item_id, current_rank);")


#: ``other`` is another delivery of the same message as ``mine``: its notification to its sink, in parts once split.
_M016_OTHER_PART = """other.alert_id = mine.alert_id AND other.sink = mine.sink AND other.notification = mine.notification
                AND other.id != mine.id"""


def m016_delivery_owed(db: sqlite_utils.Database) -> None:
    """Per delivery, the recipients of its sink it owes its message to (``owed``, JSON; NULL: every recipient of the
    sink). An e-mail some recipients refused for good (5xx) while others deferred it (4xx) is split: a dead letter for
    the first, the message queued for the rest. Each part told whom it owes only by the recipients it skipped
    (``reached``), so a recipient neither skipped, such as an address corrected before ``--retry-dead``, was sent the
    message by both. Now each part names its own recipients, and ``reached`` holds only those that have the message.
    A message split before (several deliveries of one notification to one sink) is converted: each part owes what
    the others skipped and it did not, and keeps in ``reached`` what all of them skipped."""
    execute_script(
        db,
        f"""
        ALTER TABLE deliveries ADD COLUMN owed TEXT;
        CREATE TEMP TABLE m016_parts AS SELECT mine.id,
            (SELECT json_group_array(value) FROM (
                SELECT DISTINCT r.value FROM deliveries other, json_each(other.reached) r WHERE {_M016_OTHER_PART}
                AND r.value NOT IN (SELECT value FROM json_each(mine.reached)) ORDER BY r.value)) AS owed,
            (SELECT json_group_array(r.value) FROM json_each(mine.reached) r WHERE NOT EXISTS (
                SELECT 1 FROM deliveries other WHERE {_M016_OTHER_PART}
                AND r.value NOT IN (SELECT value FROM json_each(other.reached)))) AS reached
        FROM deliveries mine WHERE EXISTS (SELECT 1 FROM deliveries other WHERE {_M016_OTHER_PART});
        UPDATE deliveries SET owed = (SELECT owed FROM temp.m016_parts p WHERE p.id = deliveries.id),
                              reached = (SELECT reached FROM temp.m016_parts p WHERE p.id = deliveries.id)
        WHERE id IN (SELECT id FROM temp.m016_parts);
        DROP TABLE temp.m016_parts;
        """,
    )


# m017 -- each decision records the version of the item it was made on (``reviews.content_hash``; NULL: unknown, made
# before m017, and it counts for every version), and a queue row's latest decision is the newest made on the version
# its analysis read: an item edited after its decision is back in To review, and one edited back to a decided text
# has that decision again. Frozen like m004.

#: The newest decision on the item of the analysis ``{analysis}`` (an alias) made on the version it read, or on a
#: version not recorded: the latest decision of that analysis's queue row.
_M017_LATEST_DECISION = """(SELECT r.decision FROM reviews r WHERE r.item_id = {analysis}.item_id
                   AND (r.content_hash IS NULL OR r.content_hash = {analysis}.content_hash) ORDER BY r.id DESC LIMIT 1)"""
#: m005's decision of a queue row: the item's newest, whatever version it was made on.
_M005_LATEST_DECISION = "(SELECT r.decision FROM reviews r WHERE r.item_id = a.item_id ORDER BY r.id DESC LIMIT 1)"


def _replaced_once(sql: str, old: str, new: str) -> str:
    """``sql`` with its one occurrence of ``old`` replaced by ``new`` (a ValueError when there is not exactly one)."""
    if sql.count(old) != 1:
        raise ValueError(f"expected one {old[:40]!r}… in the SQL, found {sql.count(old)}")
    return sql.replace(old, new)


#: m005's queue rows with m017's latest decision.
_M017_QUEUE_ROWS = _replaced_once(_M005_QUEUE_ROWS, _M005_LATEST_DECISION, _M017_LATEST_DECISION.format(analysis="a"))
#: The latest decision of the queue row ``review_queue`` (in an UPDATE of it), from the analysis it was built from.
_M017_ROW_DECISION = (f"(SELECT {_M017_LATEST_DECISION.format(analysis='ra')} "
                      "FROM analyses ra WHERE ra.id = review_queue.analysis_id)")


def _m017_refresh(item: str) -> str:
    """Statements that rebuild the queue row and labels of the item whose id is the SQL expression ``item``
    from the analysis that speaks for it, with the latest decision on that analysis's version."""
    return (f"\n    DELETE FROM review_queue WHERE item_id = {item};"
            + _M017_QUEUE_ROWS.format(which=f"a.id = {_M013_CURRENT_ANALYSIS.format(item=item)}")
            + _M005_LABELS.format(which=f"b.item_id = {item}"))


def _m017_redecide(item: str) -> str:
    """A statement that sets the latest decision of the queue row of the item whose id is ``item`` again."""
    return f"""
    UPDATE review_queue SET latest_decision = {_M017_ROW_DECISION} WHERE item_id = {item};"""


def m017_review_version(db: sqlite_utils.Database) -> None:
    """Decisions record the version of the item they were made on (``reviews.content_hash``; decisions made before
    keep NULL, a version unknown, and count for every version as they did). The queue's latest decision becomes the
    newest made on the version its row's analysis read, or on an unknown one: rows whose decision changes are set
    again, and the triggers that compute it (on analyses, items and reviews) recreated. The counts (m006) and the
    queue's version token (m009) follow through their triggers on ``review_queue``."""
    refreshing = ("review_queue_analyses_ai", "review_queue_analyses_au", "review_queue_analyses_moved",
                  "review_queue_analyses_ad", "review_queue_items_au", "review_queue_reviews_ai", "review_queue_reviews_ad")
    execute_script(
        db,
        "".join(f"DROP TRIGGER {name};\n" for name in refreshing)
        + f"""
        ALTER TABLE reviews ADD COLUMN content_hash TEXT;
        UPDATE review_queue SET latest_decision = {_M017_ROW_DECISION}
        WHERE latest_decision IS NOT {_M017_ROW_DECISION};
        CREATE TRIGGER review_queue_analyses_ai AFTER INSERT ON analyses BEGIN{_m017_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_au
        AFTER UPDATE OF item_id, content_hash, incitement, score, lang, targets, places, hallmarks
        ON analyses BEGIN{_m017_refresh("new.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_moved AFTER UPDATE OF item_id ON analyses
        WHEN old.item_id IS NOT new.item_id BEGIN{_m017_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_analyses_ad AFTER DELETE ON analyses BEGIN{_m017_refresh("old.item_id")}
        END;
        CREATE TRIGGER review_queue_items_au AFTER UPDATE OF source, lang, published_at, first_seen, content_hash ON items
        WHEN old.content_hash IS NOT new.content_hash OR EXISTS (SELECT 1 FROM review_queue WHERE seq = new.seq)
        BEGIN{_m017_refresh("new.id")}
        END;
        CREATE TRIGGER review_queue_reviews_ai AFTER INSERT ON reviews BEGIN{_m017_redecide("new.item_id")}
        END;
        CREATE TRIGGER review_queue_reviews_ad AFTER DELETE ON reviews BEGIN{_m017_redecide("old.item_id")}
        END;
        """,
    )


def m018_erased_items(db: sqlite_utils.Database) -> None:
    """Tombstones of the items ``tocsin forget`` erased, so that a later crawl does not store them again: keyed
    hashes only (of the canonical URL and of the item id, under the ``erased_key`` secret), never the address."""
    execute_script(
        db,
        """
        CREATE TABLE erased_items (
            url_hash TEXT PRIMARY KEY,                 -- HMAC-SHA-256 of the canonical URL
            id_hash TEXT NOT NULL,                     -- HMAC-SHA-256 of the item id
            erased_at TEXT NOT NULL
        );
        CREATE INDEX erased_items_id ON erased_items(id_hash);
        """,
    )


#: Every migration, in order. Append only.
MIGRATIONS: list[Migration] = [m001_core, m002_alerts_outbox, m003_privacy_indexes, m004_review_queue,
                              m005_review_queue_by_seq, m006_review_queue_counts,
                              m007_review_queue_label_text, m008_user_session_generation, m009_review_queue_version,
                              m010_alert_files, m011_delivery_progress, m012_item_version_order,
                              m013_review_queue_current_analysis, m014_alerts_owed,
                              m015_item_version_rank_index, m016_delivery_owed, m017_review_version,
                              m018_erased_items]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply each pending migration once, in its own transaction; return the names applied. A store that is
    up to date is only read (no write lock is taken, so a busy store is opened at once).

    A store that a newer tocsin migrated is refused, unchanged (:class:`DatabaseUnusable`), and so is one whose
    migration fails for a reason other than its file or disk: that migration is undone, the ones before it kept.
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    done = {r[0] for r in db.execute("SELECT name FROM migrations")} if "migrations" in tables else set()
    refuse_newer_schema(db, done)
    if "migrations" not in tables:
        db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = []
    for migration in MIGRATIONS:
        name = migration.__name__
        if name in done:
            continue
        try:
            with transaction(db):
                if db.execute("SELECT 1 FROM migrations WHERE name = ?", [name]).fetchone():
                    continue
                migration(db)
                db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [name, utcnow()])
        except Exception as e:
            if is_file_condition(e):   # locked, full, read-only or damaged: the caller says so, with its fix
                raise
            raise DatabaseUnusable(migration_failed(db, name, e)) from e
        logger.info("applied migration %s", name)
        applied.append(name)
    return applied


def refuse_newer_schema(db: sqlite_utils.Database, done: set[str]) -> None:
    """Raise :class:`DatabaseUnusable` when the store has migrations this tocsin does not know: a newer tocsin
    changed its schema, and this one would read it wrongly and write rows the newer one does not expect."""
    unknown = sorted(done - {m.__name__ for m in MIGRATIONS})
    if unknown:
        raise DatabaseUnusable(
            f"the database {database_file(db)} was upgraded by a newer tocsin than this one ({__version__}): it has "
            f"the migrations {', '.join(unknown)}, which this version does not know. It is left untouched: run the "
            "newer tocsin (update the code here: git pull && make setup), or restore a backup taken before that "
            "upgrade")


def migration_failed(db: sqlite_utils.Database, name: str, error: Exception) -> str:
    """What to say when migration ``name`` failed and was rolled back: the store keeps every row, at the schema
    of the last migration that was applied."""
    last = db.execute("SELECT name FROM migrations ORDER BY rowid DESC LIMIT 1").fetchone()
    schema = f"its migrations up to {last[0]} applied" if last else "no migration applied"
    return (f"the database {database_file(db)} cannot be upgraded to this tocsin ({__version__}): migration {name} "
            f"failed ({type(error).__name__}: {error}) and was undone, so the store keeps every row, with {schema}. "
            "Keep the file as it is and report this message to tocsin's maintainers; to go on with the tocsin you "
            "ran before, restore the backup you took before the upgrade")
