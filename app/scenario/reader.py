"""Typed reading of YAML nodes with located problems.

A `Reader` checks shapes (mapping keys, types, ids, durations) and collects every problem with
its position instead of stopping at the first, so one `callsim lint` run shows them all.
Readers return `None` for a value they could not read; callers carry on with what they have.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from app.scenario.grammar_kinds import Number, Section
from app.scenario.model import Pos
from app.scenario.problems import Problem, did_you_mean
from app.scenario.yamlsrc import YNode

SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
LINE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*$")
SCENARIO_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$")
MAX_NUMBER = 1e9  # no weight, count or duration in a call comes near; keeps float maths finite
_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "text", bool: "true or false"}


def type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    # -- reporting -------------------------------------------------------------------------
    def error(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, pos.line, pos.col, "error", code, message))

    def warn(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, pos.line, pos.col, "warning", code, message))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    # -- shapes ----------------------------------------------------------------------------
    def mapping(
        self,
        node: YNode | None,
        what: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> dict[str, YNode] | None:
        """The node's entries if it is a mapping with only known keys (unknown keys reported)."""
        if node is None:
            return None
        if not node.is_map:
            self.error(node.pos, "E010", f"{what} must be a mapping, not {type_name(node.value)}")
            return None
        req = list(required)
        known = set(req) | set(optional)
        entries: dict[str, YNode] = node.value
        for key in entries:
            if key not in known:
                hint = did_you_mean(key, known)
                self.error(node.key_pos[key], "E012", f"unknown key '{key}' in {what}{hint}")
        for key in req:
            if key not in entries:
                self.error(node.pos, "E011", f"{what} is missing required key '{key}'")
        return {k: v for k, v in entries.items() if k in known}

    def section(self, node: YNode | None, what: str, section: Section) -> dict[str, YNode] | None:
        """`mapping` with the section's keys (see app/scenario/grammar.py)."""
        return self.mapping(node, what, required=section.required, optional=section.names)

    def seq(self, node: YNode | None, what: str, *, allow_single: bool = False) -> list[YNode]:
        if node is None:
            return []
        if node.is_seq:
            return list(node.value)
        if allow_single:
            return [node]
        self.error(node.pos, "E010", f"{what} must be a list, not {type_name(node.value)}")
        return []

    def text(self, node: YNode | None, what: str, *, allow_empty: bool = False) -> str | None:
        if node is None:
            return None
        value = node.value
        if isinstance(value, bool) or value is None or isinstance(value, dict | list):
            self.error(node.pos, "E010", f"{what} must be text, not {type_name(value)}")
            return None
        text = str(value)  # numbers written bare (e.g. a flat number) are fine as text
        if not allow_empty and not text.strip():
            self.error(node.pos, "E013", f"{what} must not be empty")
            return None
        return text

    def boolean(self, node: YNode | None, what: str) -> bool | None:
        if node is None:
            return None
        if not isinstance(node.value, bool):
            self.error(node.pos, "E010", f"{what} must be true or false")
            return None
        return bool(node.value)

    def number(
        self,
        node: YNode | None,
        what: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
    ) -> float | None:
        if node is None:
            return None
        v = node.value
        ok_type = isinstance(v, int) if integer else isinstance(v, int | float)
        if isinstance(v, bool) or not ok_type or (isinstance(v, float) and not math.isfinite(v)):
            kind = "a whole number" if integer else "a number"
            given = v if isinstance(v, float) and ok_type else type_name(v)  # inf, nan
            self.error(node.pos, "E010", f"{what} must be {kind}, not {given}")
            return None
        if abs(v) > MAX_NUMBER:  # also keeps huge integers from overflowing float arithmetic
            self.error(node.pos, "E013", f"{what} is too large (at most {MAX_NUMBER:.0f})")
            return None
        if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
            lo = "" if minimum is None else f" from {minimum:g}"
            hi = "" if maximum is None else f" to {maximum:g}"
            self.error(node.pos, "E013", f"{what} must be{lo}{hi}, not {v}")
            return None
        return int(v) if integer else v  # keep 70 as 70: results print as written

    def amount(self, node: YNode | None, what: str, kind: Number) -> float | None:
        """`number` within the bounds the grammar gives this kind of number."""
        return self.number(
            node, what, minimum=kind.minimum, maximum=kind.maximum, integer=kind.integer
        )

    def duration(self, node: YNode | None, what: str) -> float | None:
        """A duration in seconds from `20s`, `1.5s`, `2m`, `500ms` or a plain number."""
        if node is None:
            return None
        v = node.value
        seconds: float | None = None
        if isinstance(v, int | float) and not isinstance(v, bool):
            if 0 <= v <= MAX_NUMBER:  # false for nan, inf and huge integers alike
                seconds = float(v)
        elif isinstance(v, str) and (m := _DURATION.match(v)):
            amount, unit = float(m.group(1)), (m.group(2) or "s")
            if unit == "ms":
                amount /= 1000
            elif unit.startswith("m"):
                amount *= 60
            seconds = amount if amount <= MAX_NUMBER else None
        if seconds is None:
            shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:37] + "..."
            self.error(node.pos, "E014", f"{what} must be a duration like 20s or 1.5m, not {shown}")
        return seconds

    def ident(
        self, node: YNode | None, what: str, pattern: re.Pattern[str] = SNAKE_ID
    ) -> str | None:
        text = self.text(node, what)
        if text is None or node is None:
            return None
        if not pattern.match(text):
            example = {SNAKE_ID: "ask_address", LINE_ID: "open.hello", SCENARIO_ID: "my-case"}
            self.error(
                node.pos,
                "E015",
                f"{what} '{text}' is not a valid id (like {example.get(pattern, 'this')})",
            )
            return None
        return text

    def key_ident(self, node: YNode, key: str, what: str) -> bool:
        if SNAKE_ID.match(key):
            return True
        self.error(node.key_pos[key], "E015", f"{what} '{key}' is not a valid id (like my_id)")
        return False

    def strings(self, node: YNode | None, what: str) -> tuple[str, ...]:
        out = []
        for item in self.seq(node, what, allow_single=True):
            t = self.text(item, f"each of {what}")
            if t is not None:
                out.append(t)
        return tuple(out)
