"""Schema 3: every part of a session in a chain (header, seal, audit head) and the database
ledger; existing databases upgrade and keep verifying; the read-only store writes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from app import __version__
from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.assessor.verify import check_database, verify_session
from app.services.catalog import ScenarioCatalog
from app.storage import SCHEMA_VERSION, SchemaTooNewError, SessionStore, StorageError
from app.storage.chain import (
    HEADER_FIELDS,
    LEDGER_GENESIS,
    canonical_json,
    header_hash,
)
from app.storage.errors import DatabaseFileError
from app.storage.ledger import LedgerRepo, verify_ledger
from app.storage.schema import MIGRATIONS, migrate
from tests.assessor_kit import SHORT, record, ticking_clock
from tests.conftest import SCENARIOS


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def row(db: Path, sql: str, params: list[object] | None = None) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        found: tuple[object, ...] = conn.execute(sql, params or []).fetchone()
    finally:
        conn.close()
    return found


def test_the_heads_follow_the_documented_formulas(tmp_path: Path) -> None:
    db = tmp_path / "callsim.db"
    with SessionStore(db, clock=ticking_clock()) as store:
        sid = record(store, tmp_path, SHORT)
        Marking(store).mark(sid, "location", "agree", assessor="A")
    names = ", ".join(HEADER_FIELDS)
    header = dict(zip(HEADER_FIELDS, row(db, f"SELECT {names} FROM sessions"), strict=True))
    assert header["callsim_version"] == __version__
    expected_header = sha("header:" + json.dumps(header, sort_keys=True, separators=(",", ":")))
    status, ended, count, last, result, stored_header, seal, n_audit, audit_head = row(
        db,
        "SELECT status, ended_at, event_count, last_hash, result_json, header_hash, seal_hash, "
        "audit_count, audit_hash FROM sessions",
    )
    assert stored_header == expected_header == header_hash(header)
    body = {
        "header_hash": expected_header,
        "status": status,
        "ended_at": ended,
        "event_count": count,
        "last_hash": last,
        "result_json": result,
    }
    assert seal == sha("seal:" + json.dumps(body, sort_keys=True, separators=(",", ":")))
    assert (n_audit, audit_head) == (1, row(db, "SELECT hash FROM audit")[0])
    # The ledger: the session started, sealed, and the mark; each entry chained on the last.
    conn = sqlite3.connect(db)
    entries = conn.execute(
        "SELECT seq, kind, session_id, detail_json, at, prev_hash, hash FROM ledger ORDER BY seq"
    ).fetchall()
    head = conn.execute("SELECT count, hash FROM ledger_head").fetchone()
    conn.close()
    assert [e[1] for e in entries] == ["session", "seal", "audit"]
    prev = LEDGER_GENESIS
    assert prev == sha("callsim-ledger")
    for seq, kind, session_id, detail, at, prev_hash, digest in entries:
        body2 = {"seq": seq, "kind": kind, "session_id": session_id, "detail": detail, "at": at}
        assert prev_hash == prev
        assert digest == sha(prev + canonical_json(body2))
        prev = digest
    assert head == (3, prev)
    assert json.loads(entries[0][3]) == {"header": header, "header_hash": expected_header}
    assert json.loads(entries[1][3])["seal_hash"] == seal


def test_an_interrupted_session_is_sealed_too(tmp_path: Path) -> None:
    db = tmp_path / "callsim.db"
    with SessionStore(db) as store:
        sid = record(store, tmp_path, finish=False)
    conn = sqlite3.connect(db)
    with conn:  # as if its writer had died
        conn.execute("UPDATE sessions SET owner_pid = 999999999, owner_token = 'gone'")
    conn.close()
    with SessionStore(db) as store:
        assert store.mark_interrupted() == [sid]
        found = verify_session(store, sid, scenarios=ScenarioCatalog(SCENARIOS))
    assert found.ok, found.lines()
    assert found.check("seal").ok is True  # type: ignore[union-attr]
    assert found.check("result").ok is None  # type: ignore[union-attr]
    assert found.rebuilt is True  # the events so far are the start of the rebuilt call


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sessions SET trainee = 'x'",
        "UPDATE sessions SET started_at = '2020-01-01'",
        "UPDATE sessions SET score = 99",
        "UPDATE sessions SET result_json = '{}'",
        "DELETE FROM sessions",
        "DELETE FROM assessor_meta",
        "UPDATE ledger SET at = 'x'",
        "DELETE FROM ledger",
        "DELETE FROM ledger_head",
        "UPDATE ledger_head SET count = count - 1",
    ],
)
def test_casual_edits_are_refused(tmp_path: Path, sql: str) -> None:
    db = tmp_path / "callsim.db"
    with SessionStore(db) as store:
        record(store, tmp_path, SHORT)
        AssessorAuth(store).set_passphrase("long enough")
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute(sql)
    finally:
        conn.close()


def _schema_2_database(tmp_path: Path) -> tuple[Path, list[str]]:
    """A database as the previous release left it: a finished session marked and given a
    verdict, an interrupted one, an active one, and the passphrase set."""
    db = tmp_path / "old" / "callsim.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(Database(conn), db, MIGRATIONS[:2])
    conn.close()
    ids: list[str] = []
    with SessionStore(db) as store:  # record with today's code, then roll the file back to 2
        ids.append(record(store, tmp_path))
        ids.append(record(store, tmp_path, SHORT, trainee="Bo", finish=False))
        ids.append(record(store, tmp_path, SHORT, trainee="Cy", finish=False))
        marking = Marking(store)
        marking.mark(ids[0], "location", "agree", assessor="A")
        marking.set_verdict(ids[0], "pass", reason="fine", assessor="A")
        AssessorAuth(store).set_passphrase("long enough")
    conn = sqlite3.connect(db, isolation_level=None)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
        "(name LIKE 'ledger%' OR name LIKE 'sessions%' OR name = 'assessor_meta_no_delete')"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE sessions SET status = 'interrupted' WHERE trainee = 'Bo'")
    dropped = ("callsim_version", "header_hash", "seal_hash", "audit_count", "audit_hash")
    for column in (*dropped, "owner_host", "heartbeat_at"):  # and schema 5's lease
        conn.execute(f"ALTER TABLE sessions DROP COLUMN {column}")
    conn.execute("DROP TABLE ledger")
    conn.execute("DROP TABLE ledger_head")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    return db, ids


def test_a_schema_2_database_upgrades_and_keeps_verifying(tmp_path: Path) -> None:
    db, (done, interrupted, active) = _schema_2_database(tmp_path)
    with SessionStore(db) as store:
        assert row(db, "PRAGMA user_version") == (SCHEMA_VERSION,)
        kinds = [r.kind for r in LedgerRepo(store).read().rows]
        assert kinds[0] == "upgrade"
        assert kinds.count("session") == 3 and kinds.count("seal") == 2
        assert kinds.count("audit") == 2 and kinds.count("meta") == 1
        assert AssessorAuth(store).verify("long enough")
        catalog = ScenarioCatalog(SCENARIOS)
        for sid in (done, interrupted, active):
            found = verify_session(store, sid, scenarios=catalog)
            assert found.ok, found.lines()
            header = found.check("header")
            assert header is not None and "sealed when the database was upgraded" in header.detail
        assert verify_session(store, done, scenarios=catalog).rescored is True
        # Recording and marking go on, chained after the upgrade.
        Marking(store).comment(done, 2.0, "after the upgrade", assessor="A")
        assert verify_session(store, done, scenarios=catalog).ok


def test_a_read_only_store_of_an_older_file_upgrades_in_memory_only(tmp_path: Path) -> None:
    db, (done, _i, _a) = _schema_2_database(tmp_path)
    before = db.read_bytes()
    with SessionStore(db, readonly=True) as store:
        assert store.upgraded_in_memory == 2
        found = verify_session(store, done, scenarios=ScenarioCatalog(SCENARIOS))
        assert found.ok and found.rescored, found.lines()
        assert found.check("seal").ok is None  # type: ignore[union-attr]
        assert "older callsim (database schema 2)" in found.check("seal").detail  # type: ignore[union-attr]
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["callsim.db"]


def test_the_read_only_store_writes_nothing_and_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "evidence" / "callsim.db"
    with SessionStore(db) as store:
        sid = record(store, tmp_path, SHORT)
    before = db.read_bytes()
    with SessionStore(db, readonly=True) as store:
        assert store.readonly and store.upgraded_in_memory is None
        assert store.verify(sid).ok
        assert check_database(store).ok
        with pytest.raises(DatabaseFileError, match="opened read-only"):
            Marking(store).comment(sid, 1.0, "x", assessor="A")
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["callsim.db"]


def test_a_copy_taken_while_callsim_was_writing_is_read_whole(tmp_path: Path) -> None:
    """A `-wal` copied without its `-shm`: the changes in it are read, from a private copy."""
    live = tmp_path / "live" / "callsim.db"
    with SessionStore(live) as store:
        store._db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        first = record(store, tmp_path, SHORT)
        second = record(store, tmp_path, SHORT, trainee="Bo")
        evidence = tmp_path / "evidence"
        evidence.mkdir()
        shutil.copyfile(live, evidence / "callsim.db")
        shutil.copyfile(live.with_name("callsim.db-wal"), evidence / "callsim.db-wal")
    assert (evidence / "callsim.db-wal").stat().st_size > 0
    with SessionStore(evidence / "callsim.db", readonly=True) as store:
        assert {first, second} <= set(store.session_ids())
        assert store.verify(second).ok
    assert sorted(p.name for p in evidence.iterdir()) == ["callsim.db", "callsim.db-wal"]


def test_a_read_only_store_needs_a_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match="there is no such file"):
        SessionStore(tmp_path / "nope.db", readonly=True)
    (tmp_path / "junk.db").write_bytes(b"not a database at all " * 100)
    with pytest.raises(DatabaseFileError, match="it is damaged"):
        SessionStore(tmp_path / "junk.db", readonly=True)
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError):
        SessionStore(newer, readonly=True)


def test_the_ledger_check_names_an_edited_entry(tmp_path: Path) -> None:
    db = tmp_path / "callsim.db"
    with SessionStore(db) as store:
        record(store, tmp_path, SHORT)
        state = LedgerRepo(store).read()
        assert verify_ledger(state.rows, state.head).ok
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER ledger_no_update")
        conn.execute("UPDATE ledger SET at = '2020-01-01' WHERE seq = 1")
    conn.close()
    with SessionStore(db, readonly=True) as store:
        state = LedgerRepo(store).read()
        found = verify_ledger(state.rows, state.head)
    assert (found.ok, found.seq, found.reason) == (False, 1, "hash")


def test_writing_after_the_ledger_head_was_removed_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "callsim.db"
    with SessionStore(db) as store:
        record(store, tmp_path, SHORT)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER ledger_head_no_delete")
        conn.execute("DELETE FROM ledger_head")
    conn.close()
    with SessionStore(db) as store, pytest.raises(StorageError, match="ledger's head is missing"):
        record(store, tmp_path, SHORT)
