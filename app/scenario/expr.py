"""The expression language of `when:` conditions and `set: {x: {expr: ...}}` values: parsed
once with `ast`, checked against a whitelist, and turned into a small tree of our own that is
interpreted. Scenario text is never run as Python.

Grammar (a subset of Python's expression syntax): names, dotted names of one level
(`count.X`, `asked.X`, `flags.X`, `log.X`, `marked.X`), numbers, strings, `true`/`false`,
`+ - *` and unary `-` on numbers, `and`, `or`, `not`, comparisons (`== != < <= > >=`,
chained), parentheses.

Numbers are bounded: a literal beyond MAX_INT is a located error at load, and arithmetic
saturates at +-MAX_INT, so no value in a call can overflow a float (an OverflowError mid-call).
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

Value = bool | int | float | str
MAX_INT = 1_000_000_000  # as the reader's MAX_NUMBER: no count, time or score comes near

NAMESPACES = ("count", "asked", "flags", "log", "marked")
BUILTIN_NAMES = ("elapsed", "state")


class ExprError(ValueError):
    """A problem in an expression; `offset` is the 0-based column within the expression."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Const:
    value: Value


@dataclass(frozen=True)
class Name:
    """A plain name (`disclosed`) or a namespaced one (`count.attempt_close`)."""

    namespace: str | None
    name: str
    offset: int = 0

    def __str__(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare:
    left: Expr
    ops: tuple[str, ...]
    rights: tuple[Expr, ...]


@dataclass(frozen=True)
class Arith:
    op: str  # "+" | "-" | "*"
    left: Expr
    right: Expr
    offset: int = 0


@dataclass(frozen=True)
class Neg:
    operand: Expr
    offset: int = 0


Expr = Const | Name | Not | BoolOp | Compare | Arith | Neg

_ARITH: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}

_CMP: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}

_CMP_FN: dict[str, Callable[[Value, Value], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: _num(a) < _num(b),
    "<=": lambda a, b: _num(a) <= _num(b),
    ">": lambda a, b: _num(a) > _num(b),
    ">=": lambda a, b: _num(a) >= _num(b),
}


def _num(v: Value) -> float:
    if isinstance(v, str):
        return float("nan")  # ordering a string is always false, never an exception
    return float(clamp(v)) if isinstance(v, int) else v  # clamp: never an OverflowError


def clamp(v: int | float) -> int | float:
    """`v` within +-MAX_INT (saturating: a runaway sum stops at the bound)."""
    return max(-MAX_INT, min(MAX_INT, v))


def _bounded(value: int | float, offset: int) -> Const:
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_INT:
        text = str(value)
        shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} digits)"
        raise ExprError(f"number {shown} is too large (at most {MAX_INT})", offset)
    return Const(value)


def parse(source: str) -> Expr:
    """Parse `source` or raise ExprError saying what is wrong and where."""
    text = source.strip()
    if not text:
        raise ExprError("empty condition")
    if len(text) > 500:
        raise ExprError("condition is too long (over 500 characters)")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": ours to report
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"invalid condition: {exc.msg}", max(0, (exc.offset or 1) - 1)) from None
    try:
        return _convert(tree.body)
    except RecursionError:  # e.g. hundreds of `~` or `-` in a row
        raise ExprError("condition is nested too deeply") from None


def _convert(node: ast.expr) -> Expr:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool | str):
            return Const(node.value)
        if isinstance(node.value, int | float):
            return _bounded(node.value, node.col_offset)
        raise ExprError("only numbers, strings, true and false are allowed", node.col_offset)
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return Const(True)
        if node.id in ("false", "False"):
            return Const(False)
        if node.id in NAMESPACES:
            raise ExprError(f"'{node.id}' needs a name after it, e.g. {node.id}.X", node.col_offset)
        return Name(None, node.id, node.col_offset)
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in NAMESPACES:
            return Name(node.value.id, node.attr, node.col_offset)
        raise ExprError(
            "dotted names must start with one of: " + ", ".join(NAMESPACES), node.col_offset
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_convert(node.operand))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _convert(node.operand)
        if isinstance(inner, Const) and not isinstance(inner.value, bool | str):
            return Const(-inner.value)
        return Neg(inner, node.col_offset)
    if isinstance(node, ast.BinOp):
        sym = _ARITH.get(type(node.op))
        if sym is None:
            raise ExprError("only + - * arithmetic is allowed", node.col_offset)
        return Arith(sym, _convert(node.left), _convert(node.right), node.col_offset)
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return BoolOp(op, tuple(_convert(v) for v in node.values))
    if isinstance(node, ast.Compare):
        ops = []
        for cmp in node.ops:
            sym = _CMP.get(type(cmp))
            if sym is None:
                raise ExprError("only == != < <= > >= comparisons are allowed", node.col_offset)
            ops.append(sym)
        return Compare(
            _convert(node.left), tuple(ops), tuple(_convert(c) for c in node.comparators)
        )
    raise ExprError(
        f"'{ast.unparse(node)}' is not allowed in a condition "
        "(use names, numbers, strings, + - *, and/or/not and comparisons)",
        getattr(node, "col_offset", 0),
    )


