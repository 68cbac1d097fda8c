"""Checking a session as the central store holds it, with the same formulas as on the PC
(`app.storage.chain`): its header hash, its event chain and head, and its seal."""

from __future__ import annotations

from typing import Any

from app.central.outbox import SESSION_FIELDS, central_events
from app.storage.chain import header_hash, seal_hash, verify_rows

_SELECT = f"SELECT {', '.join(SESSION_FIELDS)} FROM sessions WHERE id = %s"


def check_session(conn: Any, session_id: str) -> list[str]:
    """What does not verify about the central copy of `session_id` (empty: every check
    passes). Raises `KeyError` when the central store does not hold it."""
    row = conn.execute(_SELECT, [session_id]).fetchone()
    if row is None:
        raise KeyError(session_id)
    rec = dict(zip(SESSION_FIELDS, row, strict=True))
    problems: list[str] = []
    if header_hash(rec) != rec["header_hash"]:
        problems.append("header: its fields do not match its header hash")
    chain = verify_rows(
        session_id, central_events(conn, session_id), rec["event_count"], rec["last_hash"]
    )
    if not chain.ok:
        problems.append(f"events: {chain.reason} at event {chain.seq}")
    seal = seal_hash(
        rec["header_hash"],
        status=rec["status"],
        ended_at=rec["ended_at"],
        event_count=rec["event_count"],
        last_hash=rec["last_hash"],
        result_json=rec["result_json"],
    )
    if seal != rec["seal_hash"]:
        problems.append("seal: the end, the event head or the result do not match the seal")
    return problems
