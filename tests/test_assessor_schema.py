"""Migration 2 (the assessor's tables) on an existing version-1 database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from app.storage import SCHEMA_VERSION, SessionStore
from app.storage.schema import MIGRATIONS, migrate
from tests.assessor_kit import record


def test_a_version_1_database_gains_the_assessor_tables_and_keeps_its_sessions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "callsim.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(Database(conn), path, MIGRATIONS[:1])  # as the previous release left it
    conn.close()
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone() == (1,)
    c.close()
    # a session recorded before the upgrade, through the version-1 tables only
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, scenario_title, mode,"
        " started_at, status, last_hash) VALUES ('a1', 'Ana', 's', '', 'S', 'practice',"
        " '2025-01-01T00:00:00.000000+00:00', 'interrupted', 'h')"
    )
    conn.close()
    with SessionStore(path) as store:
        assert [s.id for s in store.list_sessions()] == ["a1"]
        sid = record(store, tmp_path)
        assert store.verify(sid).ok
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
    c.close()
    assert {"assessor_meta", "marks", "comments", "verdicts", "audit"} <= names
    for table in ("marks", "comments", "verdicts", "audit"):
        assert {f"{table}_no_update", f"{table}_no_delete"} <= names
