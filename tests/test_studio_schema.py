"""`callsim schema`: a JSON Schema (draft 2020-12) that accepts every shipped scenario and the
template, rejects what the loader rejects in shape, and is committed in docs/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.cli import main
from app.scenario import reader
from app.scenario.loader import load_scenario_text
from app.scenario.problems import ScenarioError
from app.scenario.yamlsrc import load_yaml
from app.studio.schema import scenario_schema, schema_json
from app.studio.schema_parts import DURATION
from tests.conftest import ROOT, SCENARIOS

COMMITTED = ROOT / "docs" / "callsim-scenario.schema.json"
TEMPLATE = ROOT / "resources" / "scenario-template.yaml"
VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())


def data(text: str) -> Any:
    return load_yaml(text, "x.yaml").plain()


def errors(text: str) -> list[str]:
    """Every error message, including those inside anyOf/oneOf branches."""
    out: list[str] = []
    todo = list(VALIDATOR.iter_errors(data(text)))
    while todo:
        e = todo.pop(0)
        out.append(e.message)
        todo.extend(e.context or ())
    return out


def test_schema_is_valid_draft_2020_12() -> None:
    schema = scenario_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_committed_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == schema_json()
    assert COMMITTED.read_text(encoding="utf-8") == out, (
        "docs/callsim-scenario.schema.json is stale: run `callsim schema > "
        "docs/callsim-scenario.schema.json`"
    )


def test_duration_pattern_matches_the_reader() -> None:
    assert DURATION == reader._DURATION.pattern


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_validates(path: Path) -> None:
    assert errors(path.read_text(encoding="utf-8")) == []


def test_template_and_test_fixtures_validate() -> None:
    from tests.scenario_kit import BASE
    from tests.test_studio_graph import TINY
    from tests.test_studio_lines import QUOTING

    for text in (TEMPLATE.read_text(encoding="utf-8"), BASE, TINY, QUOTING):
        load_scenario_text(text, "x.yaml")  # the loader accepts it...
        assert errors(text) == []  # ...so the schema must too


BASE = TEMPLATE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (("format: callsim", "formats: callsim"), "Additional properties"),  # unknown top key
        (("expected_minutes: 3", "expected_minutes: three"), "is not of type 'number'"),
        (("title: New scenario - a neighbour's door kicked in", "title: [a, b]"), "is not of type"),
        (('{id: g.where, text: "Number 3, Station Road."}', "{id: g.where}"), ""),  # no text
        (("- event: silence\n    after: 15s", "- event: silence"), "'after' is a required"),
        (("event: silence", "event: silent"), "is not one of"),
        (("gender: neutral", "gender: other"), "is not one of"),
        (("critical: true", "critical: yes"), "is not of type 'boolean'"),
        (("id: open.hello,", "id: Open Hello,"), "does not match"),
        (("criteria: {vulnerable_flagged: met", "criteria: {vulnerable_flagged: done"), ""),
        (("weight: 40", "weight: 0"), "less than or equal to the minimum"),
        (("{caller: open.hello}", "{caller: open.hello, wait: 2s}"), ""),  # two actions
        (
            (
                "      - intent: ask_what_happened\n        say: {id: open.what",
                "      - say: {id: open.what",
            ),
            "",
        ),
    ],
)
def test_schema_rejects_what_the_loader_rejects(change: tuple[str, str], expect: str) -> None:
    old, new = change
    assert BASE.count(old) >= 1, old
    text = BASE.replace(old, new, 1)
    with pytest.raises(ScenarioError):
        load_scenario_text(text, "new-scenario.yaml")
    found = errors(text)
    assert found, f"the schema accepted: {new}"
    if expect:
        assert any(expect in e for e in found), found


def test_unknown_key_in_a_handler_is_rejected() -> None:
    text = BASE.replace("    after: 15s\n", "    after: 15s\n    afterr: 1\n", 1)
    assert any(re.search(r"'afterr' was unexpected", e) for e in errors(text))


def test_docs_explain_how_to_point_an_editor_at_the_schema() -> None:
    docs = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert "yaml-language-server: $schema=" in docs
    assert "callsim-scenario.schema.json" in docs
