"""Schema versions and migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from app.storage import SCHEMA_VERSION, SchemaTooNewError, SessionStore, StorageError
from app.storage.schema import MIGRATIONS, migrate, schema_version


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def start(store: SessionStore) -> str:
    return store.start_session(
        trainee="ann",
        scenario_id="s",
        scenario_sha256="0" * 64,
        scenario_title="S",
        mode="practice",
    )


def test_new_database_gets_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    SessionStore(path).close()
    assert user_version(path) == SCHEMA_VERSION == len(MIGRATIONS)
    assert {"sessions", "events", "event_text"} <= tables(path)


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    with SessionStore(path) as store:
        sid = start(store)
    with SessionStore(path) as store:
        assert [s.id for s in store.list_sessions()] == [sid]
    assert user_version(path) == SCHEMA_VERSION


def test_an_older_database_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    with sqlite3.connect(path) as conn:  # version 0: a file from before the schema existed
        conn.execute("CREATE TABLE unrelated (x)")
    assert user_version(path) == 0
    with SessionStore(path) as store:
        start(store)
    assert user_version(path) == SCHEMA_VERSION
    assert {"unrelated", "sessions", "events"} <= tables(path)


def _add_notes(db: Database) -> None:
    db.execute("ALTER TABLE sessions ADD COLUMN notes TEXT")


def test_a_second_migration_is_one_function(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    with SessionStore(path) as store:
        sid = start(store)
    db = Database(sqlite3.connect(path, isolation_level=None))
    assert migrate(db, path, (*MIGRATIONS, _add_notes)) == SCHEMA_VERSION
    assert schema_version(db) == SCHEMA_VERSION + 1
    assert "notes" in db["sessions"].columns_dict
    assert db.execute("SELECT id FROM sessions").fetchall() == [(sid,)]
    db.close()


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    SessionStore(path).close()

    def half_done(db: Database) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    db = Database(sqlite3.connect(path, isolation_level=None))
    with pytest.raises(RuntimeError, match="boom"):
        migrate(db, path, (*MIGRATIONS, _add_notes, half_done))
    db.close()
    assert user_version(path) == SCHEMA_VERSION
    assert "half" not in tables(path)
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    assert "notes" not in columns


def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer version of callsim") as info:
        SessionStore(path)
    assert (info.value.found, info.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert "has not been changed" in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["callsim.db"]
    assert tables(path) == {"future"}


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    path.write_bytes(b"this is not sqlite at all, just some text " * 50)
    before = path.read_bytes()
    with pytest.raises(StorageError, match="cannot open the callsim database"):
        SessionStore(path)
    assert path.read_bytes() == before


def test_stored_events_cannot_be_deleted(tmp_path: Path) -> None:
    import sqlite3

    from app.engine.events import Event
    from app.storage import SessionStore

    store = SessionStore(tmp_path / "s.db")
    sid = store.start_session(
        trainee="a", scenario_id="s", scenario_sha256="0" * 64, scenario_title="S", mode="practice"
    )
    store.append_event(sid, Event(0, 0.0, "call_started", {}))
    store.close()
    with sqlite3.connect(tmp_path / "s.db") as db, pytest.raises(sqlite3.DatabaseError):
        db.execute("DELETE FROM events")
