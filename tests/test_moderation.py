"""Blind double-marking (app/assessor/moderation.py): Cohen's kappa against hand-computed
tables, what the second assessor may see, the refusals, the append-only tables and the audit
chain that covers them."""

from __future__ import annotations

import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest

from app.assessor.marks import MarkError, Marking, SessionLockedError
from app.assessor.moderation import Moderation, ModerationError, cohen_kappa, report_rows
from app.storage import SessionStore
from tests.assessor_kit import SHORT, record, ticking_clock

# -- Cohen's kappa -----------------------------------------------------------------------


def _table(yy: int, yn: int, ny: int, nn: int) -> list[tuple[str, str]]:
    return [("y", "y")] * yy + [("y", "n")] * yn + [("n", "y")] * ny + [("n", "n")] * nn


def test_kappa_of_the_classic_two_by_two_table() -> None:
    # 50 items: 20 both yes, 5 yes/no, 10 no/yes, 15 both no. p_o = 35/50 = 0.7;
    # first says yes 25/50, second 30/50: p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4
    k = cohen_kappa(_table(20, 5, 10, 15))
    assert (k.n, k.agreed) == (50, 35)
    assert k.observed == Fraction(7, 10) and k.expected == Fraction(1, 2)
    assert k.kappa == Fraction(2, 5) and k.kappa_words() == "0.400"
    assert k.percent == pytest.approx(70.0)


def test_kappa_of_a_second_hand_computed_table() -> None:
    # 100 items: 45 yes/yes, 15 yes/no, 25 no/yes, 15 no/no. p_o = 0.6; first yes 0.6,
    # second yes 0.7: p_e = 0.42 + 0.12 = 0.54; kappa = 0.06/0.46 = 3/23
    assert cohen_kappa(_table(45, 15, 25, 15)).kappa == Fraction(3, 23)


def test_kappa_of_perfect_and_of_chance_agreement() -> None:
    assert cohen_kappa(_table(3, 0, 0, 2)).kappa == 1
    assert cohen_kappa(_table(1, 1, 1, 1)).kappa == 0
    assert cohen_kappa([("a", "b"), ("b", "a")]).kappa == -1


def test_kappa_is_undefined_for_one_category_and_for_nothing() -> None:
    one = cohen_kappa([("met", "met")] * 4)
    assert one.kappa is None and one.percent == 100.0 and "only 'met'" in one.why_undefined
    assert one.kappa_words() == "undefined"
    none = cohen_kappa([])
    assert none.kappa is None and none.percent is None and none.n == 0
    # one category each, but different ones: defined (p_e = 0)
    assert cohen_kappa([("met", "missed")] * 3).kappa == 0


# -- the workflow ----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore(tmp_path / "callsim.db")
    yield s  # type: ignore[misc]
    s.close()


@pytest.fixture
def sid(store: SessionStore, tmp_path: Path) -> str:
    found = record(store, tmp_path)
    m = Marking(store, clock=ticking_clock())
    m.mark(found, "caller_details", "overrule", status="met", reason="asked early", assessor="A")
    m.mark(found, "professional_tone", "score", status="met", assessor="A")
    m.comment(found, 3.0, "first's comment", assessor="A")
    m.set_verdict(found, "pass", reason="", assessor="A")
    return found


def _mod(store: SessionStore) -> Moderation:
    return Moderation(store, clock=ticking_clock())


def test_the_second_assessor_marks_blind_then_both_are_shown(store: SessionStore, sid: str) -> None:
    mod = _mod(store)
    q = mod.request_second(sid, second_assessor="B", requested_by="Lead", note="routine")
    assert mod.hides_first(sid, "B") and not mod.hides_first(sid, "A")
    blind = mod.view(sid, "B")
    assert blind.blind and blind.first == {} and blind.comments == [] and blind.verdict is None
    assert blind.automatic["caller_details"] == "missed"  # the automatic result is shown
    assert mod.agreement(sid) is None
    mod.second_mark(sid, "professional_tone", "missed", reason="curt", assessor="B")
    mod.second_mark(sid, "caller_details", "met", reason="asked", assessor="B")
    mod.second_mark(sid, "location", "missed", reason="never confirmed", assessor="B")
    assert set(mod.view(sid, "B").second) == {"professional_tone", "caller_details", "location"}
    assert mod.view(sid, "A").second == {}  # nor does the first see the second before it is in
    mod.submit(sid, assessor="B")
    after = mod.view(sid, "B")
    assert not after.blind and after.first["caller_details"].status == "met"
    assert after.verdict is not None and len(after.second) == 3
    agreement = mod.agreement(sid)
    assert agreement is not None and agreement.request.id == q.id
    rows = {c.criterion_id: c for c in agreement.criteria}
    assert rows["caller_details"].agrees is True  # both met
    assert rows["professional_tone"].agrees is False  # met / missed
    assert rows["location"].agrees is False  # automatic met (first left it) / missed
    assert rows["injuries"].agrees is True  # neither touched it: both the automatic met
    assert [d.criterion.criterion_id for d in mod.disagreements()] == [
        "location",
        "professional_tone",
    ]
    assert Marking(store).verify_audit(sid).ok


