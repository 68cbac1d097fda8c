"""The central PostgreSQL store's schema, as data, and the migration that applies it.

Roles (docs/central.md):
- the owner (an administrator's role with CREATEROLE, owning the database) runs `migrate`,
  which creates the tables and the group role `callsim_pc`;
- trainee PCs log in as members of `callsim_pc`, which may only INSERT and SELECT: UPDATE,
  DELETE and TRUNCATE are revoked, so a modified client cannot change what was sent.
Triggers refuse UPDATE, DELETE and TRUNCATE on every table for everyone, the owner included
(append-only, as in SQLite); only a superuser who drops them can, and the chains show it.

Sessions and events are copied as SQLite holds them: the same text timestamps, the stored
result text, the event data in its stored JSON form and the same chain hashes, so a chain
verifies with `app.storage.chain.verify_rows` on either side. Scenario texts are stored once,
keyed by their sha256 (the server checks that the key is the content's hash).
"""

from __future__ import annotations

from typing import Any

from app.central.errors import CentralError

PC_ROLE = "callsim_pc"
TABLES = ("scenario_texts", "sessions", "events", "received")  # of version 1; 2 adds audit

_V1 = f"""
CREATE TABLE scenario_texts (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
    content bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    CHECK (encode(sha256(content), 'hex') = sha256)
);

CREATE TABLE sessions (
    id text PRIMARY KEY,
    trainee text NOT NULL,
    scenario_id text NOT NULL,
    scenario_sha256 text NOT NULL,
    scenario_title text NOT NULL,
    mode text NOT NULL,
    started_at text NOT NULL,
    callsim_version text,
    status text NOT NULL CHECK (status IN ('finished', 'interrupted')),
    ended_at text,
    result_json text,
    score double precision,
    passed boolean,
    event_count integer NOT NULL CHECK (event_count >= 0),
    last_hash text NOT NULL,
    header_hash text NOT NULL,
    seal_hash text NOT NULL,
    source text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_trainee ON sessions (trainee, started_at);

CREATE TABLE events (
    session_id text NOT NULL REFERENCES sessions (id),
    seq integer NOT NULL CHECK (seq >= 0),
    t double precision NOT NULL,
    kind text NOT NULL,
    data_json text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (session_id, seq)
);

CREATE TABLE received (
    id bigserial PRIMARY KEY,
    session_id text NOT NULL REFERENCES sessions (id),
    source text NOT NULL,
    received_by text NOT NULL DEFAULT current_user,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION callsim_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'callsim: % on % refused: the central records are append-only',
        TG_OP, TG_TABLE_NAME
        USING HINT = 'Records are only ever added; a correction is a new record.';
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PC_ROLE}') THEN
        CREATE ROLE {PC_ROLE} NOLOGIN;
    END IF;
END
$$;
"""

for _table in TABLES:
    _V1 += f"""
CREATE TRIGGER {_table}_no_change BEFORE UPDATE OR DELETE ON {_table}
    FOR EACH ROW EXECUTE FUNCTION callsim_append_only();
CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table}
    FOR EACH STATEMENT EXECUTE FUNCTION callsim_append_only();
REVOKE ALL ON {_table} FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON {_table} FROM {PC_ROLE};
GRANT SELECT, INSERT ON {_table} TO {PC_ROLE};
"""
_V1 += f"""
GRANT USAGE ON SEQUENCE received_id_seq TO {PC_ROLE};
REVOKE ALL ON callsim_schema FROM PUBLIC;
GRANT SELECT ON callsim_schema TO {PC_ROLE};
"""

# Version 2: the assessors' actions (marks, comments, verdicts, retractions, sign-offs) as
# their audit entries, sent by the outbox as they are on the PC: the hash chain's rows, in an
# append-only `audit` table (each entry must follow the one before it, by prev_hash); the
# chain's head (`audit_count`, `audit_hash`) on the central session, which may only move on
# to the last entry held (the one UPDATE the PC role may make, on those two columns only).
_APPEND_ONLY_WORDS = """
        RAISE EXCEPTION 'callsim: % on % refused: the central records are append-only',
            TG_OP, TG_TABLE_NAME
            USING HINT = 'Records are only ever added; a correction is a new record.';"""
