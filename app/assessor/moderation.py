"""Moderation: a blind second marking of a session, agreement per criterion, and the centre's
inter-rater agreement (Cohen's kappa).

A lead asks a named second assessor (never one who has already marked, commented on or given
a verdict on the session) to mark it blind. The first marking is the session's marks as they
stood when the request was made (`Request.first_upto`). While the request is open, what
callsim shows the second assessor leaves out the first assessor's marks, comments and verdict
(`SessionView`); the second assessor gives a status per criterion and submits once. After
that both markings are visible, agreement per criterion is shown, and each disagreement waits
for a lead, whose resolution becomes the standing mark through `Marking.mark` (so reports and
the CSV use it). Every step is a row in an append-only table and an entry in the session's
audit chain, written in the same transaction, so `callsim verify` covers them.

Effective status of a criterion in a marking: the marking's latest status for it (an `agree`
mark keeps the automatic status), else the automatic status if it is a decided one (not
`check`, not `manual`), else undecided (left out of the agreement).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from app.assessor.audit import append_entry
from app.assessor.marks import MarkError, Marking, SessionLockedError, _text, may_reopen
from app.scenario.vocabulary import CriterionKind, Status, allowed_statuses
from app.scoring.result import criterion_kind
from app.storage import SessionStore, UnknownSessionError
from app.storage.audit_repo import AuditRepo
from app.storage.marks_repo import Comment, Mark, Verdict
from app.storage.moderation_repo import (
    ModerationRepo,
    Request,
    Resolution,
    SecondMark,
    Submission,
)
from app.storage.records import iso_utc, utc_now
from app.storage.signoff_repo import SignOffRepo
from app.storage.sql import Tx

__all__ = [
    "Agreement",
    "CriterionAgreement",
    "Disagreement",
    "Kappa",
    "Moderation",
    "ModerationError",
    "ReportRow",
    "Request",
    "Resolution",
    "SecondMark",
    "SessionView",
    "Submission",
    "cohen_kappa",
    "may_moderate",
]

UNDECIDED = (Status.CHECK, Status.MANUAL)


class ModerationError(MarkError):
    """A request, second mark, submission or resolution the rules do not allow."""


def may_moderate(assessor: str, store: SessionStore | None = None) -> bool:
    """Whether `assessor` may ask for a second marking and resolve disagreements: the same
    rule as reopening a signed-off session (`marks.may_reopen`). On a database with assessor
    accounts only an enabled lead may; without accounts (the single passphrase) anyone signed
    in to the assessor area may."""
    return may_reopen("", assessor, store)


# -- Cohen's kappa --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kappa:
    """Agreement of two raters over `n` items. `kappa` is None when it is undefined (no
    items, or both raters used one and the same category only: chance agreement is 1)."""

    n: int
    agreed: int
    observed: Fraction | None  # p_o, None when n == 0
    expected: Fraction | None  # p_e, None when n == 0
    kappa: Fraction | None
    why_undefined: str = ""

    @property
    def percent(self) -> float | None:
        return None if self.observed is None else float(self.observed) * 100

    def kappa_words(self) -> str:
        return f"{float(self.kappa):.3f}" if self.kappa is not None else "undefined"


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> Kappa:
    """Cohen's kappa of (first rater's category, second rater's category) pairs:
    kappa = (p_o - p_e) / (1 - p_e), p_o the share of pairs that agree, p_e the sum over
    categories k of (first's share of k) * (second's share of k). Exact (fractions)."""
    items = list(pairs)
    n = len(items)
    if n == 0:
        return Kappa(0, 0, None, None, None, "no double-marked sessions")
    agreed = sum(1 for a, b in items if a == b)
    first = Counter(a for a, _ in items)
    second = Counter(b for _, b in items)
    p_o = Fraction(agreed, n)
    p_e = sum((Fraction(first[k], n) * Fraction(second[k], n) for k in first), Fraction(0))
    if p_e == 1:
        only = next(iter(first))
        why = f"both assessors gave only {only!r}: chance agreement is 100%"
        return Kappa(n, agreed, p_o, p_e, None, why)
    return Kappa(n, agreed, p_o, p_e, (p_o - p_e) / (1 - p_e))


# -- what is shown -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """What one assessor may see of a session's marking. `blind`: an open request names the
    viewer as second assessor, so the first marks, comments and verdict are left out (empty
    or None), and `second` holds only the viewer's own second marks."""

    session_id: str
    viewer: str
    blind: bool
    request: Request | None  # the latest request on the session
    automatic: dict[str, str]  # criterion id -> automatic status
    first: dict[str, Mark]  # the current marks (empty when blind)
    comments: list[Comment]
    verdict: Verdict | None
    second: dict[str, SecondMark]  # the latest second mark per criterion
    submitted: Submission | None
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # statuses to give


