"""Every loader error code, located exactly (`path:line:col: error[CODE]`) with a useful
message; the `callsim` exit codes and one-line errors for unusable input; and the guarantees
that nothing in a scenario file is ever constructed or run as Python.

Each case edits one spot of MINIMAL (a small valid, lint-clean scenario) and names the text
where the problem must be reported; `at()` turns that into the expected line and column.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main
from app.scenario import expr
from app.scenario.loader import lint_file, load_scenario, load_scenario_text
from app.scenario.problems import Problem, ScenarioError
from app.scenario.transcript import load_transcript

MINIMAL = """\
format: callsim/scenario@1
id: tiny
title: Tiny
start: opening
caller: {name: Jo, default_emotion: calm}
emotions:
  calm: {rate: 1.0}
variables:
  told: {type: bool, default: false}
flags:
  risk: {label: Risk}
log_fields:
  notes: {label: Notes}
intents:
  ask_location:
    examples: [where are you, what's the address]
  attempt_close:
    closing: true
    examples: [ok bye, goodbye then]
    patterns: [{any: [bye, goodbye]}]
states:
  opening:
    say:
      - {id: open.hello, text: "Hello? I need the police."}
    on:
      - intent: ask_location
        say: {id: open.where, text: "Twelve Hollins Road."}
        goto: talking
  talking:
    on:
      - event: closing_attempt
        when: not told
        say: {id: talk.wait, emotion: calm, text: "Wait, there's something else."}
        set: {told: true}
        mark: disclosure
global:
  - event: silence
    after: 15s
    say: {id: g.sil, text: "Hello?"}
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
rubric:
  pass_mark: 70
  criteria:
    - id: location
      title: Asked where the caller is
      weight: 1
      evidence: {intent: ask_location}
    - id: flagged
      title: Flagged the risk after the disclosure
      weight: 9
      critical: true
      evidence: {flag: risk, after: "mark:disclosure"}
  metrics:
    disclosure_t: {at: "mark:disclosure"}
playtests:
  - name: model answer
    steps:
      - {say: "Where are you?", expect_intent: ask_location}
      - {caller: open.where}
      - {say: "Okay, bye.", expect_intent: attempt_close}
      - {caller: talk.wait}
      - {flag: risk}
      - {end_call: true}
    expect: {passed: true, score: 100}
assessment: {title: A small call, spoilers: [something else]}
"""


def at(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The 1-based line and column of the `occurrence`-th `needle` in `text`."""
    i = -1
    for _ in range(occurrence):
        i = text.index(needle, i + 1)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def edit(old: str, new: str) -> str:
    assert MINIMAL.count(old) == 1, f"not exactly one {old!r} in MINIMAL"
    return MINIMAL.replace(old, new)


def problems_of(text: str, path: str = "case.yaml") -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, path)
    return info.value.problems


@dataclass(frozen=True)
class Case:
    name: str
    old: str  # replaced (once) in MINIMAL...
    new: str  # ...by this
    code: str
    where: str  # the problem is reported at this text in the edited file
    message: str  # a fragment of the message
    occurrence: int = 1  # which occurrence of `where`
    shift: int = 0  # columns after the start of `where`

    @property
    def text(self) -> str:
        return edit(self.old, self.new)


