"""The outbox: a PC's finished and interrupted sessions sent to the central store, once each.

Each session goes in one PostgreSQL transaction: its scenario text (content-addressed, stored
once), its row, its events with their chain hashes, and a `received` entry. The session id is
the key: a session already there is not inserted again (ON CONFLICT DO NOTHING), and what is
there is compared with what would have been sent: identical counts as sent, anything else is
a conflict, reported and not marked. A dropped connection rolls the transaction back, so
nothing is ever half-sent; the run stops and the next one sends what is left.

What was sent is noted in a small SQLite file of the outbox's own beside the store
(`<store>.outbox.sqlite`), after the server has committed: the session store's sealed tables
are never written. A crash between the two only means the next run finds the session there,
identical, and notes it. The store is read through `SessionStore`'s public reads only
(`list_sessions`, `record`, `events`, `verify`); the event hashes sent are recomputed from the
events with `app.storage.chain` and must end at the stored head, which `verify` has checked.
"""

from __future__ import annotations

import hashlib
import socket
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.central.errors import CentralError, CentralUnreachableError, SessionConflictError
from app.central.schema import SCHEMA_VERSION, schema_version
from app.storage import SessionStore
from app.storage.audit_repo import AuditRepo
from app.storage.chain import HEADER_FIELDS, data_to_json, genesis_hash, link_hash
from app.storage.records import iso_utc, utc_now

SENDABLE = ("finished", "interrupted")
ScenarioTexts = Callable[[str, str], bytes | None]  # (scenario id, sha256) -> the file's bytes
Step = Callable[[str, Any], None]  # a test seam: (step name, the PG connection)