@dataclass(frozen=True)
class CriterionAgreement:
    criterion_id: str
    automatic: str
    first: str | None  # effective status, None if undecided
    second: str | None
    resolution: Resolution | None

    @property
    def compared(self) -> bool:
        return self.first is not None and self.second is not None

    @property
    def agrees(self) -> bool | None:
        return None if not self.compared else self.first == self.second


@dataclass(frozen=True)
class Agreement:
    """Both markings of one submitted request, criterion by criterion."""

    request: Request
    submission: Submission
    scenario_id: str
    criteria: list[CriterionAgreement]


@dataclass(frozen=True)
class Disagreement:
    request: Request
    scenario_id: str
    trainee: str
    criterion: CriterionAgreement


@dataclass(frozen=True)
class ReportRow:
    scenario_id: str  # "" for the overall row
    criterion_id: str  # "" for the overall row
    kappa: Kappa


class Moderation:
    """Blind double-marking on the sessions of one store."""

    def __init__(
        self,
        store: SessionStore,
        *,
        clock: Callable[[], datetime] | None = None,
        marking: Marking | None = None,
    ) -> None:
        self._store = store
        self._clock = clock or utc_now
        self._marking = marking or Marking(store, clock=clock)
        self._rows = ModerationRepo(store)
        self._audit = AuditRepo(store)
        self._signoffs = SignOffRepo(store)

    def _refuse_if_locked(self, tx: Tx, session_id: str) -> None:
        latest = self._signoffs.latest_in(tx, session_id)
        if latest is not None and latest.action == "sign_off":
            raise SessionLockedError(session_id, latest)

    def _automatic(self, session_id: str) -> dict[str, dict[str, Any]]:
        if self._store.session(session_id) is None:
            raise UnknownSessionError(session_id)
        auto = self._store.result(session_id)
        if auto is None:
            raise ModerationError("this session has no automatic result to mark")
        return {k: v for k, v in auto.get("criteria", {}).items() if isinstance(v, dict)}

    def _first_markers(self, session_id: str) -> set[str]:
        m = self._marking
        who = {x.assessor for x in m.marks(session_id)}
        who |= {c.assessor for c in m.comments(session_id)}
        return who | {v.assessor for v in m.verdicts(session_id)}

    # -- asking --------------------------------------------------------------------------

    def request_second(
        self, session_id: str, *, second_assessor: str, requested_by: str, note: str = ""
    ) -> Request:
        """Ask `second_assessor` for a blind second marking of the session."""
        requested_by = _text(requested_by, "the lead's name", required=True)
        second_assessor = _text(second_assessor, "the second assessor's name", required=True)
        second_assessor = second_assessor.strip()
        note = _text(note, "the note", required=False)
        if not may_moderate(requested_by, self._store):
            raise ModerationError(f"{requested_by} may not ask for a second marking")
        self._automatic(session_id)
        if second_assessor in self._first_markers(session_id):
            raise ModerationError(
                f"{second_assessor} has already marked this session: the second marking must "
                "be by someone who has not"
            )
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            upto = self._rows.last_mark_id_in(tx, session_id)
            if upto == 0:
                raise ModerationError(
                    "this session has no marks yet: there is no first marking to moderate"
                )
            for q in self._rows.requests_in(tx, session_id):
                if self._rows.submission_in(tx, q.id) is None:
                    raise ModerationError(
                        f"{q.second_assessor} was already asked for a second marking of this "
                        "session and has not submitted it"
                    )
            rid = self._rows.add_request(
                tx,
                session_id=session_id,
                second_assessor=second_assessor,
                requested_by=requested_by,
                note=note,
                first_upto=upto,
                at=at,
            )
            detail = {
                "request_id": rid,
                "second_assessor": second_assessor,
                "note": note,
                "first_upto": upto,
            }
            append_entry(
                self._audit, tx, session_id, "moderation_request", detail, requested_by, at
            )
        return Request(rid, session_id, second_assessor, requested_by, note, upto, at)

    def requests(self, session_id: str | None = None) -> list[Request]:
        return self._rows.requests(session_id)

    def open_request(self, session_id: str, assessor: str) -> Request | None:
        """The request that asks `assessor` for a second marking still to be submitted."""
        done = {s.request_id for s in self._rows.submissions(session_id)}
        for q in reversed(self._rows.requests(session_id)):
            if q.second_assessor == assessor.strip() and q.id not in done:
                return q
        return None

    def open_requests(self, assessor: str) -> list[Request]:
        """Every request waiting for `assessor`'s second marking, oldest first."""
        done = {s.request_id for s in self._rows.submissions()}
        return [
            q
            for q in self._rows.requests()
            if q.second_assessor == assessor.strip() and q.id not in done
        ]

    def hides_first(self, session_id: str, viewer: str) -> bool:
        """Whether the first marking is hidden from `viewer` (an open request names them)."""
        return self.open_request(session_id, viewer) is not None

    # -- the second marking ----------------------------------------------------------------

    def second_mark(
        self, session_id: str, criterion_id: str, status: str, *, reason: str = "",
        assessor: str,
    ) -> SecondMark:  # fmt: skip
        """The second assessor's status for one criterion (again to change it, until the
        marking is submitted). A reason is required when it differs from the automatic status
        (not for a `manual` criterion, which has none)."""
        assessor = _text(assessor, "the assessor's name", required=True).strip()
        request = self.open_request(session_id, assessor)
        if request is None:
            raise ModerationError(f"{assessor} has no second marking to do on this session")
        criteria = self._automatic(session_id)
        entry = criteria.get(criterion_id)
        if entry is None:
            raise ModerationError(f"no criterion {criterion_id!r} in this session's result")
        kind = criterion_kind(entry)
        allowed = tuple(str(s) for s in allowed_statuses(kind))
        if status not in allowed:
            raise ModerationError(f"mark {criterion_id} as one of {', '.join(allowed)}")
        differs = kind != CriterionKind.MANUAL and status != entry.get("status")
        reason = _text(reason, "the reason", required=differs)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            if self._rows.submission_in(tx, request.id) is not None:
                raise ModerationError("this second marking was already submitted")
            mid = self._rows.add_second_mark(
                tx,
                request_id=request.id,
                session_id=session_id,
                criterion_id=criterion_id,
                status=status,
                reason=reason,
                assessor=assessor,
                at=at,
            )
            detail = {
                "second_mark_id": mid,
                "request_id": request.id,
                "criterion_id": criterion_id,
                "status": status,
                "reason": reason,
            }
            append_entry(self._audit, tx, session_id, "second_mark", detail, assessor, at)
        return SecondMark(mid, request.id, session_id, criterion_id, status, reason, assessor, at)

    def submit(self, session_id: str, *, assessor: str) -> Submission:
        """Hand the second marking in (once). Every criterion the simulator left undecided
        (`check`) or to the assessor (`manual`) must have a second mark first."""
        assessor = _text(assessor, "the assessor's name", required=True).strip()
        request = self.open_request(session_id, assessor)
        if request is None:
            submitted = [
                q for q in self._rows.requests(session_id) if q.second_assessor == assessor
            ]
            if submitted:
                raise ModerationError(f"{assessor} has already submitted this second marking")
            raise ModerationError(f"{assessor} has no second marking to do on this session")
        criteria = self._automatic(session_id)
        mine = {m.criterion_id for m in self._rows.second_marks(session_id)
                if m.request_id == request.id}  # fmt: skip
        missing = [
            cid for cid, e in criteria.items() if e.get("status") in UNDECIDED and cid not in mine
        ]
        if missing:
            raise ModerationError(
                "mark these criteria before submitting (the simulator did not decide them): "
                + ", ".join(missing)
            )
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            if self._rows.submission_in(tx, request.id) is not None:
                raise ModerationError(f"{assessor} has already submitted this second marking")
            sid = self._rows.add_submission(
                tx, request_id=request.id, session_id=session_id, assessor=assessor, at=at
            )
            detail = {"submission_id": sid, "request_id": request.id}
            append_entry(self._audit, tx, session_id, "second_submit", detail, assessor, at)
        return Submission(sid, request.id, session_id, assessor, at)

    # -- reading ---------------------------------------------------------------------------

    def view(self, session_id: str, viewer: str) -> SessionView:
        """The session's marking as `viewer` may see it (see `SessionView`)."""
        criteria = self._automatic(session_id)
        automatic = {cid: str(e.get("status")) for cid, e in criteria.items()}
        allowed = {
            cid: tuple(str(s) for s in allowed_statuses(criterion_kind(e)))
            for cid, e in criteria.items()
        }
        requests = self._rows.requests(session_id)
        latest = requests[-1] if requests else None
        mine = self.open_request(session_id, viewer)
        submissions = {s.request_id: s for s in self._rows.submissions(session_id)}
        shown = mine or latest
        second: dict[str, SecondMark] = {}
        if shown is not None and (mine is not None or shown.id in submissions):
            for sm in self._rows.second_marks(session_id):
                if sm.request_id == shown.id:
                    second[sm.criterion_id] = sm
        if mine is not None:
            return SessionView(
                session_id, viewer, True, mine, automatic, {}, [], None, second, None, allowed
            )
        m = self._marking
        submitted = None if shown is None else submissions.get(shown.id)
        return SessionView(
            session_id, viewer, False, shown, automatic, m.current_marks(session_id),
            m.current_comments(session_id), m.verdict(session_id), second, submitted, allowed,
        )  # fmt: skip

    def agreement(self, session_id: str) -> Agreement | None:
        """Both markings of the session's latest submitted request, or None if none is."""
        submissions = {s.request_id: s for s in self._rows.submissions(session_id)}
        done = [q for q in self._rows.requests(session_id) if q.id in submissions]
        if not done:
            return None
        request = done[-1]
        return self._agreement(request, submissions[request.id])

    def _agreement(self, request: Request, submission: Submission) -> Agreement:
        sid = request.session_id
        info = self._store.session(sid)
        criteria = self._automatic(sid)
        first: dict[str, Mark] = {}
        for mark in self._marking.marks(sid):
            if mark.id <= request.first_upto:
                first[mark.criterion_id] = mark
        second: dict[str, SecondMark] = {}
        for sm in self._rows.second_marks(sid):
            if sm.request_id == request.id:
                second[sm.criterion_id] = sm
        resolved = {
            r.criterion_id: r for r in self._rows.resolutions(sid) if r.request_id == request.id
        }
        rows: list[CriterionAgreement] = []
        for cid, entry in criteria.items():
            auto = str(entry.get("status"))
            decided = None if auto in UNDECIDED else auto
            fm = first.get(cid)
            f = decided if fm is None else (auto if fm.decision == "agree" else fm.status)
            s = second[cid].status if cid in second else decided
            rows.append(CriterionAgreement(cid, auto, f, s, resolved.get(cid)))
        scenario = info.scenario_id if info is not None else ""
        return Agreement(request, submission, scenario, rows)

    def agreements(self, since: str | None = None) -> list[Agreement]:
        """The latest submitted request's agreement of every double-marked session (submitted
        at or after `since`, an ISO 8601 UTC time, if given), oldest submission first."""
        submissions = {s.request_id: s for s in self._rows.submissions()}
        latest: dict[str, Request] = {}
        for q in self._rows.requests():
            if q.id in submissions:
                latest[q.session_id] = q
        chosen = sorted(latest.values(), key=lambda q: submissions[q.id].at)
        return [
            self._agreement(q, submissions[q.id])
            for q in chosen
            if since is None or submissions[q.id].at >= since
        ]

    def disagreements(self) -> list[Disagreement]:
        """Every criterion the two markings disagree on that no lead has resolved yet."""
        found: list[Disagreement] = []
        for a in self.agreements():
            info = self._store.session(a.request.session_id)
            trainee = info.trainee if info is not None else ""
            for c in a.criteria:
                if c.agrees is False and c.resolution is None:
                    found.append(Disagreement(a.request, a.scenario_id, trainee, c))
        return found

    # -- resolving -------------------------------------------------------------------------

    def resolve(
        self, session_id: str, criterion_id: str, status: str, *, reason: str, assessor: str
    ) -> Resolution:
        """A lead settles a disagreement: `status` becomes the standing mark (written through
        `Marking.mark`), and the resolution names that mark. A reason is required."""
        assessor = _text(assessor, "the lead's name", required=True).strip()
        reason = _text(reason, "the reason for the resolution", required=True)
        if not may_moderate(assessor, self._store):
            raise ModerationError(f"{assessor} may not resolve disagreements")
        agreement = self.agreement(session_id)
        if agreement is None:
            raise ModerationError("this session has no submitted second marking")
        row = next((c for c in agreement.criteria if c.criterion_id == criterion_id), None)
        if row is None:
            raise ModerationError(f"no criterion {criterion_id!r} in this session's result")
        if row.agrees is not False:
            raise ModerationError(f"the two markings do not disagree on {criterion_id}")
        if row.resolution is not None:
            raise ModerationError(
                f"{criterion_id} was already resolved by {row.resolution.assessor}"
            )
        if assessor == agreement.request.second_assessor:
            raise ModerationError("the second assessor cannot resolve their own disagreement")
        entry = self._automatic(session_id)[criterion_id]
        kind = criterion_kind(entry)
        allowed = tuple(str(s) for s in allowed_statuses(kind))
        if status not in allowed:
            raise ModerationError(f"resolve {criterion_id} as one of {', '.join(allowed)}")
        if kind == CriterionKind.MANUAL:
            decision, given = "score", status
        elif status == entry.get("status"):
            decision, given = "agree", None
        else:
            decision, given = "overrule", status
        mark = self._marking.mark(
            session_id, criterion_id, decision, status=given, reason=reason, assessor=assessor
        )
        at = iso_utc(self._clock())
        request = agreement.request
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            if self._rows.resolution_in(tx, request.id, criterion_id) is not None:
                raise ModerationError(f"{criterion_id} was already resolved")
            rid = self._rows.add_resolution(
                tx,
                request_id=request.id,
                session_id=session_id,
                criterion_id=criterion_id,
                status=status,
                reason=reason,
                mark_id=mark.id,
                assessor=assessor,
                at=at,
            )
            detail = {
                "resolution_id": rid,
                "request_id": request.id,
                "criterion_id": criterion_id,
                "status": status,
                "reason": reason,
                "mark_id": mark.id,
            }
            append_entry(self._audit, tx, session_id, "moderation_resolve", detail, assessor, at)
        return Resolution(
            rid, request.id, session_id, criterion_id, status, reason, mark.id, assessor, at
        )

    # -- the centre report -------------------------------------------------------------------

    def report(self, since: str | None = None) -> list[ReportRow]:
        """Per scenario and criterion, then overall (the last row, ids ""): how many
        double-marked sessions both markings decided, percent agreement and Cohen's kappa."""
        return report_rows(self.agreements(since))


