"""What can go wrong in the session store, as exception types the UI can tell apart."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class: anything the session store refuses or cannot do."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer callsim; we leave it untouched."""

    def __init__(self, path: Path | str, found: int, supported: int) -> None:
        self.path = str(path)
        self.found = found
        self.supported = supported
        super().__init__(
            f"{path} was written by a newer version of callsim (database schema version "
            f"{found}; this version understands up to {supported}). The file has not been "
            "changed: update callsim to open it."
        )


class UnknownSessionError(StorageError, LookupError):
    """No session with this id."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(f"no session with id {session_id!r}")


class SessionStateError(StorageError):
    """The session is not in a state that allows the operation (e.g. appending once finished)."""

    def __init__(self, session_id: str, status: str, action: str) -> None:
        self.session_id = session_id
        self.status = status
        super().__init__(f"cannot {action} session {session_id!r}: it is {status}, not active")


class EventOrderError(StorageError, ValueError):
    """An event's seq is not the next one for its session (a gap or a duplicate)."""

    def __init__(self, session_id: str, expected: int, got: int) -> None:
        self.session_id = session_id
        self.expected = expected
        self.got = got
        problem = "duplicate or out-of-order" if got < expected else "gap in sequence"
        super().__init__(
            f"session {session_id!r}: expected event seq {expected}, got {got} ({problem})"
        )


class EventDataError(StorageError, ValueError):
    """An event that cannot be stored as JSON (e.g. NaN, or an object that is not JSON)."""


class DataFolderError(StorageError):
    """The data folder (or its database file) cannot be created, read or written: no
    permission, a read-only or full disk. Worded for the user and for IT."""

    def __init__(self, folder: Path | str, reason: str) -> None:
        from app.config import machine_config_path

        self.folder = str(folder)
        self.reason = reason
        super().__init__(
            f"{folder}: the callsim data folder cannot be used ({reason}). Choose a folder "
            f"this account can write: IT sets data_dir in {machine_config_path()}; a user can "
            "set CALLSIM_DATA_DIR."
        )


def folder_reason(exc: BaseException) -> str:
    """A plain reason for an OS or SQLite error on the data folder."""
    import errno

    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "disk is full" in text or "no space" in text:
        return "the disk is full"
    if code == errno.EROFS or "readonly" in text or "read-only" in text:
        return "it is read-only"
    if code in (errno.ENOENT, errno.ENOTDIR):
        return "it cannot be created there"
    if code in (errno.EACCES, errno.EPERM) or "permission" in text or "unable to open" in text:
        return "permission denied"
    return str(exc)


class DatabaseFileError(StorageError):
    """The database file cannot be read or written: damaged, no permission, read-only, a full
    disk, locked. One line naming the file, what is wrong and what to do."""

    def __init__(self, path: Path | str, reason: str, advice: str, *, action: str = "use") -> None:
        self.path = str(path)
        self.reason = reason
        self.advice = advice
        super().__init__(f"{path}: cannot {action} the callsim database ({reason}). {advice}")


# SQLite's primary result codes (https://sqlite.org/rescode.html) that mean the file itself.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26

DAMAGED_ADVICE = (
    "Keep this file unchanged as evidence and restore the database from a backup; "
    "`callsim verify` lists what can still be read"
)
_ADVICE = {
    "permission denied": "Ask IT to give this account access to the file and its folder, or "
    "copy the file to a folder this account can use and set CALLSIM_DATA_DIR to it",
    "it is read-only": "Reading, `callsim verify`, `report` and `export` work on a read-only "
    "copy; anything that records needs a copy this account can write",
    "the disk is full": "Free some space on that disk and try again; nothing was changed",
    "another program is using it": "Close the other callsim windows or tools using it, then "
    "try again",
    "a read or write failed": "Check the disk (or network share) holding it, then try again",
}


def database_problem(exc: BaseException) -> tuple[str, str] | None:
    """(reason, what to do) when an SQLite error is about the database file itself (damaged,
    no permission, read-only, disk full, locked, unreadable); None for anything else (a bug
    in a statement, a constraint)."""
    import sqlite3

    if not isinstance(exc, sqlite3.Error) or isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    ):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    damaged = ("malformed", "not a database", "could not decode")  # the last: garbled text
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or any(w in text for w in damaged):
        detail = str(exc).split(" with text ", 1)[0]  # never echo the garbled row itself
        return f"it is damaged: {detail}", DAMAGED_ADVICE
    if primary == _SQLITE_FULL or "disk is full" in text:
        reason = "the disk is full"
    elif primary == _SQLITE_READONLY or "readonly" in text:
        reason = "it is read-only"
    elif primary in (_SQLITE_PERM, _SQLITE_CANTOPEN) or "unable to open" in text:
        reason = "permission denied"
    elif primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        reason = "another program is using it"
    elif primary == _SQLITE_IOERR or "disk i/o" in text:
        reason = "a read or write failed"
    else:
        return None
    return reason, _ADVICE[reason]
