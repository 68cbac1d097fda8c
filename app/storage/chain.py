"""The hash chains callsim keeps, and their formulas (docs/integrity.md describes them).

- Events: each event's hash is sha256(previous hash + event.canonical()); the first event's
  previous hash is sha256(session id). The session row keeps the last hash and the event
  count, so dropping events from the end is detected too.
- The session header (who, which scenario, which mode, when, which callsim): `header_hash`,
  written when the session starts.
- The seal (`seal_hash`): written when the session stops being active (finished or
  interrupted); it covers the header hash, the status, the end time, the event count and last
  hash, and the stored result exactly as stored.
- The ledger: one chain for the whole database (`ledger_hash`), one entry per session started,
  sealed, per assessor action and per assessor setting, with its head in `ledger_head`. It
  holds a second copy of every head, so a session deleted, or one chain recomputed on its own,
  no longer matches it.

None of these has a secret key: they show edits made behind callsim's back, except a complete,
consistent rewrite of every chain by someone who holds the file and this code (that needs
heads signed and kept elsewhere).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.engine.events import Event
from app.storage.errors import EventDataError


def genesis_hash(session_id: str) -> str:
    """The `prev_hash` of a session's first event."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def link_hash(prev_hash: str, event: Event) -> str:
    """The hash of `event` chained after `prev_hash`."""
    return hashlib.sha256((prev_hash + event.canonical()).encode("utf-8")).hexdigest()


def data_to_json(data: dict[str, Any]) -> str:
    """The stored form of `event.data` (ASCII, sorted keys, no NaN)."""
    try:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise EventDataError(f"event data is not plain JSON: {exc}") from exc


def normalise(event: Event) -> Event:
    """The event exactly as it will read back from the database, validated.

    Hashing the read-back form is what lets `verify` recompute the same hash later
    (e.g. an int `t` comes back as a float, a tuple as a list).
    """
    if not isinstance(event.seq, int) or isinstance(event.seq, bool) or event.seq < 0:
        raise EventDataError(f"event seq must be a non-negative int, got {event.seq!r}")
    if isinstance(event.t, bool) or not isinstance(event.t, int | float):
        raise EventDataError(f"event t must be a number, got {event.t!r}")
    if not math.isfinite(event.t):
        raise EventDataError(f"event t must be finite, got {event.t!r}")
    if not isinstance(event.kind, str) or not event.kind:
        raise EventDataError(f"event kind must be a non-empty string, got {event.kind!r}")
    if not isinstance(event.data, dict):
        raise EventDataError(f"event data must be a dict, got {type(event.data).__name__}")
    return Event(event.seq, float(event.t), event.kind, json.loads(data_to_json(event.data)))


def canonical_json(value: Any) -> str:
    """The one text form every hash here is taken over (sorted keys, ASCII, no NaN)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The header columns of a session, in the order `header_hash` names them.
HEADER_FIELDS = (
    "id",
    "trainee",
    "scenario_id",
    "scenario_sha256",
    "scenario_title",
    "mode",
    "started_at",
    "callsim_version",
)


def header_hash(header: Mapping[str, Any]) -> str:
    """The hash of a session's header (`HEADER_FIELDS`; a missing one counts as null)."""
    return _sha("header:" + canonical_json({k: header.get(k) for k in HEADER_FIELDS}))


def seal_hash(
    header: str,
    *,
    status: str,
    ended_at: str | None,
    event_count: int,
    last_hash: str,
    result_json: str | None,
) -> str:
    """The seal of a session that is no longer active: its header hash, how it ended, its
    event log's head and its stored result (the exact stored text)."""
    body = {
        "header_hash": header,
        "status": status,
        "ended_at": ended_at,
        "event_count": event_count,
        "last_hash": last_hash,
        "result_json": result_json,
    }
    return _sha("seal:" + canonical_json(body))


LEDGER_GENESIS = _sha("callsim-ledger")


def ledger_hash(
    prev_hash: str, *, seq: int, kind: str, session_id: str | None, detail_json: str, at: str
) -> str:
    """The hash of ledger entry `seq` chained after `prev_hash` (`detail_json` as stored)."""
    body = {"seq": seq, "kind": kind, "session_id": session_id, "detail": detail_json, "at": at}
    return _sha(prev_hash + canonical_json(body))


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking one session's chain.

    `reason` (when not ok) is one of: "missing" (seq `seq` is absent), "link" (its prev_hash is
    not the previous event's hash), "hash" (its content does not match its hash), "unreadable"
    (its data is not a JSON object), "truncated" (the session recorded more events than are
    stored; `seq` is the first missing), "extra" (events beyond the recorded count), "head"
    (the last event is not the one the session recorded).
    """

    ok: bool
    checked: int  # events whose hash matched
    seq: int | None = None
    reason: str | None = None


StoredRow = tuple[int, float, str, str, str, str]  # seq, t, kind, data_json, prev_hash, hash


def verify_rows(
    session_id: str, rows: Iterable[StoredRow], event_count: int, last_hash: str
) -> VerifyResult:
    """Check rows (ordered by seq) against the chain and the session's recorded head."""
    expected_prev = genesis_hash(session_id)
    checked = 0
    for seq, t, kind, data_json, prev_hash, stored_hash in rows:
        if seq != checked:
            return VerifyResult(False, checked, checked, "missing")
        if checked >= event_count:
            return VerifyResult(False, checked, seq, "extra")
        if prev_hash != expected_prev:
            return VerifyResult(False, checked, seq, "link")
        try:
            data = json.loads(data_json)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return VerifyResult(False, checked, seq, "unreadable")
        if link_hash(prev_hash, Event(seq, float(t), kind, data)) != stored_hash:
            return VerifyResult(False, checked, seq, "hash")
        expected_prev = stored_hash
        checked += 1
    if checked < event_count:
        return VerifyResult(False, checked, checked, "truncated")
    if expected_prev != last_hash:
        return VerifyResult(False, checked, checked - 1 if checked else None, "head")
    return VerifyResult(True, checked)
