"""The file behind the editor: where it is, what was last read from or written to disk, and a
watch on it, so a change made elsewhere (another editor, `callsim tag`, a `git pull`) is
noticed. Our own saves are told apart by content, not by timing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from app.studio.files import read_text, save_text


class Document(QObject):
    sig_file_changed_on_disk = Signal(str)
    """The open file changed (or was deleted) on disk and now differs from what we have."""

    sig_document_saved = Signal(str, object)
    """The text was saved to this path; the second argument is the backup made (a Path), or
    None when there was no older, different version to keep."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.suggested: Path | None = None  # for a new file: where Save offers to put it
        self.newline = "\n"
        self._disk: bytes | None = None  # the file's bytes as we last read or wrote them
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._changed)

    @property
    def name(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.suggested.name if self.suggested is not None else "untitled.yaml"

    def open(self, path: Path) -> str:
        """Read `path` (raises ScenarioError if it cannot be used) and watch it."""
        src = read_text(path)
        self._set_path(path)
        self.newline = src.newline
        self._disk = path.read_bytes()
        return src.text

    def new(self, suggested: Path) -> None:
        self._set_path(None)
        self.suggested = suggested
        self.newline = "\n"
        self._disk = None

    def save(self, text: str, path: Path | None = None) -> Path | None:
        """Write `text` to `path` (default: the current file), keeping a backup; raises
        OSError when it cannot be written."""
        target = path or self.path
        if target is None:
            raise ValueError("no file name: use save as")
        backup = save_text(target, text, self.newline)
        self._disk = target.read_bytes()
        if target != self.path:
            self._set_path(target)
        else:
            self._rewatch()
        self.sig_document_saved.emit(str(target), backup)
        return backup

    def reload(self) -> str:
        assert self.path is not None
        return self.open(self.path)

    def accept_disk_version(self) -> None:
        """Keep our text although the file changed: the next save overwrites it."""
        if self.path is not None and self.path.exists():
            self._disk = self.path.read_bytes()

    # -- watching ---------------------------------------------------------------------------
    def _set_path(self, path: Path | None) -> None:
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.path = path.resolve() if path is not None else None
        self._rewatch()

    def _rewatch(self) -> None:
        # An atomic save (ours or another editor's) replaces the file, and the watch goes
        # with the old one: watch the path again whenever it exists.
        if self.path is not None and self.path.exists():
            if str(self.path) not in self._watcher.files():
                self._watcher.addPath(str(self.path))

    def _changed(self, changed: str) -> None:
        if self.path is None or Path(changed) != self.path:
            return
        self._rewatch()
        try:
            now = self.path.read_bytes()
        except OSError:
            now = None  # deleted or unreadable
        if now == self._disk:
            return  # our own save, or a touch that changed nothing
        self._disk = now
        self.sig_file_changed_on_disk.emit(str(self.path))
