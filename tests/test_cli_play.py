"""`callsim play`, `callsim test`, `callsim match`: the outside contract (contract.md §1-3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import SCENARIOS

MODEL_ANSWER = """\
- say: "Police, what's happened?"
- say: "Is anyone hurt, and are you safe?"
- say: "What's the address?"
- log: {location: "14 Mill Lane"}
- say: "Officers will go round. Okay, I'll let you go now."
- say: "Right, bye for now."
- flag: misconduct_allegation
- say: "Are you sure it was a police officer? Do you know his name?"
- say: "That's a very serious allegation. Thank you for telling us, it will be investigated."
- log: {allegation_notes: "Officer sent friend explicit pictures"}
- end_call: true
"""


def callsim(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
    )


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text(MODEL_ANSWER)
    return p


def test_play_json_is_the_contract_result_object_and_byte_identical(transcript: Path) -> None:
    first = callsim("play", "misconduct-disclosure", str(transcript), "--json")
    second = callsim(
        "play", str(SCENARIOS / "misconduct-disclosure.yaml"), str(transcript), "--json"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # by id or by path, run twice: the same bytes
    r = json.loads(first.stdout)
    for key in (
        "scenario",
        "passed",
        "score",
        "pass_mark",
        "critical_failures",
        "criteria",
        "ended_by",
        "turns",
        "flags",
        "metrics",
    ):
        assert key in r
    assert r["scenario"] == "misconduct-disclosure"
    assert r["passed"] is True and r["ended_by"] == "trainee"
    assert r["pass_mark"] == 70
    assert r["criteria"]["allegation_flagged"]["critical"] is True
    assert r["criteria"]["allegation_flagged"]["status"] == "met"
    assert {"t", "speaker", "line_id", "text"} <= set(r["turns"][0])
    assert r["turns"][0]["speaker"] == "caller"
    assert r["flags"][0]["flag"] == "misconduct_allegation" and r["flags"][0]["raised"] is True
    assert set(r["metrics"]) >= {"duration_s", "disclosure_t", "disclosure_to_flag_s"}
    assert r["metrics"]["disclosure_to_flag_s"] > 0


def test_play_accepts_a_mapping_with_steps(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("steps:\n  - say: hello\n  - end_call: true\n")
    code = main(["play", "misconduct-disclosure", str(p), "--json"])
    assert code == 0


def test_play_human_summary_lists_critical_failures_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("- say: what's the address\n- end_call: true\n")
    assert main(["play", "misconduct-disclosure", str(p)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NOT PASSED")
    body = out.splitlines()
    crit = [i for i, ln in enumerate(body) if "allegation_flagged:" in ln][0]
    loc = [i for i, ln in enumerate(body) if " location:" in ln][0]
    assert crit < loc


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["play", "no-such-scenario", "t.yaml"], "unknown scenario id"),
        (["play", "misconduct-disclosur", "t.yaml"], "did you mean 'misconduct-disclosure'"),
        (["play", "misconduct-disclosure", "missing.yaml"], "missing.yaml:1:1: error[E001]"),
        (["match", "nope.yaml", "hello"], "nope.yaml:1:1: error[E001]"),
        (["test", "nope.yaml"], "nope.yaml:1:1: error[E001]"),
    ],
)
def test_unusable_input_exits_2_with_one_located_line(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    (tmp_path / "t.yaml").write_text("- say: hi\n")
    r = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("callsim:") or ":" in ln]) >= 1


def test_transcript_with_unknown_flag_is_located_in_the_transcript(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("- say: hi\n- flag: misconduct\n")
    r = callsim("play", "misconduct-disclosure", str(p))
    assert r.returncode == 2
    assert f"{p}:2:3: error[E020] unknown flag 'misconduct'" in r.stderr
    assert "did you mean 'misconduct_allegation'" in r.stderr


def test_match_with_text_and_from_stdin() -> None:
    r = callsim("match", "misconduct-disclosure", "is anyone hurt and are you safe?")
    assert r.returncode == 0
    found = [ln.split("\t")[0] for ln in r.stdout.splitlines()]
    assert set(found) == {"ask_injuries", "ask_caller_safe"}
    r = callsim("match", "misconduct-disclosure", stdin="what's the address\nok\n")
    rows = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert rows[0]["text"] == "what's the address" and rows[0]["intents"] == ["ask_location"]
    assert rows[1]["intents"] == []
    assert set(rows[0]) == {"text", "intents", "scores"}


def test_test_command_reports_counts_and_status(tmp_path: Path) -> None:
    r = callsim("test", str(SCENARIOS / "misconduct-disclosure.yaml"))
    assert r.returncode == 0, r.stdout
    assert r.stdout.splitlines()[-1].endswith(" passed, 0 failed")
    bad = tmp_path / "misconduct-disclosure.yaml"
    text = (SCENARIOS / "misconduct-disclosure.yaml").read_text()
    bad.write_text(
        text.replace("critical_failures: [closed_correctly]\n", "critical_failures: []\n", 1)
    )
    r = callsim("test", str(bad))
    assert r.returncode == 1
    assert r.stdout.splitlines()[-1].endswith("passed, 1 failed")
    assert "FAIL" in r.stdout and "expected critical failures []" in r.stdout


@pytest.mark.parametrize("greeting", ["Police, what's your emergency?", "Police, how can I help?"])
def test_the_operators_greeting_is_asking_what_happened_and_nothing_else(greeting: str) -> None:
    """'Police,' alone once resembled 'are you sure it was a police officer'."""
    r = callsim("match", "misconduct-disclosure", greeting)
    assert [ln.split("\t")[0] for ln in r.stdout.splitlines()] == ["ask_what_happened"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check is Linux's")
def test_callsim_without_a_display_says_so_and_shows_a_text_run() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                            "QT_QPA_PLATFORM")}  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-m", "app"], capture_output=True, text=True, env=env, check=False
    )
    assert r.returncode == 0, r.stderr
    assert "no display found" in r.stderr
    assert "PASSED" in r.stdout  # the built-in model answer, as text


def test_a_transcript_with_several_errors_does_not_send_you_to_lint(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("- flag: nope\n- flag: nada\n")
    r = callsim("play", "misconduct-disclosure", str(p))
    assert r.returncode == 2
    assert "(and 1 more)" in r.stderr and "callsim lint" not in r.stderr
