"""`SessionStore`: call sessions as append-only, hash-chained event logs in SQLite.

Durability: the database runs in WAL mode with `synchronous=FULL`, and every `append_event`
is its own committed transaction, so once it returns the event survives a killed process or a
power cut.

Threads: one store holds one connection, shared under a lock, so any thread may call any
method. The intended use is one writer thread (a worker, since each commit waits for the disk
and can take several milliseconds) with the GUI thread doing the short reads; two threads
writing the same session would have to agree on `seq` themselves.

Several processes may open the same file (e.g. two app windows, the assessor's tools): writes
take SQLite's write lock up front (`BEGIN IMMEDIATE`) and wait up to `busy_timeout` seconds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from app.engine.events import CALLER_SAID, TRAINEE_SAID, Event
from app.storage.chain import (
    VerifyResult,
    data_to_json,
    genesis_hash,
    link_hash,
    normalise,
    verify_rows,
)
from app.storage.errors import (
    DataFolderError,
    EventDataError,
    EventOrderError,
    SessionStateError,
    StorageError,
    UnknownSessionError,
    folder_reason,
)
from app.storage.owner import current_owner, is_alive
from app.storage.paths import default_db_path
from app.storage.records import (
    MODES,
    SESSION_COLUMNS,
    STATUSES,
    SessionInfo,
    iso_utc,
    result_fields,
    utc_now,
)
from app.storage.schema import migrate
from app.storage.sql import Tx, fts_query

# Events whose data["text"] is searchable.
SPOKEN_KINDS = frozenset({TRAINEE_SAID, CALLER_SAID})


class SessionStore:
    """Sessions and their events in one SQLite file.

    `path` None means `default_db_path()`; missing directories are created. `clock` gives the
    (timezone-aware) time stamped on sessions; tests and benchmarks pass a fake one.
    Raises `SchemaTooNewError` for a file from a newer callsim, leaving it untouched.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        busy_timeout: float = 10.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataFolderError(self.path.parent, folder_reason(exc)) from exc
        self._clock = clock or utc_now
        self._owner = current_owner()
        self._lock = threading.RLock()
        # isolation_level=None: no implicit transactions; every write below opens its own.
        try:
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise DataFolderError(self.path.parent, folder_reason(exc)) from exc
        try:
            self._db = Database(conn, execute_plugins=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            migrate(self._db, self.path)  # before anything that writes to the file
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            conn.close()
            if "fts5" in str(exc).lower():  # a Python built with an SQLite lacking FTS5
                raise StorageError(
                    f"this Python's SQLite {sqlite3.sqlite_version} has no FTS5 full-text "
                    "search, which callsim's session store needs (docs/deploying.md)"
                ) from exc
            reason = folder_reason(exc)
            if reason != str(exc):  # no permission, read-only, disk full
                raise DataFolderError(self.path.parent, reason) from exc
            raise StorageError(f"cannot open the callsim database {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # not a database, corrupt, locked too long, ...
            conn.close()
            raise StorageError(f"cannot open the callsim database {self.path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        self._closed = False

    # -- writing -------------------------------------------------------------------------

    def start_session(
        self,
        *,
        trainee: str,
        scenario_id: str,
        scenario_sha256: str,
        scenario_title: str,
        mode: str,
    ) -> str:
        """Open a new active session owned by this process; returns its id (uuid4 hex)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        session_id = uuid.uuid4().hex
        row = {
            "id": session_id,
            "trainee": trainee,
            "scenario_id": scenario_id,
            "scenario_sha256": scenario_sha256,
            "scenario_title": scenario_title,
            "mode": mode,
            "started_at": iso_utc(self._clock()),
            "status": "active",
            "owner_pid": self._owner.pid,
            "owner_token": self._owner.token,
            "event_count": 0,
            "last_hash": genesis_hash(session_id),
        }
        with self._transaction() as db:
            db.table("sessions").insert(row)
        return session_id

    def append_event(self, session_id: str, event: Event) -> None:
        """Store the session's next event, committed before returning.

        Raises `EventOrderError` unless `event.seq` is exactly the next seq (0 first),
        `SessionStateError` if the session is not active, `EventDataError` if the event is not
        plain JSON, `UnknownSessionError` for an unknown id.
        """
        self.append_events(session_id, (event,))

    def append_events(self, session_id: str, events: Iterable[Event]) -> None:
        """Store several consecutive events in one transaction: all of them or none."""
        batch = [normalise(event) for event in events]
        with self._transaction() as db:
            row = db.execute(
                "SELECT status, event_count, last_hash FROM sessions WHERE id = ?", [session_id]
            ).fetchone()
            if row is None:
                raise UnknownSessionError(session_id)
            status, count, last_hash = row
            if status != "active":
                raise SessionStateError(session_id, status, "append to")
            for event in batch:
                if event.seq != count:
                    raise EventOrderError(session_id, count, event.seq)
                last_hash = self._insert_event(db, session_id, event, last_hash)
                count += 1
            db.execute(
                "UPDATE sessions SET event_count = ?, last_hash = ? WHERE id = ?",
                [count, last_hash, session_id],
            )

    def finish_session(self, session_id: str, result: Mapping[str, Any] | None) -> None:
        """Close an active session with its scored result (stored as JSON in its own key order:
        the result is built deterministically, and its criteria stay in rubric order)."""
        try:
            result_json = None if result is None else json.dumps(result, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise EventDataError(f"result is not plain JSON: {exc}") from exc
        score, passed = result_fields(result)
        with self._transaction() as db:
            self._require_active(db, session_id, "finish")
            db.execute(
                "UPDATE sessions SET status = 'finished', ended_at = ?, result_json = ?, "
                "score = ?, passed = ? WHERE id = ?",
                [iso_utc(self._clock()), result_json, score, passed, session_id],
            )

    def mark_interrupted(self) -> list[str]:
        """Mark active sessions whose writer process is gone as interrupted; returns their ids.

        Call on app start. Sessions written by this process, or by another live one, are left.
        """
        with self._lock:
            active = self._fetch(
                "SELECT id, owner_pid, owner_token FROM sessions WHERE status = 'active'"
            )
            orphans = [
                sid
                for sid, pid, token in active
                if pid is None or not is_alive(int(pid), token or "")
            ]
            marked: list[str] = []
            if orphans:
                with self._transaction() as db:
                    for sid in orphans:
                        cursor = db.execute(
                            "UPDATE sessions SET status = 'interrupted' "
                            "WHERE id = ? AND status = 'active'",
                            [sid],
                        )
                        if cursor.rowcount:
                            marked.append(sid)
            return marked

    # -- reading -------------------------------------------------------------------------

    def events(self, session_id: str) -> list[Event]:
        """The session's events in seq order (raises `UnknownSessionError` for an unknown id)."""
        rows = self._fetch(
            "SELECT seq, t, kind, data_json FROM events WHERE session_id = ? ORDER BY seq",
            [session_id],
        )
        if not rows and self.session(session_id) is None:
            raise UnknownSessionError(session_id)
        return [Event(seq, t, kind, json.loads(data)) for seq, t, kind, data in rows]

    def session(self, session_id: str) -> SessionInfo | None:
        """The session with this id, or None."""
        rows = self._fetch(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", [session_id])
        return SessionInfo.from_row(rows[0]) if rows else None

    def result(self, session_id: str) -> dict[str, Any] | None:
        """The scored result stored by `finish_session` (None if there is none yet)."""
        rows = self._fetch("SELECT result_json FROM sessions WHERE id = ?", [session_id])
        if not rows:
            raise UnknownSessionError(session_id)
        (result_json,) = rows[0]
        return None if result_json is None else dict(json.loads(result_json))

    def list_sessions(
        self,
        *,
        trainee: str | None = None,
        scenario_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[SessionInfo]:
        """Sessions matching every filter given, newest first (at most `limit` of them)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("trainee", trainee),
            ("scenario_id", scenario_id),
            ("status", status),
        ):
            if value is not None:
                where.append(f"{column} = ?")  # column names are the fixed ones above
                params.append(value)
        sql = f"SELECT {SESSION_COLUMNS} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [SessionInfo.from_row(row) for row in self._fetch(sql, params)]

    def verify(self, session_id: str) -> VerifyResult:
        """Check the session's hash chain: ok, or the first event that does not match."""
        with self._lock:
            db = self._open_db()
            db.conn.execute("BEGIN")  # one snapshot for the head and the events
            try:
                head = db.execute(
                    "SELECT event_count, last_hash FROM sessions WHERE id = ?", [session_id]
                ).fetchone()
                rows = db.execute(
                    "SELECT seq, t, kind, data_json, prev_hash, hash FROM events "
                    "WHERE session_id = ? ORDER BY seq",
                    [session_id],
                ).fetchall()
            finally:
                db.conn.execute("COMMIT")
        if head is None:
            raise UnknownSessionError(session_id)
        return verify_rows(session_id, rows, head[0], head[1])

    def search(self, text: str) -> list[tuple[str, int]]:
        """(session_id, seq) of spoken lines containing every word of `text`, oldest first.

        `text` is taken as plain words (quoted for FTS5), never as query syntax.
        """
        match = fts_query(text)
        if match is None:
            return []
        rows = self._fetch(
            "SELECT session_id, seq FROM event_text WHERE event_text MATCH ? ORDER BY rowid",
            [match],
        )
        return [(str(sid), int(seq)) for sid, seq in rows]

    # -- for the repositories of the other tables (app/storage/*_repo.py) -----------------

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A write transaction under this store's lock, holding SQLite's write lock from the
        start; commits on exit, rolls back on an exception. Hand it to repository writes
        that must land together."""
        with self._transaction() as db:
            yield Tx(db)

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; later calls raise `StorageError`. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _open_db(self) -> Database:
        if self._closed:
            raise StorageError("the session store is closed")
        return self._db

    @contextmanager
    def _transaction(self) -> Iterator[Database]:
        """A write transaction holding SQLite's write lock from the start; commits on exit."""
        with self._lock:
            db = self._open_db()
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.conn.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                raise

    def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one parameterised read query, under this store's lock (the
        repositories of this package read through it too)."""
        with self._lock:
            return list(self._open_db().execute(sql, list(params)).fetchall())

    @staticmethod
    def _require_active(db: Database, session_id: str, action: str) -> None:
        row = db.execute("SELECT status FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise UnknownSessionError(session_id)
        if row[0] != "active":
            raise SessionStateError(session_id, row[0], action)

    @staticmethod
    def _insert_event(db: Database, session_id: str, event: Event, prev_hash: str) -> str:
        event_hash = link_hash(prev_hash, event)
        db.execute(
            "INSERT INTO events (session_id, seq, t, kind, data_json, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                session_id,
                event.seq,
                event.t,
                event.kind,
                data_to_json(event.data),
                prev_hash,
                event_hash,
            ],
        )
        text = event.data.get("text")
        if event.kind in SPOKEN_KINDS and isinstance(text, str) and text:
            db.execute(
                "INSERT INTO event_text (text, session_id, seq) VALUES (?, ?, ?)",
                # The index is for finding lines; a lone surrogate must not block the event.
                [text.encode("utf-8", "replace").decode("utf-8"), session_id, event.seq],
            )
        return event_hash
