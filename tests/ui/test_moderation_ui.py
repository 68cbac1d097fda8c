"""Moderation in the assessor area: the replay screen's blind second marking mode hides the
first assessor's work until the second is submitted, the Agreement tab then shows both, and
the Moderation page lists disagreements for a lead, resolves one and shows (and saves) the
centre's agreement report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.assessor.marks import Marking
from app.assessor.moderation import Moderation
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from tests.ui.conftest import FakeClock
from tests.ui.test_assessor_ui_kit import (
    Recorded,
    SaveTo,
    built_in,
    make_area,
    model_answer,
    open_replay_of,
    record,
)

ME = "Alex Assessor"  # who make_area signs in


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callsim.db"


@pytest.fixture
def call(db: Path) -> Recorded:
    case = built_in()
    return record(db, case, model_answer(case), trainee="Sam Taylor")


@pytest.fixture
def store(db: Path, call: Recorded) -> Iterator[SessionStore]:
    with SessionStore(db) as s:
        m = Marking(s)
        m.mark(call.session_id, "professional_tone", "score", status="met", assessor="First F")
        m.comment(call.session_id, 2.0, "FIRST-COMMENT", assessor="First F")
        m.set_verdict(call.session_id, "pass", reason="", assessor="First F")
        yield s


def _tab_titles(replay: Any) -> list[str]:
    tabs = replay.tabs
    return [tabs.tabText(i) for i in range(tabs.count()) if tabs.isTabVisible(i)]


def test_blind_mode_hides_the_first_marking_until_submitted(
    qtbot: Any, store: SessionStore, call: Recorded, scenarios_dir: Path, clock: FakeClock
) -> None:
    sid = call.session_id
    Moderation(store).request_second(sid, second_assessor=ME, requested_by="Lead L")
    area: AssessorArea = make_area(qtbot, store, scenarios_dir, clock=clock)
    open_replay_of(qtbot, area, sid)
    replay = area.replay
    assert replay.blind_banner.isVisibleTo(replay)
    titles = _tab_titles(replay)
    assert any("Blind second marking" in t.replace("&", "") for t in titles)
    assert not any("Co" in t and "mments" in t for t in titles)  # the Comments tab is hidden
    assert not any("Verdict" in t for t in titles)
    assert replay.comments.list.count() == 0
    tone = replay.marking_panel.cards["professional_tone"]
    assert "First F" not in tone.assessor.text()  # the first's score is not on the card
    texts = [item.text for item in replay.timeline.timeline.items]
    assert "FIRST-COMMENT" not in texts  # the first's comment is not on the timeline
    assert not replay.marking_panel.cards["location"].agree.isEnabled()  # no first marks here
    assert replay.verdict.save.isEnabled() is False
    panel = replay.blind
    panel.choose("professional_tone", "missed", "curt on the phone")
    with qtbot.waitSignal(replay.sig_replay_shown, timeout=15000):
        panel.submit.click()
    assert not replay.blind_banner.isVisibleTo(replay)
    texts = [item.text for item in replay.timeline.timeline.items]
    assert "FIRST-COMMENT" in texts  # both markings are visible now
    assert replay.comments.list.count() == 1
    assert "First F" in replay.marking_panel.cards["professional_tone"].assessor.text()
    assert any("Agreement" in t.replace("&", "") for t in _tab_titles(replay))
    rows = {
        replay.agreement.item(r, 0).text(): [replay.agreement.item(r, c).text() for c in (1, 2, 3)]
        for r in range(replay.agreement.rowCount())
    }
    assert rows["professional_tone"] == ["met", "missed", "NO"]
    assert Moderation(store).agreement(sid) is not None


def test_a_submission_with_an_undecided_criterion_is_refused_on_screen(
    qtbot: Any, store: SessionStore, call: Recorded, scenarios_dir: Path, clock: FakeClock
) -> None:
    Moderation(store).request_second(call.session_id, second_assessor=ME, requested_by="Lead")
    area = make_area(qtbot, store, scenarios_dir, clock=clock)
    open_replay_of(qtbot, area, call.session_id)
    panel = area.replay.blind
    panel.choose("location", "missed", "not confirmed")  # typed, then refused: kept
    with qtbot.waitSignal(area.replay.sig_second_marking_refused, timeout=10000):
        panel.submit.click()
    assert "professional_tone" in panel.error.text() and panel.error.isVisibleTo(panel)
    assert panel.reasons["location"].text() == "not confirmed"
    assert panel.combos["location"].currentData() == "missed"
    assert area.replay.blind_banner.isVisibleTo(area.replay)  # still blind, nothing submitted
    assert Moderation(store).agreement(call.session_id) is None


def test_the_moderation_page_resolves_and_reports(
    qtbot: Any,
    store: SessionStore,
    call: Recorded,
    scenarios_dir: Path,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    sid = call.session_id
    mod = Moderation(store)
    mod.request_second(sid, second_assessor="Second B", requested_by=ME)
    mod.second_mark(sid, "professional_tone", "missed", reason="curt", assessor="Second B")
    mod.submit(sid, assessor="Second B")
    save = SaveTo(tmp_path / "agreement.csv", tmp_path / "agreement.html")
    area = make_area(qtbot, store, scenarios_dir, clock=clock, save=save)
    area.moderate.click()
    page = area.moderation
    assert area.stack.currentWidget() is page
    report = {page.report.item(r, 1).text(): r for r in range(page.report.rowCount())}
    assert "professional_tone" in report and "(overall)" in report
    assert page.report.item(report["professional_tone"], 2).text() == "1"
    assert page.disagreements.rowCount() == 1
    assert page.disagreements.item(0, 2).text() == "professional_tone"
    page.disagreements.selectRow(0)
    page.resolve.click()  # no reason: refused, said on the page
    assert "reason" in page.message.text() and page.disagreements.rowCount() == 1
    page.resolve_status.setCurrentIndex(page.resolve_status.findData("missed"))
    page.resolve_reason.setText("heard it twice")
    page.resolve.click()
    assert page.disagreements.rowCount() == 0
    assert Marking(store).current_marks(sid)["professional_tone"].status == "missed"
    page.save_csv.click()
    page.save_html.click()
    assert "professional_tone" in (tmp_path / "agreement.csv").read_text(encoding="utf-8")
    assert "Cohen" in (tmp_path / "agreement.html").read_text(encoding="utf-8")
    page.since.setText("not a date")
    page.refresh_report.click()
    assert "not a date" in page.message.text()


def test_the_page_lists_what_waits_for_me_and_asks_for_a_second_marking(
    qtbot: Any, store: SessionStore, call: Recorded, scenarios_dir: Path, clock: FakeClock
) -> None:
    area = make_area(qtbot, store, scenarios_dir, clock=clock)
    assert area.library.select_session(call.session_id)
    area.moderate.click()
    page = area.moderation
    assert page.request_session.text() == call.session_id  # the library's selection
    page.request_second.setText("First F")
    page.request.click()
    assert "already marked" in page.message.text()
    page.request_second.setText(ME)
    page.request.click()
    assert page.waiting.count() == 1
    with qtbot.waitSignal(area.replay.sig_replay_shown, timeout=15000):
        page.waiting.itemActivated.emit(page.waiting.item(0))
    assert area.replay.blind_banner.isVisibleTo(area.replay)
