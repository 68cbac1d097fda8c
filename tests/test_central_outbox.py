"""The outbox against a real PostgreSQL server: each sealed session lands exactly once, with
its events, chain hashes and scenario text; duplicates, concurrent PCs, a connection dropped
mid-send and a restart."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine.events import Event
from app.storage import SessionStore
from app.storage.chain import verify_rows
from tests.conftest import ROOT
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

psycopg = pytest.importorskip("psycopg")

from app.central.check import check_session  # noqa: E402  (after the skip: needs psycopg)
from app.central.outbox import (  # noqa: E402
    Outbox,
    central_events,
    central_head,
)

TEXT = b"id: demo\ntitle: Demo call\n# a scenario file's bytes, as played\n"
SHA = hashlib.sha256(TEXT).hexdigest()


def texts(scenario_id: str, sha256: str) -> bytes | None:
    return TEXT if sha256 == SHA else None


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def record(store: SessionStore, trainee: str, n_events: int = 5, *, finish: bool = True) -> str:
    sid = store.start_session(
        trainee=trainee,
        scenario_id="demo",
        scenario_sha256=SHA,
        scenario_title="Demo call",
        mode="assessment",
    )
    store.append_events(
        sid,
        [
            Event(i, i * 1.25, "trainee_said", {"text": f"line {i} é ‘quoted’", "n": i / 3})
            for i in range(n_events)
        ],
    )
    if finish:
        store.finish_session(sid, {"score": 72.5, "passed": True, "criteria": {"b": 1, "a": 2}})
    return sid


def make_store(folder: Path, trainee: str, sessions: int) -> tuple[SessionStore, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder / "callsim.sqlite", clock=Clock())
    return store, [record(store, trainee, 3 + i) for i in range(sessions)]


def counts(db: CentralDb) -> dict[str, int]:
    with db.owner() as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("scenario_texts", "sessions", "events", "received")
        }


def test_sessions_land_with_their_events_hashes_and_text(
    central_db: CentralDb, tmp_path: Path
) -> None:
    store, ids = make_store(tmp_path / "pc", "ann", 3)
    active = record(store, "ann", 2, finish=False)  # a live call is not sent
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts, source="pc1") as box:
        assert box.pending() == ids
        report = box.sync()
    assert report.ok and report.sent == ids and report.no_text == []
    assert counts(central_db) == {"scenario_texts": 1, "sessions": 3, "events": 12, "received": 3}
    with central_db.owner() as conn:
        assert central_head(conn, active) is None
        for sid in ids:
            rec = store.record(sid)
            assert rec is not None
            head = central_head(conn, sid)
            assert head == (rec.event_count, rec.last_hash)
            rows = central_events(conn, sid)
            assert verify_rows(sid, rows, *head).ok  # the chain verifies centrally
            assert check_session(conn, sid) == []  # and so do the header and the seal
            assert [r[5] for r in rows][-1] == rec.last_hash
            theirs = conn.execute(
                "SELECT header_hash, seal_hash, result_json, started_at, ended_at, passed "
                "FROM sessions WHERE id = %s",
                [sid],
            ).fetchone()
            assert theirs == (
                rec.header_hash,
                rec.seal_hash,
                rec.result_json,
                rec.started_at,
                rec.ended_at,
                True,
            )
        (content,) = conn.execute("SELECT content FROM scenario_texts").fetchone()
        assert bytes(content) == TEXT


WRITER = """
import sys
from app.engine.events import Event
from app.storage import SessionStore
store = SessionStore(sys.argv[1])
sid = store.start_session(trainee="bob", scenario_id="demo", scenario_sha256=sys.argv[2],
                          scenario_title="Demo call", mode="practice")
