"""The intent library: the shipped `uk-call-handling`, reading library files with located
errors, the parse cache, and merging a library with a scenario's own intents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.matching import normalise
from app.scenario.library import (
    LibraryError,
    generic_negatives,
    load_library,
    merge_intents,
    shipped_library,
)
from app.scenario.model import Intent

ROOT = Path(__file__).resolve().parent.parent


def contract_ids() -> list[str]:
    """The intent ids in the library file, in file order."""
    text = (ROOT / "app" / "content" / "library" / "uk-call-handling.yaml").read_text()
    return re.findall(r"^  ([a-z_]+):$", text, re.M)


def test_the_shipped_library() -> None:
    lib = shipped_library()
    assert (lib.id, lib.version) == ("uk-call-handling", 1)
    assert len(lib.intents) == 36 and list(lib.intents) == contract_ids()
    assert lib.intents["attempt_close"].closing
    assert sum(i.closing for i in lib.intents.values()) == 1
    assert len(lib.clarify) >= 5 and all(c.strip() for c in lib.clarify)
    assert len(lib.negatives) >= 400 and lib.negatives == generic_negatives()
    assert re.fullmatch(r"[0-9a-f]{64}", lib.sha256)
    for intent in lib.intents.values():
        assert intent.description, intent.id
        assert len(intent.examples) >= 25, intent.id
        assert intent.not_examples, intent.id
        assert len(set(map(normalise, intent.examples))) == len(intent.examples), intent.id


def test_no_example_is_also_another_intents_example_or_a_negative() -> None:
    lib = shipped_library()
    owner: dict[str, str] = {}
    for intent in lib.intents.values():
        for e in intent.examples:
            key = normalise(e)
            assert owner.setdefault(key, intent.id) == intent.id, (e, owner[key], intent.id)
    for line in lib.negatives:
        assert normalise(line) not in owner, line


LIB = """\
format: callsim/intent-library@1
id: tiny
version: 2
clarify: ["Sorry?"]
intents:
  ask_where:
    description: where
    examples: [where are you, what's the address]
    patterns:
      - {all: [where, you], ordered: true, near: 2}
    threshold: 0.4
  say_bye:
    examples: [bye]
    closing: true
"""


def test_a_library_file(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(LIB, encoding="utf-8")
    neg = tmp_path / "neg.txt"
    neg.write_text("# comment\nthe canteen is shut  # trailing comment\n\nok\n", encoding="utf-8")
    lib = load_library(f, negatives=neg)
    assert (lib.id, lib.version, lib.clarify) == ("tiny", 2, ("Sorry?",))
    where = lib.intents["ask_where"]
    assert where.threshold == 0.4 and where.patterns[0].ordered and where.patterns[0].near == 2
    assert where.pos.line == 6 and lib.intents["say_bye"].closing
    assert lib.negatives == ("the canteen is shut", "ok")
    assert load_library(f, negatives=neg).sha256 == lib.sha256
    neg.write_text("ok\n", encoding="utf-8")
    assert load_library(f, negatives=neg).sha256 != lib.sha256  # the negatives count too


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("version: 2", "version: two"), "3:10", "version must be a whole number"),
        (("format: callsim/intent-library@1", "format: other@1"), "1:9", "format must be"),
        (("    threshold: 0.4", "    threshold: 1.5"), "11:16", "threshold must be"),
        (("ordered: true, near: 2", "ordered: yes"), "10:38", "ordered must be true or false"),
        (("{all: [where, you], ordered: true, near: 2}", "{all: [where], near: 2}"), "10:30",
         "needs two or more 'all' words or phrases"),
        (("    examples: [bye]", "    exmples: [bye]"), "13:5", "unknown key 'exmples'"),
        (("  say_bye:", "  Say-Bye:"), "12:3", "not a valid id"),
        (("    closing: true", "    closing: true\n    closing: false"), "15:5", "duplicate key"),
    ],
)  # fmt: skip
def test_library_errors_are_located(
    tmp_path: Path, change: tuple[str, str], where: str, message: str
) -> None:
    f = tmp_path / "bad.yaml"
    assert change[0] in LIB
    f.write_text(LIB.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(LibraryError) as exc:
        load_library(f)
    assert str(exc.value).startswith(f"{f}:")
    assert any(
        str(p).startswith(f"{f}:{where}: error[") and message in str(p) for p in exc.value.problems
    ), [str(p) for p in exc.value.problems]


def test_a_missing_library_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match=r"nope.yaml:1:1: error\[E001\] cannot read"):
        load_library(tmp_path / "nope.yaml")


def _i(iid: str, *examples: str) -> Intent:
    return Intent(iid, examples=examples or (iid.replace("_", " "),))


def test_merge_intents() -> None:
    lib = shipped_library()
    own = {
        "ask_location": _i("ask_location", "which flat"),
        "confirm_officer": _i("confirm_officer"),
    }
    merged = merge_intents(lib, own)
    assert list(merged)[: len(lib.intents)] == list(lib.intents)  # library order
    assert list(merged)[-1] == "confirm_officer"  # then the scenario's own
    assert merged["ask_location"].examples == ("which flat",)  # own replaces library's
    assert merged["ask_when"] is lib.intents["ask_when"]
    narrow = merge_intents(lib, own, only=["ask_when", "ask_location"])
    assert list(narrow) == ["ask_when", "ask_location", "confirm_officer"]
    less = merge_intents(lib, own, exclude=["ask_when", "ask_location"])
    assert "ask_when" not in less and less["ask_location"].examples == ("which flat",)
    assert merge_intents(None, own) == own
    with pytest.raises(ValueError, match="not in uk-call-handling: ask_nothing"):
        merge_intents(lib, own, only=["ask_nothing"])
