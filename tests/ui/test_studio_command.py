"""`callsim studio [FILE]`: Qt only when the window opens, and one clear line (exit 2) when it
cannot."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SCENARIOS


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


def _no_display() -> dict[str, str]:
    drop = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_without_a_display_it_says_so_in_one_line() -> None:
    code = (
        "import sys; from app.cli import main; "
        f"sys.exit(main(['studio', {str(SCENARIOS / 'rushed-caller.yaml')!r}]))"
    )
    r = _run(code, _no_display())
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "studio" in lines[0]
    assert r.stdout == ""


def test_a_missing_file_is_reported_before_any_qt_is_loaded() -> None:
    code = (
        "import sys\n"
        "for name in ('PySide6', 'shiboken6'):\n"
        "    sys.modules[name] = None\n"
        "from app.cli import main\n"
        "sys.exit(main(['studio', 'nowhere/missing.yaml']))\n"
    )
    r = _run(code, dict(os.environ))
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == (
        "callsim: nowhere/missing.yaml: no such file (start one with `callsim new ID`)"
    )


def test_the_command_is_listed() -> None:
    r = _run("from app.cli import main; main(['--help'])", dict(os.environ))
    assert "studio" in r.stdout
