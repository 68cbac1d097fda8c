"""The rows of a backup bundle (app/assessor/backup.py): reading whole sessions out, and
writing checked ones in, all or nothing.

A session travels as its row (header, result and heads; not who was writing it, which says
nothing about the record), its events, marks, comments, verdicts and audit entries, exactly
as stored, so every chain verifies the same on the other side. Importing writes them in one
transaction with the database ledger's entries for each (its start, its seal, each audit
entry, marked `"imported"`), so the receiving database's own `verify` covers them.

The mark, comment and verdict rows keep their ids (their audit entries name them): a bundle
whose ids are taken in the receiving database by rows of another session is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.storage.errors import StorageError
from app.storage.ledger import ARCHIVE, AUDIT, SEAL, SESSION, append_entry
from app.storage.schema import ARCHIVABLE, seal_detail, searched_text
from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore

# What a bundle carries of each table (fixed names: never built from input).
SESSION_FIELDS = (
    "id",
    "trainee",
    "scenario_id",
    "scenario_sha256",
    "scenario_title",
    "mode",
    "started_at",
    "callsim_version",
    "status",
    "ended_at",
    "result_json",
    "score",
    "passed",
    "event_count",
    "last_hash",
    "header_hash",
    "seal_hash",
    "audit_count",
    "audit_hash",
)
EVENT_FIELDS = ("seq", "t", "kind", "data_json", "prev_hash", "hash")
MARK_FIELDS = ("id", "criterion_id", "decision", "status", "reason", "assessor", "at")
COMMENT_FIELDS = ("id", "t", "seq", "text", "assessor", "at")
VERDICT_FIELDS = ("id", "verdict", "reason", "assessor", "at")
AUDIT_FIELDS = ("seq", "action", "detail_json", "assessor", "at", "prev_hash", "hash")
RETRACTION_FIELDS = ("id", "comment_id", "reason", "assessor", "at")
SIGNOFF_FIELDS = ("id", "action", "note", "assessor", "at")
# Moderation (migration 9): a request before its second marks, submission and resolutions.
REQUEST_FIELDS = ("id", "second_assessor", "requested_by", "note", "first_upto", "at")
SECOND_MARK_FIELDS = ("id", "request_id", "criterion_id", "status", "reason", "assessor", "at")
SUBMISSION_FIELDS = ("id", "request_id", "assessor", "at")
RESOLUTION_FIELDS = (
    "id", "request_id", "criterion_id", "status", "reason", "mark_id", "assessor", "at",
)  # fmt: skip
# In the order an import writes them: a retraction after the comment it names, sign-offs
# last (a signed-off session refuses new marks, comments, verdicts and retractions).
CHILDREN = {
    "events": (EVENT_FIELDS, "seq"),
    "marks": (MARK_FIELDS, "id"),
    "comments": (COMMENT_FIELDS, "id"),
    "verdicts": (VERDICT_FIELDS, "id"),
    "retractions": (RETRACTION_FIELDS, "id"),
    "moderation_requests": (REQUEST_FIELDS, "id"),
    "second_marks": (SECOND_MARK_FIELDS, "id"),
    "second_submissions": (SUBMISSION_FIELDS, "id"),
    "moderation_resolutions": (RESOLUTION_FIELDS, "id"),
    "signoffs": (SIGNOFF_FIELDS, "id"),
    "audit": (AUDIT_FIELDS, "seq"),
}
_ROW_NAMES = {"marks": "mark", "comments": "comment", "verdicts": "verdict",
              "retractions": "retraction", "signoffs": "sign-off",
              "moderation_requests": "moderation request", "second_marks": "second mark",
              "second_submissions": "second-marking submission",
              "moderation_resolutions": "moderation resolution"}  # fmt: skip
# Tables whose row ids the audit entries name, so an import keeps them
KEPT_IDS = ("marks", "comments", "verdicts", "retractions", "signoffs", "moderation_requests",
            "second_marks", "second_submissions", "moderation_resolutions")  # fmt: skip


def sealed_session_ids(store: SessionStore, since: str | None = None) -> list[str]:
    """Sessions no longer active (finished or interrupted), oldest first; `since`: started at
    or after this ISO time."""
    where = "status <> 'active'" + (" AND started_at >= ?" if since else "")
    rows = store._fetch(
        f"SELECT id FROM sessions WHERE {where} ORDER BY started_at, rowid",
        [since] if since else [],
    )
    return [str(r[0]) for r in rows]


def read_session(store: SessionStore, session_id: str) -> dict[str, Any]:
    """One session as a bundle carries it: {"session": {...}, "events": [...], ...}, read
    from one snapshot."""
    queries: list[tuple[str, list[Any]]] = [
        (f"SELECT {', '.join(SESSION_FIELDS)} FROM sessions WHERE id = ?", [session_id])
    ]
    for table, (fields, order) in CHILDREN.items():
        queries.append(
            (
                f"SELECT {', '.join(fields)} FROM {table} WHERE session_id = ? ORDER BY {order}",
                [session_id],
            )
        )
    found = store._snapshot(*queries)
    if not found[0]:
        raise LookupError(session_id)
    out: dict[str, Any] = {"session": dict(zip(SESSION_FIELDS, found[0][0], strict=True))}
    for (table, (fields, _order)), rows in zip(CHILDREN.items(), found[1:], strict=True):
        out[table] = [dict(zip(fields, row, strict=True)) for row in rows]
    return out


def present_heads(store: SessionStore, session_ids: Sequence[str]) -> dict[str, tuple[Any, Any]]:
    """(header hash, seal) of those of `session_ids` the store already holds."""
    out: dict[str, tuple[Any, Any]] = {}
    for sid in session_ids:
        rows = store._fetch("SELECT header_hash, seal_hash FROM sessions WHERE id = ?", [sid])
        if rows:
            out[sid] = (rows[0][0], rows[0][1])
    return out


def import_sessions(
    store: SessionStore, sessions: Sequence[dict[str, Any]], *, at: str, source: str
) -> None:
    """Write `sessions` (each as `read_session` gives it, already checked by the caller) and
    their ledger entries in one transaction: all of them or, on any error, none."""
    with store.transaction() as tx:
        for payload in sessions:
            _import_one(tx, payload, at, source)


def _import_one(tx: Tx, payload: dict[str, Any], at: str, source: str) -> None:
    row = payload["session"]
    sid = str(row["id"])
    for table in KEPT_IDS:
        for child in payload.get(table, []):
            taken = tx.one(f"SELECT session_id FROM {table} WHERE id = ?", [child["id"]])
            if taken is not None:
                raise StorageError(
                    f"session {sid}: its {_ROW_NAMES[table]} {child['id']} has the id of a row of "
                    f"session {taken[0]} in this database; nothing was imported (import "
                    "into the database it came from, or a new one)"
                )
    tx.execute(
        f"INSERT INTO sessions ({', '.join(SESSION_FIELDS)}) "
        f"VALUES ({', '.join('?' * len(SESSION_FIELDS))})",
        [row[f] for f in SESSION_FIELDS],
    )
    header = {
        f: row[f]
        for f in (
            "id",
            "trainee",
            "scenario_id",
            "scenario_sha256",
            "scenario_title",
            "mode",
            "started_at",
            "callsim_version",
        )
    }
    note = {"imported": source}
    detail = {"header": header, "header_hash": row["header_hash"]} | note
    append_entry(tx, SESSION, sid, detail, at)
    for event in payload["events"]:
        tx.execute(
            f"INSERT INTO events (session_id, {', '.join(EVENT_FIELDS)}) "
            f"VALUES (?, {', '.join('?' * len(EVENT_FIELDS))})",
            [sid, *(event[f] for f in EVENT_FIELDS)],
        )
        data = json.loads(event["data_json"])
        text = searched_text(str(event["kind"]), data) if isinstance(data, dict) else None
        if text:
            tx.execute(
                "INSERT INTO event_text (text, session_id, seq) VALUES (?, ?, ?)",
                [text, sid, event["seq"]],
            )
    if row["status"] != "active":
        seal = seal_detail(
            str(row["status"]),
            row["ended_at"],
            int(row["event_count"]),
            str(row["last_hash"]),
            str(row["seal_hash"]),
        )
        append_entry(tx, SEAL, sid, seal | note, at)
    for table, (fields, _order) in CHILDREN.items():
        if table in ("events", "audit"):
            continue
        for child in payload.get(table, []):  # a bundle from before migration 6 has none
            tx.execute(
                f"INSERT INTO {table} (session_id, {', '.join(fields)}) "
                f"VALUES (?, {', '.join('?' * len(fields))})",
                [sid, *(child[f] for f in fields)],
            )
    for entry in payload["audit"]:
        tx.execute(
            f"INSERT INTO audit (session_id, {', '.join(AUDIT_FIELDS)}) "
            f"VALUES (?, {', '.join('?' * len(AUDIT_FIELDS))})",
            [sid, *(entry[f] for f in AUDIT_FIELDS)],
        )
        audit = {"action": entry["action"], "audit_seq": entry["seq"], "audit_hash": entry["hash"]}
        append_entry(tx, AUDIT, sid, audit | note, at)


def sessions_started_before(store: SessionStore, before: str) -> list[str]:
    """Sessions no longer active that started before the ISO time `before`, oldest first."""
    rows = store._fetch(
        "SELECT id FROM sessions WHERE status <> 'active' AND started_at < ? "
        "ORDER BY started_at, rowid",
        [before],
    )
    return [str(r[0]) for r in rows]


def archive_sessions(
    store: SessionStore, session_ids: Sequence[str], *, bundle: str, bundle_sha256: str, at: str
) -> None:
    """Remove `session_ids` from the live database after they were archived to `bundle`
    (already written and checked by the caller), in one transaction: for each, an `archived`
    row (which lets the DELETE triggers pass for its rows only), a ledger `archive` entry with
    the heads it had, then its rows. All or nothing."""
    with store.transaction() as tx:
        for sid in session_ids:
            row = tx.one(
                "SELECT status, header_hash, event_count, last_hash, seal_hash, audit_count, "
                "audit_hash FROM sessions WHERE id = ?",
                [sid],
            )
            if row is None:
                raise StorageError(f"session {sid} is not in the database; nothing was archived")
            if row[0] == "active":
                raise StorageError(f"session {sid} is still active; nothing was archived")
            tx.execute(
                "INSERT INTO archived (session_id, bundle, bundle_sha256, at) VALUES (?, ?, ?, ?)",
                [sid, bundle, bundle_sha256, at],
            )
            names = ("header_hash", "event_count", "last_hash", "seal_hash", "audit_count")
            heads = dict(zip((*names, "audit_hash"), row[1:], strict=True))
            detail = {"bundle": bundle, "bundle_sha256": bundle_sha256, "heads": heads}
            append_entry(tx, ARCHIVE, sid, detail, at)
            for table, _trigger in ARCHIVABLE:  # fixed names, never outside text
                tx.execute(f"DELETE FROM {table} WHERE session_id = ?", [sid])
            tx.execute("DELETE FROM sessions WHERE id = ?", [sid])
