"""An unexpected exception is written to the log file with its traceback, and the user sees one
line naming that file: from any command, from building the parser, and from a thread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app import logs
from app.cli import main
from tests.conftest import ROOT

Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("restore_logging")  # main() points the log elsewhere


def named_log(err: str) -> Path:
    """The one line of stderr, and the log file it names."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    found = re.search(r"\(traceback in (.+)\)$", lines[0])
    assert found is not None, lines[0]
    return Path(found.group(1))


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the linter\nfell over")


def test_a_command_that_fails_writes_its_traceback_to_the_log_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("app.scenario.loader.lint_file", boom)
    assert main(["lint", "some.yaml"]) == 3
    err = capsys.readouterr().err
    log = named_log(err)
    assert err.startswith("callsim: internal error: RuntimeError: the linter fell over (")
    assert log == tmp_path / "data" / "logs" / "callsim.log"
    text = log.read_text(encoding="utf-8")
    assert "callsim lint failed (arguments: lint some.yaml)" in text
    assert "Traceback (most recent call last)" in text and "in boom" in text


def test_a_failure_while_building_the_parser_is_reported_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("app.cli.studio_cmds.register", boom)
    assert main(["demo"]) == 3
    log = named_log(capsys.readouterr().err)
    assert "in boom" in log.read_text(encoding="utf-8")


def test_the_installed_command_reports_an_internal_error_in_one_line(tmp_path: Path) -> None:
    """As a user runs it: a process of its own, through `python -m app`'s entry point."""
    code = (
        "import sys, app.headless\n"
        "def broken(*a, **k): raise KeyError('no such thing')\n"
        "app.headless.run_steps = broken\n"
        "from app.cli import main\n"
        "sys.exit(main(['demo']))\n"
    )
    env = {**os.environ, "CALLSIM_DATA_DIR": str(tmp_path / "data")}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert r.returncode == 3, r.stderr
    log = named_log(r.stderr)
    assert "KeyError: 'no such thing'" in r.stderr
    assert "in broken" in log.read_text(encoding="utf-8")


def test_where_the_log_cannot_be_written_the_traceback_goes_to_stderr(
    tmp_path: Path, capsys: Capture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    logs.setup_logging(blocker / "logs")
    try:
        boom()
    except RuntimeError as exc:
        line = logs.failure_line(exc, "testing")
    err = capsys.readouterr().err
    assert line.startswith("internal error: RuntimeError: the linter fell over (traceback above")
    assert "cannot be written" in line and str(blocker / "logs" / "callsim.log") in line
    assert "Traceback (most recent call last)" in err and "in boom" in err


def test_an_exception_in_a_thread_is_logged_and_shown_in_one_line(
    log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    log = log_file
    shown: list[str] = []
    logs.install_excepthook(shown.append)
    assert threading.excepthook is not threading.__excepthook__
    worker = threading.Thread(target=boom, name="recorder")
    worker.start()
    worker.join()
    assert shown == [f"internal error: RuntimeError: the linter fell over (traceback in {log})"]
    text = log.read_text(encoding="utf-8")
    assert "uncaught exception in thread recorder" in text and "in boom" in text


def test_another_programs_hook_is_left_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    def theirs(*args: object) -> None:
        pass

    monkeypatch.setattr(sys, "excepthook", theirs)
    logs.install_excepthook(lambda line: None)
    assert sys.excepthook is theirs
