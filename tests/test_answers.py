"""A caller who knows her story: `answers:` (per intent, per state), `replies: each` (a line
with several intents gets a reply to each part, in order, in one turn), and lint W111."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import events as ev
from app.engine.call import Call, replay
from app.scenario.library import shipped_library
from app.scenario.loader import lint_file, load_scenario_text
from app.scenario.model import Scenario
from app.studio.tag import tag_text
from tests.scenario_kit import FakeMatcher
from tests.test_lint_checks import GLOBAL_FB, TALKING_CLOSE
from tests.test_loader_errors import at, edit, problems_of

STORY = """\
format: callsim/scenario@1
id: story
title: Story
library: none
start: open
replies: each
caller: {name: Jo}
flags:
  risk: {label: Risk}
intents:
  where: {examples: [where are you]}
  hurt: {examples: [is anyone hurt]}
  weapons: {examples: [any weapons]}
  name: {examples: [your name]}
  officer: {examples: [is he an officer]}
  bye: {examples: [bye], closing: true}
  thanks: {examples: [thanks]}
states:
  open:
    say: [{id: open.hi, text: "Hello? Police?"}]
    on:
      - intent: officer
        say: {id: open.officer, text: "He is. He's a copper."}
        goto: told
      - intent: [hurt, weapons]
        when: "false"
        say: {id: open.never, text: "never: its condition never holds"}
    answers:
      hurt: {id: open.hurt, text: "She's got a cut lip."}
  told:
    say: [{id: told.enter, text: "You believe me, right?"}]
    on:
      - intent: name
        say: {id: told.name, text: "I'm not giving my name now."}
        goto: open
      - event: closing_attempt
        say: {id: told.bye, text: "Bye then."}
        hang_up: true
    answers:
      where: {id: told.where, text: "I told you: Hollins Road."}
global:
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
answers:
  where: {id: a.where, text: "Twelve Hollins Road."}
  hurt: {id: a.hurt, text: "Nobody's hurt."}
  weapons: {id: a.dunno, text: "I don't know, sorry."}
  name:
    sequence:
      - {id: a.name1, text: "Jo."}
      - {id: a.name2, text: "I said: Jo."}
  thanks: {ref: a.dunno}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""

HEARD = {
    "where are you": ("where",),
    "is anyone hurt": ("hurt",),
    "any weapons": ("weapons",),
    "your name": ("name",),
    "thanks": ("thanks",),
    "where, hurt?": ("where", "hurt"),
    "where, weapons, name": ("where", "weapons", "name"),
    "officer, where": ("officer", "where"),
    "officer, name, where": ("officer", "name", "where"),
    "officer, bye, where": ("officer", "bye", "where"),
    "hurt and weapons": ("hurt", "weapons"),
    "gibberish": (),
}


def story(text: str = STORY) -> Scenario:
    return load_scenario_text(text, "story.yaml")


def started(text: str = STORY) -> Call:
    call = Call(story(text), FakeMatcher(dict(HEARD)))
    call.start(0.0)
    return call


def said(events: list[ev.Event]) -> list[str]:
    return [e.data["line_id"] for e in events if e.kind == ev.CALLER_SAID]


# -- answers ---------------------------------------------------------------------------------
def test_an_answer_replies_when_no_handler_takes_the_intent() -> None:
    call = started()
    assert said(call.say("where are you", 5.0)) == ["a.where"]
    fired = [e.data for e in call.events if e.kind == ev.HANDLER_FIRED]
    assert fired == [{"handler": "answers.where", "trigger": "answer", "intent": "where"}]


def test_a_states_own_answer_comes_before_the_files() -> None:
    call = started()
    assert said(call.say("is anyone hurt", 5.0)) == ["open.hurt"]
    call.say("officer, where", 10.0)  # now in `told`, which has its own `where`
    assert said(call.say("where are you", 30.0)) == ["told.where"]
    assert said(call.say("is anyone hurt", 40.0)) == ["a.hurt"]  # told has no own `hurt`


def test_a_handler_comes_before_an_answer_and_the_fallback_after_it() -> None:
    call = started()
    assert said(call.say("officer, where", 5.0))[0] == "open.officer"
    assert said(call.say("gibberish", 30.0)) == ["g.fb"]


def test_an_answer_sequence_moves_on_and_a_ref_repeats_a_line() -> None:
    call = started()
    got = [said(call.say("your name", t)) for t in (5.0, 10.0, 15.0)]
    assert got == [["a.name1"], ["a.name2"], ["a.name2"]]
    assert said(call.say("thanks", 20.0)) == ["a.dunno"]


