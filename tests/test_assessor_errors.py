"""Every error located (issue #12, item 4): permission, full-disk, damaged and read-only
problems in `verify`, `report`, `export` and `sessions` give one line naming the file and what
to do (exit 2), never "internal error"; a report or export that cannot be written leaves no
partial or 0-byte file; `verify` runs SQLite's and the search index's integrity checks."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.assessor.auth import AssessorAuth
from app.assessor.files import OutputFileError, write_atomically
from app.cli import main
from app.storage import SessionStore
from app.storage.errors import DatabaseFileError
from tests.assessor_kit import SHORT, record
from tests.conftest import ROOT

Capture = pytest.CaptureFixture[str]
PASSPHRASE = "assessors only"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    monkeypatch.setenv("CALLSIM_PASSPHRASE_FILE", str(secret))
    return folder


@pytest.fixture
def sid(data: Path, tmp_path: Path) -> str:
    with SessionStore(data / "callsim.db") as store:
        found = record(store, tmp_path)
        record(store, tmp_path, SHORT, trainee="Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    return found


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    return lines[0]


def disk_full(*_args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# -- a report or export that cannot be written --------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["report", "{sid}", "--format", "html", "--out", "{out}"], "report"),
        (["report", "{sid}", "--format", "pdf", "--out", "{out}"], "PDF report"),
        (["export", "--csv", "{out}"], "CSV export"),
    ],
)
def test_a_full_disk_leaves_no_partial_file(
    sid: str,
    tmp_path: Path,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    what: str,
    request: pytest.FixtureRequest,
) -> None:
    if what == "PDF report":
        request.getfixturevalue("qapp")  # Qt draws the PDF: the one application of the run
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / "out.file"
    words = [a.format(sid=sid, out=out) for a in argv]
    monkeypatch.setattr(os, "fsync", disk_full)  # the write fails as a full disk's does
    assert main(words) == 2
    line = one_line(capsys.readouterr().err)
    assert line == (
        f"callsim: {out}: cannot write the {what} (the disk is full); nothing was written. "
        "Free some space on that disk, or choose another folder"
    )
    assert list(reports.iterdir()) == []  # no 0-byte file, no temporary file
    out.write_bytes(b"the report of last week")
    assert main(words) == 2
    assert "the file already there is unchanged" in one_line(capsys.readouterr().err)
    assert out.read_bytes() == b"the report of last week"
    assert [p.name for p in reports.iterdir()] == ["out.file"]
    monkeypatch.undo()


def test_the_written_files_are_whole(sid: str, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", sid, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE is Linux's")
def test_a_real_write_error_from_the_kernel(sid: str, tmp_path: Path, data: Path) -> None:
    """A file-size limit makes the kernel refuse the write part-way (EFBIG), as a disk that
    fills up would: still one line, and nothing left behind."""
    out = tmp_path / "reports" / "r.html"
    out.parent.mkdir()
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); "
        "from app.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CALLSIM_DATA_DIR": str(data)}
    proc = subprocess.run(
        [sys.executable, "-c", code, "report", sid, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc.stderr)
    assert line.startswith(f"callsim: {out}: cannot write the report (")
    assert "nothing was written" in line
    assert list(out.parent.iterdir()) == []


def test_an_output_folder_that_cannot_be_written(tmp_path: Path) -> None:
    target = tmp_path / "r.html"

    def refuse(*_a: object, **_k: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    import tempfile

    original = tempfile.mkstemp
    tempfile.mkstemp = refuse  # type: ignore[assignment]
    try:
        with pytest.raises(OutputFileError) as info:
            write_atomically(target, b"x", what="report")
    finally:
        tempfile.mkstemp = original
    assert str(info.value) == (
        f"{target}: cannot write the report (it is read-only); nothing was written. "
        "Choose a folder this account can write"
    )
    with pytest.raises(OutputFileError, match="there is no such folder"):
        write_atomically(tmp_path / "nope" / "r.html", b"x", what="report")


# -- a damaged database -----------------------------------------------------------------------
def _garble(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER sessions_sealed")
        conn.execute(sql)
    conn.close()


def test_a_row_garbled_on_disk_is_said_plainly(
    sid: str, data: Path, tmp_path: Path, capsys: Capture
) -> None:
    """A stored result whose bytes are no longer text (what a damaged sector gives)."""
    db = data / "callsim.db"
    _garble(db, f"UPDATE sessions SET result_json = CAST(X'7b22ff' AS TEXT) WHERE id = '{sid}'")
    for argv in (
        ["verify", sid],
        ["report", sid, "--out", str(tmp_path / "r.html")],
        ["export", "--csv", str(tmp_path / "all.csv")],
    ):
        assert main(argv) == 2, argv
        line = one_line(capsys.readouterr().err)
        assert line.startswith(f"callsim: {db}: cannot read the callsim database (it is damaged")
        assert "Keep this file unchanged as evidence and restore the database from a backup" in line
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "all.csv").exists()
    # Verifying the whole database goes on past it, naming it and what is still intact.
    assert main(["verify"]) == 2
    captured = capsys.readouterr()
    assert f"ALTERED: session {sid[:12]}: it cannot be read (it is damaged" in captured.out
    assert "verified: session " in captured.out  # the other session
    assert "(1 session unreadable)" in one_line(captured.err)


def test_a_file_that_is_no_longer_a_database(
    sid: str, data: Path, tmp_path: Path, capsys: Capture
) -> None:
    db = data / "callsim.db"
    with open(db, "r+b") as f:
        f.write(b"this is not SQLite any more")
    for argv in (
        ["sessions", "list"],
        ["verify", sid],
        ["report", sid, "--out", str(tmp_path / "r.html")],
        ["export", "--csv", str(tmp_path / "all.csv")],
    ):
        assert main(argv) == 2, argv
        line = one_line(capsys.readouterr().err)
        assert f"{db}: cannot " in line and "the callsim database (it is damaged" in line, line


def test_verify_runs_sqlites_integrity_check(sid: str, data: Path, capsys: Capture) -> None:
    """An index page emptied on disk: the rows still read, SQLite's own check finds it."""
    db = data / "callsim.db"
    conn = sqlite3.connect(db)
    (page,) = conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'sessions_trainee' AND pagetype = 'leaf'"
    ).fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(db, "r+b") as f:
        f.seek(page * size - 200)
        f.write(b"\0" * 200)
    assert main(["verify", sid]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"ALTERED: session {sid[:12]}: database: SQLite's integrity check: ")
    assert "index sessions_trainee" in first


