"""Expressions (`when:` conditions, `set:` values) written back as text (the model keeps the
parsed tree, not the source)."""

from __future__ import annotations

import json

from app.scenario.expr import Arith, BoolOp, Compare, Const, Expr, Name, Neg, Not

_OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _NEG, _ATOM = 1, 2, 3, 4, 5, 6, 7, 8


def expr_text(e: Expr) -> str:
    """The condition in the expression language's own syntax, e.g. `not disclosed and x > 1`."""
    return _text(e, 0)


def _text(e: Expr, outer: int) -> str:
    if isinstance(e, Const):
        return _const(e.value)
    if isinstance(e, Name):
        return str(e)
    if isinstance(e, Not):
        return _wrap(f"not {_text(e.operand, _NOT)}", _NOT, outer)
    if isinstance(e, BoolOp):
        prec = _AND if e.op == "and" else _OR
        inner = f" {e.op} ".join(_text(o, prec + 1) for o in e.operands)
        return _wrap(inner, prec, outer)
    if isinstance(e, Arith):
        prec = _PRODUCT if e.op == "*" else _SUM
        # left-associative: a right operand of the same precedence keeps its parentheses
        inner = f"{_text(e.left, prec)} {e.op} {_text(e.right, prec + 1)}"
        return _wrap(inner, prec, outer)
    if isinstance(e, Neg):
        return _wrap(f"-{_text(e.operand, _NEG)}", _NEG, outer)
    assert isinstance(e, Compare)
    parts = [_text(e.left, _CMP + 1)]
    for op, right in zip(e.ops, e.rights, strict=True):
        parts.append(f"{op} {_text(right, _CMP + 1)}")
    return _wrap(" ".join(parts), _CMP, outer)


def _wrap(text: str, prec: int, outer: int) -> str:
    return f"({text})" if prec < outer else text


def _const(v: bool | int | float | str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return repr(v)
