"""The ledger: one append-only hash chain for the whole database, and its head.

Every write that matters for a record adds an entry in the same transaction: a session
started (a copy of its header), a session sealed (its heads and result seal), an assessor
action (the session's audit head after it), an assessor setting changed (the sha256 of the
stored value). The head (`ledger_head`: entry count and last hash) sits in a row of its own.

Why a ledger rather than a bare count of sessions: it also names *which* session went missing
(its id, trainee and start), and it is a second, independent copy of every per-session head,
so recomputing one session's chain (or the audit trail) with the code no longer matches it.
What it cannot show is a rewrite of the ledger itself, consistently, by someone who holds the
file and the code (see app/storage/chain.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.storage.chain import LEDGER_GENESIS, VerifyResult, canonical_json, ledger_hash
from app.storage.errors import StorageError
from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore

# Entry kinds.
SESSION = "session"  # a session started (or, at the upgrade to schema 3, was found): its header
SEAL = "seal"  # a session stopped being active: status, end, event head, result seal
AUDIT = "audit"  # an assessor action: the session's audit head after it
META = "meta"  # an assessor setting stored: its key and the sha256 of its value
UPGRADE = "upgrade"  # the database was upgraded to sealed records; what it found
RECOVERED = "recovered"  # a dead call's side journal read back into its record, and what
ARCHIVE = "archive"  # a session left the live database, archived to a signed bundle (retention)
KINDS = (SESSION, SEAL, AUDIT, META, UPGRADE, RECOVERED, ARCHIVE)


@dataclass(frozen=True)
class LedgerRow:
    seq: int
    kind: str
    session_id: str | None
    detail_json: str
    at: str
    prev_hash: str
    hash: str

    def detail(self) -> dict[str, Any]:
        """The entry's detail ({} when it does not read as a JSON object)."""
        try:
            value = json.loads(self.detail_json)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


_COLS = "seq, kind, session_id, detail_json, at, prev_hash, hash"


def _row(r: Sequence[Any]) -> LedgerRow:
    return LedgerRow(int(r[0]), str(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]), str(r[6]))


def append_entry(
    tx: Tx, kind: str, session_id: str | None, detail: dict[str, Any], at: str
) -> LedgerRow:
    """Chain one entry after the head, inside the write transaction `tx`, and move the head."""
    head = tx.one("SELECT count, hash FROM ledger_head WHERE id = 1")
    if head is None:  # schema 3 always makes it: it was deleted behind callsim's back
        raise StorageError(
            "the database ledger's head is missing (removed outside callsim); nothing was "
            "written: run `callsim verify` and restore the database from a backup"
        )
    count, prev = int(head[0]), str(head[1])
    text = canonical_json(detail)
    digest = ledger_hash(prev, seq=count, kind=kind, session_id=session_id, detail_json=text, at=at)
    tx.execute(
        f"INSERT INTO ledger ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [count, kind, session_id, text, at, prev, digest],
    )
    tx.execute("UPDATE ledger_head SET count = ?, hash = ? WHERE id = 1", [count + 1, digest])
    return LedgerRow(count, kind, session_id, text, at, prev, digest)


@dataclass(frozen=True)
class LedgerState:
    """The ledger as read in one snapshot."""

    rows: list[LedgerRow]
    head: tuple[int, str] | None  # (count, last hash); None when the head row is missing


class LedgerRepo:
    """The ledger of one store."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def read(self) -> LedgerState:
        """Every entry, in seq order, and the head, from one snapshot."""
        rows, head = self._store._snapshot(
            (f"SELECT {_COLS} FROM ledger ORDER BY seq", []),
            ("SELECT count, hash FROM ledger_head WHERE id = 1", []),
        )
        return LedgerState(
            [_row(r) for r in rows], (int(head[0][0]), str(head[0][1])) if head else None
        )

    def latest_queries(self, kind: str, key: str) -> tuple[tuple[str, list[Any]], ...]:
        """The queries `latest_checked` reads, for a caller that adds them to its own
        snapshot."""
        where = "kind = ? AND json_extract(detail_json, '$.key') = ?"
        return (
            (f"SELECT {_COLS} FROM ledger WHERE {where} ORDER BY seq DESC LIMIT 1", [kind, key]),
            (
                "SELECT hash FROM ledger WHERE seq = "
                f"(SELECT max(seq) FROM ledger WHERE {where}) - 1",
                [kind, key],
            ),
            ("SELECT count, hash FROM ledger_head WHERE id = 1", []),
        )


def latest_checked(
    rows: list[tuple[Any, ...]], before: list[tuple[Any, ...]], head: list[tuple[Any, ...]]
) -> tuple[LedgerRow | None, bool]:
    """From the rows of `LedgerRepo.latest_queries`: the latest entry, and whether it checks
    out where it stands (its own hash, its link to the entry before it, within the head's
    count; the whole chain is `verify_ledger`'s)."""
    if not rows:
        return None, True
    row = _row(rows[0])
    prev = str(before[0][0]) if before else (LEDGER_GENESIS if row.seq == 0 else None)
    digest = ledger_hash(
        row.prev_hash,
        seq=row.seq,
        kind=row.kind,
        session_id=row.session_id,
        detail_json=row.detail_json,
        at=row.at,
    )
    ok = digest == row.hash and prev == row.prev_hash and bool(head) and row.seq < head[0][0]
    return row, ok


def verify_ledger(rows: Iterable[LedgerRow], head: tuple[int, str] | None) -> VerifyResult:
    """Check the ledger's chain and its head. `reason` as for events: "missing", "link",
    "hash", "unreadable", "truncated" (fewer entries than the head counts), "extra" (more),
    "head" (the last entry is not the head's), or "no head" (the head row is gone)."""
    expected_prev = LEDGER_GENESIS
    checked = 0
    count = head[0] if head is not None else None
    for row in rows:
        if row.seq != checked:
            return VerifyResult(False, checked, checked, "missing")
        if count is not None and checked >= count:
            return VerifyResult(False, checked, row.seq, "extra")
        if row.prev_hash != expected_prev:
            return VerifyResult(False, checked, row.seq, "link")
        try:
            detail = json.loads(row.detail_json)
        except ValueError:
            detail = None
        if not isinstance(detail, dict) or row.kind not in KINDS:
            return VerifyResult(False, checked, row.seq, "unreadable")
        digest = ledger_hash(
            row.prev_hash,
            seq=row.seq,
            kind=row.kind,
            session_id=row.session_id,
            detail_json=row.detail_json,
            at=row.at,
        )
        if digest != row.hash:
            return VerifyResult(False, checked, row.seq, "hash")
        expected_prev = row.hash
        checked += 1
    if head is None:
        return VerifyResult(False, checked, None, "no head")
    if checked < head[0]:
        return VerifyResult(False, checked, checked, "truncated")
    if expected_prev != head[1]:
        return VerifyResult(False, checked, checked - 1 if checked else None, "head")
    return VerifyResult(True, checked)
