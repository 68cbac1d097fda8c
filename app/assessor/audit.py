"""The assessor's audit trail: every action on a session, append-only and hash-chained.

Entry `seq` of a session has `hash = sha256(prev_hash + canonical JSON of the entry)`, where
the entry is its session id, seq, action, detail, assessor and time, and the first entry's
`prev_hash` is sha256("audit:" + session id). Like the event chain this shows edits made
behind the app's back (the tables' triggers refuse UPDATE and DELETE); it cannot stop someone
who rewrites the whole chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.storage import VerifyResult
from app.storage.audit_repo import AuditRepo, AuditRow
from app.storage.sql import Tx


@dataclass(frozen=True)
class AuditEntry:
    """One assessor action on a session."""

    id: int
    session_id: str
    action: str  # "mark" | "comment" | "verdict"
    detail: dict[str, Any]
    assessor: str
    at: str  # ISO 8601 UTC
    hash: str
    seq: int = 0  # position in the session's chain (0 first)
    prev_hash: str = ""


def audit_genesis(session_id: str) -> str:
    return hashlib.sha256(("audit:" + session_id).encode("utf-8")).hexdigest()


def detail_json(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(
    prev_hash: str,
    *,
    session_id: str,
    seq: int,
    action: str,
    detail: dict[str, Any],
    assessor: str,
    at: str,
) -> str:
    body = {
        "session_id": session_id,
        "seq": seq,
        "action": action,
        "detail": detail,
        "assessor": assessor,
        "at": at,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def append_entry(
    repo: AuditRepo,
    tx: Tx,
    session_id: str,
    action: str,
    detail: dict[str, Any],
    assessor: str,
    at: str,
) -> None:
    """Chain one entry after the session's last, inside the write transaction `tx`."""
    last = repo.last_link(tx, session_id)
    seq, prev = (0, audit_genesis(session_id)) if last is None else (last[0] + 1, last[1])
    digest = entry_hash(
        prev,
        session_id=session_id,
        seq=seq,
        action=action,
        detail=detail,
        assessor=assessor,
        at=at,
    )
    row = AuditRow(0, session_id, seq, action, detail_json(detail), assessor, at, prev, digest)
    repo.add(tx, row)


def entry_from_row(row: AuditRow) -> AuditEntry:
    try:
        data = json.loads(row.detail_json)
    except ValueError:
        data = None
    return AuditEntry(
        int(row.id),
        str(row.session_id),
        str(row.action),
        data if isinstance(data, dict) else {"unreadable": str(row.detail_json)},
        str(row.assessor),
        str(row.at),
        str(row.hash),
        int(row.seq),
        str(row.prev_hash),
    )


def verify_entries(
    session_id: str, rows: Sequence[AuditRow]
) -> tuple[VerifyResult, list[AuditEntry]]:
    """Check rows (ordered by seq) against the chain.

    The result's `seq` and `reason` name the first bad entry: "missing", "link", "hash" or
    "unreadable", as for events. Also returns the entries that read back.
    """
    expected_prev = audit_genesis(session_id)
    checked = 0
    entries = [entry_from_row(row) for row in rows]
    for entry, row in zip(entries, rows, strict=True):
        if entry.seq != checked:
            return VerifyResult(False, checked, checked, "missing"), entries
        if entry.prev_hash != expected_prev:
            return VerifyResult(False, checked, entry.seq, "link"), entries
        try:
            detail = json.loads(row.detail_json)
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return VerifyResult(False, checked, entry.seq, "unreadable"), entries
        digest = entry_hash(
            entry.prev_hash,
            session_id=entry.session_id,
            seq=entry.seq,
            action=entry.action,
            detail=detail,
            assessor=entry.assessor,
            at=entry.at,
        )
        if digest != entry.hash:
            return VerifyResult(False, checked, entry.seq, "hash"), entries
        expected_prev = entry.hash
        checked += 1
    return VerifyResult(True, checked), entries
