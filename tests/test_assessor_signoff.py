"""Comments withdrawn by an appended retraction, and sign-off that locks a session (issue #12,
"Assessor workflow"): refusals, history kept, everything in the audit chain, and the database
refusing writes to a locked session whoever makes them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.assessor import marks as marks_module
from app.assessor.marks import MarkError, Marking, SessionLockedError, may_reopen
from app.storage import SessionStore, UnknownSessionError
from tests.assessor_kit import SHORT, record, tamper, ticking_clock

A = "Sgt Jones"
B = "Insp Patel"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


@pytest.fixture
def marking(store: SessionStore) -> Marking:
    return Marking(store, clock=ticking_clock())


@pytest.fixture
def sid(store: SessionStore, tmp_path: Path) -> str:
    return record(store, tmp_path)


# -- retraction -----------------------------------------------------------------------------
def test_a_retracted_comment_stays_in_the_history_and_leaves_the_current_view(
    marking: Marking, sid: str
) -> None:
    kept = marking.comment(sid, 3.0, "good opening", assessor=A)
    gone = marking.comment(sid, 9.0, "missed the weapons question", assessor=A)
    r = marking.retract_comment(sid, gone.id, reason="it was asked at 0:40", assessor=B)
    assert [c.id for c in marking.comments(sid)] == [kept.id, gone.id]
    assert [c.id for c in marking.current_comments(sid)] == [kept.id]
    assert marking.retractions(sid) == {gone.id: r}
    assert (r.comment_id, r.reason, r.assessor) == (gone.id, "it was asked at 0:40", B)
    last = marking.audit(sid)[-1]
    assert last.action == "retract" and last.assessor == B
    assert last.detail == {"retraction_id": r.id, "comment_id": gone.id, "reason": r.reason}
    assert marking.verify_audit(sid).ok


def test_retraction_refusals(
    marking: Marking, store: SessionStore, sid: str, tmp_path: Path
) -> None:
    other = record(store, tmp_path, SHORT, trainee="Bo")
    c = marking.comment(sid, 1.0, "x", assessor=A)
    theirs = marking.comment(other, 1.0, "y", assessor=A)
    with pytest.raises(MarkError, match="reason for withdrawing the comment is required"):
        marking.retract_comment(sid, c.id, reason="  ", assessor=A)
    with pytest.raises(MarkError, match=f"comment {theirs.id} belongs to another session"):
        marking.retract_comment(sid, theirs.id, reason="wrong one", assessor=A)
    with pytest.raises(MarkError, match="there is no comment 999"):
        marking.retract_comment(sid, 999, reason="?", assessor=A)
    with pytest.raises(UnknownSessionError):
        marking.retract_comment("nope", c.id, reason="?", assessor=A)
    marking.retract_comment(sid, c.id, reason="typo", assessor=A)
    with pytest.raises(MarkError, match=f"comment {c.id} was already withdrawn by {A} at 20"):
        marking.retract_comment(sid, c.id, reason="again", assessor=B)
    assert [e.action for e in marking.audit(sid)] == ["comment", "retract"]
    assert marking.verify_audit(sid).ok


def test_the_database_refuses_a_second_retraction_or_one_across_sessions(
    marking: Marking, store: SessionStore, sid: str, tmp_path: Path
) -> None:
    other = record(store, tmp_path, SHORT, trainee="Bo")
    c = marking.comment(sid, 1.0, "x", assessor=A)
    marking.retract_comment(sid, c.id, reason="typo", assessor=A)
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        insert = (
            "INSERT INTO retractions (session_id, comment_id, reason, assessor, at) "
            "VALUES (?, ?, 'r', 'x', 't')"
        )
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(insert, [sid, c.id])
        with pytest.raises(sqlite3.IntegrityError, match="not one of this session"):
            conn.execute(insert, [other, c.id])
    finally:
        conn.close()


# -- sign-off and reopening ------------------------------------------------------------------
def test_a_signed_off_session_refuses_every_change_naming_who_and_when(
    marking: Marking, sid: str
) -> None:
    c = marking.comment(sid, 1.0, "x", assessor=A)
    marking.set_verdict(sid, "refer", reason="borderline", assessor=A)
    signed = marking.sign_off(sid, assessor=B, note="moderated")
    assert marking.signed_off(sid) == signed
    words = f"signed off by {B} at {signed.at[:10]} {signed.at[11:16]} UTC"
    attempts = [
        lambda: marking.mark(sid, "location", "agree", assessor=A),
        lambda: marking.comment(sid, 2.0, "late thought", assessor=A),
        lambda: marking.retract_comment(sid, c.id, reason="r", assessor=A),
        lambda: marking.set_verdict(sid, "fail", reason="changed my mind", assessor=A),
        lambda: marking.sign_off(sid, assessor=A),
    ]
    before = len(marking.audit(sid))
    for attempt in attempts:
        with pytest.raises(SessionLockedError, match=words):
            attempt()
    assert len(marking.audit(sid)) == before  # nothing was written
    assert [e.action for e in marking.audit(sid)] == ["comment", "verdict", "sign_off"]


def test_reopening_needs_a_reason_and_unlocks(marking: Marking, sid: str) -> None:
    with pytest.raises(MarkError, match="is not signed off: nothing to reopen"):
        marking.reopen(sid, reason="why not", assessor=B)
    marking.sign_off(sid, assessor=A)
    with pytest.raises(MarkError, match="the reason for reopening is required"):
        marking.reopen(sid, reason="", assessor=B)
    opened = marking.reopen(sid, reason="appeal upheld", assessor=B)
    assert marking.signed_off(sid) is None
    marking.comment(sid, 2.0, "after the appeal", assessor=B)
    again = marking.sign_off(sid, assessor=B)
    assert [s.action for s in marking.signoffs(sid)] == ["sign_off", "reopen", "sign_off"]
    assert marking.signed_off(sid) == again
    assert (opened.note, opened.assessor) == ("appeal upheld", B)
    entries = marking.audit(sid)
    assert [e.action for e in entries] == ["sign_off", "reopen", "comment", "sign_off"]
    assert entries[1].detail == {"signoff_id": opened.id, "reason": "appeal upheld"}
    assert marking.verify_audit(sid).ok


def test_reopening_asks_may_reopen(
    marking: Marking, sid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert may_reopen(sid, "anyone") is True  # today: anyone with the passphrase
    marking.sign_off(sid, assessor=A)
    monkeypatch.setattr(marks_module, "may_reopen", lambda session_id, assessor, store=None: False)
    with pytest.raises(MarkError, match=f"{B} may not reopen"):
        marking.reopen(sid, reason="r", assessor=B)
    assert marking.signed_off(sid) is not None


@pytest.mark.parametrize(
    "insert",
    [
        "INSERT INTO marks (session_id, criterion_id, decision, status, reason, assessor, at) "
        "VALUES (?, 'location', 'agree', NULL, '', 'x', 't')",
        "INSERT INTO comments (session_id, t, seq, text, assessor, at) "
        "VALUES (?, 1.0, NULL, 'sneaked in', 'x', 't')",
        "INSERT INTO verdicts (session_id, verdict, reason, assessor, at) "
        "VALUES (?, 'pass', 'r', 'x', 't')",
        "INSERT INTO retractions (session_id, comment_id, reason, assessor, at) "
        "VALUES (?, (SELECT min(id) FROM comments), 'r', 'x', 't')",
        "INSERT INTO signoffs (session_id, action, note, assessor, at) "
        "VALUES (?, 'sign_off', '', 'x', 't')",
    ],
)
def test_the_database_refuses_inserts_into_a_locked_session(
    marking: Marking, sid: str, tmp_path: Path, insert: str
) -> None:
    """A modified client writing straight to the file is refused by the triggers."""
    marking.comment(sid, 1.0, "x", assessor=A)
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        conn.execute(insert, [sid])  # accepted while the session is open ...
        conn.rollback()  # ... and not kept
    finally:
        conn.close()
    marking.sign_off(sid, assessor=A)
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="signed off|only an open session"):
            conn.execute(insert, [sid])
    finally:
        conn.close()


def test_the_database_refuses_a_reopening_of_an_open_session(sid: str, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="only a signed-off one reopened"):
            conn.execute(
                "INSERT INTO signoffs (session_id, action, note, assessor, at) "
                "VALUES (?, 'reopen', 'r', 'x', 't')",
                [sid],
            )
    finally:
        conn.close()


@pytest.mark.parametrize("table", ["retractions", "signoffs"])
@pytest.mark.parametrize("op", ["UPDATE {t} SET assessor = 'x'", "DELETE FROM {t}"])
def test_retractions_and_signoffs_are_append_only(
    marking: Marking, sid: str, tmp_path: Path, table: str, op: str
) -> None:
    c = marking.comment(sid, 1.0, "x", assessor=A)
    marking.retract_comment(sid, c.id, reason="r", assessor=A)
    marking.sign_off(sid, assessor=A)
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(op.format(t=table))
    finally:
        conn.close()
    assert marking.verify_audit(sid).ok


def test_a_sign_off_removed_behind_the_apps_back_is_named(
    marking: Marking, sid: str, tmp_path: Path
) -> None:
    marking.set_verdict(sid, "refer", reason="r", assessor=A)
    marking.sign_off(sid, assessor=A)
    tamper(tmp_path / "callsim.db", "DELETE FROM signoffs", [], "signoffs_no_delete")
    assert marking.signed_off(sid) is None  # unlocked ...
    check, problem = marking.audit_check(sid)
    assert problem is not None  # ... but the audit trail shows it
    assert (problem.reason, problem.seq, problem.action) == ("no row", 1, "sign_off")
    assert not marking.verify_audit(sid).ok


def test_an_edited_retraction_no_longer_matches_its_entry(
    marking: Marking, sid: str, tmp_path: Path
) -> None:
    c = marking.comment(sid, 1.0, "x", assessor=A)
    marking.retract_comment(sid, c.id, reason="typo", assessor=A)
    tamper(
        tmp_path / "callsim.db",
        "UPDATE retractions SET assessor = 'Someone Else'",
        [],
        "retractions_no_update",
    )
    check = marking.verify_audit(sid)
    assert (check.ok, check.seq, check.reason) == (False, 1, "mismatch")


def test_a_version_5_database_gains_retractions_and_sign_offs(tmp_path: Path) -> None:
    """Migration 6 on a database the previous release left, marked and read read-only too."""
    from sqlite_utils import Database

    from app.storage.schema import MIGRATIONS, migrate

    path = tmp_path / "callsim.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(Database(conn), path, MIGRATIONS[:5])
    conn.close()
    with SessionStore(path, readonly=True) as old:  # upgraded in memory only
        assert old.upgraded_in_memory == 5
        assert Marking(old).signed_off("none") is None
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone() == (5,)
    c.close()
    with SessionStore(path, clock=ticking_clock()) as store:
        marking = Marking(store, clock=ticking_clock())
        sid = record(store, tmp_path)
        marking.sign_off(sid, assessor=A)
        with pytest.raises(SessionLockedError):
            marking.comment(sid, 1.0, "x", assessor=A)
        assert marking.verify_audit(sid).ok
