"""The database schema and its migrations.

The schema version is SQLite's `PRAGMA user_version`: 0 for an empty file, N once the first N
entries of `MIGRATIONS` have run. Opening a store applies the missing ones, all in one
transaction with the version bump, so a crash mid-migration leaves the old schema intact.

To change the schema, append a function to `MIGRATIONS`; never edit one that has shipped,
because databases in the field have already run it. Migrations take the `sqlite_utils.Database`
and must not commit (`db.execute` joins the open transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlite_utils import Database

from app.storage.errors import SchemaTooNewError, StorageError

Migration = Callable[[Database], None]

_M1_STATEMENTS = (
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        trainee TEXT NOT NULL,
        scenario_id TEXT NOT NULL,
        scenario_sha256 TEXT NOT NULL,
        scenario_title TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('practice', 'assessment', 'headless')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'finished', 'interrupted')),
        result_json TEXT,
        score REAL,
        passed INTEGER CHECK (passed IN (0, 1)),
        owner_pid INTEGER,
        owner_token TEXT,
        event_count INTEGER NOT NULL DEFAULT 0,
        last_hash TEXT NOT NULL
    )
    """,
    "CREATE INDEX sessions_started ON sessions (started_at)",
    "CREATE INDEX sessions_trainee ON sessions (trainee, started_at)",
    "CREATE INDEX sessions_scenario ON sessions (scenario_id, started_at)",
    "CREATE INDEX sessions_status ON sessions (status, started_at)",
    """
    CREATE TABLE events (
        session_id TEXT NOT NULL REFERENCES sessions (id),
        seq INTEGER NOT NULL CHECK (seq >= 0),
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        data_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID
    """,
    # Stored events never change; `verify` catches edits made behind the app's back.
    """
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
    """,
    # What the trainee and the caller said, for search. Filled in the same transaction as the
    # event, so it can never disagree with the log.
    """
    CREATE VIRTUAL TABLE event_text USING fts5 (
        text, session_id UNINDEXED, seq UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
)


def _m1_initial(db: Database) -> None:
    """Sessions, their hash-chained events, and full-text search over spoken lines."""
    for statement in _M1_STATEMENTS:
        db.execute(statement)


_APPEND_ONLY = ("marks", "comments", "verdicts", "audit")

_M2_STATEMENTS = (
    # Assessor settings (the passphrase's scrypt hash; never the passphrase itself).
    "CREATE TABLE assessor_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    # Marks sit beside the automatic result, never over it: history is kept, the latest per
    # criterion is the current one.
    """
    CREATE TABLE marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        criterion_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('agree', 'overrule', 'score')),
        status TEXT CHECK (status IN ('met', 'missed', 'violated', 'not_violated')),
        reason TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL,
        CHECK (decision <> 'overrule' OR length(trim(reason)) > 0)
    )
    """,
    "CREATE INDEX marks_session ON marks (session_id, criterion_id, id)",
    """
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        t REAL NOT NULL,
        seq INTEGER,
        text TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX comments_session ON comments (session_id, t, id)",
    """
    CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'refer')),
        reason TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    # Also the review-state index: a session with a verdict is reviewed.
    "CREATE INDEX verdicts_session ON verdicts (session_id, id)",
    # Every assessor action, hash-chained per session like the events (see app/assessor).
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        seq INTEGER NOT NULL CHECK (seq >= 0),
        action TEXT NOT NULL,
        detail_json TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (session_id, seq)
    )
    """,
)


def _m2_assessor(db: Database) -> None:
    """The assessor's passphrase hash, marks, comments, verdicts and their audit trail."""
    for statement in _M2_STATEMENTS:
        db.execute(statement)
    # Migration 1 refused UPDATE on events; refuse DELETE too (the count and last hash on the
    # session would catch it, but the database should not allow it in the first place).
    db.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events: rows are append-only'); END"
    )
    for table in _APPEND_ONLY:  # fixed names above, never outside text
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
            )


MIGRATIONS: tuple[Migration, ...] = (_m1_initial, _m2_assessor)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The database's schema version (0 for a new, empty file)."""
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
        raise StorageError(f"cannot read the callsim database: {exc}") from exc


def migrate(
    db: Database, path: Path | str = "", migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema up to `len(migrations)`; returns the version found before.

    Raises `SchemaTooNewError`, without writing anything, if the file is newer than we know.
    """
    target = len(migrations)
    found = schema_version(db)
    if found > target:
        raise SchemaTooNewError(path, found, target)
    if found == target:
        return found
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        found = schema_version(db)
        if found > target:
            raise SchemaTooNewError(path, found, target)
        for version in range(found + 1, target + 1):
            migrations[version - 1](db)
        # PRAGMA takes no parameters; `target` is an int we computed, never outside text.
        conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found


def fts5_problem() -> str | None:
    """None when this Python's SQLite has FTS5 (the assessors' search needs it)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError as exc:
        return f"SQLite {sqlite3.sqlite_version} has no FTS5 full-text search ({exc})"
    finally:
        conn.close()
    return None


def sqlite_version() -> str:
    """The version of the SQLite library this Python uses."""
    return sqlite3.sqlite_version
