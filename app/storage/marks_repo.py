"""The `marks`, `comments` and `verdicts` tables: what assessors decided about a session, kept
beside its automatic result and never over it. Every table is append-only (triggers refuse
UPDATE and DELETE). What a mark may say is app/assessor/marks.py's to decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore

Decision = Literal["agree", "overrule", "score"]
VerdictValue = Literal["pass", "fail", "refer"]


@dataclass(frozen=True)
class Mark:
    id: int
    session_id: str
    criterion_id: str
    decision: Decision
    status: str | None  # the assessor's status for overrule/score; None for agree
    reason: str
    assessor: str
    at: str  # ISO 8601 UTC


@dataclass(frozen=True)
class Comment:
    id: int
    session_id: str
    t: float  # seconds since the call connected
    seq: int | None  # the event it is pinned to, if any
    text: str
    assessor: str
    at: str


@dataclass(frozen=True)
class Verdict:
    session_id: str
    verdict: VerdictValue
    reason: str
    assessor: str
    at: str


_MARK_COLS = "id, session_id, criterion_id, decision, status, reason, assessor, at"
_COMMENT_COLS = "id, session_id, t, seq, text, assessor, at"
_VERDICT_COLS = "session_id, verdict, reason, assessor, at"


def _mark(row: tuple[Any, ...]) -> Mark:
    return Mark(int(row[0]), row[1], row[2], cast(Decision, row[3]), *row[4:])


def _comment(row: tuple[Any, ...]) -> Comment:
    return Comment(int(row[0]), row[1], float(row[2]), row[3], *row[4:])


def _verdict(row: tuple[Any, ...]) -> Verdict:
    return Verdict(row[0], cast(VerdictValue, row[1]), row[2], row[3], row[4])


class MarksRepo:
    """Marks, comments and verdicts in one store. Writes take the transaction they belong to
    (with their audit entry); reads see what is committed."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    # -- writing (inside a transaction) -----------------------------------------------------

    def add_mark(
        self,
        tx: Tx,
        *,
        session_id: str,
        criterion_id: str,
        decision: str,
        status: str | None,
        reason: str,
        assessor: str,
        at: str,
    ) -> int:
        """Write one mark; returns its id."""
        cursor = tx.execute(
            "INSERT INTO marks (session_id, criterion_id, decision, status, reason, "
            "assessor, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [session_id, criterion_id, decision, status, reason, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def add_comment(
        self,
        tx: Tx,
        *,
        session_id: str,
        t: float,
        seq: int | None,
        text: str,
        assessor: str,
        at: str,
    ) -> int:
        """Write one comment; returns its id."""
        cursor = tx.execute(
            "INSERT INTO comments (session_id, t, seq, text, assessor, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [session_id, t, seq, text, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def add_verdict(
        self, tx: Tx, *, session_id: str, verdict: str, reason: str, assessor: str, at: str
    ) -> int:
        """Write one verdict; returns its id."""
        cursor = tx.execute(
            "INSERT INTO verdicts (session_id, verdict, reason, assessor, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [session_id, verdict, reason, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    # -- reading ----------------------------------------------------------------------------

    def marks(self, session_id: str) -> list[Mark]:
        """Every mark on the session, oldest first."""
        rows = self._store._fetch(
            f"SELECT {_MARK_COLS} FROM marks WHERE session_id = ? ORDER BY id", [session_id]
        )
        return [_mark(row) for row in rows]

    def comments(self, session_id: str) -> list[Comment]:
        """The session's comments in call-time order (then in the order written)."""
        rows = self._store._fetch(
            f"SELECT {_COMMENT_COLS} FROM comments WHERE session_id = ? ORDER BY t, id",
            [session_id],
        )
        return [_comment(row) for row in rows]

    def verdicts(self, session_id: str) -> list[Verdict]:
        """Every verdict given, oldest first."""
        rows = self._store._fetch(
            f"SELECT {_VERDICT_COLS} FROM verdicts WHERE session_id = ? ORDER BY id",
            [session_id],
        )
        return [_verdict(row) for row in rows]

    def latest_verdict(self, session_id: str) -> Verdict | None:
        """The latest verdict, or None."""
        rows = self._store._fetch(
            f"SELECT {_VERDICT_COLS} FROM verdicts WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            [session_id],
        )
        return _verdict(rows[0]) if rows else None

    def verdict_texts(self, session_id: str) -> list[tuple[int, str, str, str, str]]:
        """(id, verdict, reason, assessor, at) of every verdict on the session: what its
        audit entry recorded, to compare."""
        rows = self._store._fetch(
            "SELECT id, verdict, reason, assessor, at FROM verdicts WHERE session_id = ? "
            "ORDER BY id",
            [session_id],
        )
        return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
