"""The database schema and its migrations.

The schema version is SQLite's `PRAGMA user_version`: 0 for an empty file, N once the first N
entries of `MIGRATIONS` have run. Opening a store applies the missing ones, all in one
transaction with the version bump, so a crash mid-migration leaves the old schema intact.

To change the schema, append a function to `MIGRATIONS`; never edit one that has shipped,
because databases in the field have already run it. Migrations take the `sqlite_utils.Database`
and must not commit (`db.execute` joins the open transaction).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.storage.chain import LEDGER_GENESIS, header_hash, seal_hash
from app.storage.errors import SchemaTooNewError, StorageError
from app.storage.ledger import AUDIT, META, SEAL, SESSION, UPGRADE, append_entry
from app.storage.records import iso_utc, utc_now
from app.storage.sql import Tx

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
    """,  # replaced by migration 4: stemmed, and the incident log as well
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


_M3_STATEMENTS = (
    # The callsim that recorded the session (NULL: recorded before schema 3), and the heads
    # that cover the rest of the row (app/storage/chain.py): the header's hash, the seal
    # written when the session stops being active, and the head of its assessor audit trail.
    "ALTER TABLE sessions ADD COLUMN callsim_version TEXT",
    "ALTER TABLE sessions ADD COLUMN header_hash TEXT",
    "ALTER TABLE sessions ADD COLUMN seal_hash TEXT",
    "ALTER TABLE sessions ADD COLUMN audit_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN audit_hash TEXT",
    # The database-wide chain (app/storage/ledger.py) and its head, which always exists.
    """
    CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
        kind TEXT NOT NULL,
        session_id TEXT,
        detail_json TEXT NOT NULL,
        at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )
    """,
    "CREATE INDEX ledger_session ON ledger (session_id, seq)",
    """
    CREATE TABLE ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        count INTEGER NOT NULL,
        hash TEXT NOT NULL
    )
    """,
)

# Refusals for a casual edit with a database browser (a tamperer can drop them; the chains
# are what show it). Created after the upgrade has written the heads of existing sessions.
_M3_TRIGGERS = (
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'ledger: rows are append-only'); END",
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'ledger: rows are append-only'); END",
    "CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head "
    "BEGIN SELECT RAISE(ABORT, 'ledger_head: the head is never removed'); END",
    "CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head "
    "WHEN NEW.count <> OLD.count + 1 "
    "BEGIN SELECT RAISE(ABORT, 'ledger_head: the head only moves forward'); END",
    "CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions "
    "BEGIN SELECT RAISE(ABORT, 'sessions: rows are never deleted'); END",
    "CREATE TRIGGER sessions_header_fixed BEFORE UPDATE OF id, trainee, scenario_id, "
    "scenario_sha256, scenario_title, mode, started_at, callsim_version, header_hash "
    "ON sessions BEGIN SELECT RAISE(ABORT, 'sessions: the header never changes'); END",
    "CREATE TRIGGER sessions_sealed BEFORE UPDATE ON sessions WHEN OLD.status <> 'active' AND "
    "(NEW.status IS NOT OLD.status OR NEW.ended_at IS NOT OLD.ended_at OR "
    "NEW.result_json IS NOT OLD.result_json OR NEW.score IS NOT OLD.score OR "
    "NEW.passed IS NOT OLD.passed OR NEW.event_count IS NOT OLD.event_count OR "
    "NEW.last_hash IS NOT OLD.last_hash OR NEW.seal_hash IS NOT OLD.seal_hash) "
    "BEGIN SELECT RAISE(ABORT, 'sessions: a sealed session never changes'); END",
    "CREATE TRIGGER assessor_meta_no_delete BEFORE DELETE ON assessor_meta "
    "BEGIN SELECT RAISE(ABORT, 'assessor_meta: settings are replaced, never removed'); END",
)


