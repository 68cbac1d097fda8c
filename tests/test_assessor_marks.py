"""Marks, comments and verdicts sit beside the automatic result, never over it; every action
is append-only and in a hash-chained audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.assessor.marks import Mark, MarkError, Marking
from app.assessor.reviewed import reviewed_result
from app.storage import SessionStore, UnknownSessionError
from tests.assessor_kit import SHORT, raw_result, record, tamper, ticking_clock

A = "Sgt Jones"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


@pytest.fixture
def marking(store: SessionStore) -> Marking:
    return Marking(store, clock=ticking_clock())


@pytest.fixture
def sid(store: SessionStore, tmp_path: Path) -> str:
    return record(store, tmp_path)


def test_marking_never_changes_the_automatic_result(
    store: SessionStore, marking: Marking, sid: str, tmp_path: Path
) -> None:
    before = raw_result(tmp_path / "callsim.db", sid)
    events_before = [e.canonical() for e in store.events(sid)]
    marking.mark(
        sid, "caller_safety", "overrule", status="missed", reason="asked too late", assessor=A
    )
    marking.mark(sid, "location", "agree", assessor=A)
    marking.mark(sid, "professional_tone", "score", status="met", assessor=A)
    marking.comment(sid, 12.5, "good opening", assessor=A)
    marking.set_verdict(sid, "refer", reason="second opinion", assessor=A)
    assert raw_result(tmp_path / "callsim.db", sid) == before
    assert [e.canonical() for e in store.events(sid)] == events_before
    assert store.verify(sid).ok


def test_overrule_needs_a_reason(marking: Marking, sid: str) -> None:
    for reason in ("", "   \n"):
        with pytest.raises(MarkError, match="reason"):
            marking.mark(sid, "location", "overrule", status="missed", reason=reason, assessor=A)
    assert marking.marks(sid) == []
    assert marking.audit(sid) == []


def test_the_database_refuses_an_overrule_without_reason_too(store: SessionStore, sid: str) -> None:
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
        db.execute(
            "INSERT INTO marks (session_id, criterion_id, decision, status, reason, assessor, at)"
            " VALUES (?, 'location', 'overrule', 'missed', ' ', 'x', 'now')",
            [sid],
        )


@pytest.mark.parametrize(
    ("criterion", "decision", "status", "message"),
    [
        ("no_such_criterion", "agree", None, "no criterion"),
        ("location", "score", "met", "only manual"),
        ("professional_tone", "agree", None, "score it"),
        ("professional_tone", "overrule", "met", "score it"),
        ("location", "overrule", "met", "already met"),
        ("location", "overrule", "violated", "one of"),
        ("dismissed_allegation", "overrule", "missed", "one of"),
        ("location", "agree", "missed", "overrule"),
        ("professional_tone", "score", None, "one of"),
        ("location", "approve", None, "decision"),
    ],
)
def test_marks_the_rules_do_not_allow_are_refused(
    marking: Marking, sid: str, criterion: str, decision: str, status: str | None, message: str
) -> None:
    with pytest.raises(MarkError, match=message):
        marking.mark(sid, criterion, decision, status=status, reason="because", assessor=A)


def test_a_session_without_a_result_cannot_be_marked(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    unfinished = record(store, tmp_path, finish=False)
    with pytest.raises(MarkError, match="no automatic result"):
        marking.mark(unfinished, "location", "agree", assessor=A)
    with pytest.raises(UnknownSessionError):
        marking.mark("0" * 32, "location", "agree", assessor=A)
    # ...but it can be commented on and given a verdict (with a reason)
    marking.comment(unfinished, 1.0, "the call dropped", assessor=A)
    with pytest.raises(MarkError, match="reason"):
        marking.set_verdict(unfinished, "fail", reason="", assessor=A)
    marking.set_verdict(unfinished, "refer", reason="retake the call", assessor=A)


def test_an_assessor_name_is_required(marking: Marking, sid: str) -> None:
    with pytest.raises(MarkError, match="name"):
        marking.mark(sid, "location", "agree", assessor=" ")


def test_history_is_kept_and_the_latest_mark_is_current(marking: Marking, sid: str) -> None:
    first = marking.mark(sid, "location", "agree", assessor=A)
    second = marking.mark(
        sid, "location", "overrule", status="missed", reason="wrong street", assessor="Insp Lee"
    )
    other = marking.mark(sid, "injuries", "agree", assessor=A)
    assert [m.id for m in marking.marks(sid)] == [first.id, second.id, other.id]
    current = marking.current_marks(sid)
    assert current == {"location": second, "injuries": other}
    assert second.status == "missed" and first.status is None
    assert second.at > first.at  # ISO UTC text sorts as time


def test_comments_are_pinned_and_ordered_by_call_time(
    store: SessionStore, marking: Marking, sid: str
) -> None:
    late = marking.comment(sid, 80.0, "closing", assessor=A, seq=3)
    early = marking.comment(sid, 5.0, "opening", assessor=A)
    assert marking.comments(sid) == [early, late]
    assert late.seq == 3
    count = store.session(sid).event_count  # type: ignore[union-attr]
    for bad_t in (-1.0, float("nan"), float("inf")):
        with pytest.raises(MarkError):
            marking.comment(sid, bad_t, "x", assessor=A)
    with pytest.raises(MarkError, match="no event"):
        marking.comment(sid, 1.0, "x", assessor=A, seq=count)
    with pytest.raises(MarkError, match="required"):
        marking.comment(sid, 1.0, "  ", assessor=A)


def test_verdict_reason_needed_when_it_goes_against_the_result(
    store: SessionStore, marking: Marking, sid: str, tmp_path: Path
) -> None:
    assert store.result(sid)["passed"] is True  # type: ignore[index]
    marking.set_verdict(sid, "pass", reason="", assessor=A)  # agrees: no reason needed
    with pytest.raises(MarkError, match="reason"):
        marking.set_verdict(sid, "fail", reason="", assessor=A)
    with pytest.raises(MarkError, match="reason"):
        marking.set_verdict(sid, "refer", reason="", assessor=A)
    with pytest.raises(MarkError, match="verdict must be"):
        marking.set_verdict(sid, "maybe", reason="x", assessor=A)
    # after a critical overrule the reviewed result fails, so "fail" agrees
    marking.mark(
        sid, "closed_correctly", "overrule", status="missed", reason="no thanks", assessor=A
    )
    verdict = marking.set_verdict(sid, "fail", reason="", assessor=A)
    assert marking.verdict(sid) == verdict
    assert [v.verdict for v in marking.verdicts(sid)] == ["pass", "fail"]


def test_review_state(store: SessionStore, marking: Marking, sid: str, tmp_path: Path) -> None:
    other = record(store, tmp_path, SHORT)
    assert marking.review_state(sid) == "unreviewed"
    marking.comment(sid, 1.0, "hm", assessor=A)
    assert marking.review_state(sid) == "in_review"
    marking.set_verdict(sid, "pass", reason="", assessor=A)
    assert marking.review_state(sid) == "reviewed"
    assert marking.review_state(other) == "unreviewed"


def _mark_everything(marking: Marking, sid: str) -> None:
    marking.mark(sid, "location", "agree", assessor=A)
    marking.mark(sid, "injuries", "overrule", status="missed", reason="asked <late>", assessor=A)
    marking.comment(sid, 3.0, "note", assessor=A)
    marking.set_verdict(sid, "refer", reason="second look", assessor=A)


def test_audit_records_every_action_in_a_verified_chain(marking: Marking, sid: str) -> None:
    _mark_everything(marking, sid)
    audit = marking.audit(sid)
    assert [a.action for a in audit] == ["mark", "mark", "comment", "verdict"]
    assert [a.seq for a in audit] == [0, 1, 2, 3]
    assert audit[1].detail["reason"] == "asked <late>"
    assert audit[1].detail["automatic_status"] == "met"
    assert all(a.assessor == A for a in audit)
    assert len({a.hash for a in audit}) == 4
    check = marking.verify_audit(sid)
    assert check.ok and check.checked == 4


@pytest.mark.parametrize("table", ["marks", "comments", "verdicts", "audit"])
@pytest.mark.parametrize("op", ["UPDATE {t} SET assessor = 'x'", "DELETE FROM {t}"])
def test_assessor_tables_are_append_only(
    marking: Marking, sid: str, tmp_path: Path, table: str, op: str
) -> None:
    _mark_everything(marking, sid)
    conn = sqlite3.connect(tmp_path / "callsim.db")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(op.format(t=table))
    finally:
        conn.close()
    assert marking.verify_audit(sid).ok


def test_an_edited_audit_entry_is_named(marking: Marking, sid: str, tmp_path: Path) -> None:
    _mark_everything(marking, sid)
    tamper(
        tmp_path / "callsim.db",
        "UPDATE audit SET assessor = 'Someone Else' WHERE session_id = ? AND seq = 2",
        [sid],
        "audit_no_update",
    )
    check = marking.verify_audit(sid)
    assert (check.ok, check.seq, check.reason) == (False, 2, "hash")


def test_an_edited_mark_no_longer_matches_its_audit_entry(
    marking: Marking, sid: str, tmp_path: Path
) -> None:
    _mark_everything(marking, sid)
    tamper(
        tmp_path / "callsim.db",
        "UPDATE marks SET reason = 'a kinder reason' WHERE decision = 'overrule'",
        [],
        "marks_no_update",
    )
    check = marking.verify_audit(sid)
    assert (check.ok, check.seq, check.reason) == (False, 1, "mismatch")


def test_a_deleted_audit_entry_is_named(marking: Marking, sid: str, tmp_path: Path) -> None:
    _mark_everything(marking, sid)
    tamper(
        tmp_path / "callsim.db",
        "DELETE FROM audit WHERE session_id = ? AND seq = 1",
        [sid],
        "audit_no_delete",
    )
    check = marking.verify_audit(sid)
    assert (check.ok, check.seq, check.reason) == (False, 1, "missing")


# -- reviewed_result arithmetic --------------------------------------------------------------
def _auto() -> dict[str, Any]:
    def c(status: str, weight: float, critical: bool = False, kind: str = "required") -> Any:
        return {"status": status, "weight": weight, "critical": critical, "kind": kind}

    return {
        "score": 60.0,
        "passed": False,
        "pass_mark": 70,
        "critical_failures": ["flagged"],
        "criteria": {
            "asked": c("met", 30),
            "flagged": c("missed", 40, critical=True),
            "safe": c("missed", 20),
            "rude": c("not_violated", 10, kind="prohibited"),
            "tone": c("manual", 10, kind="manual"),
        },
    }


def _m(criterion: str, decision: str, status: str | None, n: int = 1) -> Mark:
    return Mark(n, "s", criterion, decision, status, "r", A, "2025-01-01T00:00:00+00:00")  # type: ignore[arg-type]


def test_reviewed_result_without_marks_is_the_automatic_one() -> None:
    auto = _auto()
    out = reviewed_result(auto, {})
    assert out["reviewed_score"] == 40.0  # (30 + 10) of 100, manual left out
    assert out["reviewed_passed"] is False
    assert out["reviewed_critical_failures"] == ["flagged"]
    assert out["unscored_manual"] == ["tone"]
    assert "assessor" not in out["criteria"]["asked"]


def test_overruling_a_critical_criterion_can_pass_the_call() -> None:
    auto = _auto()
    marks = {
        "flagged": _m("flagged", "overrule", "met"),
        "asked": _m("asked", "agree", None),
        "tone": _m("tone", "score", "met"),
    }
    out = reviewed_result(auto, marks)
    # earned 30 + 40 + 10 + 10 (tone, now scored) of 110
    assert out["reviewed_score"] == round(100 * 90 / 110, 1) == 81.8
    assert out["reviewed_passed"] is True
    assert out["reviewed_critical_failures"] == []
    assert out["criteria"]["flagged"]["assessor"]["decision"] == "overrule"
    assert out["criteria"]["flagged"]["reviewed_status"] == "met"
    assert out["criteria"]["flagged"]["status"] == "missed"  # the automatic status stays
    assert out["criteria"]["asked"]["reviewed_status"] == "met"
    assert auto == _auto()  # the input is not touched


def test_overruling_to_a_critical_failure_fails_whatever_the_score() -> None:
    auto = _auto()
    auto["criteria"]["flagged"]["status"] = "met"
    auto["criteria"]["safe"]["status"] = "met"
    assert reviewed_result(auto, {})["reviewed_passed"] is True
    out = reviewed_result(
        auto,
        {
            "flagged": _m("flagged", "overrule", "missed"),
            "rude": _m("rude", "overrule", "violated"),
        },
    )
    assert out["reviewed_score"] == 50.0
    assert out["reviewed_critical_failures"] == ["flagged"]
    assert out["reviewed_passed"] is False


@pytest.mark.parametrize(
    ("cid", "kind", "auto_status", "overruled_to"),
    [("flagged", "required", "met", "missed"), ("rude", "prohibited", "not_violated", "violated")],
)
def test_overruling_to_a_critical_failure_fails_even_above_the_pass_mark(
    cid: str, kind: str, auto_status: str, overruled_to: str
) -> None:
    # The critical criterion weighs little, so losing it leaves the score well above the mark:
    # only the critical rule can fail this call.
    entry = {"status": auto_status, "weight": 5, "critical": True, "kind": kind}
    other = {"status": "met", "weight": 95, "critical": False, "kind": "required"}
    auto = {
        "score": 100.0,
        "passed": True,
        "pass_mark": 70,
        "critical_failures": [],
        "criteria": {"asked": other, cid: entry},
    }
    assert reviewed_result(auto, {})["reviewed_passed"] is True
    out = reviewed_result(auto, {cid: _m(cid, "overrule", overruled_to)})
    assert out["reviewed_score"] == 95.0
    assert out["reviewed_score"] >= auto["pass_mark"]
    assert out["reviewed_critical_failures"] == [cid]
    assert out["reviewed_passed"] is False


def test_a_critical_overrule_fails_a_real_call_that_stays_above_the_pass_mark(
    store: SessionStore, marking: Marking, sid: str
) -> None:
    auto = store.result(sid)
    assert auto is not None and auto["passed"] is True
    assert auto["criteria"]["closed_correctly"]["critical"] is True
    # Credit a missed question, then take away a critical one: the score stays above the mark.
    marking.mark(sid, "attendance", "overrule", status="met", reason="asked", assessor=A)
    marking.mark(sid, "closed_correctly", "overrule", status="missed", reason="no", assessor=A)
    out = marking.reviewed(sid)
    assert out is not None
    assert out["reviewed_score"] >= auto["pass_mark"]
    assert out["reviewed_critical_failures"] == ["closed_correctly"]
    assert out["reviewed_passed"] is False
    marking.set_verdict(sid, "fail", reason="", assessor=A)  # agrees, so needs no reason


def test_reviewed_score_matches_the_scorer_on_real_results(
    store: SessionStore, sid: str, tmp_path: Path
) -> None:
    for session in (sid, record(store, tmp_path, SHORT)):
        auto = store.result(session)
        assert auto is not None
        out = reviewed_result(auto, {})
        assert out["reviewed_score"] == auto["score"]
        assert out["reviewed_passed"] == auto["passed"]
        assert out["reviewed_critical_failures"] == auto["critical_failures"]