_V2 = f"""
ALTER TABLE sessions ADD COLUMN audit_count integer NOT NULL DEFAULT 0 CHECK (audit_count >= 0);
ALTER TABLE sessions ADD COLUMN audit_hash text;

CREATE TABLE audit (
    session_id text NOT NULL REFERENCES sessions (id),
    seq integer NOT NULL CHECK (seq >= 0),
    action text NOT NULL,
    detail_json text NOT NULL,
    assessor text NOT NULL,
    at text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    source text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, seq)
);

CREATE FUNCTION callsim_audit_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq > 0 AND NOT EXISTS (
        SELECT 1 FROM audit a
        WHERE a.session_id = NEW.session_id AND a.seq = NEW.seq - 1 AND a.hash = NEW.prev_hash
    ) THEN
        RAISE EXCEPTION 'callsim: audit entry % of session % refused: it does not follow '
            'the entry before it', NEW.seq, NEW.session_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_follows BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION callsim_audit_link();
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION callsim_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION callsim_append_only();
REVOKE ALL ON audit FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM {PC_ROLE};
GRANT SELECT, INSERT ON audit TO {PC_ROLE};

CREATE FUNCTION callsim_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - 'audit_count' - 'audit_hash')
            IS DISTINCT FROM (to_jsonb(OLD) - 'audit_count' - 'audit_hash') THEN{_APPEND_ONLY_WORDS}
    END IF;
    IF NEW.audit_count < OLD.audit_count
        OR NOT EXISTS (
            SELECT 1 FROM audit a WHERE a.session_id = NEW.id
            AND a.seq = NEW.audit_count - 1 AND a.hash = NEW.audit_hash)
        OR EXISTS (
            SELECT 1 FROM audit a WHERE a.session_id = NEW.id AND a.seq >= NEW.audit_count)
    THEN
        RAISE EXCEPTION 'callsim: the audit head of session % refused: it may only move on '
            'to the last audit entry held', NEW.id;
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER sessions_no_change ON sessions;
CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION callsim_append_only();
CREATE TRIGGER sessions_audit_head BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION callsim_audit_head();
GRANT UPDATE (audit_count, audit_hash) ON sessions TO {PC_ROLE};
"""

# (version, SQL): each applied once, in order, in its own transaction.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1), (2, _V2))
SCHEMA_VERSION = MIGRATIONS[-1][0]

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS callsim_schema (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
_LOCK_KEY = 0x63616C6C  # "call": one migration at a time, across every client


def schema_version(conn: Any) -> int:
    """The schema version the database holds (0: none)."""
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM callsim_schema"
        if _has_version_table(conn)
        else "SELECT 0"
    ).fetchone()
    return int(row[0])


def _has_version_table(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass('callsim_schema') IS NOT NULL").fetchone()
    return bool(row[0])


def migrate(conn: Any) -> int:
    """Bring the database to `SCHEMA_VERSION` (run as the owner); returns the version before.

    `conn` is a psycopg connection in autocommit mode. Concurrent callers wait on an advisory
    lock, so each migration runs once. A database from a newer callsim is left untouched."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        conn.execute(_VERSION_TABLE)
        before = schema_version(conn)
        if before > SCHEMA_VERSION:
            raise CentralError(
                f"the central database is at schema {before}, newer than this callsim's "
                f"{SCHEMA_VERSION}: upgrade callsim on this PC"
            )
        for version, sql in MIGRATIONS:
            if version > before:
                conn.execute(sql)
                conn.execute("INSERT INTO callsim_schema (version) VALUES (%s)", [version])
    return before