def _m3_sealed(db: Database) -> None:
    """Everything in a chain: session headers, results, audit heads and a database ledger.

    Sessions already stored are sealed as they are now (their ledger entries say
    "upgraded"): changes made to them before this upgrade cannot be told apart later."""
    for statement in _M3_STATEMENTS:
        db.execute(statement)
    db.execute("INSERT INTO ledger_head (id, count, hash) VALUES (1, 0, ?)", [LEDGER_GENESIS])
    tx = Tx(db)
    at = iso_utc(utc_now())
    sessions: list[tuple[Any, ...]] = db.execute(
        "SELECT id, trainee, scenario_id, scenario_sha256, scenario_title, mode, started_at, "
        "status, ended_at, event_count, last_hash, result_json FROM sessions "
        "ORDER BY started_at, rowid"
    ).fetchall()
    settings = db.execute("SELECT key, value FROM assessor_meta ORDER BY key").fetchall()
    if sessions or settings:
        detail: dict[str, Any] = {"from_schema": 2, "to_schema": 3, "sessions": len(sessions)}
        append_entry(tx, UPGRADE, None, detail, at)
    names = ("id", "trainee", "scenario_id", "scenario_sha256", "scenario_title", "mode")
    for row in sessions:
        sid: str = row[0]
        status, ended, count, last, result = row[7:]
        header: dict[str, Any] = dict(zip(names, row[:6], strict=True))
        header |= {"started_at": row[6], "callsim_version": None}
        head = header_hash(header)
        db.execute("UPDATE sessions SET header_hash = ? WHERE id = ?", [head, sid])
        append_entry(
            tx, SESSION, sid, {"header": header, "header_hash": head, "upgraded": True}, at
        )
        if status != "active":
            seal = seal_hash(
                head,
                status=status,
                ended_at=ended,
                event_count=int(count),
                last_hash=last,
                result_json=result,
            )
            db.execute("UPDATE sessions SET seal_hash = ? WHERE id = ?", [seal, sid])
            append_entry(tx, SEAL, sid, seal_detail(status, ended, count, last, seal), at)
        audit = db.execute(
            "SELECT seq, action, hash FROM audit WHERE session_id = ? ORDER BY seq", [sid]
        ).fetchall()
        for seq, action, digest in audit:
            detail = {"action": action, "audit_seq": seq, "audit_hash": digest, "upgraded": True}
            append_entry(tx, AUDIT, sid, detail, at)
        if audit:
            db.execute(
                "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
                [len(audit), audit[-1][2], sid],
            )
    for key, value in settings:
        append_entry(tx, META, None, meta_detail(key, value), at)
    for statement in _M3_TRIGGERS:
        db.execute(statement)


def seal_detail(
    status: str, ended_at: str | None, event_count: int, last_hash: str, seal: str
) -> dict[str, object]:
    """A seal's ledger entry: a copy of the heads it covers."""
    return {
        "status": status,
        "ended_at": ended_at,
        "event_count": int(event_count),
        "last_hash": last_hash,
        "seal_hash": seal,
    }


def meta_detail(key: str, value: str) -> dict[str, object]:
    """An assessor setting's ledger entry: its key and the sha256 of the stored value."""
    return {"key": key, "value_sha256": hashlib.sha256(value.encode("utf-8")).hexdigest()}


# What the search index holds of an event: the words said (by either side) and what was
# written in the incident log. One definition, used by the store and by `verify`.
SEARCHED_TEXT = {"trainee_said": "text", "caller_said": "text", "log_changed": "value"}


def searched_text(kind: str, data: dict[str, Any]) -> str | None:
    """The text of an event the search index holds, made storable (None: nothing)."""
    key = SEARCHED_TEXT.get(kind)
    value = data.get(key) if key is not None else None
    if not isinstance(value, str) or not value:
        return None
    return value.encode("utf-8", "replace").decode("utf-8")


def _m4_search(db: Database) -> None:
    """Search that finds "picture" in "pictures" (Porter stemming) and looks in the incident
    log too: the index is rebuilt from the events (it is derived, never a record itself)."""
    import json

    db.execute("DROP TABLE event_text")
    db.execute(
        """
        CREATE VIRTUAL TABLE event_text USING fts5 (
            text, session_id UNINDEXED, seq UNINDEXED,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )
        """
    )
    rows = db.execute(
        "SELECT session_id, seq, kind, data_json FROM events ORDER BY session_id, seq"
    ).fetchall()
    for session_id, seq, kind, data_json in rows:
        try:
            data = json.loads(data_json)
        except ValueError:
            continue  # a damaged event: verify reports it; the index simply lacks it
        text = searched_text(str(kind), data) if isinstance(data, dict) else None
        if text:
            db.execute(
                "INSERT INTO event_text (text, session_id, seq) VALUES (?, ?, ?)",
                [text, session_id, seq],
            )


