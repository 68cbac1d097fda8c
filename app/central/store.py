"""`CentralStore`: the training centre's PostgreSQL store, read-only, with the reads the
assessor side uses from `SessionStore` (`app.storage.reader.RecordReader`: the same method
names and return types), plus the session library's query (`LibraryReader`).

The sessions, their events and the scenario texts are the central tables the outbox fills
(`app/central/schema.py`); chains are checked with the same code as on a PC
(`app.storage.chain.verify_rows`). Every statement runs in a read-only transaction (the
connection's default is set so), so nothing is ever written through it, whatever role it logs
in as. The assessors' actions are held as the audit entries the PCs sent (schema 2): the
library's review state, latest verdict and sign-off come from them (from a schema 1 store,
every session reads as "unreviewed").

Search is PostgreSQL full-text search (`to_tsvector('english', ...)` and `plainto_tsquery`,
with the words as a parameter), over the same event texts the PC's index holds (what the
trainee and the caller said, and the incident log's values): every word must be there, with
English stemming ("pictures" finds "picture"); PostgreSQL's English stop words ("the",
"is", ...) are ignored, where the PC's index finds them too.

Errors are `CentralError`s with one located sentence: the server cannot be reached or refuses
the login (`CentralUnreachableError`), the connection drops while reading, the role may not
read a table, the database holds no (or a newer) callsim schema.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.central.errors import CentralError, CentralUnreachableError
from app.central.outbox import SESSION_FIELDS, _where, connect
from app.central.schema import SCHEMA_VERSION, schema_version
from app.engine.events import Event
from app.storage.audit_repo import AuditRow
from app.storage.chain import VerifyResult, verify_rows
from app.storage.errors import UnknownSessionError
from app.storage.library_repo import REVIEW_STATES, SORTS, LibraryRow
from app.storage.records import MODES, STATUSES, SessionInfo, SessionRecord
from app.storage.schema import SEARCHED_TEXT
from app.storage.sql import fts_query

# SessionInfo's fields, from the central `sessions` table (no owner pid there: None).
_INFO_COLUMNS = (
    "id, trainee, scenario_id, scenario_sha256, scenario_title, mode, status, started_at, "
    "ended_at, score, passed, event_count, NULL, callsim_version"
)
_DURATION = "(SELECT e.t FROM events e WHERE e.session_id = s.id ORDER BY e.seq DESC LIMIT 1)"
# sort key -> ORDER BY terms (fixed strings; `{d}` is ASC or DESC), as the PC's library sorts.
_ORDER = {
    "date": "started_at {d}",
    "score": "score IS NULL, score {d}",
    "trainee": "lower(trainee) {d}",
    "scenario": "scenario_id {d}",
    "duration": "duration IS NULL, duration {d}",
    "review": "review {d}",
}
assert tuple(_ORDER) == SORTS
# The review state, the latest verdict and the sign-off, from the audit entries the PCs sent
# (schema 2), as a PC's library has them from its marks, verdicts and sign-offs tables.
_LAST_OF = (
    "(SELECT {what} FROM audit a WHERE a.session_id = s.id AND a.action {cond} "
    "ORDER BY a.seq DESC LIMIT 1)"
)
_VERDICT = _LAST_OF.format(what="(a.detail_json::jsonb) ->> 'verdict'", cond="= 'verdict'")
_SIGNED = _LAST_OF.format(what="a.action", cond="IN ('sign_off', 'reopen')")
_REVIEW_SQL = (
    f"CASE WHEN {_VERDICT} IS NOT NULL THEN 'reviewed' "
    "WHEN EXISTS (SELECT 1 FROM audit a WHERE a.session_id = s.id) THEN 'in_review' "
    f"ELSE 'unreviewed' END AS review, {_VERDICT} AS verdict, "
    f"coalesce({_SIGNED} = 'sign_off', false) AS signed_off"
)
_NO_REVIEW_SQL = "'unreviewed' AS review, NULL AS verdict, false AS signed_off"
# The text each searched event kind holds: (kind, key) pairs, passed as parameters.
_SEARCHED = tuple(SEARCHED_TEXT.items())
_SEARCH_TEXT = (
    "CASE kind " + " ".join("WHEN %s THEN (data_json::jsonb) ->> %s" for _ in _SEARCHED) + " END"
)
_SEARCH_WHERE = (
    f"to_tsvector('english', coalesce({_SEARCH_TEXT}, '')) @@ plainto_tsquery('english', %s)"
)


def _search_params(words: str) -> list[Any]:
    return [v for pair in _SEARCHED for v in pair] + [words]


class CentralStore:
    """The central store at `conninfo` (a libpq connection string or postgresql:// URL),
    opened for reading. Raises `CentralError` (located) when it cannot be used."""

    readonly = True
    upgraded_in_memory: int | None = None

    def __init__(self, conninfo: str, *, timeout: float = 10.0) -> None:
        self.conninfo = conninfo
        self.where = _where(conninfo)
        self._lock = threading.RLock()
        self._conn = connect(conninfo, timeout)
        try:
            self._run(lambda c: c.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"))
            version = self._run(schema_version)
        except BaseException:
            self._conn.close()
            raise
        if version == 0:
            self._conn.close()
            raise CentralError(
                f"the central store {self.where} holds no callsim records (no schema): ask IT "
                "to run `callsim central migrate` (docs/central.md)"
            )
        if version > SCHEMA_VERSION:
            self._conn.close()
            raise CentralError(
                f"the central store {self.where} is at schema {version}, newer than this "
                f"callsim's {SCHEMA_VERSION}: upgrade callsim on this PC"
            )
        self.schema = version

    # -- the reads of `RecordReader` ---------------------------------------------------

    def session(self, session_id: str) -> SessionInfo | None:
        rows = self._fetch(f"SELECT {_INFO_COLUMNS} FROM sessions WHERE id = %s", [session_id])
        return SessionInfo.from_row(rows[0]) if rows else None

    def list_sessions(
        self,
        *,
        trainee: str | None = None,
        scenario_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[SessionInfo]:
        """Sessions matching every filter given, newest first (at most `limit`)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        where, params = _filters(trainee=trainee, scenario_id=scenario_id, status=status)
        sql = f"SELECT {_INFO_COLUMNS} FROM sessions s{where} ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(int(limit))
        return [SessionInfo.from_row(r) for r in self._fetch(sql, params)]

    def record(self, session_id: str) -> SessionRecord | None:
        """The session's row as the central store holds it (no audit head there: None)."""
        audit = "audit_count, audit_hash" if self.schema >= 2 else "NULL, NULL"
        rows = self._fetch(
            f"SELECT {', '.join(SESSION_FIELDS)}, {audit} FROM sessions WHERE id = %s",
            [session_id],
        )
        return SessionRecord(*rows[0]) if rows else None

    def audit_rows(self, session_id: str) -> list[AuditRow]:
        """The assessors' audit entries of the session, as sent from its PC, in seq order."""
        if self.schema < 2:
            return []
        rows = self._fetch(
            "SELECT 0, session_id, seq, action, detail_json, assessor, at, prev_hash, hash "
            "FROM audit WHERE session_id = %s ORDER BY seq",
            [session_id],
        )
        return [AuditRow(0, *r[1:]) for r in rows]

    def events(self, session_id: str) -> list[Event]:
        rows = self._fetch(
            "SELECT seq, t, kind, data_json FROM events WHERE session_id = %s ORDER BY seq",
            [session_id],
        )
        if not rows and self.session(session_id) is None:
            raise UnknownSessionError(session_id)
        return [Event(int(seq), float(t), kind, json.loads(data)) for seq, t, kind, data in rows]

    def result(self, session_id: str) -> dict[str, Any] | None:
        rows = self._fetch("SELECT result_json FROM sessions WHERE id = %s", [session_id])
        if not rows:
            raise UnknownSessionError(session_id)
        (text,) = rows[0]
        return None if text is None else dict(json.loads(text))

    def verify(self, session_id: str) -> VerifyResult:
        """The session's event chain against its head, as the central store holds them (one
        snapshot for both)."""
        with self._lock:
            heads, rows = self._run(
                lambda c: _snapshot(
                    c,
                    ("SELECT event_count, last_hash FROM sessions WHERE id = %s", [session_id]),
                    (
                        "SELECT seq, t, kind, data_json, prev_hash, hash FROM events "
                        "WHERE session_id = %s ORDER BY seq",
                        [session_id],
                    ),
                )
            )
        if not heads:
            raise UnknownSessionError(session_id)
        count, last = heads[0]
        return verify_rows(session_id, [tuple(r) for r in rows], int(count), str(last))

    def session_ids(self) -> list[str]:
        """Every session id, oldest first."""
        return [str(r[0]) for r in self._fetch("SELECT id FROM sessions ORDER BY started_at, id")]

    def search(self, text: str) -> list[tuple[str, int]]:
        """(session_id, seq) of the lines holding every word of `text`, oldest first."""
        if fts_query(text) is None:
            return []
        rows = self._fetch(
            "SELECT e.session_id, e.seq FROM events e JOIN sessions s ON s.id = e.session_id "
            f"WHERE {_SEARCH_WHERE} ORDER BY s.started_at, e.session_id, e.seq",
            _search_params(text),
        )
        return [(str(sid), int(seq)) for sid, seq in rows]

    # -- the library (`LibraryReader`) --------------------------------------------------

    def library(
        self,
        *,
        text: str | None = None,
        trainee: str | None = None,
        scenario_id: str | None = None,
        status: str | None = None,
        review: str | None = None,
        mode: str | None = None,
        sort: str = "date",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[LibraryRow]:
        """The library rows matching every filter, as `LibraryRepo.query` gives them."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if review is not None and review not in REVIEW_STATES:
            raise ValueError(f"review must be one of {', '.join(REVIEW_STATES)}, got {review!r}")
        order = _ORDER[sort].format(d="DESC" if descending else "ASC")
        where, params = _filters(trainee=trainee, scenario_id=scenario_id, status=status, mode=mode)
        if text is not None:
            if fts_query(text) is None:
                return []
            where += " AND " if where else " WHERE "
            where += f"s.id IN (SELECT session_id FROM events WHERE {_SEARCH_WHERE})"
            params += _search_params(text)
        review_sql = _REVIEW_SQL if self.schema >= 2 else _NO_REVIEW_SQL
        sql = (
            "SELECT * FROM (SELECT s.id, s.trainee, s.scenario_id, s.scenario_title, s.mode, "
            "s.status, s.started_at, s.ended_at, s.score, s.passed, s.event_count, "
            f"{_DURATION} AS duration, {review_sql} FROM sessions s{where}) AS listed"
        )
        if review is not None:
            sql += " WHERE review = %s"
            params.append(review)
        sql += f" ORDER BY {order}, started_at DESC, id"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(int(limit))
        return [_library_row(r) for r in self._fetch(sql, params)]

    def ids_starting(self, prefix: str, *, limit: int) -> list[str]:
        """Up to `limit` session ids that start with `prefix` (lowercase hex), in id order."""
        rows = self._fetch(
            "SELECT id FROM sessions WHERE id >= %s AND id < %s ORDER BY id LIMIT %s",
            [prefix, prefix + "g", int(limit)],
        )
        return [str(r[0]) for r in rows]

    def scenario_text(self, sha256: str) -> bytes | None:
        """The scenario file's bytes stored under `sha256`, or None."""
        rows = self._fetch("SELECT content FROM scenario_texts WHERE sha256 = %s", [sha256])
        return bytes(rows[0][0]) if rows else None

    def received(self, session_id: str) -> list[tuple[str, str]]:
        """(source PC, role) of each `received` entry of the session (one per send)."""
        rows = self._fetch(
            "SELECT source, received_by FROM received WHERE session_id = %s ORDER BY id",
            [session_id],
        )
        return [(str(a), str(b)) for a, b in rows]

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CentralStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------

    def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        values = list(params)
        rows: list[tuple[Any, ...]] = self._run(
            lambda c: [tuple(r) for r in c.execute(sql, values).fetchall()]
        )
        return rows

    def _run(self, work: Any) -> Any:
        """`work(connection)` under the lock, with the server's failures as `CentralError`."""
        import psycopg

        with self._lock:
            try:
                return work(self._conn)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                raise CentralUnreachableError(
                    f"the connection to the central store {self.where} was lost while "
                    f"reading ({_first_line(exc)}); try again"
                ) from exc
            except psycopg.errors.InsufficientPrivilege as exc:
                raise CentralError(
                    f"the central store {self.where} refused to let this role read "
                    f"({_first_line(exc)}): ask IT for a role in callsim_pc (docs/central.md)"
                ) from exc
            except psycopg.Error as exc:
                raise CentralError(
                    f"the central store {self.where} could not answer: {_first_line(exc)}"
                ) from exc


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _snapshot(conn: Any, *queries: tuple[str, list[Any]]) -> tuple[list[Any], ...]:
    """The rows of several queries from one snapshot (a REPEATABLE READ transaction)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return tuple(conn.execute(sql, params).fetchall() for sql, params in queries)


def _filters(**values: str | None) -> tuple[str, list[Any]]:
    """' WHERE s.col = %s AND ...' for the given (fixed) column names, and the values."""
    where = [f"s.{column} = %s" for column, value in values.items() if value is not None]
    params: list[Any] = [value for value in values.values() if value is not None]
    return (" WHERE " + " AND ".join(where) if where else ""), params


def _library_row(r: tuple[Any, ...]) -> LibraryRow:
    sid, trainee, scen, title, mode, status, started, ended, score, passed, count, dur = r[:12]
    review, verdict, signed = r[12:]
    return LibraryRow(
        str(sid),
        str(trainee),
        str(scen),
        str(title),
        str(mode),
        str(status),
        datetime.fromisoformat(started),
        datetime.fromisoformat(ended) if ended else None,
        None if dur is None else float(dur),
        None if score is None else float(score),
        None if passed is None else bool(passed),
        int(count),
        str(review),
        None if verdict is None else str(verdict),
        bool(signed),
    )


if TYPE_CHECKING:
    from app.storage.reader import LibraryReader

    def _a_central_store_is_a_library_reader(store: CentralStore) -> LibraryReader:
        return store  # mypy checks this: CentralStore satisfies the Protocol
