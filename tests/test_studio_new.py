"""The scenario template and `callsim new`: it lints clean and its playtests pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.scenario.loader import lint_file, load_scenario
from app.studio.template import TEMPLATE_ID
from tests.conftest import ROOT

TEMPLATE = ROOT / "resources" / "scenario-template.yaml"


def test_template_lints_clean_and_passes(tmp_path: Path) -> None:
    f = tmp_path / f"{TEMPLATE_ID}.yaml"
    shutil.copy(TEMPLATE, f)
    assert lint_file(f) == []
    s = load_scenario(f)
    assert s.id == TEMPLATE_ID
    # what the template promises to show an instructor
    own = [i for i in s.intents.values() if i.origin is None]  # beside the library's
    assert len(s.states) == 2 and len(own) == 1  # the routine moves are the library's
    assert s.replies == "each"
    # the caller answers every library move (so lint's W111 is on, and clean)
    answered = set(s.answers) | {i for h in s.all_handlers() for i in h.intents}
    assert {i for i, x in s.intents.items() if x.origin is not None} <= answered
    assert {h.trigger for h in s.global_handlers} >= {"closing_attempt", "silence", "fallback"}
    assert any(c.critical for c in s.rubric.criteria)
    assert s.debrief.summary and len(s.playtests) == 3
    assert main(["test", str(f)]) == 0


def test_new_writes_a_clean_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "stolen-car", "--out", str(tmp_path)]) == 0
    f = tmp_path / "stolen-car.yaml"
    assert capsys.readouterr().out.strip() == str(f)
    text = f.read_text(encoding="utf-8")
    assert "\nid: stolen-car\n" in text
    assert text.replace("id: stolen-car", f"id: {TEMPLATE_ID}") == TEMPLATE.read_text("utf-8")
    assert lint_file(f) == []
    assert main(["test", str(f)]) == 0
    assert "3 passed, 0 failed" in capsys.readouterr().out


def test_new_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("mine", encoding="utf-8")
    assert main(["new", "mine", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"callsim: {f}: already exists; choose another id or --out folder"]
    assert f.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("bad", ["Stolen Car", "stolen_car", "x-", "../escape"])
def test_new_rejects_a_bad_id(bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", bad, "--out", str(tmp_path)]) == 2
    assert "not a valid scenario id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_new_into_a_missing_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "x", "--out", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip().endswith("nope: no such directory")


def test_new_defaults_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "here"]) == 0
    assert (tmp_path / "here.yaml").is_file()
