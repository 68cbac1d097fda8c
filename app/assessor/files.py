"""Writing a report or an export so that a failure leaves nothing half-written.

The bytes go to a temporary file in the same folder (so the rename cannot cross disks), are
flushed to the disk, and the temporary file is renamed over the destination only when all of
it is written. On any error the temporary file is removed: the destination is either the
complete new file or whatever was there before, never a partial or 0-byte one. The error
comes back as one `OutputFileError` naming the file, what went wrong and what to do.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.storage.errors import folder_reason

_ADVICE = {
    "the disk is full": "Free some space on that disk, or choose another folder",
    "it is read-only": "Choose a folder this account can write",
    "permission denied": "Choose a folder this account can write",
    "there is no such folder": "Check the path, or create the folder first",
}


class OutputFileError(OSError):
    """A report or export could not be written; nothing partial was left behind."""

    def __init__(self, path: Path, reason: str, *, what: str, existed: bool) -> None:
        self.path = str(path)
        self.reason = reason
        kept = "; the file already there is unchanged" if existed else ""
        advice = _ADVICE.get(reason, "Try again, or choose another folder")
        super().__init__(
            f"{path}: cannot write the {what} ({reason}); nothing was written{kept}. {advice}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def write_atomically(path: Path | str, data: bytes, *, what: str = "file") -> None:
    """Write `data` to `path` whole or not at all (see the module docstring)."""
    path = Path(path)
    folder = path.parent
    existed = path.exists()
    if not folder.is_dir():
        raise OutputFileError(path, "there is no such folder", what=what, existed=existed)
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise OutputFileError(path, folder_reason(exc), what=what, existed=existed) from exc
    part = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # a full disk often shows only here (or on close)
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise OutputFileError(path, folder_reason(exc), what=what, existed=existed) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
