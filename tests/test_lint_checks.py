"""Layer 4 lint checks (app/scenario/checks.py): each one fires exactly where it should, says
what to do, and stays quiet on the look-alikes that are fine (and on the shipped scenarios).

Cases edit MINIMAL (tests/test_loader_errors.py), a small scenario that lints clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scenario.loader import lint_file, load_scenario, load_scenario_text
from app.scenario.problems import Problem, ScenarioError
from tests.test_loader_errors import MINIMAL, at, edit

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

# snippets spliced into MINIMAL
GLOBAL_FB = '  - fallback: true\n    say: {id: g.fb, text: "Sorry?"}\n'
GLOBAL_SIL = '  - event: silence\n    after: 15s\n    say: {id: g.sil, text: "Hello?"}\n'
TALKING_CLOSE = "      - event: closing_attempt\n        when: not told\n"
OPENING_GOTO = "        goto: talking\n"


def lint(text: str, tmp_path: Path, name: str = "tiny") -> list[Problem]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return lint_file(path)


def where(problems: list[Problem]) -> list[tuple[int, int, str]]:
    return [(p.line, p.col, p.code) for p in problems]


def pos(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    return at(text, needle, occurrence)


def test_minimal_lints_clean(tmp_path: Path) -> None:
    assert lint(MINIMAL, tmp_path) == []


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_lint_clean(path: Path) -> None:
    assert [str(p) for p in lint_file(path)] == []


def test_w107_file_name_must_match_the_id(tmp_path: Path) -> None:
    (p,) = lint(MINIMAL, tmp_path, name="other")
    assert (p.line, p.col, p.code) == (1, 1, "W107")
    assert "does not match the file name 'other'" in p.message


def test_checks_run_only_once_the_file_has_no_errors(tmp_path: Path) -> None:
    text = edit("goto: talking", "goto: talkin")  # an error...
    text = text.replace("states:\n", "states:\n  limbo:\n    say: [{id: limbo.1, text: Hm}]\n")
    assert [p.code for p in lint(text, tmp_path)] == ["E020"]  # ...and no W101 on top


# -- W101 unreachable states ----------------------------------------------------------------
LIMBO = "  limbo:\n    say: [{id: limbo.1, text: Hm}]\n"


def test_w101_state_no_goto_reaches(tmp_path: Path) -> None:
    text = edit("states:\n", "states:\n" + LIMBO)
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "limbo:"), "W101")
    assert "state 'limbo' can never be reached: no handler has 'goto: limbo'" in p.message
    assert "add a goto to it, or remove the state" in p.message


def test_w101_state_only_a_dead_handler_goes_to(tmp_path: Path) -> None:
    dead = "      - intent: ask_location\n        goto: limbo\n"
    text = edit(OPENING_GOTO, OPENING_GOTO + dead).replace("states:\n", "states:\n" + LIMBO)
    problems = lint(text, tmp_path)
    assert where(problems) == [
        (*pos(text, "limbo:"), "W101"),
        (*pos(text, "intent: ask_location\n        goto: limbo"), "W102"),
    ]
    assert "the only handlers with 'goto: limbo' can never fire" in problems[0].message


def test_w101_a_goto_in_a_global_handler_reaches(tmp_path: Path) -> None:
    go = "  - intent: attempt_close\n    goto: limbo\n"
    text = edit("global:\n", "global:\n" + go).replace("states:\n", "states:\n" + LIMBO)
    assert lint(text, tmp_path) == []


# -- W102 handlers that can never fire ------------------------------------------------------
DEAD_HANDLERS = [
    # (name, old, new, the dead handler's text, occurrence, message fragment)
    (
        "same intent, once",
        OPENING_GOTO,
        OPENING_GOTO
        + "      - intent: [ask_location]\n        once: true\n        say: {id: x.1, text: X}\n",
        "intent: [ask_location]",
        1,
        "the handler at line 26 answers the same intent with no nth/once/when",
    ),
    (
        "second fallback",
        GLOBAL_FB,
        GLOBAL_FB + "  - fallback: true\n    nth: 2\n    say: {id: x.1, text: X}\n",
        "fallback: true",
        2,
        "the fallback at line 40 takes every fallback event first",
    ),
    (
        "longer silence",
        GLOBAL_SIL,
        GLOBAL_SIL + "  - event: silence\n    after: 20s\n    say: {id: x.1, text: X}\n",
        "event: silence",
        2,
        "the silence handler at line 37 (after 15s, no nth/once/when) always fires first",
    ),
    (
        "equal silence later",
        GLOBAL_SIL,
        GLOBAL_SIL
        + "  - event: silence\n    after: 15s\n    when: told\n    say: {id: x.1, text: X}\n",
        "event: silence",
        2,
        "always fires first",
    ),
    (
        "shorter silence later in the list",
        GLOBAL_SIL,
        "  - event: silence\n    after: 20s\n    once: true\n    say: {id: x.1, text: X}\n"
        + GLOBAL_SIL,
        "event: silence",
        1,
        "the silence handler at line 41 (after 15s",
    ),
    (
        "a state's silence beaten by a global one",
        "        mark: disclosure\n",
        "        mark: disclosure\n      - event: silence\n        after: 30s\n"
        "        say: {id: x.1, text: X}\n",
        "event: silence",
        1,
        "the silence handler at line 40 (after 15s",
    ),
    (
        "closing handler after an intent handler for every closing intent",
        TALKING_CLOSE,
        "      - intent: attempt_close\n        say: {id: x.1, text: X}\n" + TALKING_CLOSE,
        "event: closing_attempt",
        1,
        "every closing intent is answered first by an intent handler with no nth/once/when "
        "('attempt_close' at line 31)",
    ),
    (
        "closing intent after a closing handler",
        "global:\n",
        "global:\n  - {event: closing_attempt, say: {id: x.1, text: X}}\n"
        "  - {intent: attempt_close, say: {id: x.2, text: X}}\n",
        "{intent: attempt_close",
        1,
        "the closing_attempt handler at line 37 (no nth/once/when) takes every closing attempt "
        "first, and a line with intent 'attempt_close' is one",
    ),
    (
        "same nth",
        TALKING_CLOSE,
        "      - event: closing_attempt\n        nth: 1\n        say: {id: x.1, text: X}\n"
        "      - event: closing_attempt\n        nth: 1\n        say: {id: x.2, text: X}\n"
        + TALKING_CLOSE,
        "event: closing_attempt",
        2,
        "has the same trigger and 'nth: 1' and no other condition",
    ),
    (
        "same flag raised",
        "global:\n",
        "global:\n  - {event: flag_raised, flag: risk, say: {id: x.1, text: X}}\n"
        "  - {event: flag_raised, flag: risk, once: true, say: {id: x.2, text: X}}\n",
        "{event: flag_raised",
        2,
        "takes every flag_raised 'risk' event first",
    ),
    (
        "any log change before one field's",
        "global:\n",
        "global:\n  - {event: log_changed, say: {id: x.1, text: X}}\n"
        "  - {event: log_changed, field: notes, say: {id: x.2, text: X}}\n",
        "{event: log_changed",
        2,
        "takes every log_changed 'notes' event first",
    ),
    (
        "each intent of a list taken",
        "global:\n",
        "global:\n  - {intent: ask_location, say: {id: x.1, text: X}}\n"
        "  - {intent: attempt_close, say: {id: x.2, text: X}}\n"
        "  - {intent: [ask_location, attempt_close], say: {id: x.3, text: X}}\n",
        "{intent: [ask_location",
        1,
        "every intent it answers is taken first by a handler with no nth/once/when "
        "('ask_location' at line 37, 'attempt_close' at line 38)",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "dead", "occurrence", "message"),
    [case[1:] for case in DEAD_HANDLERS],
    ids=[case[0] for case in DEAD_HANDLERS],
)
def test_w102_handler_that_can_never_fire(
    tmp_path: Path, old: str, new: str, dead: str, occurrence: int, message: str
) -> None:
    text = edit(old, new)
    problems = [p for p in lint(text, tmp_path) if p.code == "W102"]
    assert where(problems) == [(*pos(text, dead, occurrence), "W102")], problems
    assert message in problems[0].message
    assert "can never fire" in problems[0].message


def test_w102_closing_handler_with_no_closing_intent(tmp_path: Path) -> None:
    text = edit("    closing: true\n", "")
    problems = lint(text, tmp_path)
    dead = [p for p in problems if p.code == "W102"]
    assert where(dead) == [(*pos(text, "event: closing_attempt"), "W102")]
    assert "no intent is marked 'closing: true'" in dead[0].message
    # ...and the criterion anchored after the mark only that handler sets can never be met
    assert ("E040", "flagged") in [(p.code, p.message.split("'")[1]) for p in problems]


LIVE_HANDLERS = [
    (
        "earlier one has a condition",
        OPENING_GOTO,
        OPENING_GOTO + "      - intent: ask_location\n        say: {id: x.1, text: X}\n",
        "- intent: ask_location",
        "        when: not told\n",
    ),
    ("different nth", TALKING_CLOSE, "      - event: closing_attempt\n        nth: 1\n"
     "        say: {id: x.1, text: X}\n      - event: closing_attempt\n        nth: 2\n"
     "        say: {id: x.2, text: X}\n" + TALKING_CLOSE, None, None),
    ("nth on a fallback", GLOBAL_FB, "  - fallback: true\n    nth: 2\n"
     "    say: {id: x.1, text: X}\n" + GLOBAL_FB, None, None),
    ("shorter silence after a conditional one", GLOBAL_SIL, GLOBAL_SIL.replace(
        "15s", "15s\n    once: true") + "  - event: silence\n    after: 20s\n"
     "    say: {id: x.1, text: X}\n", None, None),
    ("a global handler after a state's", "global:\n",
     "global:\n  - intent: ask_location\n    say: {id: x.1, text: X}\n", None, None),
    ("different flags", "global:\n",
     "global:\n  - {event: flag_raised, flag: risk, say: {id: x.1, text: X}}\n"
     "  - {event: flag_lowered, flag: risk, say: {id: x.2, text: X}}\n", None, None),
    ("one intent of a list still free", "global:\n",
     "global:\n  - {intent: ask_location, say: {id: x.1, text: X}}\n"
     "  - {intent: [ask_location, attempt_close], once: true, say: {id: x.2, text: X}}\n",
     None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "condition_on", "condition"),
    [case[1:] for case in LIVE_HANDLERS],
    ids=[case[0] for case in LIVE_HANDLERS],
)
def test_w102_quiet_when_the_handler_can_fire(
    tmp_path: Path, old: str, new: str, condition_on: str | None, condition: str | None
) -> None:
    text = edit(old, new)
    if condition_on and condition:  # put the condition on the first handler
        line = text.index(condition_on) + len(condition_on) + 1
        text = text[:line] + condition + text[line:]
    assert [p for p in lint(text, tmp_path) if p.code == "W102"] == []


# -- W103 colliding examples ----------------------------------------------------------------
def test_w103_same_example_under_two_intents(tmp_path: Path) -> None:
    text = edit("examples: [ok bye,", 'examples: ["Where are you?", ok bye,')
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "attempt_close:"), "W103")
    assert p.message == (
        "example 'Where are you?' of intent 'attempt_close' is also an example of intent "
        "'ask_location' (line 15) (written 'where are you' there): the matcher cannot tell "
        "them apart; keep it under one intent"
    )


def test_w103_example_also_in_its_own_not_list(tmp_path: Path) -> None:
    text = edit("    closing: true\n", '    closing: true\n    not: ["OK, bye!"]\n')
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "attempt_close:"), "W103")
    assert "'OK, bye!' is both an example of intent 'attempt_close' and in its 'not'" in p.message


def test_w103_another_intents_not_list_is_the_point_of_not(tmp_path: Path) -> None:
    text = edit("    closing: true\n", '    closing: true\n    not: ["where are you"]\n')
    assert lint(text, tmp_path) == []


# -- W104 weights ---------------------------------------------------------------------------
def test_w104_one_missed_criterion_fails_the_call(tmp_path: Path) -> None:
    text = edit("pass_mark: 70", "pass_mark: 95")
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "location\n      title"), "W104")
    assert p.message.startswith(
        "missing only 'location' fails a trainee: without its weight 1 the best score is 90, "
        "below the pass mark 95"
    )


def test_w104_no_non_critical_criterion_over_15_percent(tmp_path: Path) -> None:
    text = edit("pass_mark: 70", "pass_mark: 50").replace("weight: 9\n", "weight: 4\n")
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "location\n      title"), "W104")
    assert "criterion 'location' weighs 1 of 5 (20% of the automatic total)" in p.message
    assert "at most 15%" in p.message


def test_w104_critical_and_manual_criteria_are_not_counted(tmp_path: Path) -> None:
    manual = "    - {id: tone, title: Tone, weight: 50, kind: manual}\n"
    text = edit("  metrics:\n", manual + "  metrics:\n")  # the critical one weighs 90%
    assert lint(text, tmp_path) == []


# -- E040 a rubric that cannot work ---------------------------------------------------------
def test_e040_only_manual_criteria(tmp_path: Path) -> None:
    text = edit("      evidence: {intent: ask_location}\n", "      kind: manual\n")
    text = text.replace(
        '      critical: true\n      evidence: {flag: risk, after: "mark:disclosure"}\n',
        "      kind: manual\n",
    )
    (p,) = [p for p in lint(text, tmp_path) if p.is_error]
    assert (p.line, p.col, p.code) == (*pos(text, "location\n      title"), "E040")
    assert "only manual criteria" in p.message
    with pytest.raises(ScenarioError):
        load_scenario_text(text)


def test_e040_critical_criterion_anchored_after_a_mark_that_never_happens(
    tmp_path: Path,
) -> None:
    text = edit(OPENING_GOTO, "")  # nothing goes to `talking`, where the mark is set
    problems = lint(text, tmp_path)
    assert where(problems) == [
        (*pos(text, "talking:"), "W101"),
        (*pos(text, "flagged"), "E040"),
    ]
    assert problems[1].message.startswith(
        "critical criterion 'flagged' can never be met, so every call fails: it is anchored "
        "after mark:disclosure, which never happens"
    )


# -- W108 evidence that can never be found --------------------------------------------------
def test_w108_criterion_that_can_never_be_met_or_violated(tmp_path: Path) -> None:
    text = edit(OPENING_GOTO, "").replace("      critical: true\n", "")
    text = text.replace("  metrics:\n", (
        "    - {id: rude, title: Rude, weight: 1, kind: prohibited,"
        " evidence: {line: talk.wait}}\n  metrics:\n"
    ))  # fmt: skip
    problems = [p for p in lint(text, tmp_path) if p.code == "W108"]
    assert where(problems) == [(*pos(text, "flagged"), "W108"), (*pos(text, "rude"), "W108")]
    assert (
        "criterion 'flagged' can never be met, so every trainee loses its weight: it is "
        "anchored after mark:disclosure, which never happens" in problems[0].message
    )
    assert "criterion 'rude' can never be violated: line 'talk.wait' is never spoken" in (
        problems[1].message
    )


def test_w108_any_is_found_if_one_branch_can_be(tmp_path: Path) -> None:
    text = edit(
        '{flag: risk, after: "mark:disclosure"}',
        '{any: [{line: open.where}, {flag: risk, after: "line:limbo.1"}]}',
    ).replace("states:\n", "states:\n" + LIMBO)
    assert where(lint(text, tmp_path)) == [(*pos(text, "limbo:"), "W101")]


# -- W105 unused intents and variables ------------------------------------------------------
def test_w105_unused_intent(tmp_path: Path) -> None:
    text = edit("  attempt_close:\n", "  small_talk:\n    examples: [nice day]\n  attempt_close:\n")
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "small_talk:"), "W105")
    assert "intent 'small_talk' is not used" in p.message and "use it, or remove it" in p.message


@pytest.mark.parametrize(
    "use",
    [
        "when: asked.small_talk",
        "when: count.small_talk > 1",
    ],
)
def test_w105_an_intent_read_by_a_condition_is_used(tmp_path: Path, use: str) -> None:
    text = edit("  attempt_close:\n", "  small_talk:\n    examples: [nice day]\n  attempt_close:\n")
    text = text.replace("when: not told", f"{use} and not told")
    assert lint(text, tmp_path) == []


def test_w105_intent_used_only_by_a_metric(tmp_path: Path) -> None:
    text = edit("  attempt_close:\n", "  small_talk:\n    examples: [nice day]\n  attempt_close:\n")
    text = text.replace("  metrics:\n", '  metrics:\n    chat_t: {at: "intent:small_talk"}\n')
    assert lint(text, tmp_path) == []


def test_w105_variables_never_read(tmp_path: Path) -> None:
    text = edit("variables:\n", "variables:\n  spare: {type: int}\n")
    text = text.replace("when: not told", "when: elapsed > 1")
    problems = lint(text, tmp_path)
    assert where(problems) == [(*pos(text, "spare:"), "W105"), (*pos(text, "told:"), "W105")]
    assert "variable 'spare' is never set or read" in problems[0].message
    assert "variable 'told' is set but never read" in problems[1].message


# -- W106 dead ends -------------------------------------------------------------------------
def test_w106_state_where_nothing_the_trainee_says_gets_an_answer(tmp_path: Path) -> None:
    text = edit(GLOBAL_FB, "").replace(TALKING_CLOSE, "      - event: silence\n        after: 5s\n")
    problems = [p for p in lint(text, tmp_path) if p.code == "W106"]
    assert where(problems) == [(*pos(text, "talking:"), "W106")]
    assert "state 'talking' is a dead end" in problems[0].message
    assert "add handlers, or at least a 'fallback: true' one" in problems[0].message


def test_w106_not_when_the_caller_hangs_up_on_the_way_in(tmp_path: Path) -> None:
    text = edit(GLOBAL_FB, "").replace(TALKING_CLOSE, "      - event: silence\n        after: 5s\n")
    text = text.replace(OPENING_GOTO, OPENING_GOTO + "        hang_up: true\n")
    assert [p for p in lint(text, tmp_path) if p.code == "W106"] == []


# -- W109 orphan voice-over -----------------------------------------------------------------
def test_w109_recorded_audio_for_a_line_that_is_gone(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    audio = tmp_path / "audio" / "tiny"
    audio.mkdir(parents=True)
    for name in ("open.hello.wav", "open.helo.wav", "README.txt", "g.fb.WAV"):
        (audio / name).write_bytes(b"")
    problems = lint(MINIMAL, tmp_path / "scenarios")
    assert where(problems) == [(1, 1, "W109")]
    assert problems[0].message == (
        "recorded voice-over audio/tiny/open.helo.wav belongs to no line: there is no line "
        "'open.helo' in this scenario (did you mean 'open.hello'?); rename the file to its "
        "line's id, or delete it"
    )


def test_w109_not_without_an_audio_folder_or_a_file(tmp_path: Path) -> None:
    assert lint(MINIMAL, tmp_path) == []
    assert load_scenario_text(MINIMAL, "tiny.yaml").id == "tiny"  # never looks around the cwd


def test_warnings_never_stop_a_scenario_loading(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(edit("variables:\n", "variables:\n  spare: {type: int}\n"), "utf-8")
    assert [p.code for p in lint_file(path)] == ["W105"]
    assert load_scenario(path).id == "tiny"
