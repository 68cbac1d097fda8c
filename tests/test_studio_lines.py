"""`callsim lines`: every caller line once, in file order; CSV quoting for voice actors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.cli import main
from app.scenario.loader import load_scenario_text
from app.studio.lines import lines_csv
from tests.conftest import SCENARIOS

QUOTING = """\
format: callsim/scenario@1
id: quoting
title: Quoting
start: one
caller: {name: Jo, default_emotion: calm}
emotions: {calm: {rate: 1.0}, upset: {rate: 1.2}}
intents:
  hi: {examples: [hello]}
global:
  - intent: hi
    say: {ref: one.plain}
  - fallback: true
    say: {id: g.fb, text: 'He said "stop", then left.', emotion: upset}
states:
  one:
    say:
      - {id: one.plain, text: Hello}
      - id: one.comma
        text: "Yes, no, maybe"
        note: |
          First line of the note, with a comma.
          Second line: "quoted".
rubric:
  pass_mark: 50
  criteria:
    - {id: c, title: C, weight: 1, evidence: {intent: hi}}
"""


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    text = lines_csv(load_scenario_text(QUOTING, "quoting.yaml"))
    assert text.splitlines()[0] == "id,emotion,note,text"
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    library = rows[4:]  # the intent library's clarify lines, which this caller says too
    assert library and all(r[0].startswith("library.clarify.") for r in library)
    assert rows[:4] == [
        ["id", "emotion", "note", "text"],
        ["g.fb", "upset", "", 'He said "stop", then left.'],  # file order: global comes first
        ["one.plain", "calm", "", "Hello"],  # the caller's default emotion; the ref adds no row
        [
            "one.comma",
            "calm",
            'First line of the note, with a comma.\nSecond line: "quoted".\n',
            "Yes, no, maybe",
        ],
    ]
    assert '"He said ""stop"", then left."' in text


def test_cli_lines_csv_on_a_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lines", str(SCENARIOS / "misconduct-disclosure.yaml"), "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    ids = [r[0] for r in rows[1:]]
    assert rows[0] == ["id", "emotion", "note", "text"]
    assert len(ids) == len(set(ids)) > 10
    assert all(len(r) == 4 and r[1] and r[3] for r in rows[1:])


def test_cli_lines_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "quoting.yaml"
    f.write_text(QUOTING, encoding="utf-8")
    assert main(["lines", str(f)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert " ".join(out[0].split()) == 'g.fb [upset] He said "stop", then left.'
    notes = [n for n, line in enumerate(out) if line.strip().startswith("note: First line")]
    assert notes and all(line.split()[0].startswith("library.") for line in out[notes[0] + 3 :])


def test_cli_lines_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["lines", str(missing), "--csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"callsim: {missing}:1:1: error[E001] no such file"]


SILENT = QUOTING.replace(
    "      - {id: one.plain, text: Hello}\n",
    "      - {id: one.plain, text: Hello}\n"
    "      - {id: one.cough, text: (one cough), voice: false}\n",
)


def test_lines_that_are_never_spoken_are_not_in_the_voice_actors_script() -> None:
    """A `voice: false` line (a cough, a sob) is only shown: nobody records it."""
    s = load_scenario_text(SILENT, "silent.yaml")
    assert "one.cough" in s.lines  # it is a line of the call ...
    ids = [r[0] for r in csv.reader(io.StringIO(lines_csv(s), newline=""))]
    assert "one.plain" in ids and "one.cough" not in ids  # ... but not one to record


def test_the_table_names_the_lines_that_are_only_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "silent.yaml"
    f.write_text(SILENT, encoding="utf-8")
    assert main(["lines", str(f)]) == 0
    out = capsys.readouterr().out
    assert "one.cough" not in out.split("Shown only")[0]
    assert "Shown only, never spoken (not to record):" in out
    assert "one.cough" in out.split("Shown only")[1]
