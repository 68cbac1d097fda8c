"""Issue #10, the standard incident log: the shipped qualifiers and log fields, every scenario
having them by default, a file's own entries refining or adding to them, opting out and
narrowing, practice-only entries, the lint checks on them (W121, W122), and located errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.scenario.loader import load_scenario, load_scenario_text
from app.scenario.problems import ScenarioError
from app.scenario.spoilers import find_spoiler, screen_texts
from app.scenario.standard_log import (
    StandardLogError,
    parse_standard_log,
    shipped_standard_log,
)
from tests.test_lint_checks import lint, pos, where
from tests.test_loader_errors import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
OWN = "flags:\n  risk: {label: Risk}\nlog_fields:\n  notes: {label: Notes}\n"


def with_own(own: str, text: str = MINIMAL) -> str:
    assert OWN in text
    return text.replace(OWN, own)


def test_the_shipped_standard_log() -> None:
    log = shipped_standard_log()
    assert log.ref == "uk-control-room@1"
    assert len(log.flags) >= 12
    for fid in (
        "domestic_incident", "child_at_risk", "vulnerable_person", "weapons", "injury",
        "safeguarding", "misconduct_allegation", "linked_incident", "concern_for_welfare",
        "mental_health",
    ):  # fmt: skip
        assert fid in log.flags
    assert log.flags["misconduct_allegation"].label == "Complaint / misconduct referral"
    assert list(log.log_fields) == [
        "location", "caller_name", "caller_phone", "caller_address", "people_involved",
        "incident_notes",
    ]  # fmt: skip
    assert log.log_fields["incident_notes"].multiline
    assert all(f.label and f.description for f in log.flags.values())
    assert not set(log.flags) & set(log.log_fields)
    assert all(f.origin == log.ref and not f.key_pos for f in log.flags.values())


def test_the_docs_list_every_standard_id_with_its_label() -> None:
    doc = (ROOT / "docs" / "standard-log.md").read_text()
    log = shipped_standard_log()
    rows = {m[0]: m[1] for m in re.findall(r"^\| `([a-z_]+)` \| ([^|]+?) \|", doc, re.M)}
    assert rows == {i: e.label for i, e in (*log.flags.items(), *log.log_fields.items())}


def test_every_scenario_has_the_standard_log_by_default_its_own_after() -> None:
    s = load_scenario_text(MINIMAL, "tiny.yaml")
    log = shipped_standard_log()
    assert s.standard_log == "uk-control-room@1"
    assert list(s.flags) == [*log.flags, "risk"]
    assert list(s.log_fields) == [*log.log_fields, "notes"]
    assert s.flags["risk"].label == "Risk" and s.flags["risk"].origin is None


def test_an_own_entry_with_a_standard_id_refines_it_in_its_place() -> None:
    text = with_own(
        "flags:\n"
        "  risk: {label: Risk}\n"
        "  mental_health: {label: Mental health / self-harm}\n"
        "  injury: {practice_only: true}\n"
        "log_fields:\n"
        "  incident_notes: {label: Notes, multiline: false}\n"
    )
    s = load_scenario_text(text, "tiny.yaml")
    log = shipped_standard_log()
    assert list(s.flags) == [*log.flags, "risk"]  # the order stays the standard's
    mh = s.flags["mental_health"]
    assert mh.label == "Mental health / self-harm"
    assert mh.description == log.flags["mental_health"].description  # not written: kept
    assert set(mh.key_pos) == {"label"}
    injury = s.flags["injury"]
    assert injury.label == log.flags["injury"].label and injury.practice_only
    notes = s.log_fields["incident_notes"]
    assert (notes.label, notes.multiline) == ("Notes", False)


def test_standard_log_none_keeps_exactly_the_files_own() -> None:
    s = load_scenario_text(
        MINIMAL.replace("start: opening\n", "start: opening\nstandard_log: none\n")
    )
    assert (list(s.flags), list(s.log_fields)) == (["risk"], ["notes"])
    assert s.standard_log is None


@pytest.mark.parametrize(
    ("choice", "flags", "fields"),
    [
        (
            "{id: uk-control-room, only: [injury, location]}",
            ["injury", "risk"],
            ["location", "notes"],
        ),
        ("{id: uk-control-room, except: weapons}", None, None),
    ],
)
def test_only_and_except_narrow_it(
    choice: str, flags: list[str] | None, fields: list[str] | None
) -> None:
    text = MINIMAL.replace("start: opening\n", f"start: opening\nstandard_log: {choice}\n")
    s = load_scenario_text(text, "tiny.yaml")
    if flags is not None:
        assert (list(s.flags), list(s.log_fields)) == (flags, fields)
    else:
        assert "weapons" not in s.flags and "injury" in s.flags and "location" in s.log_fields


@pytest.mark.parametrize(
    ("edit", "needle", "code", "message"),
    [
        (
            ("start: opening\n", "start: opening\nstandard_log: uk-control\n"),
            "uk-control\n",
            "E020",
            "unknown standard log 'uk-control' (did you mean 'uk-control-room'?)",
        ),
        (
            (
                "start: opening\n",
                "start: opening\nstandard_log: {id: uk-control-room, only: [injuri]}\n",
            ),
            "injuri",
            "E020",
            "'injuri' is not a flag or log field of uk-control-room@1 (did you mean 'injury'?)",
        ),
        (
            (
                "start: opening\n",
                "start: opening\n"
                "standard_log: {id: uk-control-room, only: [injury], except: [weapons]}\n",
            ),
            "[weapons]",
            "E013",
            "use 'only' or 'except', not both",
        ),
        (
            (
                "start: opening\n",
                "start: opening\nstandard_log: {id: uk-control-room, onli: [injury]}\n",
            ),
            "onli",
            "E012",
            "unknown key 'onli' in standard_log",
        ),
        (
            ("  risk: {label: Risk}\n", "  risk: {description: Risky}\n"),
            "{description: Risky}",
            "E011",
            "flag 'risk' is missing required key 'label' (only a standard flag may leave it out",
        ),
        (
            ("  notes: {label: Notes}\n", "  notes: {multiline: true}\n"),
            "{multiline: true}",
            "E011",
            "log field 'notes' is missing required key 'label'",
        ),
        (
            ("  risk: {label: Risk}\n", "  risk: {label: Risk, practice_only: yes}\n"),
            "yes}",
            "E010",
            "practice_only must be true or false",
        ),
        (
            ("  risk: {label: Risk}\n", "  injury: {lable: Hurt}\n"),
            "lable",
            "E012",
            "unknown key 'lable' in flag 'injury' (did you mean 'label'?)",
        ),
    ],
)
def test_bad_input_is_a_located_error(
    edit: tuple[str, str], needle: str, code: str, message: str
) -> None:
    text = MINIMAL.replace(*edit, 1)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    assert info.value.errors, text
    p = info.value.errors[0]
    assert (p.line, p.col, p.code) == (*pos(text, needle), code), p
    assert message in p.message


def test_a_standard_log_file_with_problems_is_located() -> None:
    text = (
        "format: callsim/standard-log@1\nid: mine\nversion: 1\n"
        "flags:\n  injury: {label: Hurt}\n  weapons: {description: Knife}\n"
        "log_fields:\n  injury: {label: Injury}\n"
    )
    with pytest.raises(StandardLogError) as info:
        parse_standard_log(text, "mine.yaml")
    found = [(p.line, p.col, p.code) for p in info.value.problems]
    assert found == [(6, 12, "E011"), (8, 3, "E021")]


def test_practice_only_entries_are_off_the_screen_in_assessment_mode() -> None:
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    assert "allegation_notes" in s.log_fields_shown("practice")
    assert "allegation_notes" not in s.log_fields_shown("assessment")
    assert "allegation_notes" in s.log_fields  # still a field: transcripts and playtests use it
    assert s.flags_shown("assessment") == s.flags  # the standard flags, every one


def test_w122_a_criterion_assessment_mode_can_never_meet(tmp_path: Path) -> None:
    text = with_own(
        "flags:\n  risk: {label: Risk, practice_only: true}\nlog_fields:\n  notes: {label: Notes}\n"
    )
    problems = lint(text, tmp_path)
    assert where(problems) == [(*pos(text, "flagged\n"), "W122")]
    assert "criterion 'flagged' can never be met in assessment mode" in problems[0].message
    assert "flag 'risk' is practice-only" in problems[0].message
    # an alternative that assessment mode shows is enough
    fine = text.replace(
        'evidence: {flag: risk, after: "mark:disclosure"}',
        'evidence: {any: [{flag: risk}, {log: notes, after: "mark:disclosure"}]}',
    )
    assert lint(fine, tmp_path) == []


def test_w121_an_own_flag_or_field_label_that_names_a_spoiler(tmp_path: Path) -> None:
    text = with_own(
        "flags:\n  risk: {label: Risk, description: Something else came up}\n"
        "  injury: {label: Injury}\n"
        "log_fields:\n  notes: {label: Something else notes}\n"
        "  hidden: {label: Something else, practice_only: true}\n"
    )
    problems = lint(text, tmp_path)
    assert where(problems) == [
        (*pos(text, "Something else came up"), "W121"),
        (*pos(text, "Something else notes"), "W121"),
    ]  # the practice-only field is not on the screen in assessment mode
    assert "flag 'risk' description says 'something else'" in problems[0].message


def test_the_standard_labels_are_not_the_files_texts() -> None:
    """`Complaint / misconduct referral` is on every call's screen: it names nothing."""
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    assert s.assessment is not None
    assert find_spoiler(s.flags["misconduct_allegation"].label, s.assessment.spoilers)
    assert all(find_spoiler(t.text, s.assessment.spoilers) is None for t in screen_texts(s)), (
        screen_texts(s)
    )


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_use_the_standard_log(path: Path) -> None:
    s = load_scenario(path)
    log = shipped_standard_log()
    assert s.standard_log == log.ref
    assert list(s.flags)[: len(log.flags)] == list(log.flags)
    assert list(s.log_fields)[: len(log.log_fields)] == list(log.log_fields)


def test_the_built_in_scenario_keeps_its_contract_ids() -> None:
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    for fid in (
        "domestic_incident",
        "injury",
        "linked_incident",
        "misconduct_allegation",
        "safeguarding",
    ):
        assert fid in s.flags
    for lid in ("location", "caller_name", "caller_phone", "incident_notes", "allegation_notes"):
        assert lid in s.log_fields
