"""The call engine: handler order, counters, conditions, silence, ending, and replay."""

from __future__ import annotations

import pytest

from app.engine import events as ev
from app.engine.call import Call, CallEnded, replay
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario


def lines(events: list[ev.Event]) -> list[str]:
    return [e.data["line_id"] for e in events if e.kind == ev.CALLER_SAID]


@pytest.fixture
def call() -> Call:
    c = Call(kit_scenario(), FakeMatcher())
    c.start(0.0)
    return c


def test_caller_speaks_first_when_the_start_state_has_lines(call: Call) -> None:
    assert lines(call.events) == ["one.hi"]
    assert call.events[0].kind == ev.CALL_STARTED


def test_caller_waits_for_the_greeting_when_the_start_state_is_silent() -> None:
    text = BASE.replace('    say: [{id: one.hi, text: "Hello? Is that the police?"}]\n', "")
    c = Call(kit_scenario(text), FakeMatcher())
    assert lines(c.start(0.0)) == []


def test_state_handler_then_goto_speaks_the_new_states_lines(call: Call) -> None:
    out = call.say("where are you", 5.0)
    assert lines(out) == ["one.where", "two.enter"]
    assert call.st.state == "two"
    assert any(e.kind == ev.STATE_CHANGED and e.data == {"from": "one", "to": "two"} for e in out)


def test_sequence_advances_then_stays_on_its_last_line(call: Call) -> None:
    call.say("where are you", 5.0)
    said = [lines(call.say("where are you", t)) for t in (20.0, 30.0, 40.0)]
    assert said == [["two.w1"], ["two.w2"], ["two.w2"]]


def test_once_handler_fires_once_then_the_fallback_takes_the_line(call: Call) -> None:
    assert lines(call.say("hello", 5.0)) == ["one.hello"]
    assert lines(call.say("hello", 9.0)) == ["g.fb1"]


def test_unmatched_lines_go_to_the_fallback_in_sequence(call: Call) -> None:
    out = call.say("gibberish", 5.0)
    assert lines(out) == ["g.fb1"]
    assert any(e.kind == ev.UNMATCHED for e in out)
    assert lines(call.say("more gibberish", 9.0)) == ["g.fb2"]


def test_nth_counts_closing_attempts_before_matching(call: Call) -> None:
    first = call.say("bye", 5.0)
    assert [e.data["n"] for e in first if e.kind == ev.CLOSING_ATTEMPT] == [1]
    assert lines(first) == ["g.wait"]
    second = call.say("bye", 12.0)
    assert lines(second) == ["g.tell"]
    assert call.st.variables["told"] is True
    assert any(e.kind == ev.MARK and e.data["name"] == "told" for e in second)
    assert not call.ended  # closing attempts never end the call by themselves


def test_first_matching_handler_wins_for_a_line_with_two_intents(call: Call) -> None:
    # `where` has a handler in the state, which is tried before the global closing handler.
    out = call.say("where are you, bye", 5.0)
    assert lines(out)[0] == "one.where"
    assert any(e.kind == ev.CLOSING_ATTEMPT for e in out)  # still counted as an attempt


def test_add_and_when_read_variables(call: Call) -> None:
    call.say("calm down", 5.0)
    call.say("calm down", 10.0)
    assert call.st.variables["upset"] == 2
    assert "g.never" not in lines(call.events)  # first matching handler wins


def test_flag_and_log_events_fire_their_handlers_and_repeat_positions_do_nothing(
    call: Call,
) -> None:
    assert lines(call.raise_flag("risk", 5.0)) == ["g.flagged"]
    assert call.raise_flag("risk", 6.0) == []  # already raised
    assert [e.kind for e in call.lower_flag("risk", 7.0)] == [ev.FLAG_LOWERED]
    assert lines(call.set_log("notes", "12 Hollins Rd", 8.0)) == ["g.logged"]
    assert call.set_log("notes", "12 Hollins Rd", 9.0) == []


def test_unknown_flag_or_field_is_refused(call: Call) -> None:
    with pytest.raises(KeyError):
        call.raise_flag("nope", 1.0)
    with pytest.raises(KeyError):
        call.set_log("nope", "x", 1.0)


