"""Running a top-level window: the Qt application, Ctrl+C, unexpected exceptions, and a safe
shutdown. Shared by the trainee app (`callsim`) and the studio (`callsim studio`)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from app.logs import install_excepthook
from app.ui.settings import APPLICATION, ORGANISATION


def application(display_name: str, argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(display_name)
    return app


class _ErrorLine(QObject):
    """Carries the one line about an unexpected exception to the window, from any thread (the
    signal is queued to the thread this object lives in)."""

    sig_error_raised = Signal(str)
    """An unexpected exception was logged; the line names the log file."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.sig_error_raised.connect(self._show)

    @Slot(str)
    def _show(self, line: str) -> None:
        self._window.statusBar().showMessage(line)


def report_errors(window: QWidget) -> None:
    """An exception nobody caught (an event handler's, a thread's) is logged with its
    traceback and shown as one line naming the log file: on stderr, and in `window`'s status
    bar when it has one. Qt carries on after a failed event handler, and so does the window."""
    relay = _ErrorLine(window) if isinstance(window, QMainWindow) else None

    def show(line: str) -> None:
        if sys.stderr is not None:  # None in a windowed build without a console
            print(f"callsim: {line}", file=sys.stderr)
        if relay is not None:
            try:
                relay.sig_error_raised.emit(line)
            except RuntimeError:  # the window is gone (closing): stderr and the log have it
                pass

    install_excepthook(show)


def exec_window(app: QApplication, window: QWidget, cleanup: Callable[[], None]) -> int:
    """Show `window` and run until it closes; then `cleanup` (voice, storage)."""
    report_errors(window)
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
