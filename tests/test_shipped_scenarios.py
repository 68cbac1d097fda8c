"""Every shipped scenario lints clean and passes its playtests; app/ knows none of their ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.headless import run_playtest
from app.scenario.loader import lint_file, load_scenario
from app.services.catalog import build_matcher
from tests.conftest import ROOT, SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))


def test_at_least_three_scenarios_ship() -> None:
    assert len(FILES) >= 3, [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_lints_clean(path: Path) -> None:
    assert [str(p) for p in lint_file(path)] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_playtests_pass(path: Path) -> None:
    s = load_scenario(path)
    assert len(s.playtests) >= 5
    m = build_matcher(s)
    failures = {pt.name: run_playtest(s, pt, m) for pt in s.playtests}
    assert {k: v for k, v in failures.items() if v} == {}


def test_no_scenario_ids_in_the_engine() -> None:
    """The engine is general and the scenarios are data: no scenario's ids appear in app/."""
    ids: set[str] = set()
    for path in FILES:
        s = load_scenario(path)
        # the standard log's flags are product data, the same in every scenario: not its ids
        own_flags = {f for f, flag in s.flags.items() if flag.origin is None}
        ids |= {
            s.id,
            *s.intents,
            *own_flags,
            *s.states,
            *s.lines,
            *(c.id for c in s.rubric.criteria),
        }
        ids |= {m.id for m in s.rubric.metrics} | {h.mark for h in s.all_handlers() if h.mark}
    generic = {"location", "notes", "incident", "disclosure"} & ids  # ordinary words
    code = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    found = sorted(
        i for i in ids - generic if len(i) > 4 and re.search(rf"['\"]{re.escape(i)}['\"]", code)
    )
    assert found == []


def test_built_in_scenario_has_the_contract_ids() -> None:
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    assert s.id == "misconduct-disclosure"
    assert {
        "ask_what_happened",
        "ask_injuries",
        "ask_caller_safe",
        "ask_location",
        "ask_people_involved",
        "advise_attendance",
        "mention_linked_report",
        "attempt_close",
        "confirm_officer",
        "ask_officer_identity",
        "ask_allegation_details",
        "acknowledge_seriousness",
        "reassure_investigation",
        "thank_caller",
        "ask_caller_details",
    } <= set(s.intents)
    assert {
        "domestic_incident",
        "injury",
        "linked_incident",
        "misconduct_allegation",
        "safeguarding",
    } <= set(s.flags)
    assert {"location", "caller_name", "caller_phone", "incident_notes", "allegation_notes"} <= set(
        s.log_fields
    )
    crit = {c.id: c for c in s.rubric.criteria}
    assert {
        "caller_safety",
        "injuries",
        "location",
        "attendance",
        "allegation_flagged",
        "confirmed_officer",
        "officer_identity",
        "acknowledged",
        "reassured",
        "closed_correctly",
    } <= set(crit)
    assert crit["allegation_flagged"].critical and crit["closed_correctly"].critical
    auto = sum(c.weight for c in crit.values() if c.kind != "manual")
    for c in crit.values():
        if not c.critical and c.kind != "manual":
            assert c.weight / auto <= 0.15, c.id
    assert s.rubric.pass_mark == 70
    assert len(s.debrief.questions) >= 3


def _fallback_lines(s: object) -> set[str]:
    """Ids of the lines a caller says when she did not understand: fallbacks and clarify."""
    from app.scenario.model import Scenario

    assert isinstance(s, Scenario)
    out = {
        ln.id
        for h in s.all_handlers()
        if h.trigger == "fallback" and h.say is not None
        for ln in h.say.lines
    }
    if s.clarify is not None:
        out |= {ln.id for ln in s.clarify.lines}
    out |= {lid for lid in s.lines if lid.startswith("library.clarify.")}
    # a line that is also the caller's written answer to an intent is an answer ("Can't.",
    # whispered, is how the caller who cannot speak freely answers an open question)
    answers = [*s.answers.values(), *(a for st in s.states.values() for a in st.answers.values())]
    written = {ln.id for a in answers for ln in a.say.lines}
    written |= {
        ln.id for h in s.all_handlers() if h.intents and h.say is not None for ln in h.say.lines
    }
    return out - written


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_playtest_asks_every_library_move_and_each_gets_a_real_answer(path: Path) -> None:
    """Issue #10: in one playtest each library intent is asked (`expect_intent`), and the
    step after each question pins the caller's reply (`caller: LINE`) to a line that is not a
    fallback or a request to repeat. The playtest passing (test_playtests_pass) proves the
    caller said exactly that line."""
    s = load_scenario(path)
    library = {i for i, x in s.intents.items() if x.origin is not None}
    fallbacks = _fallback_lines(s)
    best: set[str] = set()
    for pt in s.playtests:
        answered: set[str] = set()
        steps = list(pt.steps)
        for n, step in enumerate(steps):
            if step.kind != "say" or not step.expect_intent:
                continue
            reply = steps[n + 1] if n + 1 < len(steps) else None
            if reply is not None and reply.kind == "caller" and reply.text not in fallbacks:
                answered |= set(step.expect_intent) & library
        best = max(best, answered, key=len)
    assert sorted(library - best) == []
