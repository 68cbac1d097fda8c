"""The Qt binding itself must be sound: PySide6 6.12.0 on Python 3.11 leaked a reference to
None on every void call (setText, processEvents...), so a window with a timer aborted
('none_dealloc') after some minutes. This fails on any build with that fault."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_leak_references_to_none(qtbot: Any) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    label.setText("warm up")
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert before - sys.getrefcount(None) < 100  # a leaking build loses exactly 2000


def test_wait_ceilings_are_raised_never_lowered() -> None:
    from tests.ui.conftest import WAIT_CEILING_MS, _with_ceiling

    seen: list[int] = []

    def wait(self: object, *, timeout: int) -> None:
        seen.append(timeout)

    wrapped = _with_ceiling(wait)
    wrapped(None)
    wrapped(None, timeout=10)
    wrapped(None, timeout=WAIT_CEILING_MS * 2)
    assert seen == [WAIT_CEILING_MS, WAIT_CEILING_MS, WAIT_CEILING_MS * 2]
