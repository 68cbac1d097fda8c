"""The result vocabulary (statuses, kinds) and the one scoring rule, `tally`."""

from __future__ import annotations

import json

import pytest

from app.scenario.vocabulary import (
    BAD,
    DECIDED,
    GOOD,
    KINDS,
    STATUSES,
    CriterionKind,
    Status,
    allowed_statuses,
    automatic_status,
    implied_kind,
)
from app.scoring.result import Counted, criterion_kind, tally

REQUIRED, PROHIBITED, MANUAL = CriterionKind.REQUIRED, CriterionKind.PROHIBITED, "manual"


def test_the_words_are_the_contracts_and_serialise_as_plain_strings() -> None:
    assert [str(s) for s in STATUSES] == [
        "met", "missed", "violated", "not_violated", "manual", "check",
    ]  # fmt: skip
    assert [str(k) for k in KINDS] == ["required", "prohibited", "manual"]
    assert json.dumps({Status.NOT_VIOLATED: [Status.MET]}) == '{"not_violated": ["met"]}'
    assert f"{Status.MISSED:<8}|" == "missed  |"


def test_good_and_bad_are_disjoint_and_manual_is_undecided() -> None:
    assert not GOOD & BAD
    assert DECIDED == GOOD | BAD
    assert Status.MANUAL not in DECIDED
    assert "met" in GOOD and "violated" in BAD  # plain strings read back from JSON match


@pytest.mark.parametrize(
    ("kind", "found", "status"),
    [
        (REQUIRED, True, "met"),
        (REQUIRED, False, "missed"),
        (PROHIBITED, True, "violated"),
        (PROHIBITED, False, "not_violated"),
        (CriterionKind.MANUAL, True, "manual"),
        (CriterionKind.MANUAL, False, "manual"),
    ],
)
def test_automatic_status_and_the_kind_it_implies(
    kind: CriterionKind, found: bool, status: str
) -> None:
    assert automatic_status(kind, found) == status
    assert implied_kind(status) == kind  # how results stored without `kind` are read


def test_an_assessor_chooses_between_the_good_and_the_bad_status_of_the_kind() -> None:
    assert allowed_statuses(REQUIRED) == ("met", "missed")
    assert allowed_statuses(PROHIBITED) == ("violated", "not_violated")
    assert allowed_statuses(CriterionKind.MANUAL) == ("met", "missed")
    for kind in KINDS:
        chosen = set(allowed_statuses(kind))
        assert len(chosen & GOOD) == 1 and len(chosen & BAD) == 1


def test_criterion_kind_reads_old_and_odd_entries() -> None:
    assert criterion_kind({"kind": "prohibited", "status": "met"}) == PROHIBITED
    assert criterion_kind({"status": "not_violated"}) == PROHIBITED
    assert criterion_kind({"status": "manual"}) == CriterionKind.MANUAL
    assert criterion_kind({"kind": "odd", "status": "missed"}) == REQUIRED
    assert criterion_kind({}) == REQUIRED


def _c(status: str | None, weight: float, critical: bool = False, kind: str = REQUIRED) -> Counted:
    return Counted(status, weight, critical, CriterionKind(kind))


def test_tally_is_the_weighted_share_of_decided_criteria() -> None:
    t = tally(
        {
            "a": _c("met", 2),
            "b": _c("missed", 1),
            "p": _c("not_violated", 1, kind=PROHIBITED),
            "v": _c("violated", 2, kind=PROHIBITED),
            "m": _c("manual", 50, kind=MANUAL),  # undecided: counts toward nothing
            "x": _c("who knows", 50),  # a status this version does not know: nothing either
            "n": _c(None, 50),
        },
        50,
    )
    assert t.score == round(100 * 3 / 6, 1) == 50.0
    assert t.passed is True  # at the pass mark is a pass
    assert t.critical_failures == []
    assert t.unscored_manual == ["m"]


def test_tally_rounds_to_one_decimal_and_an_empty_rubric_scores_zero() -> None:
    assert tally({"a": _c("met", 2), "b": _c("missed", 1)}, 0).score == 66.7
    empty = tally({"m": _c("manual", 1, kind=MANUAL)}, 0)
    assert (empty.score, empty.passed, empty.unscored_manual) == (0.0, True, ["m"])


def test_a_manual_criterion_counts_once_scored() -> None:
    t = tally({"a": _c("met", 1), "m": _c("missed", 1, kind=MANUAL)}, 70)
    assert (t.score, t.passed, t.unscored_manual) == (50.0, False, [])


@pytest.mark.parametrize(
    ("kind", "good", "bad"), [(REQUIRED, "met", "missed"), (PROHIBITED, "not_violated", "violated")]
)
def test_a_critical_bad_status_fails_whatever_the_score(kind: str, good: str, bad: str) -> None:
    criteria = {"a": _c("met", 98), "crit": _c(bad, 1, True, kind), "z": _c("met", 1)}
    t = tally(criteria, 70)
    assert t.score == 99.0
    assert t.critical_failures == ["crit"]
    assert t.passed is False
    assert tally({**criteria, "crit": _c(good, 1, True, kind)}, 70).passed is True


def test_critical_failures_keep_rubric_order() -> None:
    t = tally({"b": _c("missed", 1, True), "a": _c("missed", 1, True), "c": _c("met", 1)}, 0)
    assert t.critical_failures == ["b", "a"]