def test_a_lead_resolution_becomes_the_standing_mark(store: SessionStore, sid: str) -> None:
    mod = _mod(store)
    mod.request_second(sid, second_assessor="B", requested_by="Lead")
    mod.second_mark(sid, "professional_tone", "missed", reason="curt", assessor="B")
    mod.second_mark(sid, "caller_details", "met", reason="asked", assessor="B")
    mod.submit(sid, assessor="B")
    with pytest.raises(ModerationError, match="cannot resolve their own"):
        mod.resolve(sid, "professional_tone", "missed", reason="mine", assessor="B")
    with pytest.raises(ModerationError, match="do not disagree"):
        mod.resolve(sid, "injuries", "met", reason="x", assessor="Lead")
    with pytest.raises(MarkError, match="reason"):
        mod.resolve(sid, "professional_tone", "missed", reason=" ", assessor="Lead")
    r = mod.resolve(sid, "professional_tone", "missed", reason="heard it", assessor="Lead")
    marking = Marking(store)
    standing = marking.current_marks(sid)["professional_tone"]
    assert standing.id == r.mark_id and standing.status == "missed" and standing.assessor == "Lead"
    assert mod.disagreements() == []
    with pytest.raises(ModerationError, match="already resolved"):
        mod.resolve(sid, "professional_tone", "met", reason="again", assessor="Lead")
    # the agreement still compares the first marking as it was asked about
    agreement = mod.agreement(sid)
    assert agreement is not None
    tone = next(c for c in agreement.criteria if c.criterion_id == "professional_tone")
    assert (tone.first, tone.second, tone.resolution) == ("met", "missed", r)
    assert marking.verify_audit(sid).ok
    actions = [e.action for e in marking.audit(sid)]
    assert actions[-6:] == [
        "moderation_request",
        "second_mark",
        "second_mark",
        "second_submit",
        "mark",
        "moderation_resolve",
    ]


def test_refusals(store: SessionStore, sid: str, tmp_path: Path) -> None:
    mod = _mod(store)
    with pytest.raises(ModerationError, match="already marked"):
        mod.request_second(sid, second_assessor="A", requested_by="Lead")
    unmarked = record(store, tmp_path, SHORT, trainee="Bo")
    with pytest.raises(ModerationError, match="no marks yet"):
        mod.request_second(unmarked, second_assessor="B", requested_by="Lead")
    with pytest.raises(ModerationError, match="no second marking to do"):
        mod.second_mark(sid, "injuries", "met", assessor="B")
    mod.request_second(sid, second_assessor="B", requested_by="Lead")
    with pytest.raises(ModerationError, match="already asked"):
        mod.request_second(sid, second_assessor="C", requested_by="Lead")
    with pytest.raises(ModerationError, match="one of"):
        mod.second_mark(sid, "injuries", "check", assessor="B")
    with pytest.raises(MarkError, match="reason is required"):
        mod.second_mark(sid, "injuries", "missed", assessor="B")
    with pytest.raises(ModerationError, match="before submitting.*professional_tone"):
        mod.submit(sid, assessor="B")
    mod.second_mark(sid, "professional_tone", "met", assessor="B")
    mod.submit(sid, assessor="B")
    with pytest.raises(ModerationError, match="already submitted"):
        mod.submit(sid, assessor="B")
    with pytest.raises(ModerationError, match="no second marking to do"):
        mod.second_mark(sid, "injuries", "met", assessor="B")


def test_a_signed_off_session_refuses_a_request_until_reopened(
    store: SessionStore, sid: str
) -> None:
    marking, mod = Marking(store), _mod(store)
    marking.sign_off(sid, assessor="A")
    with pytest.raises(SessionLockedError, match="locked"):
        mod.request_second(sid, second_assessor="B", requested_by="Lead")
    assert mod.requests(sid) == []
    marking.reopen(sid, reason="moderation", assessor="Lead")
    mod.request_second(sid, second_assessor="B", requested_by="Lead")
    marking.sign_off(sid, assessor="Lead")
    with pytest.raises(SessionLockedError):
        mod.second_mark(sid, "injuries", "met", assessor="B")