def test_replies_first_keeps_one_reply_a_line() -> None:
    call = started(STORY.replace("replies: each\n", ""))
    assert call.scenario.replies == "first"
    assert said(call.say("where, weapons, name", 5.0)) == ["a.where"]
    # a handler for any of the line's intents still beats every answer, as before
    assert said(call.say("officer, where", 10.0)) == ["open.officer", "told.enter"]


# -- replies: each ------------------------------------------------------------------------
def test_each_part_gets_its_reply_in_order_in_one_turn() -> None:
    call = started()
    out = call.say("where, weapons, name", 5.0)
    assert said(out) == ["a.where", "a.dunno", "a.name1"]
    spoken = [e for e in out if e.kind == ev.CALLER_SAID]
    for before, after in zip(spoken, spoken[1:], strict=False):  # one after another, no gap
        assert after.t == pytest.approx(before.t + before.data["duration"])
    assert [e.kind for e in out].count(ev.TRAINEE_SAID) == 1


def test_the_first_goto_wins_and_later_parts_are_answered_in_the_new_state() -> None:
    call = started()
    out = call.say("officer, name, where", 5.0)
    # officer moves the call to `told` (its lines come at once); `name` is answered there by a
    # handler whose goto is ignored; `where` gets told's own answer
    assert said(out) == ["open.officer", "told.enter", "told.name", "told.where"]
    assert call.st.state == "told"
    changes = [e.data for e in out if e.kind == ev.STATE_CHANGED]
    assert changes == [{"from": "open", "to": "told"}]
    ignored = [e.data for e in out if e.kind == ev.HANDLER_FIRED and "goto_ignored" in e.data]
    assert ignored == [{"handler": "states.told.on[0]", "trigger": "say", "goto_ignored": "open"}]


def test_nothing_is_answered_after_the_caller_hangs_up() -> None:
    call = started()
    out = call.say("officer, bye, where", 5.0)
    assert said(out) == ["open.officer", "told.enter", "told.bye"]
    assert call.ended and call.st.ended_by == "caller"


def test_a_handler_answers_once_for_every_intent_it_lists() -> None:
    text = STORY.replace('        when: "false"\n', "")
    call = started(text)
    assert said(call.say("hurt and weapons", 5.0)) == ["open.never"]


def test_a_part_with_no_reply_is_skipped_and_the_rest_still_answered() -> None:
    text = STORY.replace('  weapons: {id: a.dunno, text: "I don\'t know, sorry."}\n', "")
    text = text.replace("  thanks: {ref: a.dunno}\n", "")
    call = started(text)
    assert said(call.say("where, weapons, name", 5.0)) == ["a.where", "a.name1"]


def test_a_line_with_two_parts_replays_exactly() -> None:
    call = started()
    call.say("where, hurt?", 5.0)
    call.say("officer, name, where", 20.0)
    call.end_call(60.0)
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher(dict(HEARD)), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]


def test_the_closing_attempt_is_answered_once_a_line() -> None:
    later = "  later: {examples: [talk later], closing: true}\n"
    thanks = "  thanks: {examples: [thanks]}\n"
    text = STORY.replace(thanks, thanks + later)
    text = text.replace("        hang_up: true\n", "")
    text = text.replace("  thanks: {ref: a.dunno}\n", "  later: {id: a.later, text: Later.}\n")
    heard = dict(HEARD, **{"officer, bye, later": ("officer", "bye", "later")})
    call = Call(story(text), FakeMatcher(heard))
    call.start(0.0)
    assert said(call.say("officer, bye, later", 5.0)) == ["open.officer", "told.enter", "told.bye"]


# -- the loader ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("  where: {id: a.where", "  wher: {id: a.where", "E020", "wher:",
         "unknown intent 'wher' (did you mean 'where'?)"),
        ("      where: {id: told.where", "      whre: {id: told.where", "E020", "whre:",
         "unknown intent 'whre'"),
        ("replies: each", "replies: all", "E013", "all\ncaller", "replies must be first or each"),
        ("  hurt: {id: a.hurt, text: \"Nobody's hurt.\"}", "  hurt: Nobody's hurt.", "E010",
         "Nobody's", "not bare text"),
        ("  thanks: {ref: a.dunno}", "  thanks: {ref: a.dunnno}", "E020", "a.dunnno",
         "ref to unknown line 'a.dunnno'"),
        ("  thanks: {ref: a.dunno}", "  Thanks: {ref: a.dunno}", "E015", "Thanks",
         "answers 'Thanks' is not a valid id"),
        ("  thanks: {ref: a.dunno}", "  thanks: []", "E011", "[]", "say needs at least one"),
    ],
)  # fmt: skip
def test_bad_answers_are_located(old: str, new: str, code: str, where: str, message: str) -> None:
    assert STORY.count(old) == 1, old
    text = STORY.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, where)
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_answers_that_are_not_a_mapping_are_an_error() -> None:
    text = STORY.replace("answers:\n  where:", "answers: [where]\nxanswers:\n  where:")
    codes = [p.code for p in problems_of(text) if p.is_error]
    assert "E010" in codes


