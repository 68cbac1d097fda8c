"""Waiting helpers shared by the screenshot scripts (they drive a real window under Xvfb)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtTest import QTest


def wait(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Run the event loop until `cond()` holds; give up, saying what, after `timeout` s."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        QCoreApplication.processEvents()
        QTest.qWait(10)


def settle(rounds: int = 5, ms: int = 20) -> None:
    """Let layout and painting catch up."""
    for _ in range(rounds):
        QCoreApplication.processEvents()
        QTest.qWait(ms)
