"""The `when:` expression language: parsed once with `ast`, checked against a whitelist, and
turned into a small tree of our own that is interpreted. Scenario text is never run as Python.

Grammar (a subset of Python's expression syntax): names, dotted names of one level
(`count.X`, `asked.X`, `flags.X`, `log.X`, `marked.X`), numbers, strings, `true`/`false`,
`and`, `or`, `not`, comparisons (`== != < <= > >=`, chained), parentheses.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable
from dataclasses import dataclass

Value = bool | int | float | str

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


Expr = Const | Name | Not | BoolOp | Compare

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
    return float(v)


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
        if isinstance(node.value, bool | int | float | str):
            return Const(node.value)
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
        if isinstance(inner, Const) and isinstance(inner.value, int | float):
            return Const(-inner.value)
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
        "(use names, numbers, strings, and/or/not and comparisons)",
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
    return []


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
    left = evaluate(expr.left, lookup)
    for op, right_expr in zip(expr.ops, expr.rights, strict=True):
        right = evaluate(right_expr, lookup)
        if not _CMP_FN[op](left, right):
            return False
        left = right
    return True
