"""Assessor marks, comments pinned to moments, and verdicts: stored beside the automatic result.

Nothing here changes a session's events or its stored result. Every action is one row in an
append-only table (triggers refuse UPDATE and DELETE) plus one entry in the session's
hash-chained audit trail, written in the same transaction. History is kept: the latest mark
per criterion is the current one, the latest verdict is the verdict. The tables and their
queries are app/storage/marks_repo.py's and audit_repo.py's; the rules are here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from app.assessor.audit import AuditEntry, append_entry, verify_entries
from app.assessor.reviewed import reviewed_result
from app.scenario.vocabulary import CriterionKind, Status, allowed_statuses
from app.scoring.result import ReviewedResult, criterion_kind
from app.storage import SessionStore, UnknownSessionError, VerifyResult
from app.storage.audit_repo import AuditRepo
from app.storage.library_repo import LibraryRepo, ReviewState
from app.storage.marks_repo import Comment, Decision, Mark, MarksRepo, Verdict, VerdictValue
from app.storage.moderation_repo import ModerationRepo
from app.storage.records import iso_utc, utc_now
from app.storage.signoff_repo import Retraction, SignOff, SignOffRepo
from app.storage.sql import Tx

__all__ = [
    "AuditEntry",
    "Comment",
    "Mark",
    "MarkError",
    "Marking",
    "Retraction",
    "SignOff",
    "may_reopen",
    "Verdict",
    "reviewed_result",
]

# Audit actions that have a row of their own, and the detail key naming that row's id.
ROW_KEYS = {
    "mark": "mark_id",
    "comment": "comment_id",
    "verdict": "verdict_id",
    "retract": "retraction_id",
    "sign_off": "signoff_id",
    "reopen": "signoff_id",
    # moderation (app/assessor/moderation.py): blind second marking, submission, resolution
    "moderation_request": "request_id",
    "second_mark": "second_mark_id",
    "second_submit": "submission_id",
    "moderation_resolve": "resolution_id",
}
DECISIONS: tuple[str, ...] = ("agree", "overrule", "score")
VERDICTS: tuple[str, ...] = ("pass", "fail", "refer")
MAX_TEXT = 10_000  # a reason or comment longer than this is a paste accident


class MarkError(ValueError):
    """A mark, comment or verdict the rules do not allow; the message says why."""


class SessionLockedError(MarkError):
    """The session is signed off: nothing more is written on it until it is reopened."""

    def __init__(self, session_id: str, signed: SignOff) -> None:
        self.session_id = session_id
        self.signed = signed
        super().__init__(
            f"session {session_id[:12]} was signed off by {signed.assessor} at "
            f"{stamp_words(signed.at)}; it is locked: reopen it (with a reason) to change it"
        )


def stamp_words(at: str) -> str:
    """A stored ISO 8601 UTC time as "2026-12-01 21:39 UTC" (as stored if it is not one)."""
    if len(at) >= 16 and at[10] == "T" and at.endswith("+00:00"):
        return f"{at[:10]} {at[11:16]} UTC"
    return at


def may_reopen(session_id: str, assessor: str, store: SessionStore | None = None) -> bool:
    """Whether `assessor` may reopen a signed-off session of `store`. On a database with
    assessor accounts (app/assessor/accounts.py) only an enabled lead account may; on one
    without (the single passphrase), anyone holding the passphrase may, as before. Without a
    store there is nothing to ask, and the answer is that of a database without accounts."""
    del session_id
    if store is None:
        return True
    from app.assessor.accounts import AccountError, Accounts

    accounts = Accounts(store)
    if not accounts.exist():
        return True
    try:
        account = accounts.get(assessor)
    except AccountError:
        return False
    return account is not None and account.is_lead


@dataclass(frozen=True)
class AuditProblem:
    """The first thing wrong with a session's audit trail (`Marking.audit_check`)."""

    reason: str  # a VerifyResult reason, "mismatch", "unaudited" or "no row"
    seq: int | None  # the audit entry concerned, if any
    action: str | None  # "mark", "comment", "verdict", "retract", "sign_off" or "reopen"
    row_id: int | None  # the mark, comment or verdict row concerned, if any


