"""Signed backup bundles: `callsim export-sessions` and `callsim import-sessions`
(docs/integrity.md, "Backup bundles").

A bundle is a zip file:

- `sessions/<id>.json`: one session no longer active, with its events, marks, comments,
  verdicts and audit entries exactly as stored (app/storage/bundle.py);
- `scenarios/<sha256>.yaml`: the text of each scenario version played, where this machine
  has it (found by its sha256; content-addressed, so each version once); the ones it lacks
  are listed in the manifest by their sha256;
- `manifest.json`: what the bundle holds and the sha256 of every other file in it, signed
  with the centre's Ed25519 key (app/assessor/heads.py).

Importing checks, before anything is written: the manifest's signature, that the zip holds
exactly the files it lists with those sha256s, and every session's chains (header, events,
seal, audit trail and its head, every mark, comment and verdict against its audit entry). A
session already in the database with the same header and seal is skipped; one with the same
id and other content is refused, named. Then every new session is written in one transaction:
all or nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.assessor.audit import verify_entries
from app.assessor.heads import database_label, sign, signature_problem
from app.assessor.marks import ROW_KEYS
from app.storage import SessionStore
from app.storage.audit_repo import AuditRow
from app.storage.bundle import (
    archive_sessions,
    import_sessions,
    present_heads,
    read_session,
    sealed_session_ids,
    sessions_started_before,
)
from app.storage.chain import canonical_json, header_hash, seal_hash, verify_rows
from app.storage.ledger import ARCHIVE, LedgerRepo
from app.storage.records import iso_utc, utc_now

FORMAT = "callsim-bundle/1"
MANIFEST = "manifest.json"
MAX_MEMBER = 512 * 1024 * 1024  # a member this large is not one callsim wrote


class BundleError(ValueError):
    """A bundle that is refused; the message names the file (and the member) and why. Nothing
    was imported."""


@dataclass(frozen=True)
class ImportReport:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already present, identical


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _to_bytes(value: Any) -> bytes:
    return (canonical_json(value) + "\n").encode("utf-8")


def export_bundle(
    store: SessionStore,
    private_key: Any,
    *,
    since: datetime | None = None,
    scenario_texts: Mapping[str, bytes] | None = None,
    now: datetime | None = None,
    session_ids: Sequence[str] | None = None,
) -> tuple[bytes, list[str]]:
    """The bundle's bytes and the ids it holds (sessions no longer active, started at or after
    `since`). `scenario_texts`: sha256 -> the bytes of scenario files this machine has."""
    texts = scenario_texts or {}
    if session_ids is None:
        ids = sealed_session_ids(store, iso_utc(since) if since is not None else None)
    else:
        ids = list(session_ids)
    files: dict[str, bytes] = {}
    missing: list[str] = []
    for sid in ids:
        payload = read_session(store, sid)
        files[f"sessions/{sid}.json"] = _to_bytes(payload)
        sha = str(payload["session"]["scenario_sha256"])
        name = f"scenarios/{sha}.yaml"
        if name in files or sha in missing:
            continue
        text = texts.get(sha)
        if text is not None and _sha(text) == sha:
            files[name] = text
        else:
            missing.append(sha)
    body = {
        "format": FORMAT,
        "made_at": iso_utc(now or utc_now()),
        "database": database_label(store),
        "since": iso_utc(since) if since is not None else None,
        "sessions": ids,
        "scenarios_missing": missing,
        "files": {name: _sha(data) for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr(MANIFEST, json.dumps(sign(body, private_key), indent=1, sort_keys=True))
    return buffer.getvalue(), ids


# -- import -------------------------------------------------------------------------------------
def read_bundle(path: Path, public_key: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the signed manifest's body, every session payload), checked: the signature, the
    files' sha256s, and every session's chains. Raises `BundleError`."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{path}: not a callsim bundle (not a zip file: {exc})") from None
    with zf:
        members: dict[str, bytes] = {}
        for info in zf.infolist():
            if info.file_size > MAX_MEMBER:
                raise BundleError(f"{path}: {info.filename}: too large for a callsim bundle")
            try:
                members[info.filename] = zf.read(info)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:  # e.g. a bad CRC
                raise BundleError(f"{path}: {info.filename}: cannot be read ({exc})") from None
    if MANIFEST not in members:
        raise BundleError(f"{path}: not a callsim bundle (it has no {MANIFEST})")
    try:
        document = json.loads(members.pop(MANIFEST))
    except ValueError as exc:
        raise BundleError(f"{path}: {MANIFEST}: not JSON ({exc})") from None
    body = document.get("signed") if isinstance(document, dict) else None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BundleError(f"{path}: {MANIFEST}: not a callsim bundle manifest")
    why = signature_problem(document, public_key)
    if why is not None:
        raise BundleError(f"{path}: {MANIFEST}: not trusted: {why}; nothing was imported")
    files = body.get("files")
    listed: dict[str, Any] = files if isinstance(files, dict) else {}
    for name in sorted(set(members) | set(listed)):
        if name not in listed:
            raise BundleError(f"{path}: {name}: not in the signed manifest (added after signing)")
        if name not in members:
            raise BundleError(f"{path}: {name}: listed in the signed manifest but missing")
        if _sha(members[name]) != listed[name]:
            raise BundleError(
                f"{path}: {name}: its sha256 is not the one the signed manifest lists (the "
                "file was changed after signing); nothing was imported"
            )
    sessions: list[dict[str, Any]] = []
    for sid in body.get("sessions") or []:
        name = f"sessions/{sid}.json"
        if name not in members:
            raise BundleError(f"{path}: {name}: listed in the signed manifest but missing")
        try:
            payload = json.loads(members[name])
            problem = chain_problem(payload) if isinstance(payload, dict) else "not a session"
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"its session data cannot be read ({type(exc).__name__}: {exc})"
        if problem is not None:
            raise BundleError(f"{path}: {name}: {problem}; nothing was imported")
        sessions.append(payload)
    return body, sessions


def chain_problem(payload: dict[str, Any]) -> str | None:
    """Why one session's payload does not verify (its header, events, seal, audit trail), or
    None."""
    row = payload.get("session")
    if not isinstance(row, dict):
        return "it holds no session row"
    sid = str(row.get("id"))
    if header_hash(row) != row.get("header_hash"):
        return "its header does not match its hash"
    events = [
        (e["seq"], e["t"], e["kind"], e["data_json"], e["prev_hash"], e["hash"])
        for e in payload.get("events", [])
    ]
    chain = verify_rows(sid, events, int(row["event_count"]), str(row["last_hash"]))
    if not chain.ok:
        return f"its event log does not verify (event {chain.seq}: {chain.reason})"
    if row.get("status") == "active":
        return "it is still active (only finished or interrupted sessions are bundled)"
    seal = seal_hash(
        str(row["header_hash"]),
        status=str(row["status"]),
        ended_at=row["ended_at"],
        event_count=int(row["event_count"]),
        last_hash=str(row["last_hash"]),
        result_json=row["result_json"],
    )
    if seal != row.get("seal_hash"):
        return "its end, event head or result is not the one sealed"
    rows = [
        AuditRow(
            0,
            sid,
            int(a["seq"]),
            str(a["action"]),
            str(a["detail_json"]),
            str(a["assessor"]),
            str(a["at"]),
            str(a["prev_hash"]),
            str(a["hash"]),
        )
        for a in payload.get("audit", [])
    ]
    audit, entries = verify_entries(sid, rows)
    if not audit.ok:
        return f"its audit trail does not verify (entry {audit.seq}: {audit.reason})"
    head = (len(entries), entries[-1].hash if entries else None)
    if head != (row.get("audit_count"), row.get("audit_hash")):
        return "its audit trail does not end at the session's audit head"
    by_key = {
        (e.action, e.detail.get(ROW_KEYS[e.action])): e for e in entries if e.action in ROW_KEYS
    }
    for table, action in (("marks", "mark"), ("comments", "comment"), ("verdicts", "verdict"),
                          ("retractions", "retract"), ("signoffs", None)):  # fmt: skip
        for child in payload.get(table, []):
            act = action or str(child.get("action"))
            entry = by_key.get((act, child.get("id")))
            fields = {k: v for k, v in child.items() if k not in ("id", "assessor", "at", "action")}
            if table == "signoffs":  # a sign-off's note, a reopening's reason
                fields = {("note" if act == "sign_off" else "reason"): child.get("note")}
            if (
                entry is None
                or (entry.assessor, entry.at) != (child.get("assessor"), child.get("at"))
                or any(entry.detail.get(k) != v for k, v in fields.items())
            ):
                return f"its {act} {child.get('id')} does not say what its audit entry recorded"
    return None


def import_bundle(store: SessionStore, path: Path, public_key: Any) -> ImportReport:
    """Check the bundle at `path` (`read_bundle`), then write the sessions the store does not
    hold yet, all in one transaction. Raises `BundleError` (nothing written)."""
    body, sessions = read_bundle(path, public_key)
    return import_checked(store, path, body, sessions)


def import_checked(
    store: SessionStore, path: Path, body: dict[str, Any], sessions: list[dict[str, Any]]
) -> ImportReport:
    """`import_bundle` for a bundle `read_bundle` has already checked."""
    ids = [str(p["session"]["id"]) for p in sessions]
    archived = {r.session_id: r for r in LedgerRepo(store).read().rows if r.kind == ARCHIVE}
    for sid in ids:
        if sid in archived:
            raise BundleError(
                f"{path}: session {sid} was archived from this database on "
                f"{archived[sid].at[:10]} (ledger entry {archived[sid].seq}); import the "
                "bundle into another database to read it; nothing was imported"
            )
    present = present_heads(store, ids)
    report = ImportReport()
    new: list[dict[str, Any]] = []
    for sid, payload in zip(ids, sessions, strict=True):
        if sid in present:
            row = payload["session"]
            if present[sid] == (row["header_hash"], row["seal_hash"]):
                report.skipped.append(sid)
                continue
            raise BundleError(
                f"{path}: session {sid} is already in this database with other content (its "
                "header or seal differs); nothing was imported"
            )
        new.append(payload)
    source = f"bundle made {body.get('made_at')} (sha256 {_sha(path.read_bytes())[:16]}…)"
    import_sessions(store, new, at=iso_utc(utc_now()), source=source)
    report.imported.extend(str(p["session"]["id"]) for p in new)
    return report


def scenario_texts(paths: Sequence[Path]) -> dict[str, bytes]:
    """sha256 -> bytes of each readable scenario file."""
    out: dict[str, bytes] = {}
    for p in paths:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        out[_sha(data)] = data
    return out


# -- retention ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionRun:
    cutoff: datetime  # sessions started before this are due
    due: list[str]  # their ids, oldest first
    bundle: Path | None  # where they were archived (None: a dry run, or none due)


def years_before(moment: datetime, years: int) -> datetime:
    """`moment` moved back `years` calendar years (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def run_retention(
    store: SessionStore,
    private_key: Any,
    *,
    years: int,
    archive_dir: Path,
    now: datetime | None = None,
    dry_run: bool = False,
    scenario_texts: Mapping[str, bytes] | None = None,
) -> RetentionRun:
    """Archive the sessions started more than `years` ago: a signed bundle of them written to
    `archive_dir` and read back and checked from there, and only then their removal from the
    live database, recorded in the ledger (app/storage/bundle.py). Raises `BundleError` or
    `OutputFileError` (nothing removed)."""
    from app.assessor.files import write_atomically

    moment = now or utc_now()
    cutoff = years_before(moment, years)
    due = sessions_started_before(store, iso_utc(cutoff))
    if dry_run or not due:
        return RetentionRun(cutoff, due, None)
    data, ids = export_bundle(
        store, private_key, session_ids=due, scenario_texts=scenario_texts, now=moment
    )
    stamp = moment.strftime("%Y-%m-%d")
    target = archive_dir / f"callsim-archive-{stamp}.zip"
    if target.exists():
        target = archive_dir / f"callsim-archive-{stamp}-{moment.strftime('%H%M%S%f')}.zip"
    write_atomically(target, data, what="archive bundle")
    written = target.read_bytes()
    body, sessions = read_bundle(target, private_key.public_key())  # what is on the disk
    if body.get("sessions") != ids or len(sessions) != len(ids) or _sha(written) != _sha(data):
        raise BundleError(
            f"{target}: the archive read back is not the one written; nothing was removed"
        )
    archive_sessions(
        store, ids, bundle=str(target), bundle_sha256=_sha(written), at=iso_utc(moment)
    )
    return RetentionRun(cutoff, ids, target)
