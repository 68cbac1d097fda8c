"""The replay screen's sign-off bar and withdrawn comments: Sign off… and Reopen… ask in a
dialog, the marking controls are disabled while the session is locked, a withdrawn comment
stays struck through in the Comments tab and leaves the timeline; the library says which
sessions are signed off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.assessor.marks import Marking
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.library_model import COLUMNS
from app.ui.assessor.review_panels import WITHDRAWN_ROLE
from tests.ui.conftest import FakeClock
from tests.ui.test_assessor_ui_kit import (
    Recorded,
    built_in,
    make_area,
    model_answer,
    open_replay_of,
    record,
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


def _controls(replay: Any) -> list[Any]:
    card = replay.marking_panel.cards["location"]
    verdict = replay.verdict
    return [
        card.agree,
        card.change,
        replay.comments.text,
        replay.comments.add,
        verdict.save,
        verdict.reason,
        *verdict.choices.values(),
    ]


def test_sign_off_locks_the_screen_and_reopen_needs_a_reason(
    qtbot: Any, area: AssessorArea, call: Recorded, store: SessionStore
) -> None:
    replay = opened(qtbot, area, call)
    bar = replay.signoff
    assert "Not signed off" in bar.state.text()
    assert bar.sign.isVisibleTo(replay) and not bar.reopen.isVisibleTo(replay)
    assert all(w.isEnabled() for w in _controls(replay))
    bar.sign.click()
    assert bar.dialog is not None and bar.dialog.ok.isEnabled()  # a note is optional
    bar.dialog.text.setPlainText("moderated with the IQA")
    with qtbot.waitSignal(replay.sig_signed_off, timeout=10000):
        bar.dialog.ok.click()
    assert bar.state.text().startswith("Signed off by Alex Assessor on ")
    assert "moderated with the IQA" in bar.state.text()
    assert not any(w.isEnabled() for w in _controls(replay))
    card = replay.marking_panel.cards["location"]
    assert all(b.isEnabled() for b in card.evidence_buttons)  # evidence can still be followed
    assert replay.verdict.html.isEnabled() and replay.verdict.pdf.isEnabled()
    assert not bar.sign.isVisibleTo(replay) and bar.reopen.isVisibleTo(replay)
    signed = Marking(store).signed_off(call.session_id)
    assert signed is not None and signed.note == "moderated with the IQA"

    bar.reopen.click()
    dialog = bar.dialog
    assert dialog is not None and not dialog.ok.isEnabled()  # the reason is required
    dialog.text.setPlainText("   ")
    assert not dialog.ok.isEnabled()
    dialog.text.setPlainText("appeal upheld")
    with qtbot.waitSignal(replay.sig_reopened, timeout=10000):
        dialog.ok.click()
    assert "Not signed off" in bar.state.text()
    assert all(w.isEnabled() for w in _controls(replay))
    history = Marking(store).signoffs(call.session_id)
    assert [(s.action, s.note) for s in history] == [
        ("sign_off", "moderated with the IQA"),
        ("reopen", "appeal upheld"),
    ]


def test_cancelling_the_dialog_writes_nothing(
    qtbot: Any, area: AssessorArea, call: Recorded, store: SessionStore
) -> None:
    replay = opened(qtbot, area, call)
    replay.signoff.sign.click()
    dialog = replay.signoff.dialog
    assert dialog is not None
    dialog.reject()
    assert replay.signoff.dialog is None
    assert Marking(store).signoffs(call.session_id) == []
    assert "Not signed off" in replay.signoff.state.text()


def test_a_session_signed_off_elsewhere_opens_locked_and_says_by_whom(
    qtbot: Any, area: AssessorArea, call: Recorded, store: SessionStore
) -> None:
    Marking(store).sign_off(call.session_id, assessor="Insp Lead")
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=10000):
        area.library.refresh()
    review = area.library.model.index(0, COLUMNS.index("review")).data()
    assert review.endswith("· signed off")
    replay = opened(qtbot, area, call)
    assert replay.signoff.state.text().startswith("Signed off by Insp Lead on ")
    assert not any(w.isEnabled() for w in _controls(replay))


def test_a_withdrawn_comment_is_struck_through_and_leaves_the_timeline(
    qtbot: Any, area: AssessorArea, call: Recorded, store: SessionStore
) -> None:
    replay = opened(qtbot, area, call)
    panel = replay.comments
    panel.text.setText("said of the wrong call")
    with qtbot.waitSignal(replay.sig_comment_saved, timeout=10000):
        panel.add.click()
    model = replay.timeline.timeline
    assert [i.text for i in model.items if i.kind == "comment"] == ["said of the wrong call"]
    assert not panel.withdraw.isEnabled()  # nothing chosen yet
    panel.list.setCurrentRow(0)
    assert panel.withdraw.isEnabled()
    panel.withdraw.click()
    dialog = panel.dialog
    assert dialog is not None and not dialog.ok.isEnabled()  # the reason is required
    dialog.text.setPlainText("meant for Bo's call")
    with qtbot.waitSignal(replay.sig_comment_withdrawn, timeout=10000):
        dialog.ok.click()
    item = panel.list.item(0)
    assert item.font().strikeOut() and item.data(WITHDRAWN_ROLE) is True
    assert "withdrawn by Alex Assessor on " in item.text() and "meant for Bo's call" in item.text()
    assert item.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Withdrawn: ")
    assert [i for i in model.items if i.kind == "comment"] == []  # the current state
    panel.list.setCurrentRow(0)
    assert not panel.withdraw.isEnabled()  # withdrawn once
    marking = Marking(store)
    assert marking.current_comments(call.session_id) == []
    assert [e.action for e in marking.audit(call.session_id)] == ["comment", "retract"]
    # Opened again: still withdrawn, still off the timeline.
    area.show_library()
    replay = opened(qtbot, area, call)
    assert replay.comments.list.item(0).font().strikeOut()
    assert [i for i in replay.timeline.timeline.items if i.kind == "comment"] == []
