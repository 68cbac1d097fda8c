"""`CentralStore` against a real PostgreSQL server: the reads the assessor side uses give
what the PC's `SessionStore` gives for the same sessions, search is PostgreSQL full-text
search, the connection writes nothing, and the central checks name the first difference."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.engine.events import Event
from app.storage import SessionStore
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

pytest.importorskip("psycopg")

from app.assessor.library import query_sessions, resolve_session  # noqa: E402
from app.central.check import central_checks  # noqa: E402
from app.central.errors import CentralError, CentralUnreachableError  # noqa: E402
from app.central.outbox import Outbox  # noqa: E402
from app.central.store import CentralStore  # noqa: E402

TEXT = b"id: demo\ntitle: Demo call\n"
SHA = hashlib.sha256(TEXT).hexdigest()


def _texts(scenario_id: str, sha256: str) -> bytes | None:
    return TEXT if sha256 == SHA else None


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


LINES = [
    ("caller_said", {"text": "He has a knife and the pictures are on the wall"}),
    ("trainee_said", {"text": "Is anyone injured? ‘quoted’ é"}),
    ("log_changed", {"field": "location", "value": "Harbour Street"}),
]


def _record(store: SessionStore, trainee: str, mode: str, score: float) -> str:
    sid = store.start_session(
        trainee=trainee,
        scenario_id="demo",
        scenario_sha256=SHA,
        scenario_title="Demo call",
        mode=mode,
    )
    store.append_events(
        sid, [Event(i, 2.5 * i + 1, kind, data) for i, (kind, data) in enumerate(LINES)]
    )
    result = {"score": score, "passed": score >= 50, "criteria": {"a": {"status": "met"}}}
    store.finish_session(sid, result)
    return sid


@pytest.fixture
def pc(central_db: CentralDb, tmp_path: Path) -> tuple[SessionStore, list[str]]:
    store = SessionStore(tmp_path / "pc" / "callsim.sqlite", clock=Clock())
    ids = [
        _record(store, "ann", "assessment", 72.5),
        _record(store, "bob", "practice", 30.0),
        _record(store, "ann", "headless", 55.0),
    ]
    with Outbox(store, central_db.pc_dsn, scenario_texts=_texts, source="pc1") as box:
        assert box.sync().sent == ids
    return store, ids


def test_the_central_reads_equal_the_pcs(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    local, ids = pc
    with CentralStore(central_db.pc_dsn) as central:
        assert central.session_ids() == local.session_ids() == ids
        for sid in ids:
            info = local.session(sid)
            assert info is not None
            assert central.session(sid) == replace(info, owner_pid=None)  # no pid centrally
            theirs, ours = central.record(sid), local.record(sid)
            assert theirs is not None and ours is not None
            assert theirs.header() == ours.header()
            for name in ("status", "ended_at", "result_json", "score", "event_count"):
                assert getattr(theirs, name) == getattr(ours, name), name
            assert theirs.seal_hash == ours.seal_hash and theirs.last_hash == ours.last_hash
            assert central.events(sid) == local.events(sid)
            assert central.result(sid) == local.result(sid)
            assert central.verify(sid).ok and central.verify(sid).checked == 3
            assert [c.ok for c in central_checks(central, sid)] == [True] * 7
        assert central.list_sessions(trainee="ann") == [
            replace(s, owner_pid=None) for s in local.list_sessions(trainee="ann")
        ]
        assert [s.id for s in central.list_sessions(limit=1)] == [ids[-1]]
        assert central.session("f" * 32) is None and central.record("f" * 32) is None
        assert central.scenario_text(SHA) == TEXT


def test_the_library_query_gives_the_pcs_rows(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    local, ids = pc
    with CentralStore(central_db.pc_dsn) as central:
        for kwargs in (
            {},
            {"trainee": "ann"},
            {"mode": "practice"},
            {"status": "finished", "sort": "score", "descending": False},
            {"sort": "trainee"},
            {"sort": "duration", "limit": 2},
            {"review": "unreviewed"},
        ):
            assert query_sessions(central, **kwargs) == query_sessions(local, **kwargs), kwargs
        assert query_sessions(central, review="reviewed") == []
        assert resolve_session(central, ids[1][:8]) == ids[1]
        with pytest.raises(LookupError, match="no such session"):
            resolve_session(central, "abcdef0")
        with pytest.raises(ValueError, match="central store does not hold"):
            query_sessions(central, criterion=("a", "met"))


def test_search_is_full_text_with_stemming(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    local, ids = pc
    with CentralStore(central_db.pc_dsn) as central:
        assert central.search("knife") == [(sid, 0) for sid in ids]
        assert central.search("picture") == local.search("picture")  # stemmed, both sides
        assert central.search("harbour street") == [(sid, 2) for sid in ids]  # the log too
        assert central.search("injured knife") == []  # every word, in one line
        assert central.search("'; DROP TABLE events; --") == []  # words, never SQL
        assert central.search("") == [] and central.search("  ") == []
        found = query_sessions(central, text="knife", trainee="bob")
        assert [r.id for r in found] == [ids[1]]


def test_nothing_can_be_written_through_it(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    _, ids = pc
    with CentralStore(central_db.owner_dsn) as central:  # even as the database's owner
        with pytest.raises(CentralError, match="read-only transaction"):
            central._fetch(
                "INSERT INTO received (session_id, source) VALUES (%s, 'x') RETURNING id",
                [ids[0]],
            )
    with central_db.owner() as conn:
        assert conn.execute("SELECT count(*) FROM received").fetchone()[0] == 3


def test_an_altered_central_copy_names_the_first_difference(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    _, ids = pc
    with central_db.server.superuser(central_db.name) as su:  # past the triggers
        su.execute("ALTER TABLE events DISABLE TRIGGER USER")
        su.execute(
            "UPDATE events SET data_json = replace(data_json, 'knife', 'spoon') "
            "WHERE session_id = %s AND seq = 0",
            [ids[0]],
        )
        su.execute("ALTER TABLE sessions DISABLE TRIGGER USER")
        su.execute("UPDATE sessions SET score = 99 WHERE id = %s", [ids[1]])
    with CentralStore(central_db.pc_dsn) as central:
        bad = [c for c in central_checks(central, ids[0]) if c.ok is False]
        assert [(c.name, c.detail) for c in bad] == [
            ("event log", "event 0: its content does not match its hash")
        ]
        bad = [c for c in central_checks(central, ids[1]) if c.ok is False]
        assert [c.name for c in bad] == ["result"]
        assert all(c.ok for c in central_checks(central, ids[2]))


def test_unusable_servers_are_one_located_sentence(central_db: CentralDb, tmp_path: Path) -> None:
    with pytest.raises(CentralUnreachableError, match=r"cannot reach the central store .*:1/x"):
        CentralStore(f"host={tmp_path} port=1 dbname=x user=pc", timeout=1)
    nobody = central_db.pc_dsn.replace("user=callsim_pc_test", "user=nobody_here")
    with pytest.raises(CentralUnreachableError, match='role "nobody_here" does not exist'):
        CentralStore(nobody)
    with central_db.server.superuser() as su:
        su.execute("DROP ROLE IF EXISTS outsider")
        su.execute("CREATE ROLE outsider LOGIN")
    outsider = central_db.pc_dsn.replace("user=callsim_pc_test", "user=outsider")
    with pytest.raises(CentralError) as caught:
        CentralStore(outsider)
    assert "refused to let this role read (permission denied for table callsim_schema)" in str(
        caught.value
    )
    with central_db.server.superuser() as su:
        su.execute("DROP OWNED BY outsider")
        su.execute("DROP ROLE outsider")


def test_a_dropped_connection_while_reading_is_located(
    central_db: CentralDb, pc: tuple[SessionStore, list[str]]
) -> None:
    with CentralStore(central_db.pc_dsn) as central:
        pid = central._fetch("SELECT pg_backend_pid()")[0][0]
        with central_db.server.superuser() as su:
            su.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        with pytest.raises(CentralUnreachableError, match="was lost while reading"):
            central.session_ids()


def test_an_empty_database_says_to_migrate(central_db: CentralDb) -> None:
    with central_db.server.superuser() as su:
        su.execute("DROP DATABASE IF EXISTS t_empty_central")
        su.execute("CREATE DATABASE t_empty_central")
    try:
        dsn = central_db.server.dsn(dbname="t_empty_central")
        with pytest.raises(CentralError, match="no callsim records .*`callsim central migrate`"):
            CentralStore(dsn)
    finally:
        with central_db.server.superuser() as su:
            su.execute("DROP DATABASE t_empty_central WITH (FORCE)")
