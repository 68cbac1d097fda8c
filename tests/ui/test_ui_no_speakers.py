"""No speakers (issue #11): the answer screen says plainly that the caller will be captions,
instead of "The caller's voice is ready", and no device jargon reaches the trainee."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from app.voice.player import NO_SPEAKERS
from tests.ui.conftest import focused


def _to_answer_screen(qtbot: Any, window: MainWindow) -> Any:
    window.start.name.setFocus()
    qtbot.keyClicks(focused(window), "Sam Taylor")
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.note or window.call_screen is not None
    )
    if window.stack.currentWidget() is window.note:
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_screen is not None)
    screen = window.call_screen
    assert screen is not None
    return screen.incoming


def test_without_speakers_the_answer_screen_says_captions(
    qtbot: Any, services: AppServices, make_window: Callable[..., MainWindow]
) -> None:
    services.voice.status = dataclasses.replace(
        services.voice.status, player="silent", issues=("no_output",), notices=(NO_SPEAKERS,)
    )
    incoming = _to_answer_screen(qtbot, make_window())
    incoming.show_progress(3, 3)  # voices rendered: still no speakers to play them on
    assert incoming.voice.text() == NO_SPEAKERS
    assert not incoming.progress.isVisible()


def test_with_speakers_the_voice_is_ready(
    qtbot: Any, make_window: Callable[..., MainWindow]
) -> None:
    incoming = _to_answer_screen(qtbot, make_window())
    incoming.show_progress(3, 3)
    assert incoming.voice.text() == "The caller's voice is ready."
