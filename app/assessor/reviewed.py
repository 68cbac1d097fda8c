"""The result as the assessor sees it: the automatic result with the marks applied.

`reviewed_result` never changes its input; the stored automatic result is never rewritten.
The reviewed score follows the same rule as the automatic one (`app.scoring.result.tally`),
with each marked criterion's status replaced by the assessor's; a `manual` criterion counts
once an assessor has scored it, and not before.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from app.scoring.result import AssessorMark, Counted, ReviewedResult, criterion_kind, tally

if TYPE_CHECKING:
    from app.assessor.marks import Mark


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def reviewed_result(auto: Mapping[str, Any], marks: Mapping[str, Mark]) -> ReviewedResult:
    """A copy of `auto` (a stored result, perhaps from an older version) with each marked
    criterion's `assessor` entry and `reviewed_status`, and the recomputed `reviewed_score`,
    `reviewed_passed`, `reviewed_critical_failures` and `unscored_manual` (manual criteria no
    assessor has scored yet)."""
    out: dict[str, Any] = copy.deepcopy(dict(auto))
    criteria = out.get("criteria")
    if not isinstance(criteria, dict):
        criteria = {}
    counted: dict[str, Counted] = {}
    for cid, entry in criteria.items():
        if not isinstance(entry, dict):
            continue
        mark = marks.get(cid)
        status = entry.get("status")
        if mark is not None:
            given: AssessorMark = {
                "mark_id": mark.id,
                "decision": mark.decision,
                "status": mark.status,
                "reason": mark.reason,
                "assessor": mark.assessor,
                "at": mark.at,
            }
            entry["assessor"] = given
            if mark.decision in ("overrule", "score") and mark.status is not None:
                status = mark.status
        entry["reviewed_status"] = status
        weight = _number(entry.get("weight"))
        counted[cid] = Counted(status, weight, bool(entry.get("critical")), criterion_kind(entry))
    t = tally(counted, _number(auto.get("pass_mark"), 0.0))
    out["reviewed_score"] = t.score
    out["reviewed_passed"] = t.passed
    out["reviewed_critical_failures"] = t.critical_failures
    out["unscored_manual"] = t.unscored_manual
    out["reviewed_checks"] = t.checks
    return cast(ReviewedResult, out)
