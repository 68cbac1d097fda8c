"""Withdrawn comments and sign-off in the HTML report (the PDF is made from it) and the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.assessor.export import export_csv
from app.assessor.marks import Marking
from app.assessor.report import report_html
from app.storage import SessionStore
from tests.assessor_kit import SCRIPT, SHORT, record, ticking_clock

A = "Sgt <b>Jones</b>"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


@pytest.fixture
def marking(store: SessionStore) -> Marking:
    return Marking(store, clock=ticking_clock())


def _section(page: str, title: str) -> str:
    start = page.index(f"<h2>{title}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end != -1 else len(page)]


def test_a_withdrawn_comment_is_struck_through_with_who_when_and_why(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path)
    marking.comment(sid, 2.0, "stands", assessor=A)
    gone = marking.comment(sid, 3.0, "wrong <i>call</i>", assessor=A)
    marking.retract_comment(sid, gone.id, reason=f"meant for Bo {SCRIPT}", assessor=A)
    page = report_html(store, sid, marking=marking)
    comments = _section(page, "Assessor comments")
    assert "<s>wrong &lt;i&gt;call&lt;/i&gt;</s>" in comments
    assert "withdrawn by Sgt &lt;b&gt;Jones&lt;/b&gt;, 2025-03-01 09:" in comments
    assert "meant for Bo &lt;script&gt;alert(1)&lt;/script&gt;" in comments
    assert "stands" in comments and "<s>stands</s>" not in comments
    transcript = _section(page, "Transcript")
    assert "stands" in transcript and "wrong" not in transcript  # current state: left out
    audit = _section(page, "Audit trail")
    assert f"comment {gone.id} withdrawn" in audit and "reason: meant for Bo" in audit
    assert "<script" not in page.lower()


def test_the_signature_block_and_the_session_facts_say_who_signed_off(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path)
    page = report_html(store, sid, marking=marking)
    assert "Not signed off in callsim" in _section(page, "Signatures")
    marking.sign_off(sid, assessor=A, note="moderated <ok>")
    page = report_html(store, sid, marking=marking)
    signatures = _section(page, "Signatures")
    assert "Signed off in callsim by Sgt &lt;b&gt;Jones&lt;/b&gt;, 2025-03-01 09:" in signatures
    assert "moderated &lt;ok&gt;" in signatures
    assert "signed off by Sgt &lt;b&gt;Jones&lt;/b&gt;" in _section(page, "Session")
    assert "signed off: session locked" in _section(page, "Audit trail")
    marking.reopen(sid, reason="appeal", assessor=A)
    page = report_html(store, sid, marking=marking)
    assert "Not signed off in callsim" in _section(page, "Signatures")
    assert "reopened<br>reason: appeal" in _section(page, "Audit trail")


def test_the_csv_says_which_sessions_are_signed_off(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    ana = record(store, tmp_path)
    bo = record(store, tmp_path, SHORT, trainee="Bo")
    signed = marking.sign_off(ana, assessor="Insp Lead")
    out = tmp_path / "results.csv"
    assert export_csv(store, out, marking=marking) == 2
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["session_id"]: r for r in csv.DictReader(f)}
    assert (rows[ana]["signed_off"], rows[ana]["signed_off_by"]) == ("yes", "Insp Lead")
    assert rows[ana]["signed_off_at"] == signed.at
    assert (rows[bo]["signed_off"], rows[bo]["signed_off_by"]) == ("no", "")
