"""The `audit` table: the assessor's actions on each session, one row per action, append-only
(triggers refuse UPDATE and DELETE). The chain the rows carry is app/assessor/audit.py's; its
head (entry count and last hash) is kept on the session row and in the database ledger, both
written in the same transaction as the entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.storage.errors import StorageError
from app.storage.ledger import AUDIT, append_entry
from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore


@dataclass(frozen=True)
class AuditRow:
    """One audit row as stored (`detail_json` unparsed: the chain hashes what was stored)."""

    id: int  # 0 for a row not yet written
    session_id: str
    seq: int
    action: str
    detail_json: str
    assessor: str
    at: str
    prev_hash: str
    hash: str


class AuditRepo:
    """The audit rows of one store."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def last_link(self, tx: Tx, session_id: str) -> tuple[int, str] | None:
        """(seq, hash) of the session's last entry, read inside `tx`; None if it has none.

        Raises `StorageError` (and nothing gets written) when the trail no longer ends where
        the session's recorded head says: an entry was removed or added behind callsim's
        back, and chaining on would hide it."""
        row = tx.one(
            "SELECT seq, hash FROM audit WHERE session_id = ? ORDER BY seq DESC LIMIT 1",
            [session_id],
        )
        head = tx.one("SELECT audit_count, audit_hash FROM sessions WHERE id = ?", [session_id])
        last = None if row is None else (int(row[0]), str(row[1]))
        if head is not None:
            recorded = None if not head[0] else (int(head[0]) - 1, str(head[1]))
            if recorded != last:
                raise StorageError(
                    f"session {session_id}: its assessor audit trail does not end where it was "
                    "recorded to (changed outside callsim); nothing was written: run "
                    "`callsim verify` on it"
                )
        return last

    def add(self, tx: Tx, row: AuditRow) -> None:
        """Write `row` (its `id` is ignored) inside `tx`, and move the session's audit head
        and the ledger on to it."""
        tx.execute(
            "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, prev_hash, "
            "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row.session_id,
                row.seq,
                row.action,
                row.detail_json,
                row.assessor,
                row.at,
                row.prev_hash,
                row.hash,
            ],
        )
        tx.execute(
            "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
            [row.seq + 1, row.hash, row.session_id],
        )
        detail = {"action": row.action, "audit_seq": row.seq, "audit_hash": row.hash}
        append_entry(tx, AUDIT, row.session_id, detail, row.at)

    def rows(self, session_id: str) -> list[AuditRow]:
        """The session's audit rows in seq order."""
        rows = self._store._fetch(
            "SELECT id, session_id, seq, action, detail_json, assessor, at, prev_hash, hash "
            "FROM audit WHERE session_id = ? ORDER BY seq",
            [session_id],
        )
        return [AuditRow(int(r[0]), *r[1:]) for r in rows]