# fmt: off
CASES = [
    # E002: YAML syntax
    Case("unclosed flow list", "title: Tiny", "title: [Tiny", "E002", ": opening", "expected ','"),
    Case("tab indentation", "title: Tiny", "title: Tiny\n\tbad: 1", "E002", "\tbad", "'\\t'"),
    Case("NUL character", "title: Tiny", "title: Ti\x00ny", "E002", "\x00", "U+0000"),
    Case("control character", "Tiny", "Ti\x07ny", "E002", "\x07", "U+0007"),
    Case("second document", "\nplaytests:", "\n---\nplaytests:", "E002", "playtests:",
         "only one YAML document"),
    # E003: duplicate keys, reported at the second one
    Case("duplicate top-level key", "title: Tiny", "title: Tiny\ntitle: Again", "E003", "title",
         "duplicate key 'title' (first at line 3)", occurrence=2),
    Case("duplicate nested key", "    after: 15s", "    after: 15s\n    after: 20s", "E003",
         "after", "duplicate key 'after'", occurrence=2),
    # E004: tags never construct anything
    Case("python tag", "title: Tiny", 'title: !!python/object/apply:os.system ["echo hi"]', "E004",
         "!!python", "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not"),
    Case("local tag", "title: Tiny", "title: !foo Tiny", "E004", "!foo", "YAML tag '!foo'"),
    Case("tag on a nested list", "examples: [where", "examples: !!set [where", "E004", "!!set",
         "not allowed"),
    Case("tag on a key", "title: Tiny", "!foo title: Tiny", "E004", "!foo", "YAML tag '!foo'"),
    Case("merge key", "  calm: {rate: 1.0}", "  base: &b {rate: 1.0}\n  calm: {<<: *b}", "E004",
         "<<", "merge keys"),
    # E005: absurd files
    Case("nesting", "title: Tiny", "title: Tiny\nsummary: " + "[" * 80 + "]" * 80, "E005",
         "summary: ", "nesting deeper than 64", shift=9 + 64),  # the 65th list
    # E010: wrong type
    Case("text given a list", "title: Tiny", "title: [a, b]", "E010", "[a, b]",
         "title must be text, not a list"),
    Case("number given text", "pass_mark: 70", "pass_mark: high", "E010", "high",
         "pass_mark must be a number, not text"),
    Case("infinite number", "weight: 1\n", "weight: .inf\n", "E010", ".inf",
         "weight must be a number, not inf"),
    Case("ids given a list", "log_fields:\n  notes: {label: Notes}", "log_fields: [notes]", "E010",
         "[notes]", "log_fields must be a mapping of ids"),
    Case("bare line text", '    say: {id: g.fb, text: "Sorry?"}', "    say: Sorry?", "E010",
         "Sorry?", "not bare text"),
    Case("boolean given text", "closing: true", "closing: yes", "E010", "yes",
         "closing must be true or false"),
    # E011: missing keys
    Case("missing title", "title: Tiny\n", "", "E011", "format", "missing required key 'title'"),
    Case("silence without after", "    after: 15s\n", "", "E011", "event: silence",
         "needs 'after'"),
    Case("empty intent list", "- intent: ask_location", "- intent: []", "E011", "[]",
         "'intent' needs at least one intent id"),
    Case("criterion without evidence", "      evidence: {intent: ask_location}\n", "", "E011",
         "id: location", "needs 'evidence'"),
    Case("intent with nothing to match",
         "    examples: [ok bye, goodbye then]\n    patterns: [{any: [bye, goodbye]}]\n", "",
         "E011", "attempt_close", "needs examples or patterns"),
    # E012: unknown keys, with "did you mean"
    Case("misspelt top-level key", "title: Tiny", "title: Tiny\nsumary: Hi", "E012", "sumary",
         "unknown key 'sumary' in the scenario (did you mean 'summary'?)"),
    Case("misspelt handler key", "goto: talking", "gotoo: talking", "E012", "gotoo",
         "unknown key 'gotoo' in a handler (did you mean 'goto'?)"),
    # E013: a value out of range or not one of the choices
    Case("pass mark over 100", "pass_mark: 70", "pass_mark: 150", "E013", "150",
         "pass_mark must be from 0 to 100, not 150"),
    Case("zero weight", "weight: 1\n", "weight: 0\n", "E013", "weight: 0",
         "weight must be greater than 0", shift=8),
    Case("huge weight", "weight: 1\n", "weight: 1" + "0" * 400 + "\n", "E013", "1000",
         "weight is too large"),
    Case("wrong format", "format: callsim/scenario@1", "format: callsim/scenario@2", "E013",
         "callsim/scenario@2", "format must be 'callsim/scenario@1'"),
    Case("misspelt event", "event: closing_attempt", "event: closing_atempt", "E013",
         "closing_atempt", "unknown event 'closing_atempt' (did you mean 'closing_attempt'?)"),
    Case("fallback false", "- fallback: true", "- fallback: false", "E013", "fallback: false",
         "write 'fallback: true'", shift=10),
    Case("empty condition", "when: not told", "when: ' '", "E013", "' '",
         "when must not be empty"),
    # E014: durations
    Case("duration in words", "after: 15s", "after: soon", "E014", "soon",
         "after must be a duration like 20s or 1.5m, not 'soon'"),
    Case("negative duration", "after: 15s", "after: -5", "E014", "-5", "not -5"),
    Case("pause", 'text: "Sorry?"', 'text: "Sorry?", pause_before: a bit', "E014", "a bit",
         "pause_before must be a duration"),
    # E015: ids
    Case("scenario id", "id: tiny", "id: Tiny Case", "E015", "Tiny Case",
         "scenario id 'Tiny Case' is not a valid id"),
    Case("line id", "id: open.hello", "id: Open Hello", "E015", "Open Hello",
         "line id 'Open Hello' is not a valid id (like open.hello)"),
    Case("intent id", "  ask_location:\n    examples", "  Ask-Location:\n    examples", "E015",
         "Ask-Location", "intents 'Ask-Location' is not a valid id"),
    # E020: unknown references, with "did you mean"
    Case("goto", "goto: talking", "goto: talkin", "E020", "goto: talkin",
         "unknown state 'talkin' (did you mean 'talking'?)"),
    Case("start", "start: opening", "start: openin", "E020", "openin",
         "unknown start state 'openin' (did you mean 'opening'?)"),
    Case("default emotion", "default_emotion: calm", "default_emotion: clam", "E020", "clam",
         "unknown default_emotion 'clam' (did you mean 'calm'?)"),
    Case("handler intent", "- intent: ask_location", "- intent: ask_locaton", "E020",
         "intent: ask_locaton", "unknown intent 'ask_locaton' (did you mean 'ask_location'?)"),
    Case("evidence flag", "{flag: risk,", "{flag: rsk,", "E020", "{flag: rsk",
         "unknown flag 'rsk' (did you mean 'risk'?)"),
    Case("line ref", '    say: {id: g.fb, text: "Sorry?"}', "    say: {ref: open.helo}", "E020",
         "open.helo", "ref to unknown line 'open.helo' (did you mean 'open.hello'?)"),
    Case("emotion", "emotion: calm,", "emotion: clam,", "E020", "talk.wait",
         "unknown emotion 'clam' (did you mean 'calm'?)"),
    Case("anchor", 'after: "mark:disclosure"}', 'after: "mark:disclosur"}', "E020", "{flag: risk",
         "unknown mark in anchor 'disclosur' (did you mean 'disclosure'?)"),
    Case("criterion in a playtest", "expect: {passed: true, score: 100}",
         "expect: {passed: true, criteria: {flaged: met}}", "E020", "{passed",
         "unknown criterion 'flaged' (did you mean 'flagged'?)"),
    Case("name in a condition", "when: not told", "when: not tolld", "E020", "tolld",
         "unknown name 'tolld' (did you mean 'told'?)"),
    Case("intent in a condition", "when: not told", "when: told or asked.ask_locaton", "E020",
         "asked.ask_locaton", "unknown intent 'ask_locaton' (did you mean 'ask_location'?)"),
    Case("caller line in a playtest", "{caller: open.where}", "{caller: open.wher}", "E020",
         "{caller", "unknown line 'open.wher' (did you mean 'open.where'?)"),
    # E021: duplicate ids
    Case("duplicate line id", "{id: g.fb, text", "{id: open.hello, text", "E021", "open.hello",
         "line id 'open.hello' is already used at line 24", occurrence=2),
    Case("duplicate criterion id", "id: flagged", "id: location", "E021", "id: location",
         "criterion 'location' is already defined at line 45", occurrence=2, shift=4),
    # E022: exactly one of...
    Case("two triggers", "  - fallback: true", "  - fallback: true\n    intent: ask_location",
         "E022", "fallback: true",
         "exactly one of 'intent', 'event' or 'fallback' (found intent, fallback)"),
    Case("two evidence kinds", "{intent: ask_location}", "{intent: ask_location, flag: risk}",
         "E022", "{intent", "evidence needs exactly one of"),
    Case("metric with at and from", '{at: "mark:disclosure"}',
         '{at: "mark:disclosure", from: "mark:disclosure"}', "E022", "{at",
         "needs either 'at' or both 'from' and 'to'"),
    Case("step with two actions", "{flag: risk}", "{flag: risk, wait: 2s}", "E022",
         "{flag: risk, wait", "a step needs exactly one of"),
    # E023: a key that does not apply here
    Case("after on an intent handler", "        goto: talking",
         "        goto: talking\n        after: 5s", "E023", "after: 5s",
         "'after' only applies to event: silence"),
    Case("held_at_end on intent evidence", "{intent: ask_location}",
         "{intent: ask_location, held_at_end: true}", "E023", "held_at_end",
         "'held_at_end' only applies to flag evidence"),
    Case("flag on a fallback", "  - fallback: true", "  - fallback: true\n    flag: risk", "E023",
         "flag: risk\n", "'flag' only applies to flag_raised/flag_lowered"),
    # E030: conditions are a whitelist, never Python
    Case("import", "when: not told", "when: __import__('os')", "E030", "__import__",
         "'__import__('os')' is not allowed in a condition"),
    Case("call", "when: not told", "when: not told and len(told)", "E030", "len(",
         "'len(told)' is not allowed"),
    Case("attribute", "when: not told", "when: told.__class__", "E030", "told.__class__",
         "dotted names must start with one of: count, asked, flags, log, marked"),
    Case("deep attribute", "when: not told", "when: flags.risk.real", "E030", "flags.risk.real",
         "dotted names must start with one of"),
    Case("lambda", "when: not told", 'when: "lambda: 1"', "E030", "lambda", "'lambda: 1' is not"),
    Case("arithmetic beyond + - *", "when: not told", "when: 2 ** 8 == 256", "E030", "2 ** 8",
         "only + - * arithmetic is allowed"),
    Case("a 401-digit number", "when: not told", "when: count.turns > 1" + "0" * 400, "E030",
         "1000", "is too large (at most 1000000000)"),
    Case("syntax", "when: not told", "when: not told and", "E030", "not told and",
         "invalid condition"),
    Case("unknown operator", "when: not told", "when: told is told", "E030", "told is",
         "only == != < <= > >= comparisons are allowed"),
    # E032: the types of variables
    Case("set a bool to a number", "set: {told: true}", "set: {told: 3}", "E032", "set:",
         "variable 'told' is bool; cannot set it to 3"),
    Case("add to a bool", "set: {told: true}", "add: {told: 1}", "E032", "add:",
         "'add' needs an int variable; 'told' is bool"),
    Case("arithmetic on true/false", "when: not told", "when: told + 1 > 1", "E032", "told +",
         "arithmetic needs numbers, but 'told' is true/false"),
    Case("set a bool to a number expression", "set: {told: true}",
         'set: {told: {expr: "count.turns + 1"}}', "E032", "count.turns + 1",
         "variable 'told' is bool, but 'count.turns + 1' gives a number"),
]
# fmt: on