def test_silence_shortest_first_restarts_after_activity_and_counts(call: Call) -> None:
    opening_ends = call.st.busy_until
    assert call.next_silence() is not None
    due, handler = call.next_silence()  # type: ignore[misc]
    assert handler.key == "global[7]" and due == pytest.approx(opening_ends + 10)
    out = call.advance(opening_ends + 9.9)
    assert out == []
    out = call.advance(opening_ends + 10)
    assert lines(out) == ["g.sil10"]
    assert [e.kind for e in out][:2] == [ev.TIME_PASSED, ev.SILENCE]
    # count.silence is now 1, so `count.silence < 2` fails next time: the 30 s handler is next
    due2, h2 = call.next_silence()  # type: ignore[misc]
    assert h2.key == "global[6]" and due2 == pytest.approx(call.st.busy_until + 30)
    # trainee activity restarts the silence clock
    call.say("gibberish", call.st.busy_until + 25)
    due3, _ = call.next_silence()  # type: ignore[misc]
    assert due3 == pytest.approx(call.st.busy_until + 30)


def test_caller_hangs_up_and_later_actions_are_refused(call: Call) -> None:
    call.say("calm down", 5.0)
    call.say("calm down", 10.0)  # upset == 2: the 20 s silence handler now hangs up...
    # ...but the 10 s handler is shorter, so it fires first; then 20 s later she hangs up.
    call.advance(call.st.busy_until + 10)
    end = call.st.busy_until + 20
    out = call.advance(end)
    assert lines(out) == ["g.gone"]
    assert call.ended and call.st.ended_by == "caller"
    assert out[-1].kind == ev.CALL_ENDED and out[-1].data == {"by": "caller"}
    with pytest.raises(CallEnded):
        call.say("hello", end + 30)


def test_end_call_hangs_up_at_once_even_mid_line(call: Call) -> None:
    call.say("where are you", 5.0)  # the caller is still speaking at 5.5 s
    out = call.end_call(5.5)
    assert [e.kind for e in out] == [ev.TRAINEE_ENDED, ev.CALL_ENDED]
    assert out[-1].t == 5.5 and call.st.ended_by == "trainee"


def test_time_cannot_go_backwards(call: Call) -> None:
    call.say("hello", 10.0)
    with pytest.raises(ValueError):
        call.say("hello", 9.0)


def test_replay_from_inputs_rebuilds_every_event_exactly(call: Call) -> None:
    call.say("where are you", 5.0)
    call.raise_flag("risk", 9.0)
    call.advance(60.0)  # silence fires
    call.say("bye", 70.0)
    call.say("bye", 80.0)
    call.set_log("notes", "hit", 95.0)
    call.end_call(100.0)
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher(), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]


def test_events_round_trip_through_json(call: Call) -> None:
    call.say("where are you", 5.0)
    for e in call.events:
        assert ev.Event.from_json(e.to_json()) == e


def test_typing_is_activity_so_silence_waits(call: Call) -> None:
    start = call.st.busy_until
    call.typing(start + 8)  # composing a line before the 10 s silence falls due
    assert call.advance(start + 17) == []  # 9 s since the last keystroke: still composing
    assert lines(call.advance(start + 18)) == ["g.sil10"]  # 10 s after the last keystroke


def test_goto_the_current_state_is_not_a_state_change() -> None:
    text = BASE.replace("        goto: two\n", "        goto: one\n", 1)
    c = Call(kit_scenario(text), FakeMatcher())
    c.start(0.0)
    out = c.say("where are you", 5.0)
    assert lines(out) == ["one.where"]  # no re-entry: the opening line is not repeated
    assert not any(e.kind == ev.STATE_CHANGED for e in out)


def test_log_written_after_the_end_is_kept_and_replays(call: Call) -> None:
    call.end_call(5.0)
    out = call.set_log("notes", "write-up", 40.0)
    assert [e.kind for e in out] == [ev.LOG_CHANGED]
    assert lines(out) == []  # no handler fires once the call is over
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher(), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]


def test_recorded_matcher_rebuilds_with_the_intents_heard_at_the_time(call: Call) -> None:
    from app.engine.call import RecordedMatcher

    call.say("where are you", 5.0)
    call.say("bye", 20.0)
    call.end_call(30.0)
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, RecordedMatcher(inputs), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]
    recorded = RecordedMatcher(inputs)
    assert recorded.match("where are you").intents == ("where",)
    with pytest.raises(ValueError, match="not the one recorded"):
        recorded.match("something else")  # the record says "bye" came next
    with pytest.raises(ValueError, match="more trainee lines"):
        RecordedMatcher([]).match("hello")
