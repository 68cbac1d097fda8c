"""The result vocabulary: the kinds of rubric criterion and the statuses a criterion ends with.

This is the one place these words are written. The values are what scenario files, playtests'
`expect: criteria:` blocks and the result object (contract §3) spell, so they never
change. It lives in the lowest layer so the scenario loader can check them; scoring, the
assessor, the UI and the reports all read them from here.

To add a status, add it to `Status`. Until it joins GOOD or BAD it counts toward nothing (like
`manual`, it is undecided) and playtests may expect it; the screens show its id until they are
given words for it (tests/ui/test_status_words.py asks for them).
"""

from __future__ import annotations

from enum import StrEnum


class CriterionKind(StrEnum):
    REQUIRED = "required"  # earns its weight when its evidence is found
    PROHIBITED = "prohibited"  # earns its weight when its evidence is NOT found
    MANUAL = "manual"  # left to an assessor: no evidence, no automatic status


class Status(StrEnum):
    MET = "met"
    MISSED = "missed"
    VIOLATED = "violated"  # a prohibited behaviour happened
    NOT_VIOLATED = "not_violated"
    MANUAL = "manual"  # left to an assessor, who has not scored it yet
    # The simulator was unsure: the outcome rests on a line it could not hear confidently, so
    # an assessor decides. Never a critical failure; counts toward nothing until decided.
    CHECK = "check"


STATUSES: tuple[Status, ...] = tuple(Status)
KINDS: tuple[CriterionKind, ...] = tuple(CriterionKind)

GOOD: frozenset[Status] = frozenset({Status.MET, Status.NOT_VIOLATED})
"""Earns the criterion's weight."""
BAD: frozenset[Status] = frozenset({Status.MISSED, Status.VIOLATED})
"""Earns nothing; on a critical criterion it fails the call whatever the score."""
DECIDED: frozenset[Status] = GOOD | BAD
"""Counts toward the score. Any other status leaves the criterion out until it is decided."""

# What the scorer gives when the evidence is found / not found.
_AUTOMATIC: dict[CriterionKind, tuple[Status, Status]] = {
    CriterionKind.REQUIRED: (Status.MET, Status.MISSED),
    CriterionKind.PROHIBITED: (Status.VIOLATED, Status.NOT_VIOLATED),
    CriterionKind.MANUAL: (Status.MANUAL, Status.MANUAL),
}
# What an assessor may give, in the order the marking form offers them.
_ASSESSABLE: dict[CriterionKind, tuple[Status, ...]] = {
    CriterionKind.REQUIRED: (Status.MET, Status.MISSED),
    CriterionKind.PROHIBITED: (Status.VIOLATED, Status.NOT_VIOLATED),
    CriterionKind.MANUAL: (Status.MET, Status.MISSED),
}


def automatic_status(kind: CriterionKind, found: bool) -> Status:
    """The status the scorer gives a criterion of this kind, by whether its evidence was found."""
    return _AUTOMATIC[kind][0 if found else 1]


def allowed_statuses(kind: CriterionKind) -> tuple[Status, ...]:
    """The statuses an assessor may give a criterion of this kind (overrule or score)."""
    return _ASSESSABLE[kind]


def implied_kind(status: object) -> CriterionKind:
    """The kind of criterion a status belongs to, for results stored before `kind` was."""
    if status == Status.MANUAL:
        return CriterionKind.MANUAL
    if status in _AUTOMATIC[CriterionKind.PROHIBITED]:
        return CriterionKind.PROHIBITED
    return CriterionKind.REQUIRED
