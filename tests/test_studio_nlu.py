"""`callsim nlu`: examples the matcher hears as another intent or as nothing, examples under
two intents, and unmatched trainee lines from recorded sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.scenario.loader import load_scenario
from app.services.catalog import build_matcher
from app.studio.nlu import nlu_report, unmatched_lines

# `calm` and `breathe` both list "take a deep breath" (written differently): a deliberate
# collision.
COLLIDING = """\
format: callsim/scenario@1
id: colliding
title: Colliding
start: one
caller: {name: Jo}
intents:
  calm:
    examples: [try to stay calm for me, Take a deep breath!]
  breathe:
    examples:
      - take a deep breath
      - breathe slowly with me
  ask_location:
    examples: [what's the address, where are you]
states:
  one:
    on:
      - intent: [calm, breathe]
        say: {id: one.hi, text: "Hi."}
      - intent: ask_location
        say: {id: one.where, text: "Mill Lane."}
rubric:
  pass_mark: 50
  criteria:
    - {id: c, title: C, weight: 1, evidence: {intent: ask_location}}
library: none  # the report is about these intents alone (and stays quick to retrain)
"""


@pytest.fixture
def colliding(tmp_path: Path) -> Path:
    f = tmp_path / "colliding.yaml"
    f.write_text(COLLIDING, encoding="utf-8")
    return f


def test_report_finds_the_collision(colliding: Path) -> None:
    s = load_scenario(colliding, check=False)
    report = nlu_report(s, build_matcher(s))
    shared = [(sh.example, sh.intents, sh.first) for sh in report.shared]
    assert shared == [("take a deep breath", ("calm", "breathe"), "Take a deep breath!")]
    # the two intents cannot both hear it: one of them is reported for it
    assert {(m.intent, m.example) for m in report.misheard} in (
        {("calm", "Take a deep breath!")},
        {("breathe", "take a deep breath")},
    )
    assert report.intents == (("calm", 2), ("breathe", 2), ("ask_location", 2))
    assert report.problems == 2


def test_report_with_a_fake_matcher_says_other_and_none() -> None:
    from tests.scenario_kit import FakeMatcher, kit_scenario

    s = kit_scenario()
    fake = FakeMatcher({"hello": ("where",), "where are you": ("where",)})
    report = nlu_report(s, fake)
    by = {m.example: m.heard for m in report.misheard}
    assert by == {"hello": ("where",), "bye": (), "calm down": ()}


def test_cli_nlu_report_located_lines_and_summary(
    colliding: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nlu", str(colliding)]) == 0  # a report: exit 0 even with problems
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("calm: 2 examples")
    assert (
        f"  {colliding}:11:9: \"take a deep breath\" is under 'calm' and 'breathe' "
        '(line 8, written "Take a deep breath!")'
    ) in out
    assert out[-1].startswith("3 intents, 6 examples: ")
    assert out[-1].endswith(", 1 under two intents")
    assert main(["nlu", str(colliding), "--strict"]) == 1


def test_cli_nlu_strict_passes_on_a_clean_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "clean.yaml"
    f.write_text(COLLIDING.replace(", Take a deep breath!", ""), encoding="utf-8")
    assert main(["nlu", str(f), "--strict"]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[-1]
        .endswith("0 heard as another intent, 0 heard as nothing, 0 under two intents")
    )


def test_unmatched_lines_grouped_most_frequent_first() -> None:
    from tests.scenario_kit import FakeMatcher

    said = [
        ("Purple elephant?", ()),
        ("purple  elephant", ()),
        ("hello", ("hello",)),  # heard as an intent when recorded: not listed
        ("zebra crossing", ()),
        ("where are you", ()),  # matched nothing then, matches now: counted, not listed
        ("Purple elephant?", ()),
    ]
    u = unmatched_lines(said, FakeMatcher(), sessions=2)
    assert u.lines == [(3, "Purple elephant?"), (1, "zebra crossing")]
    assert u.now_matched == 1


def test_cli_nlu_unmatched_reads_recorded_sessions(
    colliding: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "data"))
    assert main(["nlu", str(colliding), "--unmatched"]) == 0
    assert capsys.readouterr().out == "no recorded sessions of colliding\n"
    assert not (tmp_path / "data").exists()  # a report never creates the database

    transcript = tmp_path / "t.yaml"
    transcript.write_text(
        '- say: "where are you"\n- say: "purple elephant banana"\n'
        '- say: "zebra crossing lollipop"\n- say: "Purple elephant banana!"\n- end_call: true\n',
        encoding="utf-8",
    )
    for _ in range(2):
        assert main(["play", str(colliding), str(transcript), "--record"]) == 0
    capsys.readouterr()
    assert main(["nlu", str(colliding), "--unmatched"]) == 0
    assert capsys.readouterr().out == (
        "trainee lines that matched nothing in 2 sessions of colliding:\n"
        "  4  Purple elephant banana!\n"
        "  2  zebra crossing lollipop\n"
        "2 distinct lines (6 times)\n"
    )


def test_cross_validation_gives_accuracy_collisions_and_weak_intents(colliding: Path) -> None:
    s = load_scenario(colliding, check=False)
    report = nlu_report(s, build_matcher(s))
    acc = {a.intent: a for a in report.accuracy}
    assert set(acc) == {"calm", "breathe", "ask_location"}
    assert all(a.held_out == 2 and a.accuracy is not None for a in acc.values())
    # each of the two colliding intents' "take a deep breath" is heard as the other one
    pairs = {(c.intent, c.heard_as) for c in report.collisions}
    assert ("calm", "breathe") in pairs or ("breathe", "calm") in pairs
    assert {w.intent for w in report.weak} == {"calm", "breathe", "ask_location"}
    assert all(w.reason == "only 2 examples" for w in report.weak)
    assert nlu_report(s, build_matcher(s), folds=0).accuracy == ()


def test_cross_validation_skips_a_matcher_that_cannot_be_retrained() -> None:
    from tests.scenario_kit import FakeMatcher, kit_scenario

    report = nlu_report(kit_scenario(), FakeMatcher())
    assert report.accuracy == () and report.collisions == () and report.weak == ()
