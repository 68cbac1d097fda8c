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
import logging
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from app import __version__
from app.engine.events import CALLER_SAID, TRAINEE_SAID, Event
from app.storage.chain import (
    VerifyResult,
    data_to_json,
    genesis_hash,
    header_hash,
    link_hash,
    normalise,
    seal_hash,
    verify_rows,
)
from app.storage.errors import (
    DatabaseFileError,
    DataFolderError,
    EventDataError,
    EventOrderError,
    SchemaTooNewError,
    SessionStateError,
    StorageError,
    UnknownSessionError,
    database_problem,
    folder_reason,
)
from app.storage.journal import Journal, RecoveryPlan, journal_sessions, read_journal, recovery_plan
from app.storage.ledger import RECOVERED, SEAL, SESSION, append_entry
from app.storage.owner import Owner, current_owner, is_alive
from app.storage.paths import default_db_path
from app.storage.records import (
    MODES,
    RECORD_COLUMNS,
    SESSION_COLUMNS,
    STATUSES,
    SessionInfo,
    SessionRecord,
    iso_utc,
    result_fields,
    utc_now,
)
from app.storage.schema import SCHEMA_VERSION, migrate, schema_version, seal_detail, searched_text
from app.storage.sql import Tx, fts_query
from app.text.clean import clean

_log = logging.getLogger(__name__)

# A session whose writer runs on another host is taken for dead only when its heartbeat is
# older than this. The recorder beats at least every LEASE_SECONDS / 4 during a call.
LEASE_SECONDS = 120.0

# Events whose data["text"] is searchable.
SPOKEN_KINDS = frozenset({TRAINEE_SAID, CALLER_SAID})

_READ_ADVICE = (
    "Ask IT to give this account read access to the file, or copy it to a folder this "
    "account can read and point CALLSIM_DATA_DIR at that folder"
)


