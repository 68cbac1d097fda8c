"""The parsed-YAML cache: a scenario read back from the cache is the scenario parsed afresh,
a damaged or foreign entry is parsed again, and a file with an error is never cached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.scenario import yamlsrc
from app.scenario.loader import load_scenario
from app.scenario.problems import ScenarioError
from tests.conftest import SCENARIOS


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json"))


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_a_cached_scenario_equals_a_fresh_one(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "parsed"
    fresh = load_scenario(SCENARIOS / name)
    first = load_scenario(SCENARIOS / name, cache_dir=cache)
    assert _entries(cache)  # the file's tree (and the library's, when it uses one)
    calls: list[str] = []
    real = yamlsrc._parse

    def counting(text: str, path: str) -> yamlsrc.YNode:
        calls.append(path)
        return real(text, path)

    monkeypatch.setattr(yamlsrc, "_parse", counting)
    again = load_scenario(SCENARIOS / name, cache_dir=cache)
    assert calls == []  # read from the cache
    assert again == first == fresh


def test_positions_survive_the_cache(tmp_path: Path) -> None:
    text = "a:\n  - 'quoted'\n  - 3\n  - {b: null, c: 1.5}\n"
    tree = yamlsrc.load_yaml(text, "x.yaml", tmp_path)
    back = yamlsrc.load_yaml(text, "x.yaml", tmp_path)
    assert back == tree
    item = back.value["a"].value[0]
    assert item.quoted and item.text_pos.col == item.pos.col + 1
    assert back.value["a"].value[2].key_pos["c"] == tree.value["a"].value[2].key_pos["c"]


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    text = "a: 1\n"
    yamlsrc.load_yaml(text, "x.yaml", tmp_path)
    (entry,) = _entries(tmp_path)
    entry.write_text('["m", 1, 1, [["a", 1, 1, ["v", 1, 4, 0, 2]]', encoding="utf-8")  # cut
    assert yamlsrc.load_yaml(text, "x.yaml", tmp_path).plain() == {"a": 1}
    entry.write_text(json.dumps(["x", 1, 1]), encoding="utf-8")  # not a tree
    assert yamlsrc.load_yaml(text, "x.yaml", tmp_path).plain() == {"a": 1}


def test_a_file_with_an_error_is_not_cached(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        yamlsrc.load_yaml("a: 1\na: 2\n", "x.yaml", tmp_path)
    assert _entries(tmp_path) == []


def test_an_unwritable_cache_never_fails_a_load(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert yamlsrc.load_yaml("a: 1\n", "x.yaml", blocker / "cache").plain() == {"a": 1}
