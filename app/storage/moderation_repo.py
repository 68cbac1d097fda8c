"""The moderation tables (migration 9): requests for a blind second marking, the second
assessor's marks, their submission, and a lead's resolutions of disagreements. Every table is
append-only (triggers refuse UPDATE and DELETE) and refuses new rows while the session is
signed off. What a request or a second mark may say is app/assessor/moderation.py's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore


@dataclass(frozen=True)
class Request:
    """A lead's request for a blind second marking of one session."""

    id: int
    session_id: str
    second_assessor: str
    requested_by: str
    note: str
    first_upto: int  # the first marking is the session's marks with id <= this
    at: str  # ISO 8601 UTC


@dataclass(frozen=True)
class SecondMark:
    """The second assessor's status for one criterion (the latest per criterion counts)."""

    id: int
    request_id: int
    session_id: str
    criterion_id: str
    status: str
    reason: str
    assessor: str
    at: str


@dataclass(frozen=True)
class Submission:
    """The second marking handed in: from now on both markings are visible."""

    id: int
    request_id: int
    session_id: str
    assessor: str
    at: str


@dataclass(frozen=True)
class Resolution:
    """A lead's decision on a criterion the two assessors disagreed on; `mark_id` is the
    standing mark it wrote through `Marking.mark`."""

    id: int
    request_id: int
    session_id: str
    criterion_id: str
    status: str
    reason: str
    mark_id: int
    assessor: str
    at: str


_REQUEST_COLS = "id, session_id, second_assessor, requested_by, note, first_upto, at"
_SECOND_COLS = "id, request_id, session_id, criterion_id, status, reason, assessor, at"
_SUBMIT_COLS = "id, request_id, session_id, assessor, at"
_RESOLVE_COLS = "id, request_id, session_id, criterion_id, status, reason, mark_id, assessor, at"


def _request(row: tuple[Any, ...]) -> Request:
    return Request(int(row[0]), row[1], row[2], row[3], row[4], int(row[5]), row[6])


def _second(row: tuple[Any, ...]) -> SecondMark:
    return SecondMark(int(row[0]), int(row[1]), *row[2:])


def _submission(row: tuple[Any, ...]) -> Submission:
    return Submission(int(row[0]), int(row[1]), row[2], row[3], row[4])


def _resolution(row: tuple[Any, ...]) -> Resolution:
    return Resolution(
        int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], int(row[6]), row[7], row[8]
    )


