"""The result object (contract §3) as types, and the one scoring rule, `tally`.

`score_call` builds a `Result`; the assessor's `reviewed_result` adds to it (`ReviewedResult`);
playtests, the screens and the reports read them. The rule lives only in `tally`, so the
automatic score and the score after an assessor's marks can never disagree about it:

- the score is the weighted share (0-100, one decimal) of the decided criteria that are GOOD;
- a critical criterion with a BAD status fails the call whatever the score;
- a criterion whose status is not decided (`manual` not yet scored, or `check`: the simulator
  was unsure) counts toward nothing;
- a call whose critical criterion is `check` is not passed until an assessor decides it (the
  simulator does not claim a pass it is unsure of); `checks` lists what waits for them.

A result read back from storage may come from an older version: read it with `.get` and
`criterion_kind`, never assume a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, NotRequired, Required, TypedDict

from app.scenario.vocabulary import BAD, DECIDED, GOOD, KINDS, CriterionKind, Status, implied_kind


class Evidence(TypedDict, total=False):
    """One moment that decided a criterion."""

    t: Required[float]
    turn: int  # index into Result.turns
    text: str
    flag: str
    raised: bool
    field: str  # a log field
    ended_by: str
    unsure: bool  # the matcher was unsure of this line's intent


class AssessorMark(TypedDict):
    """The assessor's current mark on a criterion, as `reviewed_result` shows it."""

    mark_id: int
    decision: str  # agree, overrule or score
    status: str | None  # the assessor's status; None when agreeing
    reason: str
    assessor: str
    at: str


class CriterionResult(TypedDict):
    status: Status
    weight: float
    critical: bool
    kind: CriterionKind
    title: str
    evidence: list[Evidence]
    feedback: NotRequired[str]
    # Only on a reviewed result:
    assessor: NotRequired[AssessorMark]
    reviewed_status: NotRequired[str | None]


class Turn(TypedDict):
    t: float
    speaker: Literal["caller", "trainee"]
    line_id: NotRequired[str]  # caller turns
    text: str
    intents: NotRequired[list[str]]  # trainee turns
    unsure: NotRequired[list[str]]  # trainee turns: the intents heard without confidence


class FlagEvent(TypedDict):
    flag: str
    t: float
    raised: bool


class Result(TypedDict):
    scenario: str
    scenario_sha256: str
    result_version: int
    passed: bool
    score: float
    pass_mark: float
    critical_failures: list[str]
    criteria: dict[str, CriterionResult]
    ended_by: str | None
    turns: list[Turn]
    flags: list[FlagEvent]
    log: dict[str, str]
    closing_attempts: list[float]
    metrics: dict[str, float | None]
    checks: NotRequired[list[str]]  # criteria at `check` (absent from results before v2)


class ReviewedResult(Result):
    """A result with the assessor's marks applied (`app.assessor.reviewed_result`)."""

    reviewed_score: float
    reviewed_passed: bool
    reviewed_critical_failures: list[str]
    unscored_manual: list[str]
    reviewed_checks: list[str]  # criteria still at `check` after the assessor's marks


class Counted(NamedTuple):
    """What the scoring rule needs of one criterion."""

    status: str | None  # a Status; anything else (read back from an odd result) counts nowhere
    weight: float
    critical: bool
    kind: CriterionKind


@dataclass(frozen=True)
class Tally:
    score: float
    passed: bool
    critical_failures: list[str]  # in rubric order
    unscored_manual: list[str]  # manual criteria nobody has scored yet
    checks: list[str]  # criteria the simulator was unsure of, for an assessor to decide


def tally(criteria: Mapping[str, Counted], pass_mark: float) -> Tally:
    """The scoring rule (see the module docstring), over criteria in rubric order."""
    earned = total = 0.0
    critical_failures: list[str] = []
    unscored: list[str] = []
    checks: list[str] = []
    critical_open = False
    for cid, c in criteria.items():
        if c.status not in DECIDED:
            if c.status == Status.CHECK:
                checks.append(cid)
                critical_open = critical_open or c.critical
            elif c.kind == CriterionKind.MANUAL:
                unscored.append(cid)
            continue
        total += c.weight
        if c.status in GOOD:
            earned += c.weight
        if c.critical and c.status in BAD:
            critical_failures.append(cid)
    score = round(100.0 * earned / total, 1) if total else 0.0
    passed = not critical_failures and not critical_open and score >= pass_mark
    return Tally(score, passed, critical_failures, unscored, checks)


def criterion_kind(entry: Mapping[str, Any]) -> CriterionKind:
    """A result entry's kind (implied by its status in results stored before `kind` was)."""
    kind = entry.get("kind")
    if kind in KINDS:
        return CriterionKind(kind)
    return implied_kind(entry.get("status"))
