"""The assessors' marks, comments, verdicts and sign-offs reach the central store as their
audit entries (central schema 2), against the real server the tests start: sent once each,
append-only (the PC role may not change or remove one, duplicates and unlinked entries are
refused, the head on the session only moves on to the last entry held), the chain verifying
on both sides, and the library's review states read from them. Also `verify --central`'s
rebuild and re-score with the scenario text held centrally."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import record, ticking_clock
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

psycopg = pytest.importorskip("psycopg")

from app.central.outbox import Outbox  # noqa: E402


@pytest.fixture
def pc(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "pc" / "callsim.sqlite", clock=ticking_clock())


def _mark_some(store: SessionStore, sid: str) -> Marking:
    marking = Marking(store, clock=ticking_clock())
    result = store.result(sid)
    assert result is not None
    cid = next(iter(result["criteria"]))
    marking.mark(sid, cid, "agree", assessor="Sgt <b>Lee</b>")
    marking.comment(sid, 3.0, "=cmd() good opening", assessor="Sgt Lee")
    return marking


def _central_audit(db: CentralDb, sid: str) -> list[tuple[Any, ...]]:
    with db.owner() as conn:
        rows = conn.execute(
            "SELECT seq, action, detail_json, assessor, at, prev_hash, hash FROM audit "
            "WHERE session_id = %s ORDER BY seq",
            [sid],
        ).fetchall()
        return [tuple(r) for r in rows]


def _local_audit(store: SessionStore, sid: str) -> list[tuple[Any, ...]]:
    from app.storage.audit_repo import AuditRepo

    return [
        (r.seq, r.action, r.detail_json, r.assessor, r.at, r.prev_hash, r.hash)
        for r in AuditRepo(store).rows(sid)
    ]


def test_audit_entries_are_sent_once_and_verify_centrally(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = record(pc, tmp_path, trainee="Ana"), record(pc, tmp_path, trainee="Bo")
    marking = _mark_some(pc, a)
    with Outbox(pc, central_db.pc_dsn, source="pc1") as box:
        first = box.sync()
        assert first.ok and first.sent == [a, b] and first.audit == 2
        assert box.sync().audit == 0  # nothing twice
        marking.set_verdict(a, "pass", reason="sound", assessor="Sgt Lee")
        marking.sign_off(a, assessor="Insp Kay")
        assert box.sync().audit == 2  # only the new ones
    assert _central_audit(central_db, a) == _local_audit(pc, a) and len(_local_audit(pc, a)) == 4
    assert _central_audit(central_db, b) == []
    rec = pc.record(a)
    assert rec is not None
    with central_db.owner() as conn:
        head = conn.execute("SELECT audit_count, audit_hash FROM sessions WHERE id = %s", [a])
        assert head.fetchone() == (rec.audit_count, rec.audit_hash) == (4, rec.audit_hash)
    url = ["--central", "--url", central_db.pc_dsn]
    assert main(["verify", a, *url]) == 0
    out = capsys.readouterr().out
    assert "  ok       audit trail: 4 entries (hashes, links and head)" in out
    assert main(["sessions", "list", "--json", *url]) == 0
    listed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (listed[a]["review"], listed[a]["verdict"], listed[a]["signed_off"]) == (
        "reviewed",
        "pass",
        True,
    )
    assert (listed[b]["review"], listed[b]["verdict"], listed[b]["signed_off"]) == (
        "unreviewed",
        None,
        False,
    )
    assert main(["sessions", "list", "--json", "--review", "reviewed", *url]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [a]
    out_csv = tmp_path / "all.csv"
    assert main(["export", "--csv", str(out_csv), *url]) == 0
    rows = {r["session_id"]: r for r in csv.DictReader(out_csv.open(encoding="utf-8"))}
    assert (rows[a]["verdict"], rows[a]["verdict_reason"], rows[a]["verdict_by"]) == (
        "pass",
        "sound",
        "Sgt Lee",
    )
    assert (rows[a]["signed_off"], rows[a]["signed_off_by"]) == ("yes", "Insp Kay")
    assert (rows[b]["verdict"], rows[b]["signed_off"]) == ("", "no")


def test_a_session_marked_before_its_first_sync_goes_with_its_entries(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path
) -> None:
    sid = record(pc, tmp_path)
    _mark_some(pc, sid)
    with Outbox(pc, central_db.pc_dsn) as box:
        report = box.sync()
    assert report.sent == [sid] and report.audit == 2
    assert _central_audit(central_db, sid) == _local_audit(pc, sid)


def test_a_dropped_connection_mid_audit_keeps_nothing_and_the_next_sync_sends(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path
) -> None:
    sid = record(pc, tmp_path)
    with Outbox(pc, central_db.pc_dsn) as box:
        assert box.sync().sent == [sid]
    _mark_some(pc, sid)

    def drop(name: str, conn: Any) -> None:
        if name == "audit":
            with central_db.server.superuser() as su:
                su.execute("SELECT pg_terminate_backend(%s, 5000)", [conn.info.backend_pid])

    with Outbox(pc, central_db.pc_dsn, on_step=drop) as box:
        report = box.sync()
    assert report.audit == 0 and "while sending the audit entries" in str(report.error)
    assert _central_audit(central_db, sid) == []
    with central_db.owner() as conn:
        assert conn.execute("SELECT audit_count FROM sessions").fetchone() == (0,)
    with Outbox(pc, central_db.pc_dsn) as box:
        assert box.sync().audit == 2
    assert _central_audit(central_db, sid) == _local_audit(pc, sid)


def test_the_pc_role_cannot_change_remove_duplicate_or_unlink_entries(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path
) -> None:
    sid = record(pc, tmp_path)
    _mark_some(pc, sid)
    with Outbox(pc, central_db.pc_dsn) as box:
        assert box.sync().audit == 2
    first = _central_audit(central_db, sid)[0]
    insert = (
        "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, prev_hash, "
        "hash, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'x')"
    )
    with central_db.pc() as conn:
        for statement in (
            "UPDATE audit SET assessor = 'someone'",
            "DELETE FROM audit",
            "TRUNCATE audit",
            "UPDATE sessions SET trainee = 'bob'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.UniqueViolation):  # a duplicate entry
            conn.execute(insert, [sid, *first])
        unlinked = (2, "comment", "{}", "x", "t", "0" * 64, "1" * 64)
        with pytest.raises(psycopg.errors.RaiseException, match="does not follow"):
            conn.execute(insert, [sid, *unlinked])
        for count, digest in ((1, first[6]), (2, "0" * 64), (3, first[6])):  # back, wrong
            with pytest.raises(psycopg.errors.RaiseException, match="may only move on"):
                conn.execute(
                    "UPDATE sessions SET audit_count = %s, audit_hash = %s WHERE id = %s",
                    [count, digest, sid],
                )
    with central_db.owner() as conn:  # the owner is refused too
        with pytest.raises(psycopg.errors.RaiseException, match="refused: .* append-only"):
            conn.execute("UPDATE sessions SET trainee = 'bob', audit_count = 2")
        with pytest.raises(psycopg.errors.RaiseException, match="refused: .* append-only"):
            conn.execute("DELETE FROM audit")
    assert _central_audit(central_db, sid) == _local_audit(pc, sid)


def test_an_edited_central_entry_is_named_by_verify(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = record(pc, tmp_path)
    _mark_some(pc, sid)
    with Outbox(pc, central_db.pc_dsn) as box:
        assert box.sync().audit == 2
    with central_db.server.superuser(central_db.name) as su:
        su.execute("ALTER TABLE audit DISABLE TRIGGER USER")
        su.execute("UPDATE audit SET assessor = 'Someone Else' WHERE seq = 1")
    assert main(["verify", "--central", "--url", central_db.pc_dsn]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"ALTERED: session {sid[:12]}: audit trail: entry 1: its content does not match its hash"
    )


def test_verify_central_rebuilds_and_rescores_with_the_text_held(
    central_db: CentralDb, pc: SessionStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.central.outbox import folder_texts
    from app.storage.chain import genesis_hash, header_hash, link_hash, seal_hash
    from tests.conftest import SCENARIOS

    sid = record(pc, tmp_path)
    with Outbox(pc, central_db.pc_dsn, scenario_texts=folder_texts([SCENARIOS])) as box:
        assert box.sync().no_text == []
    url = ["--central", "--url", central_db.pc_dsn]
    assert main(["verify", sid, *url]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"verified: session {sid[:12]}: nothing differs (9 checks)\n")
    assert "  ok       rebuild: its " in out and "  ok       re-score: " in out
    # A complete, consistent rewrite of one trainee line, every hash and the seal recomputed
    # (a superuser past the triggers): the chains verify, the re-score does not (the stored
    # result still holds what was said).
    events = pc.events(sid)
    said = next(e for e in events if e.kind == "trainee_said")
    forged = [
        e if e.seq != said.seq else e.__class__(e.seq, e.t, e.kind, {**e.data, "text": "bye"})
        for e in events
    ]
    rec = pc.record(sid)
    assert rec is not None
    prev, rows = genesis_hash(sid), []
    for e in forged:
        digest = link_hash(prev, e)
        rows.append((prev, digest, e.seq))
        prev = digest
    seal = seal_hash(
        header_hash(rec.header()),
        status="finished",
        ended_at=rec.ended_at,
        event_count=len(forged),
        last_hash=prev,
        result_json=rec.result_json,
    )
    from app.storage.chain import data_to_json

    with central_db.server.superuser(central_db.name) as su:
        su.execute("ALTER TABLE events DISABLE TRIGGER USER")
        su.execute("ALTER TABLE sessions DISABLE TRIGGER USER")
        for (p, h, seq), e in zip(rows, forged, strict=True):
            su.execute(
                "UPDATE events SET data_json = %s, prev_hash = %s, hash = %s "
                "WHERE session_id = %s AND seq = %s",
                [data_to_json(e.data), p, h, sid, seq],
            )
        su.execute(
            "UPDATE sessions SET last_hash = %s, seal_hash = %s WHERE id = %s", [prev, seal, sid]
        )
    assert main(["verify", sid, *url]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"ALTERED: session {sid[:12]}: re-score: turns[")
    assert "'bye' when the call is re-scored" in first
