"""Helpers shared by the screenshot scripts (they drive a real window under Xvfb). Qt is
imported inside the helpers that need it: `reexec_under_xvfb` runs before Qt is loaded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable


def reexec_under_xvfb() -> int | None:
    """With no display, run this script again under xvfb-run and return its exit status;
    None when there is a display (or a Qt platform is chosen) and the script should go on."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if os.environ.get("QT_QPA_PLATFORM"):  # e.g. offscreen: fine for grab()
        return None
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("screenshots: no display and no xvfb-run (apt-get install xvfb)", file=sys.stderr)
        return 2
    cmd = [xvfb, "-a", "-s", "-screen 0 1366x800x24", sys.executable, *sys.argv]
    return subprocess.call(cmd)


def wait(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Run the event loop until `cond()` holds; give up, saying what, after `timeout` s."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest

    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        QCoreApplication.processEvents()
        QTest.qWait(10)


def settle(rounds: int = 5, ms: int = 20) -> None:
    """Let layout and painting catch up."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest

    for _ in range(rounds):
        QCoreApplication.processEvents()
        QTest.qWait(ms)
