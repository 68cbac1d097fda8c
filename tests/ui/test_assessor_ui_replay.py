"""The replay screen: evidence jumps to its moment, tampering and a changed scenario file are
shown prominently, playback follows a fake clock, interrupted calls open, marks and verdicts
go through `Marking` only, and every control is keyboard-reachable with a name."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QWidget,
)

from app.assessor.marks import Marking
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from tests.conftest import SCENARIOS
from tests.ui.conftest import FakeClock
from tests.ui.test_assessor_ui_kit import (
    Recorded,
    built_in,
    make_area,
    model_answer,
    open_replay_of,
    record,
    tamper,
)


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
        yield s


@pytest.fixture
def area(qtbot: Any, store: SessionStore, scenarios_dir: Path, clock: FakeClock) -> AssessorArea:
    return make_area(qtbot, store, scenarios_dir, clock=clock)


def opened(qtbot: Any, area: AssessorArea, call: Recorded) -> Any:
    open_replay_of(qtbot, area, call.session_id)
    return area.replay


def test_clicking_evidence_moves_the_scrubber_and_highlights_its_moment(
    qtbot: Any, area: AssessorArea, call: Recorded
) -> None:
    replay = opened(qtbot, area, call)
    model = replay.timeline.timeline
    flagged = replay.marking_panel.cards["allegation_flagged"]
    evidence = call.result["criteria"]["allegation_flagged"]["evidence"][0]
    with qtbot.waitSignal(replay.sig_moment_shown) as moved:
        flagged.evidence_buttons[0].click()
    assert moved.args[0] == pytest.approx(evidence["t"])
    assert replay.transport.slider.value() == round(evidence["t"] * 1000)
    chosen = replay.timeline.chosen_item()
    assert chosen is not None and chosen.kind == "flag_raised"
    assert chosen.detail["flag"] == evidence["flag"]
    assert model.items[model.head_row].t == pytest.approx(evidence["t"])
    # Evidence that is a turn lands on that very turn.
    said = call.result["criteria"]["acknowledged"]["evidence"][0]
    replay.marking_panel.cards["acknowledged"].evidence_buttons[0].click()
    chosen = replay.timeline.chosen_item()
    assert chosen is not None and chosen.turn == said["turn"] and chosen.kind == "trainee"
    assert replay.transport.slider.value() == round(said["t"] * 1000)
    # Enter on a timeline row moves the replay there too.
    row = next(n for n, i in enumerate(model.items) if i.kind == "closing_attempt")
    replay.timeline.setFocus()
    replay.timeline.setCurrentIndex(model.index(row))
    qtbot.keyClick(replay.timeline, Qt.Key.Key_Return)
    assert replay.player.position == pytest.approx(model.items[row].t)


def test_the_call_is_on_screen_before_the_scenario_check_and_rebuild_finish(
    qtbot: Any, area: AssessorArea, call: Recorded
) -> None:
    replay = area.replay
    seen: list[tuple[str, str, int]] = []
    replay.sig_replay_previewed.connect(
        lambda _sid: seen.append(
            (
                str(replay.header.scenario.property("state")),
                replay.header.verified.text()[:10],
                len(replay.timeline.timeline.items),
            )
        )
    )
    with qtbot.waitSignals(
        [replay.sig_replay_previewed, replay.sig_replay_shown], order="strict", timeout=15000
    ):
        area.open_session(call.session_id)
    assert seen == [("wait", "✓ Verified", len(replay.timeline.timeline.items))]
    assert replay.header.scenario.property("state") == "good"
    assert replay.replay is not None and replay.replay.rebuilt_equal is True


def test_an_altered_event_is_named_in_the_banner(
    qtbot: Any, area: AssessorArea, call: Recorded, db: Path
) -> None:
    seq = next(e.seq for e in call.events if e.kind == "caller_said" and e.seq > 10)
    tamper(db, call.session_id, seq)
    replay = opened(qtbot, area, call)
    banner = replay.header.verified
    assert banner.text().startswith(f"✗ Altered: event #{seq} (caller_said, ")
    assert "does not match its hash" in banner.text()
    assert banner.property("state") == "bad"


def test_an_edited_result_is_named_in_the_banner_once_re_scored(
    qtbot: Any, area: AssessorArea, call: Recorded, db: Path
) -> None:
    """The score raised in the file (the event log untouched): the banner says what differs
    from the re-scored call, as `callsim verify` does."""
    conn = sqlite3.connect(db)
    (definition,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'sessions_sealed'"
    ).fetchone()
    with conn:
        conn.execute("DROP TRIGGER sessions_sealed")
        result = json.loads(
            conn.execute(
                "SELECT result_json FROM sessions WHERE id = ?", [call.session_id]
            ).fetchone()[0]
        )
        result["score"] = 99.5
        conn.execute(
            "UPDATE sessions SET result_json = ?, score = 99.5 WHERE id = ?",
            [json.dumps(result), call.session_id],
        )
        conn.execute(definition)
    conn.close()
    replay = opened(qtbot, area, call)
    banner = replay.header.verified
    assert banner.text().startswith("✗ Altered: result: score is 99.5 in the database, ")
    assert "when the call is re-scored" in banner.text()
    assert banner.property("state") == "bad"
    assert "Re-scored with the recorded intents: score is 99.5" in replay.header.scenario.text()
    assert replay.header.scenario.property("state") == "warn"


def test_a_changed_scenario_file_and_a_missing_one_are_shown(
    qtbot: Any, store: SessionStore, call: Recorded, tmp_path: Path, clock: FakeClock
) -> None:
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (SCENARIOS / "misconduct-disclosure.yaml").read_text(encoding="utf-8")
    (changed / "misconduct-disclosure.yaml").write_text(text + "\n# edited since\n")
    area = make_area(qtbot, store, changed, clock=clock)
    replay = opened(qtbot, area, call)
    assert replay.header.scenario.text().startswith("⚠ Scenario file has changed")
    assert call.result["scenario_sha256"][:12] in replay.header.scenario.text()
    assert replay.header.scenario.property("state") == "warn"
    assert replay.header.verified.text().startswith("✓ Verified")
    shutil.rmtree(changed)
    changed.mkdir()
    with qtbot.waitSignal(replay.sig_replay_shown, timeout=15000):
        area.open_session(call.session_id)
    assert replay.header.scenario.text().startswith("⚠ Scenario file not found")
    assert "Not rebuilt" in replay.header.scenario.text()
    assert len(replay.timeline.timeline.items) > 20  # the stored events are still shown


def test_playing_follows_the_clock_at_1x_and_2x_and_stops_at_the_end(
    qtbot: Any, area: AssessorArea, call: Recorded, clock: FakeClock
) -> None:
    replay = opened(qtbot, area, call)
    player = replay.player
    with qtbot.waitSignal(player.sig_playing_changed) as started:
        replay.transport.play.click()
    assert started.args == [True] and "Pause" in replay.transport.play.text()
    clock.now += 2.0
    player.poll()  # what the timer does: the clock moved 2 s
    assert player.position == pytest.approx(2.0)
    replay.transport.speed.setCurrentIndex(replay.transport.speed.findData(2.0))
    clock.now += 2.0
    player.poll()
    assert player.position == pytest.approx(6.0)
    assert replay.transport.time.text().startswith("00:06 / ")
    first_line = next(i for i in replay.timeline.timeline.items if i.kind == "caller")
    assert replay.transport.caption.text().endswith(first_line.text)
    with qtbot.waitSignal(player.sig_playing_changed) as stopped:
        player.tick(10_000)
    assert stopped.args == [False] and player.position == pytest.approx(player.duration)
    assert "Play" in replay.transport.play.text()


def test_agree_overrule_score_and_verdict_are_stored_beside_the_result(
    qtbot: Any, area: AssessorArea, call: Recorded, store: SessionStore
) -> None:
    replay = opened(qtbot, area, call)
    cards = replay.marking_panel.cards
    with qtbot.waitSignal(replay.sig_mark_saved, timeout=10000):
        cards["location"].agree.click()
    assert "agrees" in cards["location"].assessor.text()
    manual = cards["professional_tone"]
    assert not manual.agree.isVisible() and manual.change.text() == "Score…"
    manual.change.click()
    manual.status.setCurrentIndex(manual.status.findData("met"))
    with qtbot.waitSignal(replay.sig_mark_saved, timeout=10000):
        manual.save.click()
    assert "scored ✓ Met" in manual.assessor.text()
    assert replay.comparison.unscored.text() == ""
    # A verdict against the result needs a reason: the core refuses, the panel says why.
    verdict = replay.verdict
    verdict.choices["fail"].setChecked(True)
    verdict.save.click()
    qtbot.waitUntil(lambda: "reason" in verdict.error.text(), timeout=10000)
    verdict.reason.setPlainText("Tone was dismissive at 00:40")
    with qtbot.waitSignal(replay.sig_verdict_saved, timeout=10000) as saved:
        verdict.save.click()
    assert saved.args == ["fail"] and verdict.current.text().startswith("Fail — Alex Assessor")
    marking = Marking(store)
    assert {k: m.decision for k, m in marking.current_marks(call.session_id).items()} == {
        "location": "agree",
        "professional_tone": "score",
    }
    assert marking.review_state(call.session_id) == "reviewed"
    assert store.result(call.session_id) == call.result
    assert [a.action for a in marking.audit(call.session_id)] == ["mark", "mark", "verdict"]


def test_an_interrupted_call_opens_with_nothing_to_mark(
    qtbot: Any, db: Path, store: SessionStore, scenarios_dir: Path, clock: FakeClock
) -> None:
    case = built_in()
    cut = record(db, case, model_answer(case), trainee="Cleo", interrupted_after=15)
    area = make_area(qtbot, store, scenarios_dir, clock=clock)
    replay = opened(qtbot, area, cut)
    assert "interrupted" in replay.header.title.text()
    assert replay.header.verified.text().startswith("✓ Verified: all 15 events")
    assert replay.marking_panel.cards == {}
    assert "did not finish" in replay.marking_panel.note.text()
    replay.comments.text.setText("Stopped here")
    with qtbot.waitSignal(replay.sig_comment_saved, timeout=10000):
        replay.comments.add.click()
    assert replay.comments.list.count() == 1


def test_every_control_is_reachable_by_keyboard_and_named(
    qtbot: Any, area: AssessorArea, call: Recorded
) -> None:
    replay = opened(qtbot, area, call)
    for page in (area.library, replay):
        area.stack.setCurrentWidget(page)
        controls = [
            w
            for kind in (
                QAbstractButton,
                QLineEdit,
                QComboBox,
                QAbstractSlider,
                QPlainTextEdit,
                QAbstractItemView,
            )  # fmt: skip
            for w in page.findChildren(kind)
            if isinstance(w, QWidget) and w.isVisibleTo(page) and w.isEnabled()
        ]
        assert len(controls) > 8
        for w in controls:
            if isinstance(w, QHeaderView | QScrollBar):
                continue  # parts of a view: the view is reached (the library has a Sort box)
            name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
            assert name.replace("&", "").strip(), f"{type(w).__name__} has no accessible name"
            assert w.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{name} is not reachable by Tab"


def test_text_size_reaches_the_cards_made_when_a_call_opens(
    qtbot: Any, area: AssessorArea, call: Recorded
) -> None:
    from app.ui.style import apply_font

    apply_font(area, 17)  # what Ctrl+= does to the whole window
    replay = opened(qtbot, area, call)
    card = replay.marking_panel.cards["allegation_flagged"]
    assert card.font().pointSize() == 17 and card.reason.font().pointSize() == 17


def test_clicking_the_slider_goes_to_the_point_clicked(
    qtbot: Any, area: AssessorArea, call: Recorded
) -> None:
    replay = opened(qtbot, area, call)
    slider = replay.transport.slider
    slider.resize(600, slider.sizeHint().height())
    start = slider.value()
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(450, slider.height() // 2))
    wanted = slider.maximum() * 0.75
    # not one page (10 s) towards the click: close to three quarters of the call
    assert abs(slider.value() - wanted) < 0.1 * slider.maximum()
    assert abs(slider.value() - start) > slider.pageStep()


def test_times_and_counts_are_written_for_people() -> None:
    from app.ui.assessor.review_panels import when_for_people

    assert when_for_people("2026-12-01T21:39:05") == "1 Dec 2026, 21:39"
    assert when_for_people("not a time") == "not a time"
