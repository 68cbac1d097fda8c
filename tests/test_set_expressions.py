"""`set: {x: {expr: ...}}`: values worked out when the handler fires, from variables, counts and
the call's time; arithmetic (+ - *) in the expression language; every number bounded, so a
file can never make the engine overflow mid-call."""

from __future__ import annotations

import pytest

from app.engine.call import Call
from app.scenario import expr
from app.scenario.loader import load_scenario_text
from app.studio.exprtext import expr_text
from tests.scenario_kit import FakeMatcher
from tests.test_loader_errors import at, problems_of

SETS = """\
format: callsim/scenario@1
id: sets
title: Sets
library: none
start: open
caller: {name: Jo}
variables:
  lines_then: {type: int, default: 0}
  asked_at: {type: int, default: -1}
  keen: {type: bool, default: false}
  where_now: {type: str, default: ""}
  a: {type: int, default: 1}
  b: {type: int, default: 2}
  big: {type: int, default: 2}
intents:
  where: {examples: [where are you]}
  swap: {examples: [swap]}
  grow: {examples: [grow]}
states:
  open:
    on:
      - intent: where
        set:
          lines_then: {expr: "count.turns + 10 * count.where - 1"}
          asked_at: {expr: elapsed}
          keen: {expr: "count.where >= 2 or asked.swap"}
          where_now: {expr: state}
        say: {id: open.where, text: "Hollins Road."}
      - intent: swap
        set: {a: {expr: b}, b: {expr: a}}
        say: {id: open.swap, text: "Swapped."}
      - intent: grow
        when: big * big - 1 > -big
        set: {big: {expr: "big * big * big"}}
        add: {a: 1000000000}
        say: {id: open.grow, text: "Bigger."}
global:
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""
HEARD = {"where are you": ("where",), "swap": ("swap",), "grow": ("grow",)}


@pytest.fixture
def call() -> Call:
    c = Call(load_scenario_text(SETS, "sets.yaml"), FakeMatcher(dict(HEARD)))
    c.start(0.0)
    return c


def test_values_are_worked_out_when_the_handler_fires(call: Call) -> None:
    call.say("swap", 3.0)
    call.say("where are you", 12.75)
    v = call.st.variables
    assert v["lines_then"] == 2 + 10 * 1 - 1  # two lines so far, `where` heard once
    assert v["asked_at"] == 12  # elapsed rounded down to whole seconds for an int
    assert v["keen"] is True  # asked.swap
    assert v["where_now"] == "open"


def test_every_value_is_worked_out_before_any_is_set(call: Call) -> None:
    call.say("swap", 3.0)
    assert (call.st.variables["a"], call.st.variables["b"]) == (2, 1)


def test_arithmetic_saturates_at_the_bound_and_never_overflows(call: Call) -> None:
    for n in range(12):  # 2 -> 8 -> 512 -> 134217728 -> the bound, and stays there
        call.say("grow", 5.0 + 10 * n)
    assert call.st.variables["big"] == expr.MAX_INT
    assert call.st.variables["a"] == expr.MAX_INT  # `add` saturates too
    assert call.events[-1].data["line_id"] == "open.grow"  # the condition still works


def test_conditions_may_do_arithmetic() -> None:
    e = expr.parse("count.turns - count.fallback * 2 >= 3 and -x < 0")
    values = {"count.turns": 9, "count.fallback": 3, "x": 1}
    assert expr.evaluate(e, lambda n: values[str(n)]) is True


def test_expressions_write_back_as_they_read() -> None:
    for text in ("a - (b - c)", "(a + b) * c", "a * b + c", "-(a + b) > 2", "a - -1"):
        assert expr_text(expr.parse(text)) == text


@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("{expr: b}", "{expr: \"b + 1" + "0" * 400 + "\"}", "E030", "10000",
         "is too large (at most 1000000000)"),
        ("{expr: b}", "{expr: \"b / 2\"}", "E030", "b / 2", "only + - * arithmetic"),
        ("{expr: b}", "{expr: bb}", "E020", "bb}", "unknown name 'bb' (did you mean 'b'?)"),
        ("{expr: b}", "{expr: where_now}", "E032", "where_now}",
         "variable 'a' is int, but 'where_now' gives text"),
        ("{expr: b}", "{expr: \"where_now + 1\"}", "E032", "where_now + 1",
         "arithmetic needs numbers, but 'where_now' is text"),
        ("{expr: b}", "{exp: b}", "E012", "exp:", "unknown key 'exp' in set a"),
        ("{expr: b}", "{expr: \"\"}", "E013", "\"\"}, b:", "expr must not be empty"),
        ("{expr: b}", "1" + "0" * 400, "E013", "1000", "set a: the number is too large"),
        ("  big: {type: int, default: 2}", "  big: {type: int, default: 1" + "0" * 400 + "}",
         "E013", "1000", "default of 'big' is too large"),
        ("{expr: b}", "1.5", "E010", "1.5,", "set a: value must be true/false, a whole number"),
    ],
)  # fmt: skip
def test_bad_set_values_are_located(
    old: str, new: str, code: str, where: str, message: str
) -> None:
    assert SETS.count(old) == 1, old
    text = SETS.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    if code == "E012":  # an unknown key also leaves `expr` missing (E011), as anywhere else
        errors = [p for p in errors if p.code == "E012"]
    line, col = at(text, where)
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_the_schema_takes_set_expressions() -> None:
    from tests.test_studio_schema import errors

    assert errors(SETS) == []
    assert errors(SETS.replace("{expr: b}", "{exp: b}")) != []
