"""Layer 3: every reference points at something that exists, and every expression reads names
that exist with the right type. Problems carry "did you mean" suggestions."""

from __future__ import annotations

from collections.abc import Iterable

from app.scenario import expr
from app.scenario.model import Anchor, Computed, Evidence, Handler, Pos, Scenario
from app.scenario.problems import did_you_mean
from app.scenario.reader import Reader

COUNT_EXTRA = ("closing_attempt", "silence", "fallback", "turns", "flags_raised")


def _ref(r: Reader, pos: Pos, kind: str, ref: str, known: Iterable[str]) -> bool:
    known = list(known)
    if ref in known:
        return True
    r.error(pos, "E020", f"unknown {kind} '{ref}'{did_you_mean(ref, known)}")
    return False


def marks_of(scenario: Scenario) -> set[str]:
    return {h.mark for h in scenario.all_handlers() if h.mark}


def check_references(s: Scenario, r: Reader) -> None:
    _ref(r, Pos(1, 1), "start state", s.start, s.states)
    if s.caller.default_emotion:
        _ref(r, Pos(1, 1), "default_emotion", s.caller.default_emotion, s.emotions)
    for line in s.lines.values():
        if line.emotion:
            _ref(r, line.pos, "emotion", line.emotion, s.emotions)
    for state in s.states.values():
        for h in state.on:
            _check_handler(s, r, h)
    for h in s.global_handlers:
        _check_handler(s, r, h)
    for answer in s.all_answers():
        _ref(r, answer.pos, "intent", answer.intent, s.intents)
    marks = marks_of(s)
    for c in s.rubric.criteria:
        if c.evidence is not None:
            _check_evidence(s, r, c.evidence, marks)
    for m in s.rubric.metrics:
        for a in (m.at, m.start, m.end):
            if a is not None:
                _check_anchor(s, r, a, m.pos, marks)
    _check_playtests(s, r)


def _check_handler(s: Scenario, r: Reader, h: Handler) -> None:
    for i in h.intents:
        _ref(r, h.where("intent"), "intent", i, s.intents)
    if h.flag:
        _ref(r, h.where("flag"), "flag", h.flag, s.flags)
    if h.field:
        _ref(r, h.where("field"), "log field", h.field, s.log_fields)
    if h.goto:
        _ref(r, h.where("goto"), "state", h.goto, s.states)
    if h.after_mark:
        _ref(r, h.where("after_mark"), "mark", h.after_mark, marks_of(s))
    for name, value in h.set:
        if isinstance(value, Computed):
            _check_computed(s, r, h, name, value)
            continue
        if _ref(r, h.where("set"), "variable", name, s.variables):
            var = s.variables[name]
            ok = {
                "bool": isinstance(value, bool),
                "int": isinstance(value, int) and not isinstance(value, bool),
                "str": isinstance(value, str),
            }[var.type]
            if not ok:
                r.error(
                    h.where("set"),
                    "E032",
                    f"variable '{name}' is {var.type}; cannot set it to {value!r}",
                )
    for name, _ in h.add:
        if (
            _ref(r, h.where("add"), "variable", name, s.variables)
            and s.variables[name].type != "int"
        ):
            r.error(
                h.where("add"),
                "E032",
                f"'add' needs an int variable; '{name}' is {s.variables[name].type}",
            )
    if h.when is not None:
        _check_expr(s, r, h.when, h.where("when"))


_KINDS = {"bool": "bool", "int": "number", "str": "str"}  # variable type -> expression kind
_KIND_WORDS = {"bool": "true/false", "number": "a number", "str": "text"}


def _check_computed(s: Scenario, r: Reader, h: Handler, name: str, value: Computed) -> None:
    """`set: {name: {expr: ...}}`: the names exist, and the value fits the variable."""
    known = _ref(r, h.where("set"), "variable", name, s.variables)
    problems = len(r.problems)
    _check_expr(s, r, value.expr, value.pos)
    if not known or len(r.problems) > problems:
        return
    try:
        kind = expr.kind_of(value.expr, lambda n: _name_kind(s, n))
    except expr.ExprError:
        return  # reported by _check_expr
    var = s.variables[name]
    if kind not in ("any", _KINDS[var.type]):
        r.error(
            value.pos,
            "E032",
            f"variable '{name}' is {var.type}, but '{value.source.strip()}' gives "
            f"{_KIND_WORDS[kind]}",
        )