# -- permission, full disk and read-only for the database itself --------------------------------
def test_a_database_this_account_cannot_open(
    sid: str, data: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.storage.store as store_module

    def refused(*_a: object, **_k: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_module.sqlite3, "connect", refused)
    db = data / "callsim.db"
    for argv in (["verify", sid], ["report", sid, "--out", str(tmp_path / "r.html")]):
        assert main(argv) == 2
        line = one_line(capsys.readouterr().err)
        assert line.startswith(f"callsim: {db}: cannot read the callsim database (permission")
        assert "Ask IT to give this account access" in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_a_database_without_read_permission(sid: str, data: Path, capsys: Capture) -> None:
    db = data / "callsim.db"
    db.chmod(0)
    try:
        assert main(["verify", sid]) == 2
        line = one_line(capsys.readouterr().err)
        assert f"{db}: cannot read the callsim database (permission denied)" in line
    finally:
        db.chmod(0o600)


def test_a_full_disk_while_recording_rolls_back(tmp_path: Path) -> None:
    """SQLite's own 'database or disk is full' (its page limit reached): one located error,
    and nothing half-written."""
    with SessionStore(tmp_path / "callsim.db") as store:
        record(store, tmp_path, SHORT)
        (pages,) = store._fetch("PRAGMA page_count")[0]
        store._fetch(f"PRAGMA max_page_count = {int(pages)}")
        with pytest.raises(DatabaseFileError) as info:
            record(store, tmp_path)
        assert info.value.reason == "the disk is full"
        assert str(info.value).startswith(f"{store.path}: cannot write to the callsim database")
        assert len(store.session_ids()) in (1, 2)  # the new session, if started, is whole
        for sid in store.session_ids():
            assert store.verify(sid).ok


def test_setting_the_passphrase_on_a_full_disk(
    data: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    SessionStore(data / "callsim.db").close()
    import app.storage.meta_repo as meta

    def full(*_a: object, **_k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(meta, "append_entry", full)
    new = tmp_path / "new"
    new.write_text("a new passphrase\n", encoding="utf-8")
    new.chmod(0o600)
    assert main(["assessor", "passphrase", "--new-passphrase-file", str(new)]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{data / 'callsim.db'}: cannot write to the callsim database (the disk is full)" in line
    assert "Free some space on that disk and try again; nothing was changed" in line
    with SessionStore(data / "callsim.db") as store:
        assert not AssessorAuth(store).is_set()  # rolled back


def test_sessions_list_on_a_read_only_database(
    sid: str, data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writable open cannot mark interrupted sessions: the list is read read-only."""

    def read_only(self: SessionStore) -> list[str]:
        raise DatabaseFileError(self.path, "it is read-only", "", action="write to")

    monkeypatch.setattr(SessionStore, "mark_interrupted", read_only)
    assert main(["sessions", "list", "--json"]) == 0
    assert sid in capsys.readouterr().out


def test_an_internal_error_names_the_log(
    sid: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch, log_file: Path
) -> None:
    def bug(*_a: object, **_k: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("app.assessor.verify.verify_session", bug)
    assert main(["verify", sid]) == 3
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "internal error" in err and "Traceback" not in err
    assert "callsim.log" in err  # the file that holds the traceback