store.append_events(sid, [Event(i, float(i), "trainee_said", {"text": str(i)}) for i in range(4)])
print(sid)
"""


def test_interrupted_sessions_are_sent_too(central_db: CentralDb, tmp_path: Path) -> None:
    path = tmp_path / "callsim.sqlite"
    # A call whose process ended mid-call: the next start marks it interrupted (sealed).
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), SHA],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    sid = done.stdout.strip()
    with SessionStore(path, clock=Clock()) as store:
        with Outbox(store, central_db.pc_dsn, scenario_texts=texts) as box:
            assert box.pending() == []  # still active: not sent
            assert store.mark_interrupted() == [sid]
            report = box.sync()
    assert report.ok and report.sent == [sid]
    with central_db.owner() as conn:
        row = conn.execute("SELECT status, event_count FROM sessions").fetchone()
        assert row == ("interrupted", 4)


def test_a_duplicate_send_inserts_nothing(central_db: CentralDb, tmp_path: Path) -> None:
    store, ids = make_store(tmp_path / "pc", "ann", 2)
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts) as box:
        assert box.sync().sent == ids
        assert box.pending() == []
        assert box.sync().sent == []  # nothing pending: nothing sent
    before = counts(central_db)
    # The outbox's note lost (or a crash after the server committed): sent again, found there.
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts, sent_log=tmp_path / "new") as box:
        assert box.pending() == ids
        report = box.sync()
        assert report.ok and report.sent == [] and report.already == ids
        assert box.pending() == []
    assert counts(central_db) == before


def test_a_different_session_under_the_same_id_is_a_conflict(
    central_db: CentralDb, tmp_path: Path
) -> None:
    store, (sid,) = make_store(tmp_path / "pc", "ann", 1)
    rec = store.record(sid)
    assert rec is not None
    with central_db.pc() as conn:  # a modified client got there first with other content
        conn.execute(
            "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, scenario_title, "
            "mode, started_at, status, event_count, last_hash, header_hash, seal_hash, source) "
            "VALUES (%s, 'mallory', 'demo', %s, 'Demo call', 'assessment', %s, 'finished', "
            "%s, %s, %s, %s, 'elsewhere')",
            [sid, SHA, rec.started_at, rec.event_count, rec.last_hash, rec.header_hash, "x"],
        )
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts) as box:
        report = box.sync()
        assert not report.ok and report.sent == [] and report.already == []
        assert report.problems == [
            f"session {sid}: the central store already holds a different session under this "
            "id (trainee differs); nothing was sent for it"
        ]
        assert box.pending() == [sid]  # not marked: it is still to be resolved
    assert counts(central_db) == {"scenario_texts": 0, "sessions": 1, "events": 0, "received": 0}


def test_ten_concurrent_pcs_each_land_exactly_once(central_db: CentralDb, tmp_path: Path) -> None:
    stores = [make_store(tmp_path / f"pc{i}", f"trainee{i}", 3) for i in range(10)]
    start = threading.Barrier(10)
    reports: dict[int, Any] = {}
    errors: list[BaseException] = []

    def pc(i: int) -> None:
        try:
            with Outbox(
                stores[i][0], central_db.pc_dsn, scenario_texts=texts, source=f"pc{i}"
            ) as b:
                start.wait()
                reports[i] = b.sync()
                reports[-1 - i] = b.sync()  # a second pass at once: nothing more
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=pc, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i, (_, ids) in enumerate(stores):
        assert reports[i].ok and reports[i].sent == ids
        assert reports[-1 - i].sent == [] and reports[-1 - i].already == []
    assert counts(central_db) == {
        "scenario_texts": 1,
        "sessions": 30,
        "events": 10 * (3 + 4 + 5),
        "received": 30,
    }
    with central_db.owner() as conn:
        by_source = conn.execute(
            "SELECT source, count(*), count(DISTINCT id) FROM sessions GROUP BY source"
        ).fetchall()
        assert sorted(by_source) == sorted((f"pc{i}", 3, 3) for i in range(10))
        for _store, ids in stores:
            for sid in ids:
                assert check_session(conn, sid) == []


@pytest.mark.parametrize("step", ["text", "session", "events", "received"])
def test_a_connection_dropped_mid_send_leaves_nothing_and_the_next_run_sends_it(
    central_db: CentralDb, tmp_path: Path, step: str
) -> None:
    store, ids = make_store(tmp_path / "pc", "ann", 3)
    killed: list[int] = []

    def drop(name: str, conn: Any) -> None:
        # The second session's send loses its connection after `step`: the server ends it.
        if name == step and len(killed) == 0 and box.sent_count() == 1:
            with central_db.server.superuser() as other:
                pid = conn.info.backend_pid
                other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            killed.append(pid)

    box = CountingOutbox(store, central_db.pc_dsn, scenario_texts=texts, on_step=drop)
    report = box.sync()
    box.close()
    assert killed, "the seam never ran"
    assert report.sent == ids[:1] and report.left == 2
    assert report.error is not None and "was lost" in report.error
    assert f"nothing of session {ids[1]} was kept" in report.error
    assert counts(central_db) == {"scenario_texts": 1, "sessions": 1, "events": 3, "received": 1}

    # A restart: a new outbox on the same store picks up what was not sent.
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts) as again:
        assert again.pending() == ids[1:]
        report = again.sync()
        assert report.ok and report.sent == ids[1:]
    assert counts(central_db) == {"scenario_texts": 1, "sessions": 3, "events": 12, "received": 3}


class CountingOutbox(Outbox):
    """An outbox that counts the sessions it has sent in this run (for the seam above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent = 0

    def sent_count(self) -> int:
        return self._sent

    def send(self, conn: Any, payload: Any) -> str:
        outcome = super().send(conn, payload)
        self._sent += 1
        return outcome


def test_the_server_unreachable_is_one_plain_error(tmp_path: Path) -> None:
    from app.central.errors import CentralUnreachableError

    store, _ = make_store(tmp_path / "pc", "ann", 1)
    dsn = f"host={tmp_path} port=1 dbname=callsim user=callsim_pc"  # no server there
    with Outbox(store, dsn) as box:
        with pytest.raises(CentralUnreachableError, match=r"cannot reach the central store .*:1"):
            box.sync()
        assert len(box.pending()) == 1


def test_a_forged_central_copy_does_not_verify(central_db: CentralDb, tmp_path: Path) -> None:
    store, (sid,) = make_store(tmp_path / "pc", "ann", 1)
    rec = store.record(sid)
    assert rec is not None
    from app.central.outbox import read_payload

    payload = read_payload(store, sid, texts)
    forged = list(payload.session)
    forged[1] = "mallory"  # the trainee, with every hash copied from the genuine session
    events = [(*e[:4], e[4].replace("line 0", "line X"), *e[5:]) for e in payload.events]
    with central_db.pc() as conn:  # a modified client sends it in place of the real one
        conn.execute(
            "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, scenario_title, "
            "mode, started_at, callsim_version, status, ended_at, result_json, score, passed, "
            "event_count, last_hash, header_hash, seal_hash, source) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'x')",
            forged,
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO events (session_id, seq, t, kind, data_json, prev_hash, hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                events,
            )
        assert check_session(conn, sid) == [
            "header: its fields do not match its header hash",
            "events: hash at event 0",
        ]
    with Outbox(store, central_db.pc_dsn, scenario_texts=texts) as box:
        report = box.sync()  # the genuine copy is refused as a conflict, never merged
    assert report.problems and "(trainee differs)" in report.problems[0]


def test_three_pcs_in_parallel_one_loses_its_connection_and_recovers(
    central_db: CentralDb, tmp_path: Path
) -> None:
    stores = [make_store(tmp_path / f"pc{i}", f"trainee{i}", 4) for i in range(3)]
    start = threading.Barrier(3)
    reports: dict[int, Any] = {}
    errors: list[BaseException] = []
    dropped: list[int] = []

    def drop(name: str, conn: Any) -> None:  # pc1's third session: dropped after its events
        if name == "events" and not dropped and boxes[1].sent_count() == 2:
            dropped.append(conn.info.backend_pid)
            with central_db.server.superuser() as other:
                other.execute("SELECT pg_terminate_backend(%s, 5000)", [dropped[0]])

    boxes = [
        CountingOutbox(
            store, central_db.pc_dsn, scenario_texts=texts, on_step=drop if i == 1 else None
        )
        for i, (store, _) in enumerate(stores)
    ]

    def pc(i: int) -> None:
        try:
            start.wait()
            reports[i] = boxes[i].sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pc, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and dropped
    assert reports[0].sent == stores[0][1] and reports[2].sent == stores[2][1]
    assert reports[1].sent == stores[1][1][:2] and reports[1].left == 2
    assert boxes[1].pending() == stores[1][1][2:]
    again = boxes[1].sync()  # the connection is back
    assert again.ok and again.sent == stores[1][1][2:]
    for box in boxes:
        box.close()
    with central_db.owner() as conn:
        listed = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id").fetchall()]
        assert listed == sorted(sid for _, ids in stores for sid in ids)  # each exactly once
        assert all(check_session(conn, sid) == [] for sid in listed)
        (received,) = conn.execute("SELECT count(*) FROM received").fetchone()
        assert received == 12
