"""Finding sessions: every session with its result and review state, filtered and sorted in
one SQL query, and the review state of one session.

Review state: `reviewed` once a verdict is given, `in_review` after any other assessor action
(a mark or a comment), else `unreviewed`. Separately, `signed_off`: the session is locked
by a sign-off (its latest sign-off row is not a reopening). Duration is the time of the
session's last event (seconds since the call connected), so interrupted sessions have one too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from app.storage.sql import fts_query

if TYPE_CHECKING:
    from app.storage.store import SessionStore

ReviewState = Literal["unreviewed", "in_review", "reviewed"]
REVIEW_STATES: tuple[ReviewState, ...] = ("unreviewed", "in_review", "reviewed")

_DURATION_SQL = "(SELECT e.t FROM events e WHERE e.session_id = s.id ORDER BY e.seq DESC LIMIT 1)"
_ACTED_SQL = "EXISTS (SELECT 1 FROM audit a WHERE a.session_id = s.id)"
# Signed off: the latest sign-off row is a sign-off, not a reopening (migration 6).
_SIGNED_SQL = (
    "coalesce((SELECT so.action FROM signoffs so WHERE so.session_id = s.id "
    "ORDER BY so.id DESC LIMIT 1) = 'sign_off', 0)"
)
_VERDICT_SQL = (
    "(SELECT v.verdict FROM verdicts v WHERE v.session_id = s.id ORDER BY v.id DESC LIMIT 1)"
)
# sort key -> ORDER BY terms (fixed strings; `{d}` is ASC or DESC). Ties fall back to the
# newest first, then the id, so the order is always the same.
_ORDER = {
    "date": "started_at {d}",
    "score": "score IS NULL, score {d}",
    "trainee": "trainee COLLATE NOCASE {d}",
    "scenario": "scenario_id {d}",
    "duration": "duration IS NULL, duration {d}",
    "review": "review {d}",
}
SORTS = tuple(_ORDER)


@dataclass(frozen=True)
class LibraryRow:
    id: str
    trainee: str
    scenario_id: str
    scenario_title: str
    mode: str
    status: str  # active | finished | interrupted
    started_at: datetime
    ended_at: datetime | None
    duration: float | None  # seconds: the last event's time
    score: float | None
    passed: bool | None
    event_count: int
    review: str  # one of REVIEW_STATES
    verdict: str | None  # the latest verdict
    signed_off: bool = False  # locked by a sign-off (not reopened since)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trainee": self.trainee,
            "scenario_id": self.scenario_id,
            "scenario_title": self.scenario_title,
            "mode": self.mode,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_s": self.duration,
            "score": self.score,
            "passed": self.passed,
            "events": self.event_count,
            "review": self.review,
            "verdict": self.verdict,
            "signed_off": self.signed_off,
        }


def _row(r: tuple[Any, ...]) -> LibraryRow:
    (sid, trainee, scen, title, mode, status, started, ended, score) = r[:9]
    passed, count, duration, review, verdict, signed = r[9:]
    return LibraryRow(
        sid,
        trainee,
        scen,
        title,
        mode,
        status,
        datetime.fromisoformat(started),
        datetime.fromisoformat(ended) if ended else None,
        None if duration is None else float(duration),
        score,
        None if passed is None else bool(passed),
        int(count),
        review,
        verdict,
        bool(signed),
    )


class LibraryRepo:
    """The session library of one store."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def query(
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
        """Sessions matching every filter given (`text`: all its words were said in the call,
        full-text search). `sort` is one of SORTS (KeyError otherwise)."""
        order = _ORDER[sort].format(d="DESC" if descending else "ASC")
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("trainee", trainee),
            ("scenario_id", scenario_id),
            ("status", status),
            ("mode", mode),
        ):
            if value is not None:
                where.append(f"s.{column} = ?")  # fixed column names
                params.append(value)
        if text is not None:
            match = fts_query(text)
            if match is None:
                return []
            where.append("s.id IN (SELECT session_id FROM event_text WHERE event_text MATCH ?)")
            params.append(match)
        inner = (
            "SELECT s.id, s.trainee, s.scenario_id, s.scenario_title, s.mode, s.status, "
            "s.started_at, s.ended_at, s.score, s.passed, s.event_count, "
            f"{_DURATION_SQL} AS duration, {_VERDICT_SQL} AS verdict, {_ACTED_SQL} AS acted, "
            f"{_SIGNED_SQL} AS signed_off "
            "FROM sessions s"
        )
        if where:
            inner += " WHERE " + " AND ".join(where)
        # A verdict makes a session reviewed; any other action (a mark, a comment) starts it.
        sql = (
            "SELECT id, trainee, scenario_id, scenario_title, mode, status, started_at, "
            "ended_at, score, passed, event_count, duration, "
            "CASE WHEN verdict IS NOT NULL THEN 'reviewed' WHEN acted THEN 'in_review' "
            f"ELSE 'unreviewed' END AS review, verdict, signed_off FROM ({inner})"
        )
        if review is not None:
            sql += " WHERE review = ?"
            params.append(review)
        sql += f" ORDER BY {order}, started_at DESC, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [_row(r) for r in self._store._fetch(sql, params)]

    def criteria(self) -> list[tuple[str, str]]:
        """(id, title) of every criterion in a stored result, by title then id: the choices
        of the library's criterion filter. An id that several scenarios use with different
        titles gets them all, joined by " / " (the filter, like the CLI's, is by id)."""
        rows = self._store._fetch(
            "SELECT c.key, json_extract(c.value, '$.title') FROM sessions s, "
            "json_each(s.result_json, '$.criteria') c "
            "WHERE s.result_json IS NOT NULL AND json_valid(s.result_json) "
            "AND json_type(s.result_json, '$.criteria') = 'object' ORDER BY s.started_at"
        )
        found: dict[str, list[str]] = {}
        for cid, title in rows:
            titles = found.setdefault(str(cid), [])
            text = str(title) if title is not None else str(cid)
            if text not in titles:
                titles.append(text)
        named = [(cid, " / ".join(titles)) for cid, titles in found.items()]
        return sorted(named, key=lambda item: (item[1].casefold(), item[0]))

    def review_state(self, session_id: str) -> ReviewState:
        """The review state of one session (as `query` gives it)."""
        rows = self._store._fetch(
            "SELECT EXISTS (SELECT 1 FROM verdicts WHERE session_id = ?), "
            "EXISTS (SELECT 1 FROM audit WHERE session_id = ?)",
            [session_id, session_id],
        )
        has_verdict, has_action = rows[0]
        if has_verdict:
            return "reviewed"
        return "in_review" if has_action else "unreviewed"

    def ids_starting(self, prefix: str, *, limit: int) -> list[str]:
        """Up to `limit` session ids that start with `prefix` (lowercase hex), in id order."""
        rows = self._store._fetch(  # ids are lowercase hex, and 'g' sorts after 'f'
            "SELECT id FROM sessions WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            [prefix, prefix + "g", limit],
        )
        return [str(r[0]) for r in rows]
