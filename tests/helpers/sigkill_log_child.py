"""The child of tests/ui/test_ui_sigkill_log.py, run by it under pytest in a subprocess (not
collected by the suite: its name has no test_ prefix). It answers a call in the offscreen
window, types into the incident log, waits until the text is in the database, prints
`SAVED <session id> <database>` and waits to be killed."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt

from app.engine import events as ev
from app.engine.timing import TYPING_INTERVAL
from app.storage import SessionStore
from app.ui.main_window import MainWindow
from tests.ui.conftest import *  # noqa: F403 - the window fixtures
from tests.ui.conftest import FakeClock, answer_call, focused

TYPED = "14 Mill Lane, smoke upstairs"


def test_type_in_the_log_then_wait_to_be_killed(
    qtbot: Any, window: MainWindow, clock: FakeClock, tmp_path: Any
) -> None:
    screen = answer_call(qtbot, window)
    session = screen.session
    assert session is not None and session.session_id is not None
    # Let the caller's opening lines be shown (recorded), then write in the log.
    clock.now = max(e.t for e in session.events) + 0.5
    qtbot.keyClick(focused(window), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(window), TYPED)
    clock.now += TYPING_INTERVAL + 0.1  # still typing, a little later: the text is saved
    qtbot.keyClicks(focused(window), " and")
    store = SessionStore(tmp_path / "sessions.db", readonly=True)

    def saved() -> bool:
        return any(
            e.kind == ev.LOG_CHANGED and TYPED in str(e.data.get("value", ""))
            for e in store.events(str(session.session_id))
        )

    qtbot.waitUntil(saved, timeout=20000)
    print(f"SAVED {session.session_id} {tmp_path / 'sessions.db'}", flush=True)
    sys.stdin.readline()  # the parent kills this process (SIGKILL) before it writes a line
