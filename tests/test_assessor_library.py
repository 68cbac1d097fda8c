"""The session library query: filters, sorts, review state and full-text search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.assessor.library import query_sessions, resolve_session
from app.assessor.marks import Marking
from app.storage import SessionStore
from tests.assessor_kit import SHORT, record, ticking_clock


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


@pytest.fixture
def three(store: SessionStore, tmp_path: Path) -> list[str]:
    a = record(store, tmp_path, trainee="Ana")
    b = record(store, tmp_path, SHORT, trainee="bo")
    c = record(store, tmp_path, trainee="Cy", finish=False)
    with sqlite3.connect(tmp_path / "callsim.db") as conn:
        conn.execute("UPDATE sessions SET status = 'interrupted' WHERE id = ?", [c])
    conn.close()
    return [a, b, c]


def ids(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.id for r in rows]


def test_filters(store: SessionStore, three: list[str]) -> None:
    a, b, c = three
    assert ids(query_sessions(store)) == [c, b, a]  # newest first
    assert ids(query_sessions(store, trainee="bo")) == [b]
    assert ids(query_sessions(store, status="interrupted")) == [c]
    assert ids(query_sessions(store, scenario_id="misconduct-disclosure", status="finished")) == [
        b,
        a,
    ]
    assert ids(query_sessions(store, scenario_id="other")) == []
    assert ids(query_sessions(store, limit=1)) == [c]
    with pytest.raises(ValueError):
        query_sessions(store, status="paused")
    with pytest.raises(ValueError):
        query_sessions(store, review="done")
    with pytest.raises(ValueError):
        query_sessions(store, sort="colour")


def test_rows_carry_what_the_library_shows(store: SessionStore, three: list[str]) -> None:
    a, b, c = three
    rows = {r.id: r for r in query_sessions(store)}
    assert rows[a].passed is True and rows[b].passed is False and rows[c].passed is None
    assert rows[c].status == "interrupted" and rows[c].score is None
    duration = rows[c].duration
    assert duration is not None and duration > 0  # from its last event
    result = store.result(a)
    assert result is not None
    assert rows[a].duration == pytest.approx(result["metrics"]["duration_s"], abs=1.0)
    assert rows[a].scenario_title.startswith("Domestic")
    assert rows[a].to_json()["review"] == "unreviewed"


def test_sorts(store: SessionStore, three: list[str]) -> None:
    a, b, c = three
    assert ids(query_sessions(store, sort="date", descending=False)) == [a, b, c]
    assert ids(query_sessions(store, sort="score")) == [a, b, c]  # no score last
    assert ids(query_sessions(store, sort="score", descending=False)) == [b, a, c]
    assert ids(query_sessions(store, sort="trainee", descending=False)) == [a, b, c]
    assert query_sessions(store, sort="duration")[-1].duration is not None


def test_review_state_filter_and_sort(store: SessionStore, three: list[str]) -> None:
    a, b, c = three
    marking = Marking(store)
    marking.comment(b, 1.0, "look", assessor="x")
    marking.set_verdict(a, "pass", reason="", assessor="x")
    rows = {r.id: r for r in query_sessions(store)}
    assert [rows[i].review for i in (a, b, c)] == ["reviewed", "in_review", "unreviewed"]
    assert rows[a].verdict == "pass" and rows[b].verdict is None
    assert ids(query_sessions(store, review="in_review")) == [b]
    assert ids(query_sessions(store, review="unreviewed", status="interrupted")) == [c]
    assert ids(query_sessions(store, sort="review", descending=False)) == [b, a, c]


def test_full_text_search_of_what_was_said(store: SessionStore, three: list[str]) -> None:
    a, b, c = three
    assert set(ids(query_sessions(store, text="definitely officer"))) == {a}
    assert set(ids(query_sessions(store, text="ADDRESS"))) == {a, b, c}
    assert ids(query_sessions(store, text="address", trainee="bo")) == [b]
    assert ids(query_sessions(store, text="zebra")) == []
    assert ids(query_sessions(store, text='" OR * NEAR(')) == []  # words, never syntax
    assert ids(query_sessions(store, text="  ")) == []


def test_resolve_session(store: SessionStore, three: list[str]) -> None:
    a = three[0]
    assert resolve_session(store, a) == a
    assert resolve_session(store, a[:6].upper()) == a
    for bad in ("", a[:5], "xyzxyzxyz", "f" * 32):
        with pytest.raises(LookupError):
            resolve_session(store, bad)


def test_search_stems_words_and_reads_the_incident_log(
    store: SessionStore, three: list[str]
) -> None:
    a, b, c = three
    # the good call's log says "officer sent pictures"; nobody said "picture" aloud
    assert set(ids(query_sessions(store, text="picture"))) == {a}  # stemmed: pictures
    assert set(ids(query_sessions(store, text="pictures"))) == {a}
    assert set(ids(query_sessions(store, text="14 Mill Lane"))) >= {a}  # the log's location


def test_an_older_database_gets_the_new_index_from_its_events(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "callsim.db", clock=ticking_clock())
    a = record(store, tmp_path)
    store.close()
    with sqlite3.connect(tmp_path / "callsim.db") as conn:  # as version 3 left it
        conn.execute("DELETE FROM event_text")
        conn.execute("PRAGMA user_version = 3")
    conn.close()
    again = SessionStore(tmp_path / "callsim.db", clock=ticking_clock())
    assert set(ids(query_sessions(again, text="picture"))) == {a}
    again.close()


def test_filter_by_mode(store: SessionStore, tmp_path: Path) -> None:
    headless = record(store, tmp_path)
    assessed = store.start_session(
        trainee="Di", scenario_id="x", scenario_sha256="0" * 64, scenario_title="X",
        mode="assessment",
    )  # fmt: skip
    assert ids(query_sessions(store, mode="assessment")) == [assessed]
    assert ids(query_sessions(store, mode="headless")) == [headless]
    assert ids(query_sessions(store, mode="practice")) == []
    with pytest.raises(ValueError, match="mode must be one of practice, assessment, headless"):
        query_sessions(store, mode="exam")


def test_filter_by_a_criterions_status_that_stands(store: SessionStore, tmp_path: Path) -> None:
    """The status that stands: the automatic one, or the assessor's where overruled."""
    good = record(store, tmp_path)
    short = record(store, tmp_path, SHORT, trainee="bo")
    status = {
        sid: (store.result(sid) or {})["criteria"]["allegation_flagged"]["status"]
        for sid in (good, short)
    }
    assert status == {good: "met", short: "missed"}
    assert ids(query_sessions(store, criterion=("allegation_flagged", "met"))) == [good]
    assert ids(query_sessions(store, criterion=("allegation_flagged", "missed"))) == [short]
    Marking(store).mark(
        good, "allegation_flagged", "overrule", status="missed", reason="raised too late",
        assessor="x",
    )  # fmt: skip
    missed = query_sessions(store, criterion=("allegation_flagged", "missed"))
    assert ids(missed) == [short, good]
    assert ids(query_sessions(store, criterion=("allegation_flagged", "missed"), limit=1)) == [
        short
    ]
    assert query_sessions(store, criterion=("no_such_criterion", "met")) == []
    with pytest.raises(ValueError, match="status must be one of"):
        query_sessions(store, criterion=("allegation_flagged", "great"))