def _m5_lease(db: Database) -> None:
    """Liveness as a lease: the writer's host and a heartbeat time refreshed during the call,
    so a second machine sharing the file never takes a live call for a dead one. Neither is
    part of the record (the header, seal and ledger leave them out): they only say who is
    writing now. Sessions from before have none and keep the pid check."""
    have = {row[1] for row in db.execute("PRAGMA table_info(sessions)").fetchall()}
    for column in ("owner_host", "heartbeat_at"):
        if column not in have:  # a file whose version was set back by hand may have them
            db.execute(f"ALTER TABLE sessions ADD COLUMN {column} TEXT")


# Whether the session of the row being inserted is signed off: its latest sign-off row is a
# sign-off, not a reopening. A fixed SQL expression, used by the triggers of migration 6.
_LOCKED_SQL = (
    "coalesce((SELECT action FROM signoffs WHERE session_id = NEW.session_id "
    "ORDER BY id DESC LIMIT 1) = 'sign_off', 0)"
)
# Tables an assessor writes to about one session: refused while it is signed off.
_LOCKED_TABLES = ("marks", "comments", "verdicts", "retractions")

_M6_STATEMENTS = (
    # A comment is withdrawn by appending a retraction that names it; the comment stays.
    """
    CREATE TABLE IF NOT EXISTS retractions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        comment_id INTEGER NOT NULL UNIQUE REFERENCES comments (id),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        assessor TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS retractions_session ON retractions (session_id, id)",
    # Sign-offs and reopenings in order: the latest says whether the session is locked.
    """
    CREATE TABLE IF NOT EXISTS signoffs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        action TEXT NOT NULL CHECK (action IN ('sign_off', 'reopen')),
        note TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL,
        CHECK (action <> 'reopen' OR length(trim(note)) > 0)
    )
    """,
    "CREATE INDEX IF NOT EXISTS signoffs_session ON signoffs (session_id, id)",
    "CREATE TRIGGER IF NOT EXISTS retractions_same_session BEFORE INSERT ON retractions "
    "WHEN (SELECT session_id FROM comments WHERE id = NEW.comment_id) IS NOT NEW.session_id "
    "BEGIN SELECT RAISE(ABORT, 'retractions: the comment is not one of this session'); END",
    "CREATE TRIGGER IF NOT EXISTS signoffs_in_turn BEFORE INSERT ON signoffs "
    f"WHEN (NEW.action = 'sign_off') = {_LOCKED_SQL} "
    "BEGIN SELECT RAISE(ABORT, 'signoffs: only an open session is signed off, only a "
    "signed-off one reopened'); END",
)


def _m6_signoff(db: Database) -> None:
    """Comments withdrawn by an appended retraction, and sign-off that locks a session: while
    its latest sign-off row is a sign-off, the database refuses new marks, comments, verdicts
    and retractions on it, whichever program writes them. Safe to run again on a file whose
    version was set back by hand (everything is created only if missing)."""
    for statement in _M6_STATEMENTS:
        db.execute(statement)
    for table in ("retractions", "signoffs"):  # fixed names, never outside text
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
            )
    for table in _LOCKED_TABLES:  # fixed names above
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_locked BEFORE INSERT ON {table} "
            f"WHEN {_LOCKED_SQL} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: the session is signed off (locked)'); END"
        )


# Tables whose rows belong to one session, children first (a session is removed last).
ARCHIVABLE = (
    # migration 9's moderation rows (their DELETE refusals, made there, except archived
    # sessions already): before the marks and requests they name
    ("moderation_resolutions", None),
    ("second_submissions", None),
    ("second_marks", None),
    ("moderation_requests", None),
    ("event_text", None),  # the derived search index: no trigger
    ("events", "events_no_delete"),
    ("marks", "marks_no_delete"),
    ("retractions", "retractions_no_delete"),  # migration 6: before the comments they name
    ("signoffs", "signoffs_no_delete"),
    ("comments", "comments_no_delete"),
    ("verdicts", "verdicts_no_delete"),
    ("audit", "audit_no_delete"),
)


def _m7_archive(db: Database) -> None:
    """Retention (issue 13, "migration 7"): a session may leave the live database only once it
    has been archived to a signed bundle, through `archived` (append-only) and a ledger
    `archive` entry in the same transaction (app/storage/bundle.py). The DELETE refusals stay
    for every other row: each now excepts the rows of a session listed in `archived`.

    Self-contained (it only drops and re-creates its own triggers, by name), so it can run
    after any other migration."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS archived (session_id TEXT PRIMARY KEY NOT NULL, "
        "bundle TEXT NOT NULL, bundle_sha256 TEXT NOT NULL, at TEXT NOT NULL)"
    )
    for op in ("UPDATE", "DELETE"):
        db.execute(f"DROP TRIGGER IF EXISTS archived_no_{op.lower()}")
        db.execute(
            f"CREATE TRIGGER archived_no_{op.lower()} BEFORE {op} ON archived "
            "BEGIN SELECT RAISE(ABORT, 'archived: rows are append-only'); END"
        )
    gate = "NOT EXISTS (SELECT 1 FROM archived WHERE session_id = OLD.{column})"
    for table, trigger in ARCHIVABLE:  # fixed names above, never outside text
        if trigger is None:
            continue
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        db.execute(
            f"CREATE TRIGGER {trigger} BEFORE DELETE ON {table} "
            f"WHEN {gate.format(column='session_id')} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
        )
    db.execute("DROP TRIGGER IF EXISTS sessions_no_delete")
    db.execute(
        "CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions "
        f"WHEN {gate.format(column='id')} "
        "BEGIN SELECT RAISE(ABORT, 'sessions: rows are never deleted'); END"
    )


