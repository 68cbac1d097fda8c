"""Issue #10, the call information panel's data: `call_info:` read from the file, its located
errors, the shipped scenarios' details, and lint's spoiler check (W121) on what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scenario.loader import load_scenario, load_scenario_text
from app.scenario.problems import ScenarioError
from tests.test_lint_checks import lint, pos, where
from tests.test_loader_errors import MINIMAL

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def with_info(block: str) -> str:
    return MINIMAL.replace("start: opening\n", f"start: opening\ncall_info:\n{block}", 1)


def test_call_info_is_read() -> None:
    s = load_scenario_text(
        with_info(
            "  number: 07700 900431\n"
            "  phone: mobile\n"
            "  location: Cell site  Hollins Road\n"
            "  time: Fri 21:58\n"
            "  previous_incidents: [Mon noise complaint, Sat 02:10 disturbance]\n"
        ),
        "tiny.yaml",
    )
    info = s.call_info
    assert info is not None
    assert (info.number, info.phone, info.location, info.time) == (
        "07700 900431",
        "mobile",
        "Cell site Hollins Road",
        "Fri 21:58",
    )
    assert info.previous_incidents == ("Mon noise complaint", "Sat 02:10 disturbance")


def test_no_block_no_panel_and_an_empty_list_is_none_found() -> None:
    assert load_scenario_text(MINIMAL, "tiny.yaml").call_info is None
    s = load_scenario_text(with_info("  previous_incidents: []\n  number: withheld\n"))
    assert s.call_info is not None and s.call_info.previous_incidents == ()
    assert s.call_info.number == "withheld"


@pytest.mark.parametrize(
    ("block", "needle", "code", "message"),
    [
        (
            "  number: call me\n",
            "call me",
            "E013",
            "call_info number 'call me' is not a phone number",
        ),
        (
            "  phone: pager\n",
            "pager",
            "E013",
            "call_info phone must be mobile, landline, payphone or unknown",
        ),
        ("  time: late evening\n", "late evening", "E013", "needs a time of day, e.g. 'Fri 21:58'"),
        ("  time: Fri 25:61\n", "Fri 25:61", "E013", "needs a time of day"),
        (
            "  previous_incidents: {a: b}\n",
            "{a: b}",
            "E010",
            "each of previous_incidents must be text",
        ),
        (
            "  numbr: 999\n",
            "numbr",
            "E012",
            "unknown key 'numbr' in call_info (did you mean 'number'?)",
        ),
        ("  location: [a, b]\n", "[a, b]", "E010", "call_info location must be text"),
    ],
)
def test_bad_call_info_is_a_located_error(block: str, needle: str, code: str, message: str) -> None:
    text = with_info(block)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    (p,) = info.value.errors
    assert (p.line, p.col, p.code) == (*pos(text, needle), code)
    assert message in p.message


def test_an_empty_block_says_what_it_may_hold() -> None:
    text = MINIMAL.replace("start: opening\n", "start: opening\ncall_info: {}\n", 1)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    (p,) = info.value.errors
    assert (p.line, p.col, p.code) == (*pos(text, "{}"), "E011")
    assert "call_info needs at least one of number, phone, location" in p.message


def test_errors_in_call_info_come_with_the_files_other_errors() -> None:
    text = with_info("  phone: pager\n").replace("title: Tiny\n", "title: [Tiny]\n", 1)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    assert {p.code for p in info.value.errors} == {"E013", "E010"}


def test_w121_call_info_that_names_a_spoiler(tmp_path: Path) -> None:
    text = with_info("  location: Something else, Mill Lane\n  time: '21:58'\n")
    problems = lint(text, tmp_path)
    assert where(problems) == [(*pos(text, "Something else, Mill"), "W121")]
    assert "call_info location says 'something else'" in problems[0].message


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_shipped_scenarios_have_call_info(path: Path) -> None:
    info = load_scenario(path).call_info
    assert info is not None
    assert info.number and info.phone and info.location and info.time
    assert info.previous_incidents is not None
