"""The central schema on a real PostgreSQL server: migration, the insert-only PC role, and
append-only triggers that hold for the owner too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.pg import CentralDb, PgServer, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

psycopg = pytest.importorskip("psycopg")

SHA = "a" * 64


def _insert_session(conn: Any, sid: str = "s1") -> None:
    conn.execute(
        "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, scenario_title, mode, "
        "started_at, status, event_count, last_hash, header_hash, seal_hash, source) "
        "VALUES (%s, 'ann', 'sc', %s, 'Title', 'practice', '2026-01-01T00:00:00+00:00', "
        "'finished', 1, 'h', 'hh', 'sh', 'pc1')",
        [sid, SHA],
    )
    conn.execute(
        "INSERT INTO events (session_id, seq, t, kind, data_json, prev_hash, hash) "
        "VALUES (%s, 0, 0.0, 'k', '{}', 'p', 'h')",
        [sid],
    )


def test_migrate_is_idempotent_and_versioned(central_db: CentralDb) -> None:
    from app.central.schema import SCHEMA_VERSION, migrate, schema_version

    with central_db.owner() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        assert migrate(conn) == SCHEMA_VERSION  # nothing left to apply
        (rows,) = conn.execute("SELECT count(*) FROM callsim_schema").fetchone()
        assert rows == SCHEMA_VERSION


def test_newer_schema_is_refused(central_db: CentralDb) -> None:
    from app.central.errors import CentralError
    from app.central.schema import SCHEMA_VERSION, migrate

    with central_db.owner() as conn:
        conn.execute("INSERT INTO callsim_schema (version) VALUES (%s)", [SCHEMA_VERSION + 1])
        with pytest.raises(CentralError, match="newer than this callsim"):
            migrate(conn)


def test_concurrent_migrations_apply_once(pg_server: PgServer) -> None:
    import threading
    import uuid

    from app.central.schema import SCHEMA_VERSION, migrate
    from tests.helpers.pg import OWNER

    name = "m_" + uuid.uuid4().hex[:12]
    with pg_server.superuser() as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
    befores: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(5)

    def run() -> None:
        try:
            with psycopg.connect(pg_server.dsn(OWNER, name), autocommit=True) as conn:
                start.wait()
                befores.append(migrate(conn))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(5)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(befores) == [0] + [SCHEMA_VERSION] * 4  # one applied it, four found it
    finally:
        with pg_server.superuser() as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_without_the_binaries_the_tests_skip_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from tests.helpers.pg import skip_reason

    monkeypatch.setenv("CALLSIM_PG_BIN", str(tmp_path))
    assert skip_reason() == (
        "PostgreSQL server binaries (initdb, pg_ctl) not found; set CALLSIM_PG_BIN"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET kind = 'forged' WHERE session_id = 's1'",
        "DELETE FROM events WHERE session_id = 's1'",
        "UPDATE sessions SET trainee = 'bob' WHERE id = 's1'",
        "DELETE FROM sessions WHERE id = 's1'",
        "TRUNCATE events",
    ],
)
def test_pc_role_may_insert_and_read_but_not_change(central_db: CentralDb, statement: str) -> None:
    with central_db.pc() as conn:
        _insert_session(conn)  # INSERT is granted
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute(statement)
    with central_db.owner() as conn:
        assert conn.execute("SELECT kind FROM events").fetchall() == [("k",)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET kind = 'forged' WHERE session_id = 's1'",
        "DELETE FROM events WHERE session_id = 's1'",
        "UPDATE sessions SET trainee = 'bob' WHERE id = 's1'",
        "DELETE FROM sessions WHERE id = 's1'",
        "TRUNCATE events CASCADE",
        "DELETE FROM scenario_texts",
    ],
)
def test_triggers_refuse_changes_by_the_owner_too(central_db: CentralDb, statement: str) -> None:
    with central_db.owner() as conn:
        _insert_session(conn)
        conn.execute(
            "INSERT INTO scenario_texts (sha256, content) VALUES (encode(sha256('x'), 'hex'), 'x')"
        )
        with pytest.raises(psycopg.errors.RaiseException, match="refused: .* append-only"):
            conn.execute(statement)
        assert conn.execute("SELECT trainee, event_count FROM sessions").fetchall() == [("ann", 1)]
        assert conn.execute("SELECT kind FROM events").fetchall() == [("k",)]
        assert conn.execute("SELECT count(*) FROM scenario_texts").fetchone() == (1,)


def test_scenario_text_must_match_its_sha256(central_db: CentralDb) -> None:
    with central_db.pc() as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO scenario_texts (sha256, content) VALUES (%s, 'x')", [SHA])


def test_the_server_runs_from_the_test_suite(pg_server: PgServer) -> None:
    with pg_server.superuser() as conn:
        (version,) = conn.execute("SHOW server_version_num").fetchone()
        assert int(version) >= 150000
        (addresses,) = conn.execute("SHOW listen_addresses").fetchone()
        assert addresses == ""  # a unix socket in a private folder only