def test_minimal_is_valid_and_lint_clean(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(MINIMAL, "utf-8")
    assert load_scenario(path).id == "tiny"
    assert lint_file(path) == []


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{c.name}" for c in CASES])
def test_error_is_located_and_explained(case: Case) -> None:
    text = case.text
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, case.where, case.occurrence)
    expected = f"case.yaml:{line}:{col + case.shift}: error[{case.code}] "
    assert [str(p)[: len(expected)] for p in errors] == [expected], [str(p) for p in errors]
    assert case.message in errors[0].message


def test_each_error_code_is_covered() -> None:
    codes = {c.code for c in CASES} | {"E001"}
    assert codes == {
        "E001", "E002", "E003", "E004", "E005", "E010", "E011", "E012", "E013", "E014", "E015",
        "E020", "E021", "E022", "E023", "E030", "E032",
    }  # fmt: skip


def test_one_lint_run_reports_every_error_in_file_order(tmp_path: Path) -> None:
    text = edit("goto: talking", "goto: talkin")
    text = text.replace("after: 15s", "after: soon").replace("title: Tiny", "titel: Tiny")
    path = tmp_path / "tiny.yaml"
    path.write_text(text, "utf-8")
    got = [(p.line, p.col, p.code) for p in lint_file(path)]
    assert got == [(1, 1, "E011"), (3, 1, "E012"), (38, 12, "E014")]
    # the unknown goto is a reference: checked once the shape is sound
    path.write_text(edit("goto: talking", "goto: talkin"), "utf-8")
    assert [(p.line, p.col, p.code) for p in lint_file(path)] == [(28, 9, "E020")]