class ModerationRepo:
    """The moderation rows of one store. Writes take the transaction they belong to (with
    their audit entry); reads see what is committed, or what `tx` sees."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    # -- writing (inside a transaction) -----------------------------------------------------

    def add_request(
        self,
        tx: Tx,
        *,
        session_id: str,
        second_assessor: str,
        requested_by: str,
        note: str,
        first_upto: int,
        at: str,
    ) -> int:
        cursor = tx.execute(
            "INSERT INTO moderation_requests (session_id, second_assessor, requested_by, "
            "note, first_upto, at) VALUES (?, ?, ?, ?, ?, ?)",
            [session_id, second_assessor, requested_by, note, first_upto, at],
        )
        return int(cursor.lastrowid or 0)

    def add_second_mark(
        self,
        tx: Tx,
        *,
        request_id: int,
        session_id: str,
        criterion_id: str,
        status: str,
        reason: str,
        assessor: str,
        at: str,
    ) -> int:
        cursor = tx.execute(
            "INSERT INTO second_marks (request_id, session_id, criterion_id, status, reason, "
            "assessor, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [request_id, session_id, criterion_id, status, reason, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def add_submission(
        self, tx: Tx, *, request_id: int, session_id: str, assessor: str, at: str
    ) -> int:
        cursor = tx.execute(
            "INSERT INTO second_submissions (request_id, session_id, assessor, at) "
            "VALUES (?, ?, ?, ?)",
            [request_id, session_id, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def add_resolution(
        self,
        tx: Tx,
        *,
        request_id: int,
        session_id: str,
        criterion_id: str,
        status: str,
        reason: str,
        mark_id: int,
        assessor: str,
        at: str,
    ) -> int:
        cursor = tx.execute(
            "INSERT INTO moderation_resolutions (request_id, session_id, criterion_id, status, "
            "reason, mark_id, assessor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [request_id, session_id, criterion_id, status, reason, mark_id, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def last_mark_id_in(self, tx: Tx, session_id: str) -> int:
        """The id of the session's latest mark (0 if none), as `tx` sees it."""
        row = tx.one("SELECT coalesce(max(id), 0) FROM marks WHERE session_id = ?", [session_id])
        return int(row[0]) if row else 0

    def requests_in(self, tx: Tx, session_id: str) -> list[Request]:
        rows = tx.execute(
            f"SELECT {_REQUEST_COLS} FROM moderation_requests WHERE session_id = ? ORDER BY id",
            [session_id],
        ).fetchall()
        return [_request(tuple(r)) for r in rows]

    def submission_in(self, tx: Tx, request_id: int) -> Submission | None:
        row = tx.one(
            f"SELECT {_SUBMIT_COLS} FROM second_submissions WHERE request_id = ?", [request_id]
        )
        return None if row is None else _submission(tuple(row))

    def resolution_in(self, tx: Tx, request_id: int, criterion_id: str) -> Resolution | None:
        row = tx.one(
            f"SELECT {_RESOLVE_COLS} FROM moderation_resolutions WHERE request_id = ? "
            "AND criterion_id = ?",
            [request_id, criterion_id],
        )
        return None if row is None else _resolution(tuple(row))

    # -- reading ----------------------------------------------------------------------------

    def requests(self, session_id: str | None = None) -> list[Request]:
        """The session's requests (every session's if None), oldest first."""
        where, params = ("WHERE session_id = ?", [session_id]) if session_id else ("", [])
        rows = self._store._fetch(
            f"SELECT {_REQUEST_COLS} FROM moderation_requests {where} ORDER BY id", params
        )
        return [_request(r) for r in rows]

    def second_marks(self, session_id: str) -> list[SecondMark]:
        rows = self._store._fetch(
            f"SELECT {_SECOND_COLS} FROM second_marks WHERE session_id = ? ORDER BY id",
            [session_id],
        )
        return [_second(r) for r in rows]

    def submissions(self, session_id: str | None = None) -> list[Submission]:
        where, params = ("WHERE session_id = ?", [session_id]) if session_id else ("", [])
        rows = self._store._fetch(
            f"SELECT {_SUBMIT_COLS} FROM second_submissions {where} ORDER BY id", params
        )
        return [_submission(r) for r in rows]

    def resolutions(self, session_id: str | None = None) -> list[Resolution]:
        where, params = ("WHERE session_id = ?", [session_id]) if session_id else ("", [])
        rows = self._store._fetch(
            f"SELECT {_RESOLVE_COLS} FROM moderation_resolutions {where} ORDER BY id", params
        )
        return [_resolution(r) for r in rows]

    def audited_rows(self, session_id: str) -> list[tuple[str, int, dict[str, Any]]]:
        """(audit action, row id, fields its audit entry recorded, with `assessor` and `at`)
        for every moderation row of the session: what `Marking.audit_check` compares."""
        found: list[tuple[str, int, dict[str, Any]]] = []
        fields: dict[str, Any]
        for q in self.requests(session_id):
            fields = {"second_assessor": q.second_assessor, "note": q.note}
            fields |= {"first_upto": q.first_upto, "assessor": q.requested_by, "at": q.at}
            found.append(("moderation_request", q.id, fields))
        for m in self.second_marks(session_id):
            fields = {"request_id": m.request_id, "criterion_id": m.criterion_id}
            fields |= {"status": m.status, "reason": m.reason, "assessor": m.assessor, "at": m.at}
            found.append(("second_mark", m.id, fields))
        for s in self.submissions(session_id):
            found.append(
                ("second_submit", s.id, {"request_id": s.request_id, "assessor": s.assessor,
                                         "at": s.at})
            )  # fmt: skip
        for r in self.resolutions(session_id):
            fields = {"request_id": r.request_id, "criterion_id": r.criterion_id}
            fields |= {"status": r.status, "reason": r.reason, "mark_id": r.mark_id}
            found.append(("moderation_resolve", r.id, fields | {"assessor": r.assessor,
                                                                "at": r.at}))  # fmt: skip
        return found
