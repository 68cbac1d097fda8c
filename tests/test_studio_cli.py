"""The instructor commands' outside contract: exit statuses and one located line on stderr for
input they cannot use; the studio core imports without Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import ROOT

COMMANDS = [["graph"], ["graph", "--format", "dot"], ["lines"], ["lines", "--csv"], ["nlu"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_missing_file_exits_2_with_one_located_line(
    cmd: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "gone.yaml"
    assert main([cmd[0], str(missing), *cmd[1:]]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.splitlines() == [f"callsim: {missing}:1:1: error[E001] no such file"]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_a_file_with_errors_exits_2_at_its_first_error(
    cmd: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "broken.yaml"
    text = (ROOT / "resources" / "scenario-template.yaml").read_text(encoding="utf-8")
    f.write_text(text.replace("goto: disclosed", "goto: disclosd"), encoding="utf-8")
    assert main([cmd[0], str(f), *cmd[1:]]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"callsim: {f}:")
    assert "error[E020]" in err[0] and "did you mean 'disclosed'" in err[0]


def test_bad_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("id: [unclosed\n", encoding="utf-8")
    assert main(["graph", str(f)]) == 2
    assert capsys.readouterr().err.startswith(f"callsim: {f}:2:1: error[E002] YAML syntax")


def test_unknown_scenario_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lines", "misconduct-disclosur"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "did you mean 'misconduct-disclosure'" in err[0]


def test_a_shipped_scenario_by_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "misconduct-disclosure"]) == 0
    assert "flowchart TD" in capsys.readouterr().out


def test_commands_run_as_a_program() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "app", "schema"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0 and r.stdout.startswith("{")
    r = subprocess.run(
        [sys.executable, "-m", "app", "nlu", "no/such.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2
    assert r.stderr == "callsim: no/such.yaml:1:1: error[E001] no such file\n"


def test_studio_imports_and_runs_without_qt() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "app" / "studio").glob("*.py")
    )
    script = f"""
import sys
for name in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
    sys.modules[name] = None  # any import of Qt now raises ImportError
import importlib
for m in {modules!r} + ["app.cli.studio_cmds"]:
    importlib.import_module(m)
from app.cli import main
sys.exit(main(["graph", "misconduct-disclosure", "--format", "dot"]))
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith('digraph "misconduct-disclosure"')
    assert len(modules) >= 8