# -- problems that only a file on disk can have ---------------------------------------------
def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.errors) == 1
    return str(info.value.errors[0])


def test_e001_missing_file_and_directory(tmp_path: Path) -> None:
    assert (
        load_error(tmp_path / "nope.yaml")
        == f"{tmp_path / 'nope.yaml'}:1:1: error[E001] no such file"
    )
    assert load_error(tmp_path) == f"{tmp_path}:1:1: error[E001] is a directory"


def test_e002_bytes_that_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_bytes(MINIMAL.replace("title: Tiny", "title: Ti\xffny").encode("latin-1"))
    assert load_error(path) == f"{path}:3:10: error[E002] the file is not valid UTF-8 text"
    path.write_bytes(MINIMAL.replace("title: Tiny", "title: Ti\x00ny").encode())
    assert load_error(path) == f"{path}:3:1: error[E002] the file contains NUL bytes"


def test_empty_file_and_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text("# nothing here\n", "utf-8")
    assert load_error(path) == f"{path}:1:1: error[E011] the file is empty"
    path.write_text("- just\n- a list\n", "utf-8")
    assert load_error(path) == f"{path}:1:1: error[E010] the scenario must be a mapping, not a list"


def test_e005_alias_bombs_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        prev, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    errors = problems_of("\n".join(lines) + "\n")
    assert [(p.code, p.message) for p in errors] == [
        ("E005", "file expands to more than 200000 values")
    ]


