"""The result as the assessor sees it: the automatic result with the marks applied.

`reviewed_result` never changes its input; the stored automatic result is never rewritten.
Scoring follows app/scoring/score.py: the score is the weighted share of criteria met (or not
violated); a critical criterion missed or violated fails the call whatever the score. A
`manual` criterion counts once an assessor has scored it, and not before.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.assessor.marks import Mark

GOOD = frozenset({"met", "not_violated"})
BAD = frozenset({"missed", "violated"})


def criterion_kind(entry: Mapping[str, Any]) -> str:
    """`required`, `prohibited` or `manual` (read from the status for older results)."""
    kind = entry.get("kind")
    if kind in ("required", "prohibited", "manual"):
        return str(kind)
    status = entry.get("status")
    if status == "manual":
        return "manual"
    return "prohibited" if status in ("violated", "not_violated") else "required"


def allowed_statuses(kind: str) -> tuple[str, ...]:
    """The statuses an assessor may give a criterion of this kind."""
    return ("violated", "not_violated") if kind == "prohibited" else ("met", "missed")


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def reviewed_result(auto: dict[str, Any], marks: Mapping[str, Mark]) -> dict[str, Any]:
    """A copy of `auto` with each marked criterion's `assessor` entry and `reviewed_status`,
    and the recomputed `reviewed_score`, `reviewed_passed`, `reviewed_critical_failures` and
    `unscored_manual` (manual criteria no assessor has scored yet)."""
    out = copy.deepcopy(auto)
    criteria = out.get("criteria")
    if not isinstance(criteria, dict):
        criteria = {}
    earned = total = 0.0
    critical_failures: list[str] = []
    unscored: list[str] = []
    for cid, entry in criteria.items():
        if not isinstance(entry, dict):
            continue
        mark = marks.get(cid)
        status = entry.get("status")
        if mark is not None:
            entry["assessor"] = {
                "mark_id": mark.id,
                "decision": mark.decision,
                "status": mark.status,
                "reason": mark.reason,
                "assessor": mark.assessor,
                "at": mark.at,
            }
            if mark.decision in ("overrule", "score") and mark.status is not None:
                status = mark.status
        entry["reviewed_status"] = status
        weight = _number(entry.get("weight"))
        if status == "manual" or status not in GOOD | BAD:
            if criterion_kind(entry) == "manual":
                unscored.append(cid)
            continue
        total += weight
        if status in GOOD:
            earned += weight
        if entry.get("critical") and status in BAD:
            critical_failures.append(cid)
    score = round(100.0 * earned / total, 1) if total else 0.0
    out["reviewed_score"] = score
    out["reviewed_passed"] = not critical_failures and score >= _number(auto.get("pass_mark"), 0.0)
    out["reviewed_critical_failures"] = critical_failures
    out["unscored_manual"] = unscored
    return out
