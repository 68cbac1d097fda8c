"""Issue #10, no spoilers in assessment mode: the `assessment:` block's neutral texts, what each
mode shows, the hidden moments, and lint's W120 (a hidden moment without neutral texts) and
W121 (a text shown before the debrief that names a spoiler), each located."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scenario.loader import load_scenario, load_scenario_text
from app.scenario.problems import ScenarioError
from app.scenario.spoilers import find_spoiler, hidden_lines, hidden_marks
from tests.test_lint_checks import lint, pos, where
from tests.test_loader_errors import MINIMAL

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
NEUTRAL = "assessment: {title: A small call, spoilers: [something else]}\n"
FULL = "title: Tiny\n"


def without_block(text: str = MINIMAL) -> str:
    assert NEUTRAL in text
    return text.replace(NEUTRAL, "")


def with_block(block: str, text: str = MINIMAL) -> str:
    return without_block(text) + block


def test_each_mode_shows_its_own_texts() -> None:
    text = with_block(
        "assessment:\n"
        "  title: A noise complaint\n"
        "  summary: Jo rings about  a noise.\n"
        "  spoilers: [hit her]\n"
    ).replace(FULL, FULL + "summary: Jo says he hit her.\ncontent_note: Violence.\n")
    s = load_scenario_text(text, "tiny.yaml")
    practice, assessment = s.shown("practice"), s.shown("assessment")
    assert (practice.title, practice.summary, practice.content_note) == (
        "Tiny",
        "Jo says he hit her.",
        "Violence.",
    )
    assert assessment.title == "A noise complaint"
    assert assessment.summary == "Jo rings about a noise."  # spaces folded
    assert assessment.content_note == "Violence."  # not given: the full one
    assert s.assessment is not None and s.assessment.spoilers == ("hit her",)


def test_without_a_block_both_modes_show_the_full_texts() -> None:
    s = load_scenario_text(without_block(), "tiny.yaml")
    assert s.assessment is None
    assert s.shown("assessment") == s.shown("practice")


@pytest.mark.parametrize(
    ("block", "needle", "code", "message"),
    [
        ("assessment: {titel: X}\n", "titel", "E012", "unknown key 'titel' in assessment"),
        ("assessment: {title: [a, b]}\n", "[a, b]", "E010", "assessment title must be text"),
        ("assessment: {title: '  '}\n", "'  '", "E013", "assessment title must not be empty"),
        ("assessment: {spoilers: {a: b}}\n", "{a: b}", "E010", "each of spoilers must be text"),
        ("assessment: [title]\n", "[title]", "E010", "assessment must be a mapping"),
    ],
)
def test_a_bad_block_is_a_located_error(block: str, needle: str, code: str, message: str) -> None:
    text = with_block(block)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "tiny.yaml")
    (p,) = info.value.errors
    assert (p.line, p.col, p.code) == (*pos(text, needle), code)
    assert message in p.message


def test_hidden_moments_are_the_marks_the_rubric_scores_a_response_to() -> None:
    s = load_scenario_text(MINIMAL, "tiny.yaml")
    assert list(hidden_marks(s)) == ["disclosure"]
    assert [ln.text for ln in hidden_lines(s)] == ["Wait, there's something else."]
    # a mark only measured (a metric), never anchored on, is not hidden
    text = MINIMAL.replace('after: "mark:disclosure"', 'after: "intent:ask_location"')
    assert hidden_marks(load_scenario_text(text, "tiny.yaml")) == {}


def test_w120_a_hidden_moment_without_neutral_texts(tmp_path: Path) -> None:
    text = without_block()
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "mark: disclosure"), "W120")
    assert "mark 'disclosure' is a moment the trainee has to notice" in p.message
    assert "criterion 'flagged'" in p.message and "assessment:" in p.message
    # a scenario with nothing hidden needs no block
    quiet = text.replace('after: "mark:disclosure"', 'after: "intent:ask_location"')
    assert lint(quiet, tmp_path) == []


def test_w120_a_block_without_spoilers(tmp_path: Path) -> None:
    text = with_block("assessment: {title: A small call}\n")
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "{title: A small call}"), "W120")
    assert "names no `spoilers`" in p.message and "'disclosure'" in p.message


def test_w121_a_neutral_text_that_names_a_spoiler(tmp_path: Path) -> None:
    text = with_block(
        "assessment:\n"
        "  title: A call with something else in it\n"
        "  summary: Nothing Else happens.\n"
        "  spoilers: [something else, else]\n"
    )
    problems = lint(text, tmp_path)
    assert where(problems) == [
        (*pos(text, "A call with"), "W121"),
        (*pos(text, "Nothing Else"), "W121"),
    ]
    assert "assessment title says 'something else'" in problems[0].message
    assert "reword it" in problems[0].message
    assert "assessment summary says 'else'" in problems[1].message  # any case


def test_w121_a_full_text_with_no_neutral_version(tmp_path: Path) -> None:
    text = with_block("assessment: {spoilers: [tiny]}\n")
    (p,) = lint(text, tmp_path)
    assert (p.line, p.col, p.code) == (*pos(text, "{spoilers: [tiny]}"), "W121")
    assert "the title (no assessment title) says 'tiny'" in p.message
    assert "write a neutral one in `assessment:`" in p.message


def test_spoilers_match_whole_words_phrases_and_plurals() -> None:
    words = ("police officer", "officer", "image")
    assert find_spoiler("Two officers attended", words) == "officer"
    assert find_spoiler("a POLICE\nofficer", words) == "police officer"
    assert find_spoiler("Images sent", words) == "image"
    assert find_spoiler("official imagery", words) is None
    assert find_spoiler("anything", ()) is None


@pytest.mark.parametrize("sid", ["misconduct-disclosure", "burglary-welfare"])
def test_shipped_scenarios_with_a_hidden_moment_have_neutral_texts(sid: str) -> None:
    s = load_scenario(SCENARIOS / f"{sid}.yaml")
    assert hidden_marks(s) and s.assessment is not None and s.assessment.spoilers
    shown = s.shown("assessment")
    assert shown.title != s.title and shown.summary != s.summary
    # the full texts do give it away: that is why the neutral ones are there
    full = " ".join(t or "" for t in (s.title, s.summary, s.content_note))
    assert find_spoiler(full, s.assessment.spoilers) is not None
    for text in (shown.title, shown.summary, shown.content_note):
        assert find_spoiler(text or "", s.assessment.spoilers) is None, text