class SessionStore:
    """Sessions and their events in one SQLite file.

    `path` None means `default_db_path()`; missing directories are created. `clock` gives the
    (timezone-aware) time stamped on sessions; tests and benchmarks pass a fake one.
    Raises `SchemaTooNewError` for a file from a newer callsim, leaving it untouched.

    `owner` is the writer recorded on the sessions it starts (default: this process on this
    host); `lease_clock` stamps its heartbeats (`LEASE_SECONDS`).

    `readonly=True` opens an existing file for reading only (`callsim verify`, `report`,
    `export`, an evidence copy on read-only media): nothing is ever written to it or beside
    it (see `_connect_readonly`); a file from an older callsim is upgraded in memory.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        busy_timeout: float = 10.0,
        readonly: bool = False,
        owner: Owner | None = None,
        lease_clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.readonly = readonly
        self.upgraded_in_memory: int | None = None  # the file's schema, if upgraded in memory
        self._clock = clock or utc_now
        self._owner = owner or current_owner()
        # The lease's heartbeat is not part of any record: its own clock (tests fake it).
        self._lease_clock = lease_clock or utc_now
        # Fault-injection seam (tests): called inside every write transaction; an SQLite error
        # it raises is handled as one from the file (e.g. "database or disk is full").
        self.write_fault: Callable[[], None] | None = None
        self._lock = threading.RLock()
        self._snapshot_dir: tempfile.TemporaryDirectory[str] | None = None
        if readonly:
            conn = self._connect_readonly(busy_timeout)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataFolderError(self.path.parent, folder_reason(exc)) from exc
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
            if readonly:
                conn = self._upgrade_in_memory(conn)
                self._db = Database(conn, execute_plugins=False)
            else:
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
            if not readonly:
                reason = folder_reason(exc)
                if reason in ("permission denied", "it is read-only", "the disk is full"):
                    raise DataFolderError(self.path.parent, reason) from exc
            raise self._file_error(exc, "open") from exc
        except sqlite3.DatabaseError as exc:  # not a database, corrupt, locked too long, ...
            conn.close()
            raise self._file_error(exc, "open") from exc
        except BaseException:
            conn.close()
            self._drop_snapshot()
            raise
        self._closed = False

    def _file_error(self, exc: sqlite3.Error, action: str) -> StorageError:
        """The located error for an SQLite failure on this file."""
        problem = database_problem(exc)
        if problem is None:
            return StorageError(f"{self.path}: cannot {action} the callsim database: {exc}")
        return DatabaseFileError(self.path, problem[0], problem[1], action=action)

    def _connect_readonly(self, busy_timeout: float) -> sqlite3.Connection:
        """A connection that writes nothing to the file or beside it.

        - No `-wal` file beside it (nothing open in WAL mode, everything is in the file, as
          for a copy taken after callsim closed it): `immutable=1`, which reads the file
          alone, takes no locks and creates nothing.
        - A `-wal` and a `-shm` beside it (a database in use, e.g. the app is running):
          `mode=ro`, which shares it safely with the writer and sees its latest changes.
        - A `-wal` without its `-shm` (a copy taken while callsim was running), or a live
          one on a medium `mode=ro` cannot open: both files are copied to a private
          temporary folder and read there, so no change is missed and nothing is added.
        """
        if not self.path.is_file():
            reason = "there is no such file" if not self.path.exists() else "it is not a file"
            raise DatabaseFileError(
                self.path, reason, "Check the path (CALLSIM_DATA_DIR)", action="read"
            )
        try:
            with open(self.path, "rb"):
                pass
        except OSError as exc:
            raise DatabaseFileError(
                self.path, folder_reason(exc), _READ_ADVICE, action="read"
            ) from exc

        def connect(target: Path, flags: str) -> sqlite3.Connection:
            uri = f"{target.resolve().as_uri()}?{flags}"
            conn = sqlite3.connect(
                uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                conn.close()
                raise
            return conn

        wal = self.path.with_name(self.path.name + "-wal")
        shm = self.path.with_name(self.path.name + "-shm")
        try:
            if not wal.exists():
                return connect(self.path, "immutable=1")
            if shm.exists():
                try:
                    return connect(self.path, "mode=ro")
                except sqlite3.DatabaseError as exc:
                    problem = database_problem(exc)
                    if problem is None or problem[0] not in (
                        "permission denied",
                        "it is read-only",
                    ):
                        raise
        except sqlite3.DatabaseError as exc:
            raise self._file_error(exc, "read") from exc
        self._snapshot_dir = tempfile.TemporaryDirectory(prefix="callsim-readonly-")
        copy = Path(self._snapshot_dir.name) / self.path.name
        try:
            shutil.copyfile(self.path, copy)
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            return connect(copy, "mode=ro")
        except OSError as exc:
            self._drop_snapshot()
            raise DatabaseFileError(
                self.path, folder_reason(exc), _READ_ADVICE, action="read"
            ) from exc
        except sqlite3.DatabaseError as exc:
            self._drop_snapshot()
            raise self._file_error(exc, "read") from exc

    def _upgrade_in_memory(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """`conn` itself when its schema is current; else a copy in memory, upgraded there
        (the file is never written). Raises `SchemaTooNewError` for a newer file."""
        found = schema_version(Database(conn, execute_plugins=False))
        if found > SCHEMA_VERSION:
            raise SchemaTooNewError(self.path, found, SCHEMA_VERSION)
        if found == SCHEMA_VERSION:
            return conn
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.backup(memory)
        conn.close()
        self._drop_snapshot()
        memory.execute("PRAGMA foreign_keys = ON")
        migrate(Database(memory, execute_plugins=False), self.path)
        self.upgraded_in_memory = found
        return memory

    def _drop_snapshot(self) -> None:
        if self._snapshot_dir is not None:
            self._snapshot_dir.cleanup()
            self._snapshot_dir = None

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
        started = iso_utc(self._clock())
        header = {
            "id": session_id,
            "trainee": clean(trainee),  # as the engine stores typed text: NFC, no controls
            "scenario_id": scenario_id,
            "scenario_sha256": scenario_sha256,
            "scenario_title": scenario_title,
            "mode": mode,
            "started_at": started,
            "callsim_version": __version__,
        }
        head = header_hash(header)
        row = {
            **header,
            "status": "active",
            "owner_pid": self._owner.pid,
            "owner_token": self._owner.token,
            "owner_host": self._owner.host,
            "heartbeat_at": iso_utc(self._lease_clock()),
            "event_count": 0,
            "last_hash": genesis_hash(session_id),
            "header_hash": head,
        }
        with self._transaction() as db:
            db.table("sessions").insert(row)
            detail = {"header": header, "header_hash": head}
            append_entry(Tx(db), SESSION, session_id, detail, started)
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
            self._append_in(db, session_id, batch)

    def _append_in(self, db: Database, session_id: str, batch: list[Event]) -> None:
        """Append normalised events inside the write transaction `db` (see `append_events`)."""
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
            "UPDATE sessions SET event_count = ?, last_hash = ?, heartbeat_at = ? WHERE id = ?",
            [count, last_hash, iso_utc(self._lease_clock()), session_id],
        )

    def heartbeat(self, session_id: str) -> None:
        """Renew this writer's lease on an active session (the recorder calls it during long
        silences; every stored event renews it too). A session no longer active is left."""
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET heartbeat_at = ? WHERE id = ? AND status = 'active'",
                [iso_utc(self._lease_clock()), session_id],
            )

    def _orphaned(self, pid: int | None, token: str, host: str | None, beat: str | None) -> bool:
        """Is the writer of an active session gone? On this host (or for a session from
        before leases), its process decides; on another host, its heartbeat's age."""
        if not host or host == self._owner.host:
            return pid is None or not is_alive(int(pid), token)
        if beat is None:
            return True
        try:
            last = datetime.fromisoformat(beat)
        except ValueError:
            return True
        age = (self._lease_clock() - last).total_seconds()
        # Far in the future is as good as none: a wrong clock (or an edit) cannot pin it live.
        return age > LEASE_SECONDS or age < -LEASE_SECONDS

    def finish_session(self, session_id: str, result: Mapping[str, Any] | None) -> None:
        """Close an active session with its scored result (stored as JSON in its own key order:
        the result is built deterministically, and its criteria stay in rubric order)."""
        ended = iso_utc(self._clock())
        with self._transaction() as db:
            self._require_active(db, session_id, "finish")
            self._finish_in(db, session_id, result, ended)

    def _finish_in(
        self, db: Database, session_id: str, result: Mapping[str, Any] | None, ended: str
    ) -> None:
        """Seal an active session as finished with `result`, inside the transaction `db`."""
        try:
            result_json = None if result is None else json.dumps(result, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise EventDataError(f"result is not plain JSON: {exc}") from exc
        score, passed = result_fields(result)
        seal = self._seal(db, session_id, "finished", ended, result_json)
        db.execute(
            "UPDATE sessions SET status = 'finished', ended_at = ?, result_json = ?, "
            "score = ?, passed = ?, seal_hash = ? WHERE id = ?",
            [ended, result_json, score, passed, seal, session_id],
        )

    def mark_interrupted(self) -> list[str]:
        """Mark active sessions whose writer process is gone as interrupted; returns their ids.

        Call on app start. Sessions written by this process, or by another live one, are left:
        a writer on this host is gone when its process is; one on another host (a second
        machine sharing the file) when its heartbeat is older than `LEASE_SECONDS`.

        A dead session's side journals (`app/storage/journal.py`) are read back first: what
        the database lacks of what was shown is appended, in the same transaction as the
        seal, with a ledger entry saying so; a score kept aside (the call had ended) finishes
        it instead (not in the returned ids). The files go once that is committed. Journals
        of sessions no longer active that the database already holds are removed.
        """
        with self._lock:
            active = self._fetch(
                "SELECT id, owner_pid, owner_token, owner_host, heartbeat_at FROM sessions "
                "WHERE status = 'active'"
            )
            live = {str(row[0]) for row in active}
            orphans = [
                sid
                for sid, pid, token, host, beat in active
                if self._orphaned(pid, token or "", host, beat)
            ]
            journals = self._journals()
            marked: list[str] = []
            for sid in orphans:
                status = self._close_orphan(sid, journals.pop(sid, []))
                if status == "interrupted":
                    marked.append(sid)
            for sid, files in journals.items():
                if sid not in live:
                    self._tidy_journals(sid, files)
            return marked

    def _journals(self) -> dict[str, list[Path]]:
        try:
            return journal_sessions(self.path)
        except OSError as exc:  # an unreadable folder: recovery waits for the next start
            _log.warning("cannot look for side journals beside %s: %s", self.path, exc)
            return {}

    def _close_orphan(self, sid: str, files: list[Path]) -> str | None:
        """Recover a dead session's side journals and seal it; its new status (None: it was
        no longer active). A recovery that fails leaves the files and seals it as it is."""
        journals = [read_journal(path) for path in files]
        plan: RecoveryPlan | None = None
        status: str | None = None
        failed = False
        if journals:
            try:
                with self._transaction() as db:
                    plan, status = self._recover_in(db, sid, journals)
            except DatabaseFileError as exc:  # the file cannot take it now (a full disk)
                _log.warning(
                    "session %s: its side journal cannot be added yet, so it stays unsealed "
                    "and is tried again when callsim next opens the file: %s",
                    sid,
                    exc,
                )
                return None
            except (StorageError, ValueError) as exc:
                _log.warning("could not recover session %s from its side journal: %s", sid, exc)
                failed = True
        if plan is None:
            with self._transaction() as db:
                row = db.execute("SELECT status FROM sessions WHERE id = ?", [sid]).fetchone()
                if row is None or row[0] != "active":
                    return None  # finished meanwhile by its writer
                seal = self._seal(db, sid, "interrupted", None, None)
                db.execute(
                    "UPDATE sessions SET status = 'interrupted', seal_hash = ? WHERE id = ?",
                    [seal, sid],
                )
            if not failed:
                self._tidy_journals(sid, files)  # the database held it all already
            return "interrupted"
        _log.warning(
            "session %s: recovered %d events%s from its side journal (%s)%s%s",
            sid,
            len(plan.events),
            " and its score" if status == "finished" else "",
            ", ".join(p.name for p in files),
            f"; {plan.unshown} queued caller lines never shown were left out"
            if plan.unshown
            else "",
            f"; problems: {'; '.join(plan.problems)}" if plan.problems else "",
        )
        if plan.complete and not plan.problems:
            for path in files:
                path.unlink(missing_ok=True)  # only now that the database has it
        return status

    def _recover_in(
        self, db: Database, sid: str, journals: list[Journal]
    ) -> tuple[RecoveryPlan | None, str | None]:
        row = db.execute(
            "SELECT status, event_count, result_json FROM sessions WHERE id = ?", [sid]
        ).fetchone()
        if row is None or row[0] != "active":
            return None, None
        count, has_result = int(row[1]), row[2] is not None
        last = db.execute(
            "SELECT t FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1", [sid]
        ).fetchone()
        plan = recovery_plan(journals, count, None if last is None else float(last[0]))
        batch = [normalise(event) for event in plan.events]
        self._append_in(db, sid, batch)
        finish = plan.result is not None and not has_result and plan.complete
        if not batch and not finish and not plan.problems:
            return None, None  # the database holds it all already: nothing was recovered
        detail = {
            "files": [j.path.name for j in journals],
            "events": len(batch),
            "from_seq": count,
            "unshown": plan.unshown,
            "result": finish,
            "problems": plan.problems,
        }
        append_entry(Tx(db), RECOVERED, sid, detail, iso_utc(self._clock()))
        if finish:
            self._finish_in(db, sid, plan.result, plan.kept_at or iso_utc(self._clock()))
            return plan, "finished"
        seal = self._seal(db, sid, "interrupted", None, None)
        db.execute(
            "UPDATE sessions SET status = 'interrupted', seal_hash = ? WHERE id = ?", [seal, sid]
        )
        return plan, "interrupted"

    def _tidy_journals(self, sid: str, files: list[Path]) -> None:
        """Side journals of a session no longer active: removed if the database holds all
        they do (a recovery whose files could not be removed), else left and logged."""
        rows = self._fetch(
            "SELECT event_count, result_json, status FROM sessions WHERE id = ?", [sid]
        )
        if not rows or rows[0][2] == "active":
            return  # not a session of this file, or one its writer is still recording
        count, result_json = int(rows[0][0]), rows[0][1]
        journals = [read_journal(path) for path in files]
        beyond = any(seq >= count for j in journals for seq in j.events)
        lost_result = result_json is None and any(j.result is not None for j in journals)
        if beyond or lost_result or any(j.problems for j in journals):
            _log.warning(
                "session %s is sealed but its side journal (%s) holds what its record lacks: "
                "keep the file for the trainer",
                sid,
                ", ".join(p.name for p in files),
            )
            return
        for path in files:
            path.unlink(missing_ok=True)

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
        heads, rows = self._snapshot(  # one snapshot for the head and the events
            ("SELECT event_count, last_hash FROM sessions WHERE id = ?", [session_id]),
            (
                "SELECT seq, t, kind, data_json, prev_hash, hash FROM events "
                "WHERE session_id = ? ORDER BY seq",
                [session_id],
            ),
        )
        if not heads:
            raise UnknownSessionError(session_id)
        head = heads[0]
        return verify_rows(session_id, rows, head[0], head[1])

    # -- reading for `callsim verify` ------------------------------------------------------

    def record(self, session_id: str) -> SessionRecord | None:
        """The session's row exactly as stored, heads included (None if there is none)."""
        rows = self._fetch(f"SELECT {RECORD_COLUMNS} FROM sessions WHERE id = ?", [session_id])
        return SessionRecord(*rows[0]) if rows else None

    def session_ids(self) -> list[str]:
        """Every session id in the file, oldest first."""
        return [str(r[0]) for r in self._fetch("SELECT id FROM sessions ORDER BY started_at, id")]

    def indexed_lines(self, session_id: str) -> list[tuple[int, str]]:
        """(seq, text) of the session's lines in the search index, in seq order."""
        rows = self._fetch(
            "SELECT seq, text FROM event_text WHERE session_id = ? ORDER BY seq, rowid",
            [session_id],
        )
        return [(int(seq), str(text)) for seq, text in rows]

    def integrity_problems(self, limit: int = 5) -> list[str]:
        """What SQLite's own integrity check finds wrong with the file (empty when sound)."""
        rows = self._fetch(f"PRAGMA integrity_check({int(limit) + 1})")
        found = [line for r in rows for line in str(r[0]).splitlines()]
        if found == ["ok"]:
            return []
        return [line for line in found if not line.startswith("*** in database")][:limit]

    def search_index_problem(self) -> str | None:
        """What the full-text index's own integrity check finds, or None when it is sound.

        FTS5 runs that check as a write, so it runs on a copy of the index in a private
        in-memory database: the file is only read (a read-only copy can be checked too)."""
        with self._lock:
            db = self._open_db()
            memory = sqlite3.connect(":memory:", isolation_level=None)
            try:
                (sql,) = db.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'event_text'"
                ).fetchone()
                memory.execute(sql)  # the index's own definition, as the file holds it
                for part in ("data", "idx", "content", "docsize", "config"):
                    shadow = f"event_text_{part}"  # FTS5's own table names, fixed
                    rows = db.execute(f"SELECT * FROM {shadow}").fetchall()
                    memory.execute(f"DELETE FROM {shadow}")
                    if rows:
                        marks = ", ".join("?" * len(rows[0]))
                        memory.executemany(f"INSERT INTO {shadow} VALUES ({marks})", rows)
                memory.execute("INSERT INTO event_text (event_text) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problem = database_problem(exc)
                if problem is not None and not problem[0].startswith("it is damaged"):
                    raise self._file_error(exc, "read") from exc
                return str(exc)
            finally:
                memory.close()
        return None

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
                self._drop_snapshot()

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
        """A write transaction holding SQLite's write lock from the start; commits on exit.
        A failure of the file itself (full disk, read-only, damaged) rolls back and becomes
        one located `DatabaseFileError`."""
        with self._lock:
            db = self._open_db()
            if self.readonly:
                raise DatabaseFileError(
                    self.path,
                    "it was opened read-only",
                    "Open it without the read-only option to record or mark",
                    action="write to",
                )
            try:
                db.conn.execute("BEGIN IMMEDIATE")
                if self.write_fault is not None:
                    self.write_fault()
                yield db
                db.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(db)
                if database_problem(exc) is None:
                    raise
                raise self._file_error(exc, "write to") from exc
            except BaseException:
                self._rollback(db)
                raise

    @staticmethod
    def _rollback(db: Database) -> None:
        if db.conn.in_transaction:
            try:
                db.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite has rolled back already (e.g. after a full disk)

    def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one parameterised read query, under this store's lock (the
        repositories of this package read through it too). A failure of the file itself
        becomes one located `DatabaseFileError`."""
        with self._lock:
            db = self._open_db()
            try:
                return list(db.execute(sql, list(params)).fetchall())
            except sqlite3.Error as exc:
                if database_problem(exc) is None:
                    raise
                raise self._file_error(exc, "read") from exc

    def _snapshot(self, *queries: tuple[str, Iterable[Any]]) -> tuple[list[tuple[Any, ...]], ...]:
        """The rows of several read queries, all from one snapshot of the file."""
        with self._lock:
            db = self._open_db()
            try:
                db.conn.execute("BEGIN")
                try:
                    return tuple(
                        list(db.execute(sql, list(params)).fetchall()) for sql, params in queries
                    )
                finally:
                    db.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if database_problem(exc) is None:
                    raise
                raise self._file_error(exc, "read") from exc

    def _seal(
        self,
        db: Database,
        session_id: str,
        status: str,
        ended_at: str | None,
        result_json: str | None,
    ) -> str:
        """The seal of a session that stops being active now, recorded in the ledger too."""
        header, count, last = db.execute(
            "SELECT header_hash, event_count, last_hash FROM sessions WHERE id = ?", [session_id]
        ).fetchone()
        seal = seal_hash(
            header,
            status=status,
            ended_at=ended_at,
            event_count=int(count),
            last_hash=last,
            result_json=result_json,
        )
        detail = seal_detail(status, ended_at, int(count), last, seal)
        append_entry(Tx(db), SEAL, session_id, detail, iso_utc(self._clock()))
        return seal

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
        text = searched_text(event.kind, event.data)  # what was said, and the log
        if text:
            db.execute(
                "INSERT INTO event_text (text, session_id, seq) VALUES (?, ?, ?)",
                [text, session_id, event.seq],
            )
        return event_hash