def names(expr: Expr) -> list[Name]:
    """Every name the expression reads, in order (for load-time checking)."""
    if isinstance(expr, Name):
        return [expr]
    if isinstance(expr, Not):
        return names(expr.operand)
    if isinstance(expr, BoolOp):
        return [n for o in expr.operands for n in names(o)]
    if isinstance(expr, Compare):
        out = names(expr.left)
        for r in expr.rights:
            out.extend(names(r))
        return out
    if isinstance(expr, Arith):
        return names(expr.left) + names(expr.right)
    if isinstance(expr, Neg):
        return names(expr.operand)
    return []


Kind = str  # "bool" | "number" | "str" | "any" (a name whose type is not known)


def kind_of(expr: Expr, name_kind: Callable[[Name], Kind]) -> Kind:
    """What the expression gives: "bool", "number" or "str" ("any" where a name's type is not
    known). Raises ExprError where arithmetic is given something that is not a number."""
    if isinstance(expr, Const):
        v = expr.value
        return "bool" if isinstance(v, bool) else "str" if isinstance(v, str) else "number"
    if isinstance(expr, Name):
        return name_kind(expr)
    if isinstance(expr, Not | BoolOp | Compare):
        for sub in _children(expr):
            kind_of(sub, name_kind)
        return "bool"
    operands = (expr.left, expr.right) if isinstance(expr, Arith) else (expr.operand,)
    for sub in operands:
        kind = kind_of(sub, name_kind)
        if kind not in ("number", "any"):
            what = {"bool": "true/false", "str": "text"}[kind]
            raise ExprError(f"arithmetic needs numbers, but '{_shown(sub)}' is {what}", _at(sub))
    return "number"


def _children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Not):
        return (expr.operand,)
    if isinstance(expr, BoolOp):
        return expr.operands
    if isinstance(expr, Compare):
        return (expr.left, *expr.rights)
    return ()


def _at(expr: Expr) -> int:
    return expr.offset if isinstance(expr, Name | Arith | Neg) else 0


def _shown(expr: Expr) -> str:
    if isinstance(expr, Name):
        return str(expr)
    if isinstance(expr, Const):
        return (
            "true" if expr.value is True else "false" if expr.value is False else repr(expr.value)
        )
    return "that"


def _number(v: Value) -> int | float:
    """A number for arithmetic (the loader lets only numbers in; anything else counts as 0)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return 0
    return 0 if isinstance(v, float) and not math.isfinite(v) else clamp(v)


def evaluate(expr: Expr, lookup: Callable[[Name], Value]) -> Value:
    """Interpret `expr`; `lookup` gives the value of each name."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Name):
        return lookup(expr)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, lookup)
    if isinstance(expr, BoolOp):
        if expr.op == "and":
            return all(evaluate(o, lookup) for o in expr.operands)
        return any(evaluate(o, lookup) for o in expr.operands)
    if isinstance(expr, Arith):
        a, b = _number(evaluate(expr.left, lookup)), _number(evaluate(expr.right, lookup))
        result = a + b if expr.op == "+" else a - b if expr.op == "-" else a * b
        return clamp(result)
    if isinstance(expr, Neg):
        return clamp(-_number(evaluate(expr.operand, lookup)))
    left = evaluate(expr.left, lookup)
    for op, right_expr in zip(expr.ops, expr.rights, strict=True):
        right = evaluate(right_expr, lookup)
        if not _CMP_FN[op](left, right):
            return False
        left = right
    return True
