"""`callsim tag`: ids for lines without one; comments and formatting kept; idempotent."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.scenario.loader import lint_file
from app.studio.tag import slug, tag_text
from tests.conftest import ROOT

TEMPLATE = ROOT / "resources" / "scenario-template.yaml"
# Lines of the template that no playtest names: their ids can be taken away and re-made.
UNNAMED = ("disc.what", "g.thanks", "g.silence", "g.fb1", "g.fb2")

SMALL = """\
# a comment at the top
states:
  opening:
    say:
      - {text: "Hello? I need the police."}   # keep me
    on:
      - intent: hello
        say:
          text: Hi, it's me.
          emotion: calm   # and me
      - fallback: true
        say: {sequence: [{text: "Sorry?"}, {id: opening.sorry, text: "Sorry?"}, 'What?']}
global:
  - event: silence
    after: 10s
    say: Hello, are you still there?
"""

SMALL_TAGGED = """\
# a comment at the top
states:
  opening:
    say:
      - {id: opening.hello-need-police, text: "Hello? I need the police."}   # keep me
    on:
      - intent: hello
        say:
          id: opening.hi
          text: Hi, it's me.
          emotion: calm   # and me
      - fallback: true
        say: {sequence: [{id: opening.sorry-2, text: "Sorry?"}, {id: opening.sorry, \
text: "Sorry?"}, {id: opening.what, text: 'What?'}]}
global:
  - event: silence
    after: 10s
    say: {id: g.hello-still-there, text: "Hello, are you still there?"}
"""


def untagged(tmp_path: Path) -> Path:
    """The template as `new-scenario.yaml` with the ids of some lines removed."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for lid in UNNAMED:
        text, n = re.subn(rf"\bid: {re.escape(lid)}, ", "", text)
        assert n == 1, lid
    f = tmp_path / "new-scenario.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def test_tag_text_exact() -> None:
    out, added, skipped = tag_text(SMALL)
    assert out == SMALL_TAGGED
    assert [a.id for a in added] == [
        "opening.hello-need-police",
        "opening.hi",
        "opening.sorry-2",  # 'opening.sorry' is taken by a line that has it already
        "opening.what",
        "g.hello-still-there",
    ]
    assert (added[0].line, added[0].col) == (5, 9)
    assert skipped == []
    assert tag_text(out)[0] == out


def test_done_when_tag_adds_ids_keeps_comments_is_idempotent_and_lints_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = untagged(tmp_path)
    before = f.read_text(encoding="utf-8")
    errors = [p for p in lint_file(f) if p.is_error]
    assert len(errors) == len(UNNAMED)
    assert all(p.code == "E011" and "callsim tag" in p.message for p in errors)

    assert main(["tag", str(f)]) == 0
    out = capsys.readouterr()
    after = f.read_text(encoding="utf-8")
    assert len(out.out.splitlines()) == len(UNNAMED)
    assert "5 ids added" in out.err
    comments = [ln for ln in before.splitlines() if ln.lstrip().startswith("#")]
    assert comments and all(c in after.splitlines() for c in comments)
    # only the new ids differ: every other line is byte for byte the same
    assert re.sub(r"id: [a-z0-9.-]+, ", "", after) == re.sub(r"id: [a-z0-9.-]+, ", "", before)
    assert lint_file(f) == []

    stat = f.stat()
    assert main(["tag", str(f)]) == 0
    assert "nothing changed" in capsys.readouterr().err
    assert f.read_bytes() == after.encode("utf-8")
    assert f.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten
    assert main(["test", str(f)]) == 0


def test_tag_check_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = untagged(tmp_path)
    before = f.read_bytes()
    assert main(["tag", "--check", str(f)]) == 1
    assert f.read_bytes() == before
    assert len(capsys.readouterr().out.splitlines()) == len(UNNAMED)
    shutil.copy(TEMPLATE, f)
    assert main(["tag", "--check", str(f)]) == 0


def test_tag_keeps_crlf_and_bom(tmp_path: Path) -> None:
    f = tmp_path / "crlf.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + SMALL.replace("\n", "\r\n").encode("utf-8"))
    assert main(["tag", str(f)]) == 0
    data = f.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\n") == data.count(b"\r\n") == SMALL_TAGGED.count("\n")
    assert data[3:].decode("utf-8").replace("\r\n", "\n") == SMALL_TAGGED


def test_tag_keeps_file_mode(tmp_path: Path) -> None:
    f = untagged(tmp_path)
    os.chmod(f, 0o640)
    assert main(["tag", str(f)]) == 0
    assert f.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["new-scenario.yaml"]  # no temp files left


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("states:\n  a: {say: [{text: 'x'}\n", "E002"),  # unclosed flow sequence
        ("states: {}\nstates: {}\n", "E003"),  # duplicate key
        ("states: !!python/object:os.system {}\n", "E004"),
    ],
)
def test_tag_bad_yaml_exits_2_with_one_located_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, code: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["tag", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.match(rf"callsim: {re.escape(str(f))}:\d+:\d+: error\[{code}\] ", err[0])
    assert f.read_text(encoding="utf-8") == text


def test_tag_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tag", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err.strip().endswith("error[E001] no such file")


def test_block_scalar_bare_text_is_left_for_the_author(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "block.yaml"
    text = "states:\n  a:\n    say: |\n      Hello there\n"
    f.write_text(text, encoding="utf-8")
    assert main(["tag", str(f)]) == 1
    assert "no id added" in capsys.readouterr().err
    assert f.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello? Are you still there?", "hello-still-there"),
        ("I'm at 14 Mill Lane.", "14-mill-lane"),
        ("Café — naïve résumé", "cafe-naive-resume"),
        ("It's it.", "its-it"),  # only stop words: keep them rather than nothing
        ("...", ""),
        ("Supercalifragilisticexpialidocious indeed", "supercalifragilisticexpi"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_ids_are_unique_and_valid() -> None:
    text = "states:\n  s:\n    say: ['Sorry?', 'Sorry?', 'Sorry?', '...']\n"
    out, added, _ = tag_text(text)
    assert [a.id for a in added] == ["s.sorry", "s.sorry-2", "s.sorry-3", "s.line"]
