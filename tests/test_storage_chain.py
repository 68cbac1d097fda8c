"""The tamper-evident hash chain and `verify`."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.events import Event
from app.storage import SessionStore, UnknownSessionError, VerifyResult


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "callsim.db") as s:
        yield s


def filled(store: SessionStore, n: int = 5) -> str:
    sid = store.start_session(
        trainee="ann",
        scenario_id="s",
        scenario_sha256="0" * 64,
        scenario_title="S",
        mode="practice",
    )
    store.append_events(
        sid, [Event(i, i * 2.0, "trainee_said", {"text": f"l{i}"}) for i in range(n)]
    )
    return sid


def tamper(store: SessionStore, *statements: tuple[str, list[object]]) -> None:
    """Edit the file behind the store's back, as someone with a DB browser could."""
    with sqlite3.connect(store.path) as conn:
        conn.execute("DROP TRIGGER events_append_only")
        conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def test_hashes_follow_the_documented_formula(store: SessionStore) -> None:
    sid = filled(store, 3)
    with sqlite3.connect(store.path) as conn:
        rows = conn.execute(
            "SELECT seq, prev_hash, hash FROM events WHERE session_id = ? ORDER BY seq", [sid]
        ).fetchall()
    prev = hashlib.sha256(sid.encode()).hexdigest()
    for (seq, prev_hash, stored), event in zip(rows, store.events(sid), strict=True):
        assert prev_hash == prev
        assert stored == hashlib.sha256((prev + event.canonical()).encode()).hexdigest()
        prev = stored
        assert seq == event.seq


def test_intact_sessions_verify(store: SessionStore) -> None:
    assert store.verify(filled(store, 0)) == VerifyResult(True, 0)
    assert store.verify(filled(store, 5)) == VerifyResult(True, 5)
    with pytest.raises(UnknownSessionError):
        store.verify("nope")


@pytest.mark.parametrize(
    ("sql", "seq", "reason"),
    [
        ('UPDATE events SET data_json = \'{"text":"l9"}\' WHERE seq = 2', 2, "hash"),
        ("UPDATE events SET t = 99 WHERE seq = 3", 3, "hash"),
        ("UPDATE events SET kind = 'caller_said' WHERE seq = 0", 0, "hash"),
        ("UPDATE events SET prev_hash = hash WHERE seq = 1", 1, "link"),
        ("UPDATE events SET data_json = 'nonsense' WHERE seq = 4", 4, "unreadable"),
        ("DELETE FROM events WHERE seq = 2", 2, "missing"),
        ("DELETE FROM events WHERE seq = 4", 4, "truncated"),
        ("UPDATE sessions SET last_hash = 'x'", 4, "head"),
    ],
)
def test_tampering_is_found_at_the_first_bad_event(
    store: SessionStore, sql: str, seq: int, reason: str
) -> None:
    sid = filled(store)
    other = filled(store)
    tamper(store, (sql + (" AND session_id = ?" if "events" in sql else " WHERE id = ?"), [sid]))
    result = store.verify(sid)
    assert (result.ok, result.seq, result.reason) == (False, seq, reason)
    assert result.checked == (seq if reason != "head" else 5)
    assert store.verify(other).ok


def test_an_event_slipped_in_after_the_end_is_found(store: SessionStore) -> None:
    sid = filled(store, 2)
    with sqlite3.connect(store.path) as conn:
        (last,) = conn.execute("SELECT hash FROM events WHERE seq = 1 AND session_id = ?", [sid])
    extra = Event(2, 9.0, "trainee_said", {"text": "added later"})
    forged = hashlib.sha256((last[0] + extra.canonical()).encode()).hexdigest()
    tamper(
        store,
        (
            "INSERT INTO events VALUES (?, 2, 9.0, 'trainee_said', ?, ?, ?)",
            [sid, '{"text":"added later"}', last[0], forged],
        ),
    )
    assert store.verify(sid) == VerifyResult(False, 2, 2, "extra")