def _text(value: str, what: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise MarkError(f"{what} must be text")
    if required and not value.strip():
        raise MarkError(f"{what} is required")
    if len(value) > MAX_TEXT:
        raise MarkError(f"{what} is longer than {MAX_TEXT} characters")
    return value


class Marking:
    """Marks, comments and verdicts on the sessions of one store."""

    def __init__(self, store: SessionStore, *, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._clock = clock or utc_now
        self._rows = MarksRepo(store)
        self._audit = AuditRepo(store)
        self._library = LibraryRepo(store)
        self._signoffs = SignOffRepo(store)

    def _refuse_if_locked(self, tx: Tx, session_id: str) -> None:
        """Raise `SessionLockedError` if the session is signed off (read under the write
        lock; the database's triggers refuse the write too, whoever makes it)."""
        latest = self._signoffs.latest_in(tx, session_id)
        if latest is not None and latest.action == "sign_off":
            raise SessionLockedError(session_id, latest)

    # -- writing -------------------------------------------------------------------------

    def mark(
        self,
        session_id: str,
        criterion_id: str,
        decision: str,
        *,
        status: str | None = None,
        reason: str = "",
        assessor: str,
    ) -> Mark:
        """Agree with the automatic status, overrule it (a reason is required), or score a
        `manual` criterion. The criterion must be in the session's stored result."""
        assessor = _text(assessor, "the assessor's name", required=True)
        reason = _text(reason, "the reason", required=decision == "overrule")
        auto = self._store.result(session_id)
        if auto is None:
            raise MarkError("this session has no automatic result to mark (was it interrupted?)")
        entry = auto.get("criteria", {}).get(criterion_id)
        if not isinstance(entry, dict):
            raise MarkError(f"no criterion {criterion_id!r} in this session's result")
        kind, auto_status = criterion_kind(entry), entry.get("status")
        allowed = tuple(str(s) for s in allowed_statuses(kind))
        if decision == "agree":
            if kind == CriterionKind.MANUAL:
                raise MarkError(f"{criterion_id} is left to the assessor: score it")
            if auto_status == Status.CHECK:
                raise MarkError(
                    f"the simulator was unsure of {criterion_id}: decide it (overrule to one "
                    f"of {allowed})"
                )
            if status not in (None, auto_status):
                raise MarkError("agreeing keeps the automatic status; to change it, overrule")
            status = None
        elif decision == "overrule":
            if kind == CriterionKind.MANUAL:
                raise MarkError(f"{criterion_id} has no automatic status to overrule: score it")
            if status not in allowed:
                raise MarkError(f"overrule {criterion_id} to one of {allowed}")
            if status == auto_status:
                raise MarkError(f"{criterion_id} is already {status}: agree instead")
        elif decision == "score":
            if kind != CriterionKind.MANUAL:
                raise MarkError(
                    f"only manual criteria are scored; agree or overrule {criterion_id}"
                )
            if status not in allowed:
                raise MarkError(f"score {criterion_id} as one of {allowed}")
        else:
            raise MarkError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            mark_id = self._rows.add_mark(
                tx,
                session_id=session_id,
                criterion_id=criterion_id,
                decision=decision,
                status=status,
                reason=reason,
                assessor=assessor,
                at=at,
            )
            mark = Mark(
                mark_id,
                session_id,
                criterion_id,
                cast(Decision, decision),
                status,
                reason,
                assessor,
                at,
            )
            detail = {
                "mark_id": mark.id,
                "criterion_id": criterion_id,
                "decision": decision,
                "status": status,
                "reason": reason,
                "automatic_status": auto_status,
            }
            append_entry(self._audit, tx, session_id, "mark", detail, assessor, at)
        return mark

    def comment(
        self, session_id: str, t: float, text: str, *, assessor: str, seq: int | None = None
    ) -> Comment:
        """A comment pinned to time `t` of the call (and to event `seq`, if given)."""
        assessor = _text(assessor, "the assessor's name", required=True)
        text = _text(text, "the comment", required=True)
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise MarkError(f"a comment's time must be a number of seconds >= 0, got {t!r}")
        info = self._store.session(session_id)
        if info is None:
            raise UnknownSessionError(session_id)
        if seq is not None and (
            isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < info.event_count
        ):
            raise MarkError(f"no event {seq!r} in this session")
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            comment_id = self._rows.add_comment(
                tx, session_id=session_id, t=float(t), seq=seq, text=text, assessor=assessor, at=at
            )
            comment = Comment(comment_id, session_id, float(t), seq, text, assessor, at)
            detail = {"comment_id": comment.id, "t": comment.t, "seq": seq, "text": text}
            append_entry(self._audit, tx, session_id, "comment", detail, assessor, at)
        return comment

    def set_verdict(self, session_id: str, verdict: str, *, reason: str, assessor: str) -> Verdict:
        """The final verdict. A reason is required for `refer`, and for a verdict that goes
        against the reviewed result (pass when it did not pass, fail when it did)."""
        assessor = _text(assessor, "the assessor's name", required=True)
        if verdict not in VERDICTS:
            raise MarkError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        if self._store.session(session_id) is None:
            raise UnknownSessionError(session_id)
        auto = self._store.result(session_id)
        passed = (
            None
            if auto is None
            else bool(reviewed_result(auto, self.current_marks(session_id))["reviewed_passed"])
        )
        agrees = (verdict == "pass" and passed is True) or (verdict == "fail" and passed is False)
        reason = _text(reason, "the reason for this verdict", required=not agrees)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            verdict_id = self._rows.add_verdict(
                tx, session_id=session_id, verdict=verdict, reason=reason, assessor=assessor, at=at
            )
            detail = {
                "verdict_id": verdict_id,
                "verdict": verdict,
                "reason": reason,
                "reviewed_passed": passed,
            }
            append_entry(self._audit, tx, session_id, "verdict", detail, assessor, at)
        return Verdict(session_id, cast(VerdictValue, verdict), reason, assessor, at)

    def retract_comment(
        self, session_id: str, comment_id: int, *, reason: str, assessor: str
    ) -> Retraction:
        """Withdraw a comment by appending a retraction (the comment itself stays, shown as
        withdrawn in the history). A reason is required; a comment is withdrawn once."""
        assessor = _text(assessor, "the assessor's name", required=True)
        reason = _text(reason, "the reason for withdrawing the comment", required=True)
        if isinstance(comment_id, bool) or not isinstance(comment_id, int):
            raise MarkError(f"a comment id is a whole number, got {comment_id!r}")
        if self._store.session(session_id) is None:
            raise UnknownSessionError(session_id)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            owner = self._signoffs.comment_session_in(tx, comment_id)
            if owner is None:
                raise MarkError(f"there is no comment {comment_id}")
            if owner != session_id:
                raise MarkError(
                    f"comment {comment_id} belongs to another session, not {session_id[:12]}"
                )
            done = self._signoffs.retraction_in(tx, comment_id)
            if done is not None:
                raise MarkError(
                    f"comment {comment_id} was already withdrawn by {done.assessor} at "
                    f"{stamp_words(done.at)}"
                )
            self._refuse_if_locked(tx, session_id)
            rid = self._signoffs.add_retraction(
                tx,
                session_id=session_id,
                comment_id=comment_id,
                reason=reason,
                assessor=assessor,
                at=at,
            )
            detail = {"retraction_id": rid, "comment_id": comment_id, "reason": reason}
            append_entry(self._audit, tx, session_id, "retract", detail, assessor, at)
        return Retraction(rid, session_id, comment_id, reason, assessor, at)

    def sign_off(self, session_id: str, *, assessor: str, note: str = "") -> SignOff:
        """Sign the session off: from now on marks, comments, retractions and verdicts on it
        are refused (here and by the database) until it is reopened."""
        assessor = _text(assessor, "the assessor's name", required=True)
        note = _text(note, "the note", required=False)
        if self._store.session(session_id) is None:
            raise UnknownSessionError(session_id)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            self._refuse_if_locked(tx, session_id)
            sid = self._signoffs.add_signoff(
                tx, session_id=session_id, action="sign_off", note=note, assessor=assessor, at=at
            )
            detail = {"signoff_id": sid, "note": note}
            append_entry(self._audit, tx, session_id, "sign_off", detail, assessor, at)
        return SignOff(sid, session_id, "sign_off", note, assessor, at)

    def reopen(self, session_id: str, *, reason: str, assessor: str) -> SignOff:
        """Reopen a signed-off session (a reason is required; audited). Who may is
        `may_reopen`'s to say."""
        assessor = _text(assessor, "the assessor's name", required=True)
        reason = _text(reason, "the reason for reopening", required=True)
        if self._store.session(session_id) is None:
            raise UnknownSessionError(session_id)
        if not may_reopen(session_id, assessor, self._store):
            raise MarkError(
                f"{assessor} may not reopen a signed-off session: only a lead assessor may"
            )
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            latest = self._signoffs.latest_in(tx, session_id)
            if latest is None or latest.action != "sign_off":
                raise MarkError(f"session {session_id[:12]} is not signed off: nothing to reopen")
            sid = self._signoffs.add_signoff(
                tx, session_id=session_id, action="reopen", note=reason, assessor=assessor, at=at
            )
            detail = {"signoff_id": sid, "reason": reason}
            append_entry(self._audit, tx, session_id, "reopen", detail, assessor, at)
        return SignOff(sid, session_id, "reopen", reason, assessor, at)

    # -- reading -------------------------------------------------------------------------

    def marks(self, session_id: str) -> list[Mark]:
        """Every mark on the session, oldest first (the latest per criterion is current)."""
        return self._rows.marks(session_id)

    def current_marks(self, session_id: str) -> dict[str, Mark]:
        """The latest mark per criterion."""
        return {m.criterion_id: m for m in self.marks(session_id)}

    def comments(self, session_id: str) -> list[Comment]:
        """The session's comments in call-time order (then in the order written), withdrawn
        ones included (see `retractions`)."""
        return self._rows.comments(session_id)

    def current_comments(self, session_id: str) -> list[Comment]:
        """The comments that stand: `comments` without the withdrawn ones."""
        gone = self.retractions(session_id)
        return [c for c in self.comments(session_id) if c.id not in gone]

    def retractions(self, session_id: str) -> dict[int, Retraction]:
        """The session's retractions by the id of the comment each withdraws."""
        return {r.comment_id: r for r in self._signoffs.retractions(session_id)}

    def signoffs(self, session_id: str) -> list[SignOff]:
        """Every sign-off and reopening of the session, oldest first."""
        return self._signoffs.signoffs(session_id)

    def signed_off(self, session_id: str) -> SignOff | None:
        """The sign-off that locks the session now, or None if it is open."""
        history = self.signoffs(session_id)
        return history[-1] if history and history[-1].action == "sign_off" else None

    def verdicts(self, session_id: str) -> list[Verdict]:
        """Every verdict given, oldest first."""
        return self._rows.verdicts(session_id)

    def verdict(self, session_id: str) -> Verdict | None:
        """The latest verdict, or None."""
        return self._rows.latest_verdict(session_id)

    def audit(self, session_id: str) -> list[AuditEntry]:
        """Every action on the session, in the order taken."""
        return self._audit_rows(session_id)[1]

    def verify_audit(self, session_id: str) -> VerifyResult:
        """Check the audit chain, its head on the session, and that every mark, comment and
        verdict row still says what its audit entry recorded. `reason` as for events
        ("missing", "link", "hash", "unreadable", "truncated", "extra", "head"), or
        "mismatch" (a row differs from its entry), "unaudited" (a row with no entry) or
        "no row" (an entry whose mark, comment, verdict, retraction or sign-off row is gone); `seq`
        is then the entry's seq, or None."""
        check, problem = self.audit_check(session_id)
        if problem is None:
            return check
        return VerifyResult(False, check.checked, problem.seq, problem.reason)

    def audit_check(self, session_id: str) -> tuple[VerifyResult, AuditProblem | None]:
        """`verify_audit` with the first problem described (which entry, which row)."""
        check, entries = self._audit_rows(session_id)
        if not check.ok:
            action = next((e.action for e in entries if e.seq == check.seq), None)
            return check, AuditProblem(str(check.reason), check.seq, action, None)
        record = self._store.record(session_id)
        if record is not None:
            count = record.audit_count if isinstance(record.audit_count, int) else -1
            if len(entries) < count:
                return check, AuditProblem("truncated", len(entries), None, None)
            if len(entries) > count:
                return check, AuditProblem("extra", count, entries[count].action, None)
            if entries and entries[-1].hash != record.audit_hash:
                return check, AuditProblem("head", entries[-1].seq, entries[-1].action, None)
        by_key = {
            (e.action, e.detail.get(ROW_KEYS[e.action])): e for e in entries if e.action in ROW_KEYS
        }
        seen: set[tuple[str, int]] = set()

        def compare(action: str, row_id: int, fields: dict[str, Any]) -> AuditProblem | None:
            entry = by_key.get((action, row_id))
            seen.add((action, row_id))
            if entry is None:
                return AuditProblem("unaudited", None, action, row_id)
            if fields.pop("assessor") != entry.assessor or fields.pop("at") != entry.at:
                return AuditProblem("mismatch", entry.seq, action, row_id)
            if any(entry.detail.get(k) != v for k, v in fields.items()):
                return AuditProblem("mismatch", entry.seq, action, row_id)
            return None

        problems: list[AuditProblem | None] = []
        for m in self.marks(session_id):
            fields: dict[str, Any] = {"criterion_id": m.criterion_id, "decision": m.decision}
            fields |= {"status": m.status, "reason": m.reason}
            problems.append(compare("mark", m.id, fields | {"assessor": m.assessor, "at": m.at}))
        for c in self.comments(session_id):
            fields = {"t": c.t, "seq": c.seq, "text": c.text, "assessor": c.assessor, "at": c.at}
            problems.append(compare("comment", c.id, fields))
        for vid, value, why, who, at in self._rows.verdict_texts(session_id):
            fields = {"verdict": value, "reason": why, "assessor": who, "at": at}
            problems.append(compare("verdict", vid, fields))
        for r in self._signoffs.retractions(session_id):
            fields = {"comment_id": r.comment_id, "reason": r.reason}
            problems.append(compare("retract", r.id, fields | {"assessor": r.assessor, "at": r.at}))
        for so in self.signoffs(session_id):
            fields = {"note" if so.action == "sign_off" else "reason": so.note}
            problems.append(
                compare(so.action, so.id, fields | {"assessor": so.assessor, "at": so.at})
            )
        for action, moderated_id, moderated in ModerationRepo(self._store).audited_rows(session_id):
            problems.append(compare(action, moderated_id, moderated))
        for (action, row_id), entry in by_key.items():  # an entry whose row is gone
            if (action, row_id) not in seen:
                rid = row_id if isinstance(row_id, int) else None
                problems.append(AuditProblem("no row", entry.seq, action, rid))
        found = [p for p in problems if p is not None]
        if not found:
            return check, None
        return check, min(found, key=lambda p: -1 if p.seq is None else p.seq)

    def review_state(self, session_id: str) -> ReviewState:
        """`reviewed` once a verdict is given, `in_review` after any other action."""
        return self._library.review_state(session_id)

    def reviewed(self, session_id: str) -> ReviewedResult | None:
        """`reviewed_result` of the session's stored result and current marks (None if the
        session has no result)."""
        auto = self._store.result(session_id)
        return None if auto is None else reviewed_result(auto, self.current_marks(session_id))

    def _audit_rows(self, session_id: str) -> tuple[VerifyResult, list[AuditEntry]]:
        return verify_entries(session_id, self._audit.rows(session_id))
