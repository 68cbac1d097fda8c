"""Issue 4's acceptance test through the window: open a recorded session, scrub to the
disclosure, overrule a criterion with a reason, add a pinned comment, export the PDF; the
automatic result is unchanged in the database and the report shows both.

Offscreen Qt, a fake clock, a silent voice; no sleeps: every wait is on a signal.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.assessor.marks import Marking
from app.storage import SessionStore
from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from tests.ui.conftest import FakePlayer
from tests.ui.test_assessor_ui_kit import (
    PASSPHRASE,
    SaveTo,
    built_in,
    model_answer,
    record,
    unlock,
)

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
REASON = "Raised only after the caller asked twice <b>not</b> independently; '; DROP TABLE x;--"
COMMENT = "Good: kept listening when the caller disclosed"


def pdf_text(path: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, str(path), "-"], capture_output=True, check=True)
    # Qt's PDF keeps ligatures (ﬁ, ﬀ) as single glyphs: NFKC spells them out again.
    return unicodedata.normalize("NFKC", out.stdout.decode("utf-8", "replace"))


def test_open_scrub_overrule_comment_export_pdf(
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    services: AppServices,
    player: FakePlayer,
    make_window: Callable[..., MainWindow],
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "data"))
    db = tmp_path / "data" / "callsim.db"
    scenario = built_in()
    call = record(db, scenario, model_answer(scenario), trainee="Sam Taylor")
    assert call.result["criteria"]["allegation_flagged"]["status"] == "met"
    out = tmp_path / "exports" / "report.pdf"
    out.parent.mkdir()
    services.open_store = SessionStore  # the default path: $CALLSIM_DATA_DIR/callsim.db
    services.ask_save_path = SaveTo(out)
    window = make_window(services)

    # The assessor area: first use sets the passphrase (typed twice).
    dialog = unlock(qtbot, window)
    assert dialog.first_use
    with qtbot.waitSignal(window.assessor.sig_area_opened, timeout=10000):
        dialog.buttons.accepted.emit()
    area = window.assessor.area
    assert area is not None and window.stack.currentWidget() is area
    qtbot.waitUntil(lambda: area.library.model.rowCount() == 1, timeout=10000)

    # Open the recorded session: verified, and the scenario file is the one played.
    assert area.library.select_session(call.session_id)
    replay = area.replay
    with qtbot.waitSignal(replay.sig_replay_shown, timeout=15000):
        area.library.open.click()
    assert replay.header.verified.text().startswith("✓ Verified")
    assert replay.header.scenario.text().startswith("✓ Scenario file is the one played")

    # Scrub to the disclosure: the slider moves the head to the marked moment, captioned
    # with the closing line that set it off.
    model = replay.timeline.timeline
    moment = next(i for i in model.items if i.kind == "mark" and i.text == "disclosure")
    replay.transport.slider.setValue(int(moment.t * 1000))
    assert replay.player.position == pytest.approx(moment.t, abs=1e-3)
    assert model.items[model.head_row] == moment
    # the caption is the last line said before it: the closing line, or the caller's answer
    # to the part of that line that came first ("officers will deal with it, bye")
    said = [i for i in model.items[: model.head_row] if i.kind in ("trainee", "caller")]
    closing = [i for i in said if i.kind == "trainee"][-1]
    assert closing.text in [i.text for i in said[-2:]]
    who = "Trainee" if said[-1].kind == "trainee" else scenario.caller.name
    assert replay.transport.caption.text() == f"{who}: {said[-1].text}"
    # Playing on (a fake clock: the test moves time) reaches the caller's disclosure, heard
    # through the voice kit, then back to the moment.
    disclosed = model.items[model.head_row + 1]
    assert disclosed.kind == "caller"
    replay.transport.play.click()
    assert replay.player.playing
    with qtbot.waitSignal(replay.player.sig_line_reached) as reached:
        replay.player.tick(disclosed.t - moment.t + 0.5)
    assert reached.args[0] == disclosed
    assert replay.transport.caption.text().endswith(disclosed.text)
    assert player.plays[-1].endswith(".wav")
    replay.transport.play.click()
    assert not replay.player.playing
    replay.transport.slider.setValue(int(moment.t * 1000))

    # Overrule a criterion, with a reason (refused without one).
    card = replay.marking_panel.cards["allegation_flagged"]
    card.change.click()
    assert card.form.isVisible()
    card.save.click()
    assert "reason" in card.error.text().lower()
    card.status.setCurrentIndex(card.status.findData("missed"))
    card.reason.setText(REASON)
    with qtbot.waitSignal(replay.sig_mark_saved, timeout=10000):
        card.save.click()
    assert REASON in card.assessor.text() and "overruled" in card.assessor.text()
    assert "Automatic: ✓ Met" in card.auto.text()  # the automatic status stays as it was

    # A comment pinned to the moment the replay is at.
    replay.comments.text.setText(COMMENT)
    with qtbot.waitSignal(replay.sig_comment_saved, timeout=10000) as saved:
        replay.comments.add.click()
    assert saved.args[0] == pytest.approx(moment.t, abs=1e-3)
    pinned = [i for i in model.items if i.kind == "comment"]
    assert [(c.text, round(c.t, 3)) for c in pinned] == [(COMMENT, round(moment.t, 3))]

    # Export the PDF (the Save dialog is the stand-in).
    with qtbot.waitSignal(area.exporter.sig_export_finished, timeout=20000) as exported:
        replay.verdict.pdf.click()
    assert exported.args == ["pdf", out]
    assert out.read_bytes()[:5] == b"%PDF-"

    # The database: the automatic result unchanged, the marks beside it.
    with SessionStore(db) as store:
        assert store.result(call.session_id) == call.result
        assert store.verify(call.session_id).ok
        marking = Marking(store)
        mark = marking.current_marks(call.session_id)["allegation_flagged"]
        assert (mark.decision, mark.status, mark.reason) == ("overrule", "missed", REASON)
        assert [c.text for c in marking.comments(call.session_id)] == [COMMENT]
        assert marking.review_state(call.session_id) == "in_review"

    # The report shows both: the automatic status and the assessor's, with the reason.
    html = area.exporter.last_html
    assert html is not None
    assert "&lt;b&gt;not&lt;/b&gt;" in html and "<b>not</b>" not in html  # escaped
    text = pdf_text(out)
    if text is not None:
        flat = " ".join(text.split())
        assert "Raised only after the caller asked twice <b>not</b>" in flat
        # The criterion's row: the automatic status, then the assessor's overrule.
        assert re.search(r"allegation_flagged \d+ met overrule: missed", flat), flat
        assert f"PASSED score {call.result['score']}" in flat and "NOT PASSED score" in flat
        assert COMMENT in flat
        # Made in the area: by whom, with the record verified, every page footed.
        assert f"session {call.session_id}" in flat and "page 1 of " in flat
    assert "; signed in to the assessor area as <b>" in html
    assert "rebuilt and re-scored: the same" in html
    assert PASSPHRASE not in html


def test_a_wrong_passphrase_never_opens_the_area(
    qtbot: Any, tmp_path: Path, services: AppServices, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(services)
    assert window.store is not None
    from app.assessor.auth import AssessorAuth

    AssessorAuth(window.store).set_passphrase(PASSPHRASE)
    # Ctrl+Shift+A from the start screen asks for the passphrase.
    with qtbot.waitSignal(window.assessor.sig_dialog_shown, timeout=5000) as shown:
        qtbot.keyClick(window.start.name, Qt.Key.Key_A, CTRL_SHIFT)
    dialog = shown.args[0]
    assert not dialog.first_use and dialog.confirm.isHidden()
    dialog.name.setText("Alex Assessor")
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    with qtbot.waitSignal(dialog.sig_refused, timeout=10000):
        dialog.buttons.accepted.emit()
    assert window.assessor.area is None
    assert window.stack.currentWidget() is window.start
    assert "not right" in dialog.error.text()
    assert dialog.passphrase.text() == ""
    # Cancel: still locked; the trainee side has no library anywhere.
    dialog.reject()
    assert window.assessor.area is None
    from app.ui.assessor.library_page import LibraryPage

    assert window.findChildren(LibraryPage) == []
    # The start screen's button asks again; the right one opens it; Lock and leave closes it.
    with qtbot.waitSignal(window.assessor.sig_dialog_shown, timeout=5000) as shown:
        window.start.assessor.click()
    dialog = shown.args[0]
    assert dialog.name.text() == ""  # nothing was remembered from the refused attempt
    dialog.name.setText("Alex Assessor")
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.assessor.sig_area_opened, timeout=10000):
        dialog.buttons.accepted.emit()
    area = window.assessor.area
    assert area is not None
    with qtbot.waitSignal(window.assessor.sig_area_left, timeout=5000):
        area.lock.click()
    assert window.assessor.area is None
    assert window.stack.currentWidget() is window.start
