"""Reading and saving scenario files for the studio, with a backup of each version replaced.

Backups: before a save replaces a file whose content differs, the old version is copied to
`.callsim-backups/<name>.<YYYYMMDD-HHMMSS>.bak` in the file's folder; the newest
`KEEP_BACKUPS` per file are kept. A folder of dated copies (rather than one `FILE.bak`)
means two saves in a row never lose the version from before the session, and the `.bak`
suffix keeps the copies out of anything that globs `*.yaml`. Saves are atomic (written
beside the file, then moved into place), so a crash never leaves half a scenario.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.scenario.loader import read_source

BACKUP_DIR = ".callsim-backups"
KEEP_BACKUPS = 20


@dataclass(frozen=True)
class SourceText:
    text: str  # with "\n" line ends, as the editor holds it
    newline: str  # what the file used: "\n" or "\r\n"


def read_text(path: Path) -> SourceText:
    """The file as editor text; raises ScenarioError (located) if it cannot be read."""
    text, _ = read_source(path)
    newline = "\r\n" if "\r\n" in text else "\n"
    return SourceText(text.replace("\r\n", "\n"), newline)


def backups_of(path: Path) -> list[Path]:
    """The backups of `path`, oldest first."""
    folder = path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.name}.*.bak"), key=_backup_order)


def _backup_order(p: Path) -> tuple[str, int]:
    stamp = p.name[: -len(".bak")].rsplit(".", 1)[-1]  # 20250131-140211 or 20250131-140211-2
    parts = stamp.split("-")
    n = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
    return "-".join(parts[:2]), n


def save_text(path: Path, text: str, newline: str = "\n") -> Path | None:
    """Write `text` to `path` atomically; returns the backup made of the old version, if any."""
    data = text.replace("\r\n", "\n").replace("\n", newline).encode("utf-8")
    backup = None
    if path.exists():
        old = path.read_bytes()
        if old != data:
            backup = _backup(path, old)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return backup


def _backup(path: Path, data: bytes) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    same_second = [n for b in backups_of(path) if (key := _backup_order(b))[0] == stamp
                   for n in (key[1],)]  # fmt: skip
    n = max(same_second, default=0) + 1  # saves within one second: -2, -3, ...
    suffix = f"-{n}" if n > 1 else ""
    target = folder / f"{path.name}.{stamp}{suffix}.bak"
    target.write_bytes(data)
    for old in backups_of(path)[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target