# -- lint ------------------------------------------------------------------------------------
def lint(text: str, tmp_path: Path, name: str = "story") -> list[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return [f"{p.line}:{p.col}:{p.code}" for p in lint_file(path)]


def test_the_story_lints_clean(tmp_path: Path) -> None:
    assert lint(STORY, tmp_path) == []


def test_w106_a_state_with_answers_is_no_dead_end(tmp_path: Path) -> None:
    dead = edit(GLOBAL_FB, "").replace(TALKING_CLOSE, "      - event: silence\n        after: 5s\n")
    assert [p for p in lint(dead, tmp_path, "tiny") if p.endswith("W106")] != []
    answers = '    answers:\n      ask_location: {id: talk.where, text: "Still here."}\n'
    text = dead.replace("  talking:\n", "  talking:\n" + answers)
    assert [p for p in lint(text, tmp_path, "tiny") if p.endswith("W106")] == []


LIBRARY_STORY = """\
format: callsim/scenario@1
id: lib-story
title: Library story
start: open
caller: {name: Jo}
intents:
  own_question: {examples: [is it about the dog]}
states:
  open:
    say: [{id: open.hi, text: "Hello?"}]
    on:
      - intent: own_question
        say: {id: open.dog, text: "No, not the dog."}
      - intent: ask_location
        say: {id: open.where, text: "Twelve Hollins Road."}
      - event: closing_attempt
        say: {id: open.bye, text: "Bye."}
      - fallback: true
        say: {id: open.fb, text: "Sorry?"}
answers:
ANSWERS
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true,
       evidence: {intent: ask_location}}
"""


def _library_story(answered: list[str]) -> str:
    """Every library intent in `answered` gets one line, the rest a ref to "I don't know"."""
    out = ['  ask_what_happened: {id: a.what, text: "My friend\'s fighting with her mum."}']
    out += [f"  {i}: {{ref: a.what}}" for i in answered if i != "ask_what_happened"]
    return LIBRARY_STORY.replace("ANSWERS\n", "\n".join(out) + "\n")


def test_w111_every_library_intent_understood_but_never_answered(tmp_path: Path) -> None:
    library = list(shipped_library().intents)
    answered = [i for i in library if i not in ("ask_weapons", "ask_vehicle")]
    text = _library_story(answered)
    found = lint(text, tmp_path, "lib-story")
    line, col = at(text, "answers:")
    assert found == [f"{line}:{col}:W111", f"{line}:{col}:W111"]
    path = tmp_path / "lib-story.yaml"
    messages = [p.message for p in lint_file(path)]
    assert "library intent 'ask_weapons' (uk-call-handling@1) is never answered" in messages[0]
    assert "'ask_vehicle'" in messages[1]


def test_w111_quiet_when_the_caller_answers_all_36_library_intents(tmp_path: Path) -> None:
    library = list(shipped_library().intents)
    assert len(library) >= 36
    # handlers answer ask_location and (closing_attempt) attempt_close; answers do the rest
    assert lint(_library_story(library), tmp_path, "lib-story") == []


def test_w111_quiet_for_a_file_without_answers(tmp_path: Path) -> None:
    text = LIBRARY_STORY.replace("answers:\nANSWERS\n", "")
    assert lint(text, tmp_path, "lib-story") == []


def test_the_schema_takes_answers_and_replies() -> None:
    from tests.test_studio_schema import errors

    assert errors(STORY) == []
    assert errors(STORY.replace("replies: each", "replies: every")) != []


def test_tag_gives_answer_lines_ids() -> None:
    text = STORY.replace("  weapons: {id: a.dunno, text:", "  weapons: {text:")
    text = text.replace("  thanks: {ref: a.dunno}\n", "")
    text = text.replace("      where: {id: told.where, text:", "      where: {text:")
    out, added, _ = tag_text(text)
    assert [a.id for a in added] == ["told.told-hollins-road", "a.dont-know-sorry"]
    assert load_scenario_text(out, "story.yaml").answers["weapons"].say.lines[0].id == (
        "a.dont-know-sorry"
    )