def _name_kind(s: Scenario, n: expr.Name) -> expr.Kind:
    if n.namespace is None:
        if n.name == "elapsed":
            return "number"
        if n.name == "state":
            return "str"
        var = s.variables.get(n.name)
        return _KINDS[var.type] if var is not None else "any"
    return "number" if n.namespace == "count" else "bool"


def _check_expr(s: Scenario, r: Reader, e: expr.Expr, pos: Pos) -> None:
    problems = len(r.problems)
    _check_names(s, r, e, pos)
    if len(r.problems) == problems:
        try:
            expr.kind_of(e, lambda n: _name_kind(s, n))
        except expr.ExprError as exc:
            r.error(Pos(pos.line, pos.col + exc.offset), "E032", exc.message)


def _check_names(s: Scenario, r: Reader, e: expr.Expr, pos: Pos) -> None:
    for n in expr.names(e):
        at = Pos(pos.line, pos.col + n.offset)
        if n.namespace is None:
            if n.name in expr.BUILTIN_NAMES:
                continue
            _ref(r, at, "name", n.name, [*s.variables, *expr.BUILTIN_NAMES])
        elif n.namespace == "count":
            _ref(r, at, "counter", n.name, [*s.intents, *COUNT_EXTRA])
        elif n.namespace == "asked":
            _ref(r, at, "intent", n.name, s.intents)
        elif n.namespace == "flags":
            _ref(r, at, "flag", n.name, s.flags)
        elif n.namespace == "log":
            _ref(r, at, "log field", n.name, s.log_fields)
        elif n.namespace == "marked":
            _ref(r, at, "mark", n.name, marks_of(s))
    _check_state_comparisons(s, r, e, pos)


def _check_state_comparisons(s: Scenario, r: Reader, e: expr.Expr, pos: Pos) -> None:
    """`state == "x"` must name a real state: a typo there would silently never match."""
    if isinstance(e, expr.Not):
        _check_state_comparisons(s, r, e.operand, pos)
    elif isinstance(e, expr.BoolOp):
        for o in e.operands:
            _check_state_comparisons(s, r, o, pos)
    elif isinstance(e, expr.Compare):
        parts = [e.left, *e.rights]
        if any(
            isinstance(p, expr.Name) and p.namespace is None and p.name == "state" for p in parts
        ):
            for p in parts:
                if isinstance(p, expr.Const) and isinstance(p.value, str):
                    _ref(r, pos, "state", p.value, s.states)


def _check_anchor(s: Scenario, r: Reader, a: Anchor, pos: Pos, marks: set[str]) -> None:
    known: dict[str, Iterable[str]] = {
        "line": s.lines,
        "mark": marks,
        "flag": s.flags,
        "intent": s.intents,
    }
    _ref(r, pos, f"{a.kind} in anchor", a.ref, known[a.kind])


def _check_evidence(s: Scenario, r: Reader, ev: Evidence, marks: set[str]) -> None:
    if ev.kind in ("all", "any", "not"):
        for c in ev.children:
            _check_evidence(s, r, c, marks)
        return
    known: dict[str, Iterable[str]] = {
        "intent": s.intents,
        "flag": s.flags,
        "log": s.log_fields,
        "line": s.lines,
        "mark": marks,
    }
    if ev.kind in known:
        _ref(r, ev.pos, ev.kind, ev.ref, known[ev.kind])
    for a in (ev.after, ev.before):
        if a is not None:
            _check_anchor(s, r, a, ev.pos, marks)


def _check_playtests(s: Scenario, r: Reader) -> None:
    criteria = {c.id for c in s.rubric.criteria}
    for pt in s.playtests:
        for st in pt.steps:
            if st.kind in ("flag", "unflag"):
                _ref(r, st.pos, "flag", st.text, s.flags)
            elif st.kind == "caller":
                _ref(r, st.pos, "line", st.text, s.lines)
            elif st.kind == "log":
                for field, _ in st.log:
                    _ref(r, st.pos, "log field", field, s.log_fields)
            for i in st.expect_intent:
                _ref(r, st.pos, "intent", i, s.intents)
        if pt.expect is not None:
            for cid, _ in pt.expect.criteria:
                _ref(r, pt.expect.pos, "criterion", cid, criteria)
            for cid in pt.expect.critical_failures or ():
                _ref(r, pt.expect.pos, "criterion", cid, criteria)
