"""Running a top-level window: the Qt application, Ctrl+C, and a safe shutdown. Shared by
the trainee app (`callsim`) and the studio (`callsim studio`)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.settings import APPLICATION, ORGANISATION


def application(display_name: str, argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(display_name)
    return app


def exec_window(app: QApplication, window: QWidget, cleanup: Callable[[], None]) -> int:
    """Show `window` and run until it closes; then `cleanup` (voice, storage)."""
    window.show()
    # Ctrl+C in the terminal closes the window properly. Qt's loop never hands control back to
    # Python on its own, so a timer wakes the interpreter now and then to notice the signal.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(300)
    try:
        return int(app.exec())
    finally:
        wake.stop()
        # Delete the window (and its worker pool) while Python is still whole: left to the
        # interpreter's final clean-up, a pool that ran espeak-ng can crash it on the way out.
        window.deleteLater()
        app.processEvents()
        cleanup()