def test_no_python_warnings_leak_from_odd_yaml_or_conditions() -> None:
    reused_anchor = edit("  calm: {rate: 1.0}", "  calm: &a {rate: 1.0}\n  sad: &a {rate: 0.9}")
    odd_number = edit("when: not told", "when: not told or 1or told")  # Python warns on `1or`
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_scenario_text(reused_anchor, "tiny.yaml").emotions["sad"].rate == 0.9
        assert load_scenario_text(odd_number, "tiny.yaml").id == "tiny"


# -- the commands: output format and exit codes ----------------------------------------------
def callsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(MINIMAL, "utf-8")
    return path


def test_lint_exit_codes_and_line_format(tmp_path: Path, tiny: Path) -> None:
    clean = callsim("lint", str(tiny))
    assert (clean.returncode, clean.stdout, clean.stderr) == (
        0, "", "1 file: 0 errors, 0 warnings\n",
    )  # fmt: skip
    other = tmp_path / "other.yaml"  # the id does not match the file name: a warning only
    other.write_text(MINIMAL, "utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit("goto: talking", "goto: talkin"), "utf-8")
    run = callsim("lint", str(tiny), str(other), str(bad))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{other}:1:1: warning[W107] scenario id 'tiny' does not match the file name 'other'",
        f"{bad}:28:9: error[E020] unknown state 'talkin' (did you mean 'talking'?)",
    ]  # (lint checks such as W107 run once a file has no errors)
    assert run.stderr == "3 files: 1 errors, 1 warnings\n"
    warn_only = callsim("lint", str(other))
    assert warn_only.returncode == 0 and "warning[W107]" in warn_only.stdout


