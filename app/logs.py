"""Logging for the whole product: one rotating log file, hooks that write any unexpected
exception there with its traceback, and `faulthandler` for hard crashes. The user sees one line
that names the file (`failure_line`), never a traceback.

Plain Python (no Qt, and nothing from the rest of `app`): the entry points choose the folder
(`app.storage.paths.default_log_dir()`) and call `setup_logging` once: `callsim`, the app and
studio windows, and the voice worker process (given its parent's folder). Modules log through
`logging.getLogger(__name__)`; records of the `app` loggers go to the file.

The log file is created with the first record, so a command that logs nothing leaves no trace
(`callsim sessions list` never creates the data folder). The faulthandler file has to be open
before a crash, so only the windows, which create the data folder anyway, ask for it; commands
dump a hard crash on stderr instead.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

LOGGER = "app"  # the package's loggers all sit under this one
LOG_SUFFIX = ".log"
FAULTS_FILENAME = "faults.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_HANDLER_NAME = "callsim-file"
_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"

_log = logging.getLogger(__name__)
# faulthandler writes to a file descriptor from a signal handler, so the file it was given must
# stay open for the life of the process: kept here, as faulthandler itself is per process.
_faults_file: IO[str] | None = None


class _LogFile(RotatingFileHandler):
    """A rotating file that creates its folder when it is first written, and remembers (rather
    than printing) why it could not be written."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        self.set_name(_HANDLER_NAME)
        self.setFormatter(logging.Formatter(_FORMAT))
        self.problem: str | None = None

    def _open(self) -> io.TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        self.problem = f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"


def _handler() -> _LogFile | None:
    for h in logging.getLogger(LOGGER).handlers:
        if isinstance(h, _LogFile):
            return h
    return None


def setup_logging(folder: Path, *, name: str = "callsim", faults: bool = False) -> Path:
    """Write the product's log records to `folder/NAME.log` (rotating: 1 MB, 3 old files).

    Calling it again with the same file changes nothing; with another file it moves there.
    `faults`: also dump the Python traceback of a hard crash (a segfault in Qt or a speech
    driver) to `folder/faults.log`; otherwise such a dump goes to stderr. Returns the log file.
    """
    path = (folder / f"{name}{LOG_SUFFIX}").absolute()
    logger = logging.getLogger(LOGGER)
    current = _handler()
    if current is not None and Path(current.baseFilename) != path:
        logger.removeHandler(current)
        current.close()
        current = None
    if current is None:
        logger.addHandler(_LogFile(path))
    logger.setLevel(logging.INFO)
    _enable_faulthandler(folder / FAULTS_FILENAME if faults else None)
    return path


def _on_stderr() -> None:
    if faulthandler.is_enabled():  # already (PYTHONFAULTHANDLER, a test runner): keep that
        return
    try:
        faulthandler.enable()
    except (AttributeError, ValueError, OSError):  # no stderr, or one with no file behind it
        pass


def _enable_faulthandler(path: Path | None) -> None:
    global _faults_file
    if path is None:
        if _faults_file is None:
            _on_stderr()
        return
    if _faults_file is not None and Path(_faults_file.name) == path:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = open(path, "a", encoding="utf-8")  # open for the whole process
    except OSError as exc:
        _log.warning("no faulthandler file %s: %s", path, exc)
        _on_stderr()
        return
    faulthandler.enable(new)
    if _faults_file is not None:
        _faults_file.close()
    _faults_file = new


def log_file() -> Path | None:
    """The file `setup_logging` chose, or None before it was called."""
    handler = _handler()
    return Path(handler.baseFilename) if handler is not None else None


def failure_line(exc: BaseException, context: str) -> str:
    """Log `exc` with its traceback (`context` says what was running) and return one line for
    the user: what went wrong and where the traceback was written.

    Where it could not be written (no set-up, a read-only folder), the traceback goes to stderr
    and the line says so: it is always somewhere."""
    what = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, whatever the message
    handler = _handler()
    if handler is not None:
        handler.problem = None
        _log.error("%s", context, exc_info=(type(exc), exc, exc.__traceback__))
        if handler.problem is None:
            return f"internal error: {what} (traceback in {handler.baseFilename})"
        why = f"; the log file {handler.baseFilename} cannot be written: {handler.problem}"
    else:
        why = ""
    traceback.print_exception(exc, file=sys.stderr)
    return f"internal error: {what} (traceback above{why})"


def install_excepthook(show: Callable[[str], None]) -> None:
    """Route exceptions nobody caught (an event handler of a window, any thread) to the log
    file; `show` gets the one line naming it. `show` may be called from any thread.

    Replaces Python's own hooks or an earlier one of ours (the window's replaces the
    command's), never another program's (a test runner's, a debugger's). Ctrl+C keeps
    Python's own handling."""

    def report(exc: BaseException, context: str) -> None:
        try:
            show(failure_line(exc, context))
        except Exception:  # the hook must never raise: the traceback is logged already
            pass

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report(exc.with_traceback(tb), "uncaught exception")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        report(args.exc_value, f"uncaught exception in thread {name}")

    hook._callsim = True  # type: ignore[attr-defined]
    thread_hook._callsim = True  # type: ignore[attr-defined]
    if sys.excepthook is sys.__excepthook__ or _ours(sys.excepthook):
        sys.excepthook = hook
    if threading.excepthook is threading.__excepthook__ or _ours(threading.excepthook):
        threading.excepthook = thread_hook


def _ours(hook: object) -> bool:
    return getattr(hook, "_callsim", False) is True
