"""The `retractions` and `signoffs` tables (migration 6): comments withdrawn by an appended
retraction, and sign-offs and reopenings of a session. Both are append-only (triggers refuse
UPDATE and DELETE); while a session's latest sign-off row is a sign-off, triggers refuse new
marks, comments, verdicts and retractions on it. The rules are app/assessor/marks.py's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore

SignOffAction = Literal["sign_off", "reopen"]


@dataclass(frozen=True)
class Retraction:
    """A comment withdrawn: which, why, by whom and when."""

    id: int
    session_id: str
    comment_id: int
    reason: str
    assessor: str
    at: str  # ISO 8601 UTC


@dataclass(frozen=True)
class SignOff:
    """A sign-off (`note` optional) or a reopening (`note` is the reason, required)."""

    id: int
    session_id: str
    action: SignOffAction
    note: str
    assessor: str
    at: str


_RETRACTION_COLS = "id, session_id, comment_id, reason, assessor, at"
_SIGNOFF_COLS = "id, session_id, action, note, assessor, at"


def _retraction(row: tuple[Any, ...]) -> Retraction:
    return Retraction(int(row[0]), row[1], int(row[2]), row[3], row[4], row[5])


def _signoff(row: tuple[Any, ...]) -> SignOff:
    return SignOff(int(row[0]), row[1], cast(SignOffAction, row[2]), row[3], row[4], row[5])


class SignOffRepo:
    """Retractions and sign-offs in one store. Writes take the transaction they belong to
    (with their audit entry); reads see what is committed, or what `tx` sees."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def add_retraction(
        self, tx: Tx, *, session_id: str, comment_id: int, reason: str, assessor: str, at: str
    ) -> int:
        """Write one retraction; returns its id."""
        cursor = tx.execute(
            "INSERT INTO retractions (session_id, comment_id, reason, assessor, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [session_id, comment_id, reason, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def add_signoff(
        self, tx: Tx, *, session_id: str, action: str, note: str, assessor: str, at: str
    ) -> int:
        """Write one sign-off or reopening; returns its id."""
        cursor = tx.execute(
            "INSERT INTO signoffs (session_id, action, note, assessor, at) VALUES (?, ?, ?, ?, ?)",
            [session_id, action, note, assessor, at],
        )
        return int(cursor.lastrowid or 0)

    def latest_in(self, tx: Tx, session_id: str) -> SignOff | None:
        """The session's latest sign-off row as `tx` sees it (under its write lock)."""
        row = tx.one(
            f"SELECT {_SIGNOFF_COLS} FROM signoffs WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            [session_id],
        )
        return None if row is None else _signoff(tuple(row))

    def retraction_in(self, tx: Tx, comment_id: int) -> Retraction | None:
        row = tx.one(
            f"SELECT {_RETRACTION_COLS} FROM retractions WHERE comment_id = ?", [comment_id]
        )
        return None if row is None else _retraction(tuple(row))

    def comment_session_in(self, tx: Tx, comment_id: int) -> str | None:
        """The session a comment belongs to, or None if there is no such comment."""
        row = tx.one("SELECT session_id FROM comments WHERE id = ?", [comment_id])
        return None if row is None else str(row[0])

    def retractions(self, session_id: str) -> list[Retraction]:
        """Every retraction on the session, oldest first."""
        rows = self._store._fetch(
            f"SELECT {_RETRACTION_COLS} FROM retractions WHERE session_id = ? ORDER BY id",
            [session_id],
        )
        return [_retraction(row) for row in rows]

    def signoffs(self, session_id: str) -> list[SignOff]:
        """Every sign-off and reopening of the session, oldest first."""
        rows = self._store._fetch(
            f"SELECT {_SIGNOFF_COLS} FROM signoffs WHERE session_id = ? ORDER BY id",
            [session_id],
        )
        return [_signoff(row) for row in rows]
