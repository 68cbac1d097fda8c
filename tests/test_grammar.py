"""The grammar (app/scenario/grammar.py) is the one declaration of the format's keys, triggers,
evidence kinds and enums: the loader checks against it, the docs' reference tables are
generated from it (and must be current), and the typed model agrees with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from app.scenario import model
from app.scenario.grammar import HANDLER, SCENARIO, TRIGGERS
from app.scenario.grammar_kinds import ANCHOR_KIND, GENDER, VARIABLE_TYPE, Section
from app.scenario.grammar_rubric import EVIDENCE, STEP
from app.scenario.loader import load_scenario_text
from app.scenario.problems import ScenarioError
from app.studio import format_tables
from app.voice.settings import Gender
from tests.conftest import ROOT
from tests.test_loader_errors import MINIMAL

DOCS = ROOT / "docs" / "scenario-format.md"


def test_the_docs_tables_are_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert format_tables.render(text) == text, (
        "docs/scenario-format.md is stale: run `python -m app.studio.format_tables --write`"
    )


def test_every_table_is_in_the_docs_once() -> None:
    names = format_tables.tables_in(DOCS.read_text(encoding="utf-8"))
    assert sorted(names) == sorted(format_tables.TABLES)


def test_check_finds_a_stale_table_and_write_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = DOCS.read_text(encoding="utf-8")
    stale = good.replace("| `fallback: true` |", "| `fallback: yes` |", 1)
    assert stale != good
    copy = tmp_path / "scenario-format.md"
    copy.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(format_tables, "DOCS", copy)
    assert format_tables.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().out
    assert format_tables.main(["--write"]) == 0
    assert copy.read_text(encoding="utf-8") == good
    assert format_tables.main(["--check"]) == 0
    assert format_tables.main([]) == 2


def test_an_unknown_table_is_an_error() -> None:
    with pytest.raises(KeyError, match="nope"):
        format_tables.render("<!-- table: nope -->\nold\n<!-- end table -->\n")


def test_a_table_lists_every_key_of_its_section() -> None:
    text = format_tables.TABLES["effects"]()
    for key in HANDLER.role("effect"):
        assert f"| `{key.name}: " in text
    assert "`nth: N`" not in text  # a condition, in its own table


def test_the_model_types_agree_with_the_grammar() -> None:
    assert get_args(model.Trigger) == tuple(t.name for t in TRIGGERS)
    assert get_args(model.EvidenceKind) == EVIDENCE.names_of("kind")
    assert get_args(model.AnchorKind) == ANCHOR_KIND.names
    assert get_args(model.StepKind) == STEP.names_of("action")
    assert get_args(get_type_hints(model.Voice)["gender"]) == GENDER.names
    assert get_args(Gender) == GENDER.names
    assert get_args(get_type_hints(model.Variable)["type"]) == VARIABLE_TYPE.names


def test_keys_that_go_with_some_kinds_name_real_ones() -> None:
    triggers = {t.name for t in TRIGGERS}
    for t in TRIGGERS:
        assert t.key in HANDLER.names_of("trigger")
        for need in t.needs:  # a trigger needs only keys that go with it
            assert t.name in HANDLER.key(need).applies_to
    for sec, kinds in (
        (HANDLER, triggers),
        (EVIDENCE, set(EVIDENCE.names_of("kind"))),
        (STEP, set(STEP.names_of("action"))),
    ):
        for key in sec.keys:
            assert set(key.applies_to) <= kinds, (sec.name, key.name)


def _unknown_key_message(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    return next(p.message for p in info.value.errors if p.code == "E012")


def _in_handler(key: str) -> str:
    return MINIMAL.replace("  - fallback: true\n", f"  - fallback: true\n    {key}: 1\n", 1)


def _in_evidence(key: str) -> str:
    return MINIMAL.replace("{intent: ask_location}", f"{{intent: ask_location, {key}: 1}}", 1)


def _in_step(key: str) -> str:
    return MINIMAL.replace("{flag: risk}", f"{{flag: risk, {key}: 1}}", 1)


def _at_top(key: str) -> str:
    return MINIMAL.replace("title: Tiny\n", f"title: Tiny\n{key}: 1\n", 1)


@pytest.mark.parametrize(
    ("section", "place", "what"),
    [
        (HANDLER, _in_handler, "a handler"),
        (EVIDENCE, _in_evidence, "evidence"),
        (STEP, _in_step, "a step"),
        (SCENARIO, _at_top, "the scenario"),
    ],
    ids=["handler", "evidence", "step", "top"],
)
def test_the_loader_knows_every_key_the_grammar_declares(
    section: Section, place: Callable[[str], str], what: str
) -> None:
    for key in section.names:
        message = _unknown_key_message(place(key + "x"))
        assert message == f"unknown key '{key}x' in {what} (did you mean '{key}'?)"