_ACCOUNT_TABLES = ("assessor_accounts", "assessor_signins")


def _m8_accounts(db: Database) -> None:
    """Named assessors (issue 13 item 2): `assessor_accounts` holds every version of every
    account (created, passphrase changed, role changed, disabled), one row per change, never
    updated; an account is its newest row. `assessor_signins` holds every sign-in attempt
    (the rate limit counts its failures). Both refuse UPDATE and DELETE; each row is ledgered
    (app/storage/accounts_repo.py). Self-contained: everything is created only if missing."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS assessor_accounts ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "name TEXT NOT NULL CHECK (length(trim(name)) > 0), "
        "name_key TEXT NOT NULL, "
        "passphrase_hash TEXT NOT NULL, "
        "role TEXT NOT NULL CHECK (role IN ('assessor', 'lead')), "
        "change TEXT NOT NULL CHECK (change IN ('create', 'passphrase', 'role', 'disable')), "
        "created_by TEXT NOT NULL, "
        "created_at TEXT NOT NULL, "
        "disabled_at TEXT)"
    )
    # One account per name: a name is created once; every other change names an account.
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS assessor_accounts_created "
        "ON assessor_accounts (name_key) WHERE change = 'create'"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS assessor_accounts_key ON assessor_accounts (name_key, id)"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS assessor_accounts_known BEFORE INSERT ON assessor_accounts "
        "WHEN NEW.change <> 'create' AND NOT EXISTS (SELECT 1 FROM assessor_accounts "
        "WHERE name_key = NEW.name_key AND change = 'create') "
        "BEGIN SELECT RAISE(ABORT, 'assessor_accounts: no such account'); END"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS assessor_signins ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "name_key TEXT NOT NULL, "
        "outcome TEXT NOT NULL "
        "CHECK (outcome IN ('ok', 'wrong', 'unknown', 'disabled', 'locked')), "
        "at TEXT NOT NULL, "
        "locked_until TEXT)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS assessor_signins_key ON assessor_signins (name_key, id)")
    for table in _ACCOUNT_TABLES:  # fixed names, never outside text
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
            )


# Moderation (issue 13 item 3, "migration 9"): a lead asks a second assessor for a blind
# marking; the second marks, the submission and the lead's resolutions of disagreements.
MODERATION_TABLES = (
    "moderation_requests",
    "second_marks",
    "second_submissions",
    "moderation_resolutions",
)
_M9_STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS moderation_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        second_assessor TEXT NOT NULL CHECK (length(trim(second_assessor)) > 0),
        requested_by TEXT NOT NULL,
        note TEXT NOT NULL,
        first_upto INTEGER NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS moderation_requests_session "
    "ON moderation_requests (session_id, id)",
    """
    CREATE TABLE IF NOT EXISTS second_marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id INTEGER NOT NULL REFERENCES moderation_requests (id),
        session_id TEXT NOT NULL REFERENCES sessions (id),
        criterion_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        assessor TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS second_marks_request ON second_marks (request_id, id)",
    """
    CREATE TABLE IF NOT EXISTS second_submissions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id INTEGER NOT NULL UNIQUE REFERENCES moderation_requests (id),
        session_id TEXT NOT NULL REFERENCES sessions (id),
        assessor TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS moderation_resolutions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id INTEGER NOT NULL REFERENCES moderation_requests (id),
        session_id TEXT NOT NULL REFERENCES sessions (id),
        criterion_id TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        mark_id INTEGER NOT NULL REFERENCES marks (id),
        assessor TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (request_id, criterion_id)
    )
    """,
    # A second mark belongs to its request's session and assessor, and only until submitted.
    "CREATE TRIGGER IF NOT EXISTS second_marks_own BEFORE INSERT ON second_marks "
    "WHEN (SELECT session_id || char(31) || second_assessor FROM moderation_requests "
    "WHERE id = NEW.request_id) IS NOT NEW.session_id || char(31) || NEW.assessor "
    "BEGIN SELECT RAISE(ABORT, 'second_marks: not the request''s session or second "
    "assessor'); END",
    "CREATE TRIGGER IF NOT EXISTS second_marks_open BEFORE INSERT ON second_marks "
    "WHEN EXISTS (SELECT 1 FROM second_submissions WHERE request_id = NEW.request_id) "
    "BEGIN SELECT RAISE(ABORT, 'second_marks: the second marking was submitted'); END",
    "CREATE TRIGGER IF NOT EXISTS second_submissions_own BEFORE INSERT ON second_submissions "
    "WHEN (SELECT session_id || char(31) || second_assessor FROM moderation_requests "
    "WHERE id = NEW.request_id) IS NOT NEW.session_id || char(31) || NEW.assessor "
    "BEGIN SELECT RAISE(ABORT, 'second_submissions: not the request''s session or second "
    "assessor'); END",
    "CREATE TRIGGER IF NOT EXISTS moderation_resolutions_after BEFORE INSERT ON "
    "moderation_resolutions WHEN NOT EXISTS (SELECT 1 FROM second_submissions WHERE "
    "request_id = NEW.request_id AND session_id = NEW.session_id) "
    "BEGIN SELECT RAISE(ABORT, 'moderation_resolutions: the second marking is not "
    "submitted'); END",
)


def _m9_moderation(db: Database) -> None:
    """Blind double-marking (app/assessor/moderation.py): requests, second marks, their
    submission and the lead's resolutions. Append-only like marks; refused while the session
    is signed off; the DELETE refusal excepts an archived session's rows, as migration 7's do.

    Self-contained (everything IF NOT EXISTS, its own triggers dropped and re-created by
    name), so it can run after any other migration whatever its number."""
    for statement in _M9_STATEMENTS:
        db.execute(statement)
    gate = "NOT EXISTS (SELECT 1 FROM archived WHERE session_id = OLD.session_id)"
    for table in MODERATION_TABLES:  # fixed names above, never outside text
        db.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        db.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
        )
        db.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        db.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN {gate} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: rows are append-only'); END"
        )
        db.execute(f"DROP TRIGGER IF EXISTS {table}_locked")
        db.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT ON {table} WHEN {_LOCKED_SQL} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: the session is signed off (locked)'); END"
        )


MIGRATIONS: tuple[Migration, ...] = (
    _m1_initial,
    _m2_assessor,
    _m3_sealed,
    _m4_search,
    _m5_lease,
    _m6_signoff,
    _m7_archive,
    _m8_accounts,
    _m9_moderation,
)
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