# The session columns sent, in this order (the central `sessions` table, less `source` and
# `received_at`, which the server side sets).
SESSION_FIELDS = (
    *HEADER_FIELDS,  # the sealed header, as `chain.header_hash` names it
    "status",
    "ended_at",
    "result_json",
    "score",
    "passed",
    "event_count",
    "last_hash",
    "header_hash",
    "seal_hash",
)
_INSERT_SESSION = (
    f"INSERT INTO sessions ({', '.join(SESSION_FIELDS)}, source) "
    f"VALUES ({', '.join(['%s'] * (len(SESSION_FIELDS) + 1))}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)
_SELECT_SESSION = f"SELECT {', '.join(SESSION_FIELDS)} FROM sessions WHERE id = %s"
_INSERT_EVENT = (
    "INSERT INTO events (session_id, seq, t, kind, data_json, prev_hash, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_SELECT_EVENTS = (
    "SELECT session_id, seq, t, kind, data_json, prev_hash, hash FROM events "
    "WHERE session_id = %s ORDER BY seq"
)

EventRow = tuple[str, int, float, str, str, str, str]


@dataclass(frozen=True)
class Payload:
    """Everything sent for one session."""

    session: tuple[Any, ...]  # SESSION_FIELDS, in order
    events: list[EventRow]
    scenario_text: bytes | None

    @property
    def session_id(self) -> str:
        return str(self.session[0])


@dataclass
class SyncReport:
    """What one `Outbox.sync` did."""

    sent: list[str] = field(default_factory=list)  # stored centrally by this run
    already: list[str] = field(default_factory=list)  # found there, identical (noted as sent)
    problems: list[str] = field(default_factory=list)  # conflicts, unverifiable sessions
    no_text: list[str] = field(default_factory=list)  # sent without their scenario text
    left: int = 0  # not attempted because the connection was lost
    error: str | None = None  # the connection failure that stopped the run
    audit: int = 0  # assessors' audit entries stored centrally by this run

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None


class SentLog:
    """The outbox's own note of what reached the central store (one small SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS sent (session_id TEXT PRIMARY KEY, "
            "seal_hash TEXT NOT NULL, outcome TEXT NOT NULL, sent_at TEXT NOT NULL)"
        )
        self._conn.execute(  # the assessors' audit entries: the head sent, per session
            "CREATE TABLE IF NOT EXISTS audit_sent (session_id TEXT PRIMARY KEY, "
            "audit_count INTEGER NOT NULL, audit_hash TEXT NOT NULL, sent_at TEXT NOT NULL)"
        )

    def audit_heads(self) -> dict[str, tuple[int, str]]:
        """The audit head last sent of each session (its entries up to it are central)."""
        rows = self._conn.execute("SELECT session_id, audit_count, audit_hash FROM audit_sent")
        return {str(r[0]): (int(r[1]), str(r[2])) for r in rows}

    def note_audit(self, session_id: str, count: int, head: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO audit_sent (session_id, audit_count, audit_hash, sent_at) "
            "VALUES (?, ?, ?, ?)",
            [session_id, count, head, iso_utc(utc_now())],
        )

    def sent_ids(self) -> set[str]:
        return {str(r[0]) for r in self._conn.execute("SELECT session_id FROM sent")}

    def note(self, session_id: str, seal_hash: str, outcome: str) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO sent (session_id, seal_hash, outcome, sent_at) "
            "VALUES (?, ?, ?, ?)",
            [session_id, seal_hash, outcome, iso_utc(utc_now())],
        )

    def close(self) -> None:
        self._conn.close()


def file_texts(paths: Iterable[Path]) -> ScenarioTexts:
    """Scenario texts found by sha256 among the files `paths` (read when first asked for)."""
    found: dict[str, bytes] | None = None

    def text(scenario_id: str, sha256: str) -> bytes | None:
        nonlocal found
        if found is None:
            found = {}
            for path in paths:
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    continue
                found.setdefault(hashlib.sha256(data).hexdigest(), data)
        return found.get(sha256)

    return text


def folder_texts(folders: Iterable[Path]) -> ScenarioTexts:
    """Scenario texts found by sha256 among the *.yaml files of `folders`."""
    return file_texts(p for folder in folders for p in sorted(Path(folder).glob("*.yaml")))


def read_payload(store: SessionStore, session_id: str, texts: ScenarioTexts) -> Payload:
    """One sealed session as it will be sent; `CentralError` if its chain does not verify."""
    rec = store.record(session_id)
    if rec is None:
        raise CentralError(f"session {session_id}: not in {store.path}")
    if rec.status not in SENDABLE or rec.seal_hash is None:
        raise CentralError(f"session {session_id}: still {rec.status}, not sealed; not sent")
    check = store.verify(session_id)
    if not check.ok:
        raise CentralError(
            f"session {session_id}: its event log does not verify ({check.reason} at event "
            f"{check.seq}); not sent. Run `callsim verify {session_id}` on {store.path}"
        )
    events = store.events(session_id)
    rows: list[EventRow] = []
    prev = genesis_hash(session_id)
    for event in events:
        digest = link_hash(prev, event)
        rows.append(
            (
                session_id,
                event.seq,
                float(event.t),
                event.kind,
                data_to_json(event.data),
                prev,
                digest,
            )
        )
        prev = digest
    if prev != rec.last_hash or len(rows) != rec.event_count:
        raise CentralError(f"session {session_id}: its events do not end at its stored head")
    session = (
        rec.id,
        rec.trainee,
        rec.scenario_id,
        rec.scenario_sha256,
        rec.scenario_title,
        rec.mode,
        rec.started_at,
        rec.callsim_version,
        rec.status,
        rec.ended_at,
        rec.result_json,
        None if rec.score is None else float(rec.score),
        None if rec.passed is None else bool(rec.passed),
        int(rec.event_count),
        rec.last_hash,
        rec.header_hash,
        rec.seal_hash,
    )
    text = texts(str(rec.scenario_id), str(rec.scenario_sha256))
    if text is not None and hashlib.sha256(text).hexdigest() != rec.scenario_sha256:
        text = None
    return Payload(session, rows, text)


def _no_texts(scenario_id: str, sha256: str) -> bytes | None:
    return None


def connect(conninfo: str, timeout: float = 10.0) -> Any:
    """A psycopg connection (autocommit: each send opens its own transaction), or
    `CentralUnreachableError` naming the server."""
    try:
        import psycopg
    except ImportError as exc:
        raise CentralError(
            "the central store needs the psycopg package: pip install 'callsim[central]'"
        ) from exc

    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=max(1, int(timeout)))
    except psycopg.Error as exc:
        where = _where(conninfo)
        raise CentralUnreachableError(
            f"cannot reach the central store {where}: {_reason(exc)}. Check the [store] url in the "
            "machine configuration (`callsim config`) and that the server is up"
        ) from exc


def _reason(exc: BaseException) -> str:
    """libpq's reason, without its preamble ('connection to server at ... failed: ')."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0].rsplit("failed: ", 1)[-1].rstrip(".?")


def _where(conninfo: str) -> str:
    """The server named by `conninfo`, without any password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(conninfo)
    except Exception:
        return "(unreadable connection setting)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    db = parts.get("dbname") or parts.get("user") or ""
    return f"{host}:{port}/{db}"


class Outbox:
    """Sends the sealed sessions of `store` that have not been sent yet to the central store
    at `conninfo` (a libpq connection string or postgresql:// URL).

    `scenario_texts` finds a played scenario's bytes by sha256 (e.g. `folder_texts`); `source`
    names this PC in the central log (default: the host name). `on_step` is a test seam,
    called between the statements of a send with the step's name and the connection.
    """

    def __init__(
        self,
        store: SessionStore,
        conninfo: str,
        *,
        sent_log: Path | None = None,
        scenario_texts: ScenarioTexts | None = None,
        source: str | None = None,
        on_step: Step | None = None,
    ) -> None:
        self.store = store
        self.conninfo = conninfo
        self.sent_log_path = sent_log or store.path.with_name(store.path.stem + ".outbox.sqlite")
        self._texts = scenario_texts or _no_texts
        self.source = source or socket.gethostname()
        self._on_step = on_step
        self._log = SentLog(self.sent_log_path)

    def close(self) -> None:
        self._log.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pending(self) -> list[str]:
        """Sealed sessions not yet sent, oldest first."""
        sent = self._log.sent_ids()
        sessions = [
            s
            for status in SENDABLE
            for s in self.store.list_sessions(status=status)
            if s.id not in sent
        ]
        sessions.sort(key=lambda s: s.started_at)
        return [s.id for s in sessions]

    def sync(self) -> SyncReport:
        """Send every pending session; stops at a lost connection (the rest wait for the next
        run). Raises `CentralUnreachableError` when the server cannot be reached at all."""
        import psycopg

        report = SyncReport()
        todo = self.pending()
        if not todo and not self._audit_waiting():
            return report
        conn = connect(self.conninfo)
        try:
            version = schema_version(conn)
            if version != SCHEMA_VERSION:
                raise CentralError(
                    f"the central store {_where(self.conninfo)} is at schema {version}, this "
                    f"callsim needs {SCHEMA_VERSION}: ask IT to migrate it (docs/central.md)"
                )
            for n, session_id in enumerate(todo):
                try:
                    payload = read_payload(self.store, session_id, self._texts)
                except CentralError as exc:
                    report.problems.append(str(exc))
                    continue
                try:
                    outcome = self.send(conn, payload)
                except SessionConflictError as exc:
                    report.problems.append(str(exc))
                    continue
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    report.left = len(todo) - n
                    report.error = (
                        f"the connection to the central store {_where(self.conninfo)} was "
                        f"lost ({str(exc).strip() or type(exc).__name__}); nothing of session "
                        f"{session_id} was kept there, and {report.left} session(s) wait for "
                        "the next sync"
                    )
                    break
                self._log.note(session_id, str(payload.session[-1]), outcome)
                (report.sent if outcome == "sent" else report.already).append(session_id)
                if payload.scenario_text is None:
                    report.no_text.append(session_id)
            if report.error is None:
                self._sync_audit(conn, report)
        finally:
            conn.close()
        return report

    def _audit_heads(self) -> dict[str, tuple[int, str]]:
        """The audit head of each sent session whose entries are not all noted as sent."""
        sent = self._log.sent_ids()
        noted = self._log.audit_heads()
        waiting = {}
        for sid in sorted(sent):
            rec = self.store.record(sid)
            if rec is None or not rec.audit_count:
                continue
            head = (int(rec.audit_count), str(rec.audit_hash))
            if noted.get(sid) != head:
                waiting[sid] = head
        return waiting

    def _audit_waiting(self) -> bool:
        return bool(self._audit_heads())

    def _sync_audit(self, conn: Any, report: SyncReport) -> None:
        """Send the audit entries of sent sessions that the central store does not hold yet,
        each session's in one transaction with its head; stops at a lost connection."""
        import psycopg

        local = self._audit_heads()
        if not local:
            return
        rows = conn.execute(
            "SELECT id, audit_count, audit_hash FROM sessions WHERE id = ANY(%s)", [list(local)]
        ).fetchall()
        central = {str(r[0]): (int(r[1]), r[2]) for r in rows}
        for sid, (count, head) in local.items():
            there = central.get(sid)
            if there is None:
                continue  # not there: a conflict, reported above
            try:
                if there != (count, head):
                    report.audit += self._send_audit(conn, sid, count, head)
                self._log.note_audit(sid, count, head)
            except CentralError as exc:
                report.problems.append(str(exc))
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                report.error = (
                    f"the connection to the central store {_where(self.conninfo)} was lost "
                    f"({str(exc).strip() or type(exc).__name__}) while sending the audit "
                    f"entries of session {sid}; nothing of them was kept, and they wait for "
                    "the next sync"
                )
                return

    def _send_audit(self, conn: Any, sid: str, count: int, head: str) -> int:
        """One session's new audit entries and its head, in one transaction."""
        rows = AuditRepo(self.store).rows(sid)
        if len(rows) != count or rows[-1].hash != head:
            raise CentralError(
                f"session {sid}: its audit trail does not end at its recorded head; not sent. "
                f"Run `callsim verify {sid}` on {self.store.path}"
            )
        step = self._on_step or (lambda name, c: None)
        with conn.transaction():
            locked = conn.execute(
                "SELECT audit_count, audit_hash FROM sessions WHERE id = %s FOR UPDATE", [sid]
            ).fetchone()
            done, done_hash = int(locked[0]), locked[1]
            if done > count or (done and rows[done - 1].hash != done_hash):
                raise CentralError(
                    f"session {sid}: the central store holds a different audit trail for it; "
                    "nothing was sent for it"
                )
            new = rows[done:]
            if not new:
                return 0
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, "
                    "prev_hash, hash, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (r.session_id, r.seq, r.action, r.detail_json, r.assessor, r.at,
                         r.prev_hash, r.hash, self.source)
                        for r in new
                    ],
                )  # fmt: skip
            step("audit", conn)
            conn.execute(
                "UPDATE sessions SET audit_count = %s, audit_hash = %s WHERE id = %s",
                [count, head, sid],
            )
            step("audit head", conn)
        return len(new)

    def send(self, conn: Any, payload: Payload) -> str:
        """Store one session in one transaction: "sent", or "already" when the central store
        holds it identically; `SessionConflictError` when it holds something else."""
        step = self._on_step or (lambda name, c: None)
        with conn.transaction():
            if payload.scenario_text is not None:
                sha = payload.session[SESSION_FIELDS.index("scenario_sha256")]
                conn.execute(
                    "INSERT INTO scenario_texts (sha256, content) VALUES (%s, %s) "
                    "ON CONFLICT (sha256) DO NOTHING",
                    [sha, payload.scenario_text],
                )
            step("text", conn)
            inserted = conn.execute(_INSERT_SESSION, [*payload.session, self.source]).fetchone()
            step("session", conn)
            if inserted is None:
                _check_same(conn, payload)
                return "already"
            with conn.cursor() as cur:
                cur.executemany(_INSERT_EVENT, payload.events)
            step("events", conn)
            conn.execute(
                "INSERT INTO received (session_id, source) VALUES (%s, %s)",
                [payload.session_id, self.source],
            )
            step("received", conn)
        return "sent"


def _check_same(conn: Any, payload: Payload) -> None:
    """`SessionConflictError` unless the central copy equals `payload` (row and events)."""
    row = conn.execute(_SELECT_SESSION, [payload.session_id]).fetchone()
    for name, theirs, ours in zip(SESSION_FIELDS, row, payload.session, strict=True):
        if theirs != ours:
            raise SessionConflictError(payload.session_id, name)
    events: Sequence[tuple[Any, ...]] = conn.execute(
        _SELECT_EVENTS, [payload.session_id]
    ).fetchall()
    if [tuple(e) for e in events] != payload.events:
        raise SessionConflictError(payload.session_id, "events")


def central_events(conn: Any, session_id: str) -> list[tuple[int, float, str, str, str, str]]:
    """The rows `app.storage.chain.verify_rows` checks, as the central store holds them."""
    rows = conn.execute(_SELECT_EVENTS, [session_id]).fetchall()
    return [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def central_head(conn: Any, session_id: str) -> tuple[int, str] | None:
    """(event_count, last_hash) of a session in the central store, or None."""
    row = conn.execute(
        "SELECT event_count, last_hash FROM sessions WHERE id = %s", [session_id]
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
