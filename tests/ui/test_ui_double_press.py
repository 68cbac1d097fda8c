"""One call at a time (issue #12): pressing Continue (or Enter) twice while the scenario's
matcher is still being built must not replace the call in progress with a second one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from tests.ui.conftest import focused


def test_continue_pressed_twice_under_a_slow_matcher_opens_one_call(
    qtbot: Any,
    services: AppServices,
    make_window: Callable[..., MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window()
    release = threading.Event()
    real = services.catalog.matcher
    built: list[object] = []

    def slow(scenario: Any) -> Any:
        release.wait(120)  # the worker waits here until the test lets it go
        m = real(scenario)
        built.append(m)
        return m

    monkeypatch.setattr(services.catalog, "matcher", slow)
    window.start.name.setFocus()
    qtbot.keyClicks(focused(window), "Sam Taylor")
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.note or window._pending is not None
    )
    if window.stack.currentWidget() is window.note:
        window.note.proceed.click()
        window.note.proceed.click()  # a second press on a slow machine
    else:  # no content note: the start screen's Enter again
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    screens: list[object] = []
    release.set()
    qtbot.waitUntil(lambda: window.call_screen is not None)
    screens.append(window.call_screen)
    qtbot.waitUntil(lambda: len(built) >= 1)
    # give any second build the chance to land, by waiting on the pool to go idle
    qtbot.waitUntil(lambda: window.pool.activeThreadCount() == 0)
    assert window.call_screen is screens[0]
    assert len(built) == 1