def test_the_centre_report_per_criterion_and_overall(store: SessionStore, tmp_path: Path) -> None:
    mod, marking = _mod(store), Marking(store, clock=ticking_clock())
    sessions = [record(store, tmp_path, trainee=f"T{n}") for n in range(4)]
    # professional_tone: first met/met/missed/missed, second met/missed/missed/missed
    firsts, seconds = ["met", "met", "missed", "missed"], ["met", "missed", "missed", "missed"]
    for s, f, g in zip(sessions, firsts, seconds, strict=True):
        marking.mark(s, "professional_tone", "score", status=f, assessor="A")
        mod.request_second(s, second_assessor="B", requested_by="Lead")
        mod.second_mark(s, "professional_tone", g, reason="heard", assessor="B")
        mod.submit(s, assessor="B")
    rows = {r.criterion_id: r for r in mod.report()}
    tone = rows["professional_tone"].kappa
    # p_o = 3/4; first met 1/2, second met 1/4: p_e = 1/2*1/4 + 1/2*3/4 = 1/2; kappa = 1/2
    assert (tone.n, tone.agreed, tone.kappa) == (4, 3, Fraction(1, 2))
    injuries = rows["injuries"].kappa  # both left the automatic "met" every time
    assert injuries.n == 4 and injuries.percent == 100.0 and injuries.kappa is None
    overall = mod.report()[-1]
    assert overall.criterion_id == "" and overall.kappa.n == 4 * 23
    assert report_rows([])[-1].kappa.n == 0
    later = mod.agreements(since="2999-01-01T00:00:00+00:00")
    assert later == [] and mod.report(since="2999-01-01T00:00:00+00:00")[-1].kappa.n == 0


# -- the tables ----------------------------------------------------------------------------


def test_the_tables_are_append_only_and_check_who_writes(
    store: SessionStore, sid: str, tmp_path: Path
) -> None:
    mod = _mod(store)
    mod.request_second(sid, second_assessor="B", requested_by="Lead")
    mod.second_mark(sid, "professional_tone", "met", assessor="B")
    mod.submit(sid, assessor="B")
    conn = sqlite3.connect(store.path)
    try:
        for sql in (
            "UPDATE moderation_requests SET second_assessor = 'A'",
            "DELETE FROM moderation_requests",
            "UPDATE second_marks SET status = 'missed'",
            "DELETE FROM second_marks",
            "UPDATE second_submissions SET assessor = 'X'",
            "DELETE FROM second_submissions",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"), conn:
                conn.execute(sql)
        at = "2026-01-01T00:00:00+00:00"
        with pytest.raises(sqlite3.IntegrityError, match="submitted"), conn:
            conn.execute(
                "INSERT INTO second_marks (request_id, session_id, criterion_id, status, reason, "
                "assessor, at) VALUES (1, ?, 'injuries', 'missed', 'late', 'B', ?)",
                [sid, at],
            )
        with pytest.raises(sqlite3.IntegrityError, match="second assessor"), conn:
            conn.execute(
                "INSERT INTO second_submissions (request_id, session_id, assessor, at) "
                "VALUES (1, ?, 'Mallory', ?)",
                [sid, at],
            )
    finally:
        conn.close()


def test_a_signed_off_session_refuses_moderation_rows_in_the_database(
    store: SessionStore, sid: str
) -> None:
    Marking(store).sign_off(sid, assessor="A")
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="signed off"), conn:
            conn.execute(
                "INSERT INTO moderation_requests (session_id, second_assessor, requested_by, "
                "note, first_upto, at) VALUES (?, 'B', 'Lead', '', 1, 'now')",
                [sid],
            )
    finally:
        conn.close()


def test_with_accounts_only_a_lead_asks_for_a_second_marking(store: SessionStore, sid: str) -> None:
    from app.assessor.accounts import Accounts
    from app.assessor.auth import AssessorAuth

    AssessorAuth(store).set_passphrase("the old shared passphrase")
    accounts = Accounts(store, clock=ticking_clock())
    lead = accounts.create_first_lead(
        "Lena Lead", "lead passphrase 1", legacy_passphrase="the old shared passphrase"
    )
    accounts.create("Bea", "bea passphrase 1", role="assessor", by=lead)
    accounts.create("Cal", "cal passphrase 1", role="assessor", by=lead)
    mod = _mod(store)
    with pytest.raises(ModerationError, match="Bea may not ask"):
        mod.request_second(sid, second_assessor="Cal", requested_by="Bea")
    assert mod.request_second(sid, second_assessor="Cal", requested_by="Lena Lead") is not None


def test_the_reports_audit_table_says_what_each_moderation_action_did(
    store: SessionStore, sid: str
) -> None:
    from app.assessor.report import report_html

    mod = _mod(store)
    mod.request_second(sid, second_assessor="B", requested_by="Lead")
    mod.second_mark(sid, "location", "missed", reason="never confirmed", assessor="B")
    mod.second_mark(sid, "professional_tone", "met", assessor="B")
    mod.submit(sid, assessor="B")
    html = report_html(store, sid, marking=Marking(store))
    assert "blind second marking asked of B" in html
    assert "second mark: location missed" in html and "never confirmed" in html
    assert "second marking submitted" in html