def report_rows(agreements: Sequence[Agreement]) -> list[ReportRow]:
    by_criterion: dict[tuple[str, str], list[tuple[str, str]]] = {}
    every: list[tuple[str, str]] = []
    for a in agreements:
        for c in a.criteria:
            if c.first is not None and c.second is not None:
                pair = (c.first, c.second)
                by_criterion.setdefault((a.scenario_id, c.criterion_id), []).append(pair)
                every.append(pair)
    rows = [ReportRow(s, c, cohen_kappa(p)) for (s, c), p in sorted(by_criterion.items())]
    return [*rows, ReportRow("", "", cohen_kappa(every))]


# -- the centre report as a file -------------------------------------------------------------

REPORT_COLUMNS = (
    "scenario_id",
    "criterion_id",
    "double_marked_sessions",
    "agreed",
    "percent_agreement",
    "cohens_kappa",
    "note",
)


def report_cells(row: ReportRow) -> list[str]:
    """One report row as text cells (`REPORT_COLUMNS`); the overall row says "(overall)"."""
    k = row.kappa
    percent = "" if k.percent is None else f"{k.percent:.1f}"
    kappa = "" if k.kappa is None else f"{float(k.kappa):.3f}"
    name = row.criterion_id or "(overall)"
    return [row.scenario_id, name, str(k.n), str(k.agreed), percent, kappa, k.why_undefined]


def report_csv(rows: Sequence[ReportRow]) -> str:
    """The report as CSV text (formula-like cells neutralised, as in the results export)."""
    import csv
    import io

    from app.assessor.export import safe_cell

    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(c) for c in report_cells(row)])
    return text.getvalue()


def report_html(rows: Sequence[ReportRow], *, since: str | None = None) -> str:
    """The report as a self-contained HTML page (every cell escaped)."""
    from html import escape

    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in REPORT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in report_cells(r)) + "</tr>" for r in rows
    )
    scope = f"double markings submitted since {escape(since)}" if since else "all double markings"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Inter-rater agreement</title><style>body{font-family:sans-serif}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 8px}</style>"
        f"</head><body><h1>Inter-rater agreement</h1><p>{scope}. Cohen's kappa = "
        "(p<sub>o</sub> &minus; p<sub>e</sub>) / (1 &minus; p<sub>e</sub>); undefined when "
        "both assessors used one and the same status only.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n"
    )