def transcript(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "transcript.yaml"
    path.write_text(text, "utf-8")
    return path


UNUSABLE_PLAY = [
    ("missing scenario", "nope.yaml", "- {say: hi}\n", "nope.yaml:1:1: error[E001] no such file"),
    ("invalid scenario YAML", "bad.yaml", "- {say: hi}\n", "bad.yaml:2:1: error[E002] YAML syntax"),
    ("unknown scenario id", "misconduct-disclosur", "- {say: hi}\n",
     "misconduct-disclosur: unknown scenario id (did you mean 'misconduct-disclosure'?)"),
    ("unknown flag in the transcript", "tiny.yaml", "- {say: hi}\n- {flag: rsk}\n",
     "transcript.yaml:2:3: error[E020] unknown flag 'rsk' in scenario 'tiny' (did you mean "
     "'risk'?)"),
    ("transcript not a list", "tiny.yaml", "just some text\n",
     "transcript.yaml:1:1: error[E010] a transcript is a list of steps"),
    ("transcript with bad YAML", "tiny.yaml", "- {say: hi\n",
     "transcript.yaml:2:1: error[E002] YAML syntax"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "steps", "message"),
    [case[1:] for case in UNUSABLE_PLAY],
    ids=[case[0] for case in UNUSABLE_PLAY],
)
def test_play_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path, tiny: Path, capsys: pytest.CaptureFixture[str], scenario: str, steps: str,
    message: str,
) -> None:  # fmt: skip
    (tmp_path / "bad.yaml").write_text("title: [\n", "utf-8")
    path = transcript(tmp_path, steps)
    ref = scenario if scenario.startswith("misconduct") else str(tmp_path / scenario)
    assert main(["play", ref, str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("callsim: ") and message in err.replace(f"{tmp_path}/", ""), err


@pytest.mark.parametrize("ref", ["nope.yaml", "bad.yaml", "misconduct-disclosur"])
def test_test_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    (tmp_path / "bad.yaml").write_text("title: [\n", "utf-8")
    arg = ref if ref.startswith("misconduct") else str(tmp_path / ref)
    assert main(["test", arg]) == 2
    out, err = capsys.readouterr()
    assert out == "0 passed, 0 failed\n"
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(arg), err


def test_unusable_input_through_the_real_command(tmp_path: Path, tiny: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("title: [\n", "utf-8")
    not_a_list = transcript(tmp_path, "42\n")
    for args in (
        ["play", str(tmp_path / "nope.yaml"), str(not_a_list)],
        ["play", str(bad_yaml), str(not_a_list)],
        ["play", str(tiny), str(not_a_list)],
        ["test", str(bad_yaml)],
    ):
        run = callsim(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
        assert ":1:1: error[E0" in run.stderr or ":2:1: error[E002]" in run.stderr


# -- nothing in a file is ever constructed or run --------------------------------------------
PAYLOADS = [
    '!!python/object/apply:os.system ["touch {target}"]',
    '!!python/object/apply:subprocess.call [["touch", "{target}"]]',
    '!!python/object/new:subprocess.Popen [["touch", "{target}"]]',
    "!!python/object/apply:builtins.exec [\"open('{target}', 'w').close()\"]",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_yaml_tags_never_construct_objects(tmp_path: Path, payload: str) -> None:
    target = tmp_path / "pwned"
    tagged = payload.format(target=target)
    places = [
        edit("title: Tiny", f"title: {tagged}"),  # a top-level value
        edit("examples: [where are you,", f"examples: [{tagged}, where are you,"),  # in a list
        edit("  calm: {rate: 1.0}", f"  calm: {{rate: {tagged}}}"),  # in a flow mapping
    ]
    for i, text in enumerate(places):
        path = tmp_path / f"evil{i}.yaml"
        path.write_text(text, "utf-8")
        problems = lint_file(path)
        assert [p.code for p in problems] == ["E004"], problems
        steps = transcript(tmp_path, f"- say: {tagged}\n")
        with pytest.raises(ScenarioError) as info:
            load_transcript(steps)
        assert info.value.errors[0].code == "E004"
    run = callsim("lint", str(tmp_path / "evil0.yaml"))  # and through the real command
    assert run.returncode == 1 and "error[E004]" in run.stdout
    assert not target.exists()


def test_conditions_never_run_python(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        f"(lambda: open('{target}', 'w'))()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        f"exec(\"open('{target}', 'w')\")",
        "__builtins__",
    ]
    for attack in attacks:
        text = edit("when: not told", f"when: {json.dumps(attack)}")
        errors = problems_of(text)
        assert errors and errors[0].code in ("E030", "E020"), (attack, errors)
    assert not target.exists()
    # what does parse is our own tree: evaluating it only ever asks `lookup` for names
    tree = expr.parse(f"state == \"__import__('os').system('touch {target}')\" or not told")
    asked: list[str] = []

    def lookup(name: expr.Name) -> expr.Value:
        asked.append(str(name))
        return "opening" if name.name == "state" else False

    assert expr.evaluate(tree, lookup) is True
    assert asked == ["state", "told"]
    assert not target.exists()


def test_folded_text_reads_as_plain_text() -> None:
    """Round-trip YAML marks fold points with a BEL character; it must never reach the screen."""
    from app.scenario.yamlsrc import load_yaml

    node = load_yaml("summary: >-\n  As you try to end\n  the call\n", "f.yaml")
    assert node.value["summary"].value == "As you try to end the call"


def test_a_metric_anchor_error_points_at_the_metric() -> None:
    from app.scenario.loader import load_scenario_text
    from app.scenario.problems import ScenarioError
    from tests.conftest import SCENARIOS

    text = (SCENARIOS / "misconduct-disclosure.yaml").read_text()
    bad = text.replace('disclosure_t: {at: "mark:disclosure"}', 'disclosure_t: {at: "mark:x"}')
    line = bad[: bad.index('disclosure_t: {at: "mark:x"}')].count("\n") + 1
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(bad, "m.yaml")
    assert [(p.line, p.col, p.code) for p in info.value.errors] == [(line, 19, "E020")]
    assert "unknown mark in anchor 'x'" in str(info.value.errors[0])
