"""Checking a session as the central store holds it, with the same formulas as on the PC
(`app.storage.chain`): its header hash, its event chain and head, and its seal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.central.outbox import SESSION_FIELDS, central_events
from app.storage.audit_repo import AuditRow
from app.storage.chain import VerifyResult, header_hash, seal_hash, verify_rows
from app.storage.errors import UnknownSessionError
from app.storage.records import SessionRecord, result_fields

if TYPE_CHECKING:
    from app.central.store import CentralStore

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


# -- `callsim verify --central`: each fact checked, the first that differs named ------------

CENTRAL_CHECKS = (
    "header",
    "event log",
    "result",
    "seal",
    "scenario text",
    "received",
    "audit trail",
)
# Checks an audit trail's rows against its chain: `app.assessor.audit.verify_entries`'s
# result (the assessor layer passes it in; this package may not import it).
AuditVerifier = Callable[[str, list[AuditRow]], VerifyResult]


@dataclass(frozen=True)
class CentralCheck:
    """One fact checked on the central copy: `ok` None when it could not be checked."""

    name: str  # one of CENTRAL_CHECKS
    ok: bool | None
    detail: str

    def line(self) -> str:
        mark = {True: "ok", False: "ALTERED", None: "n/a"}[self.ok]
        return f"{mark:<8} {self.name}: {self.detail}"


_CHAIN_WORDS = {
    "missing": "it is missing",
    "link": "it is not linked to the one before it",
    "hash": "its content does not match its hash",
    "unreadable": "its data cannot be read",
    "truncated": "the session recorded more events than are stored",
    "extra": "it is beyond the events the session recorded",
    "head": "the last event is not the one the session recorded",
}


def central_checks(
    store: CentralStore, session_id: str, *, verify_audit: AuditVerifier | None = None
) -> list[CentralCheck]:
    """Every check on the central copy of `session_id`, in order; the first with `ok` False
    is the first difference. Raises `UnknownSessionError` when the store does not hold it.
    `verify_audit` checks the audit entries' hashes too (without it: their links and head)."""
    rec = store.record(session_id)
    if rec is None:
        raise UnknownSessionError(session_id)
    checks: list[CentralCheck] = []
    stored = rec.header()
    if header_hash(stored) != rec.header_hash:
        checks.append(CentralCheck("header", False, "its fields do not match its header hash"))
    else:
        checks.append(CentralCheck("header", True, "matches its header hash"))
    chain = store.verify(session_id)
    if chain.ok:
        checks.append(CentralCheck("event log", True, f"{chain.checked} events, chain and head"))
    else:
        words = _CHAIN_WORDS.get(str(chain.reason), str(chain.reason))
        checks.append(CentralCheck("event log", False, f"event {chain.seq}: {words}"))
    checks.append(_result_check(rec))
    seal = seal_hash(
        str(rec.header_hash),
        status=str(rec.status),
        ended_at=rec.ended_at,
        event_count=int(rec.event_count),
        last_hash=str(rec.last_hash),
        result_json=rec.result_json,
    )
    if seal != rec.seal_hash:
        checks.append(
            CentralCheck("seal", False, "the end, the event head or the result do not match it")
        )
    else:
        checks.append(CentralCheck("seal", True, "end, event head and stored result as sealed"))
    text = store.scenario_text(str(rec.scenario_sha256))
    if text is None:
        checks.append(CentralCheck("scenario text", None, "the played version was not sent"))
    elif hashlib.sha256(text).hexdigest() != rec.scenario_sha256:
        checks.append(CentralCheck("scenario text", False, "it does not match its sha256"))
    else:
        checks.append(CentralCheck("scenario text", True, "the played version is held"))
    sources = store.received(session_id)
    if len(sources) == 1:
        checks.append(CentralCheck("received", True, f"sent once, from {sources[0][0]}"))
    else:
        checks.append(
            CentralCheck("received", False, f"{len(sources)} receipts for one session (not 1)")
        )
    checks.append(_audit_check(store, rec, verify_audit))
    return checks


def _audit_check(
    store: CentralStore, rec: SessionRecord, verify_audit: AuditVerifier | None
) -> CentralCheck:
    if store.schema < 2:
        return CentralCheck("audit trail", None, "this central store holds none (schema 1)")
    rows = store.audit_rows(rec.id)
    count = int(rec.audit_count or 0)
    if verify_audit is not None:
        chain = verify_audit(rec.id, rows)
        if not chain.ok:
            words = _CHAIN_WORDS.get(str(chain.reason), str(chain.reason))
            return CentralCheck("audit trail", False, f"entry {chain.seq}: {words}")
    else:
        for n, row in enumerate(rows):
            if row.seq != n or (n and row.prev_hash != rows[n - 1].hash):
                return CentralCheck("audit trail", False, f"entry {n}: it is missing or unlinked")
    if len(rows) != count or (rows and rows[-1].hash != rec.audit_hash):
        return CentralCheck(
            "audit trail",
            False,
            f"its head on the session says {count} entries, {len(rows)} are held, or the last "
            "is not the one recorded",
        )
    hashed = "hashes, links" if verify_audit is not None else "links"
    return CentralCheck("audit trail", True, f"{count} entries ({hashed} and head)")


def _result_check(rec: SessionRecord) -> CentralCheck:
    if rec.result_json is None:
        if rec.status == "finished" and (rec.score is not None or rec.passed is not None):
            return CentralCheck("result", False, "score or passed is set without a result")
        return CentralCheck("result", True, f"none stored ({rec.status})")
    if rec.status != "finished":
        return CentralCheck("result", False, f"a session that is {rec.status} has a result")
    try:
        stored = json.loads(rec.result_json)
    except ValueError:
        return CentralCheck("result", False, "the stored result does not read as JSON")
    if not isinstance(stored, dict):
        return CentralCheck("result", False, "the stored result is not a result object")
    score, passed = result_fields(stored)
    column_passed = None if rec.passed is None else bool(rec.passed)
    if score != rec.score or (None if passed is None else bool(passed)) != column_passed:
        return CentralCheck(
            "result", False, "the score or passed column differs from the stored result"
        )
    if stored.get("scenario_sha256") not in (None, rec.scenario_sha256):
        return CentralCheck("result", False, "the result is for another scenario version")
    return CentralCheck("result", True, "its columns match the stored result")
