"""The scenario catalog: where scenarios live, the list with each file's error, the built-in one,
resolving an id, loading each file once per content, and one matcher per scenario."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from app.scenario.loader import load_scenario_text
from app.services.catalog import CatalogError, ScenarioCatalog
from tests.conftest import ROOT, SCENARIOS

CASE = SCENARIOS / "misconduct-disclosure.yaml"
SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenarios folder with copies of the shipped scenarios."""
    out = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, out)
    return out


def test_the_folder_comes_from_the_environment_else_the_checkout(tmp_path: Path) -> None:
    assert ScenarioCatalog.from_environment({}).folder == ROOT / "scenarios"
    chosen = ScenarioCatalog.from_environment({"CALLSIM_SCENARIOS": str(tmp_path)})
    assert chosen.folder == tmp_path
    assert ScenarioCatalog(tmp_path / "none").paths() == []


def test_an_instructors_folder_adds_to_the_shipped_scenarios_never_replaces_them(
    tmp_path: Path,
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    # a file of the instructor's that is named like the built-in scenario, and one of their own
    impostor = (SCENARIOS / "rushed-caller.yaml").read_text(encoding="utf-8")
    (mine / "misconduct-disclosure.yaml").write_text(impostor, encoding="utf-8")
    (mine / "my-case.yaml").write_text(
        impostor.replace("id: rushed-caller", "id: my-case"), encoding="utf-8"
    )
    catalog = ScenarioCatalog.from_environment({"CALLSIM_SCENARIOS": str(mine)})
    assert catalog.folder == mine  # new scenarios go here, not into the install
    built_in = catalog.built_in()
    assert built_in == "misconduct-disclosure"
    assert catalog.resolve(built_in) == SCENARIOS / "misconduct-disclosure.yaml"
    assert catalog.load(catalog.resolve(built_in)).id == "misconduct-disclosure"
    assert catalog.resolve("my-case") == mine / "my-case.yaml"
    assert set(SHIPPED) | {"my-case"} == set(catalog.ids())
    listed = {e.key for e in catalog.entries() if e.available}
    assert set(SHIPPED) <= listed and "my-case" in listed


def test_one_bad_file_is_listed_with_its_error_and_hides_nothing(folder: Path) -> None:
    (folder / "broken.yaml").write_text("format: callsim/scenario@1\nid: [oops\n")
    (folder / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    entries = ScenarioCatalog(folder).entries()
    usable = [e for e in entries if e.available]
    assert sorted(e.key for e in usable) == SHIPPED
    titles = [e.scenario.title for e in usable if e.scenario is not None]
    assert titles == sorted(titles)  # by title, unusable files last
    assert [(e.key, e.available) for e in entries[-2:]] == [("binary", False), ("broken", False)]
    broken = entries[-1]
    assert broken.error is not None and broken.error.startswith(f"{folder / 'broken.yaml'}:")


def test_the_built_in_scenario_is_named_by_the_product_file(tmp_path: Path, folder: Path) -> None:
    assert ScenarioCatalog(folder).built_in() == "misconduct-disclosure"
    product = tmp_path / "product.toml"
    product.write_text('built_in_scenario = "rushed-caller"\n')
    assert ScenarioCatalog(folder, product_file=product).built_in() == "rushed-caller"
    # Without one: the first in the folder; with no scenarios at all, none.
    assert ScenarioCatalog(folder, product_file=tmp_path / "no.toml").built_in() == SHIPPED[0]
    assert ScenarioCatalog(tmp_path / "empty", product_file=None).built_in() is None


def test_an_id_resolves_to_its_file_and_a_typo_is_helped(folder: Path) -> None:
    catalog = ScenarioCatalog(folder)
    assert catalog.resolve("rushed-caller") == folder / "rushed-caller.yaml"
    assert catalog.resolve("elsewhere/x.yaml") == Path("elsewhere/x.yaml")  # a path as given
    with pytest.raises(CatalogError) as raised:
        catalog.resolve("rushed-caler")
    message = str(raised.value)
    assert message.startswith("rushed-caler: unknown scenario id")
    assert "rushed-caller" in message and ", ".join(SHIPPED) in message


def test_a_file_is_loaded_once_per_content(folder: Path) -> None:
    catalog = ScenarioCatalog(folder)
    path = folder / "misconduct-disclosure.yaml"
    first = catalog.load(path)
    assert catalog.load(path) is first
    assert catalog.load(path, check=False) is not first  # loaded as it is: a separate entry
    path.write_text(path.read_text("utf-8") + "\n# edited\n", "utf-8")
    edited = catalog.load(path)
    assert edited is not first and edited.sha256 != first.sha256
    catalog.clear()
    assert catalog.load(path) is not edited


def test_one_matcher_per_scenario_content(folder: Path) -> None:
    catalog = ScenarioCatalog(folder)
    path = folder / "misconduct-disclosure.yaml"
    scenario = catalog.load(path)
    matcher = catalog.matcher(scenario)
    assert catalog.matcher(scenario) is matcher
    assert matcher.match("where are you now").intents  # a working matcher of its intents
    path.write_text(path.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert catalog.matcher(catalog.load(path)) is not matcher
    # A scenario with no content hash (built in code) has nothing to key on: never kept.
    draft = replace(load_scenario_text(CASE.read_text("utf-8")), sha256="")
    assert catalog.matcher(draft) is not catalog.matcher(draft)


def test_the_list_can_be_shown_from_the_index_before_any_file_is_loaded(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CALLSIM_CACHE_DIR", str(tmp_path / "cache"))
    catalog = ScenarioCatalog(folder)
    assert catalog.previews() is None  # never loaded: nothing to preview
    loaded = catalog.entries()
    calls: list[Path] = []
    monkeypatch.setattr("app.scenario.loader.load_scenario", lambda p, **k: calls.append(p))
    shown = ScenarioCatalog(folder).previews()
    assert calls == []  # no file parsed
    assert shown is not None
    assert [e.key for e in shown] == [e.key for e in loaded]
    for quick, full in zip(shown, loaded, strict=True):
        assert full.scenario is not None and not quick.available  # Start waits for the load
        assert quick.listed == full.listed
        for mode in ("practice", "assessment"):
            assert quick.listed is not None
            assert quick.listed.shown(mode) == full.scenario.shown(mode)
    case = folder / "misconduct-disclosure.yaml"
    case.write_text(case.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert ScenarioCatalog(folder).previews() is None  # a changed file is loaded, not guessed
