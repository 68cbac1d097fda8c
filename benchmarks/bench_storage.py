"""Storage benchmark: event append latency, and listing 10,000 sessions.

`run()` returns the figures (milliseconds) and prints nothing. Appends go through the real,
fully synced path, so their latency is mostly the disk's fsync time.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine.events import Event
from app.storage import SessionStore
from app.storage.chain import genesis_hash

APPENDS = 300
SESSIONS = 10_000
TRAINEES = 50
SCENARIOS = 12


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _bench_appends(store: SessionStore) -> dict[str, Any]:
    sid = store.start_session(
        trainee="bench",
        scenario_id="s",
        scenario_sha256="0" * 64,
        scenario_title="S",
        mode="headless",
    )
    samples = []
    for seq in range(APPENDS):
        kind = "trainee_said" if seq % 2 else "caller_said"
        event = Event(seq, seq * 2.5, kind, {"line_id": f"l{seq}", "text": f"line {seq} " * 8})
        start = time.perf_counter()
        store.append_event(sid, event)
        samples.append(time.perf_counter() - start)
    return {
        "append_events": APPENDS,
        "append_p50_ms": _ms(statistics.median(samples)),
        "append_p95_ms": _ms(_percentile(samples, 0.95)),
        "append_max_ms": _ms(max(samples)),
        "events_read_ms": _ms(_best_of(lambda: store.events(sid))),
        "verify_ms": _ms(_best_of(lambda: store.verify(sid))),
        "search_ms": _ms(_best_of(lambda: store.search("line 7"))),
    }


def _generate_sessions(path: Path) -> None:
    """10,000 finished/interrupted/active sessions, written in one transaction.

    The public API commits (and fsyncs) each session, which would make the set-up, not the
    listing, the slow part; so this writes the documented columns directly.
    """
    base = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(SESSIONS):
        sid = uuid.UUID(int=i + 1).hex
        started = base + timedelta(minutes=37 * i)
        status = ("finished", "finished", "finished", "interrupted", "active")[i % 5]
        finished = status == "finished"
        rows.append(
            (
                sid,
                f"trainee-{i % TRAINEES:02d}",
                f"scenario-{i % SCENARIOS:02d}",
                "0" * 64,
                f"Scenario {i % SCENARIOS}",
                ("practice", "assessment")[i % 2],
                started.isoformat(timespec="microseconds"),
                (started + timedelta(minutes=6)).isoformat(timespec="microseconds")
                if finished
                else None,
                status,
                '{"passed":true,"score":75.0}' if finished else None,
                75.0 if finished else None,
                1 if finished else None,
                None,
                "",
                0,
                genesis_hash(sid),
            )
        )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, scenario_title, "
            "mode, started_at, ended_at, status, result_json, score, passed, owner_pid, "
            "owner_token, event_count, last_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    conn.close()


def run() -> dict[str, Any]:
    """Append latency (p50/p95) and the time to list and filter 10,000 sessions."""
    with tempfile.TemporaryDirectory(prefix="callsim-bench-") as tmp:
        path = Path(tmp) / "callsim.db"
        start = time.perf_counter()
        store = SessionStore(path)
        figures: dict[str, Any] = {"open_new_db_ms": _ms(time.perf_counter() - start)}
        with store:
            figures |= _bench_appends(store)
        _generate_sessions(path)
        with SessionStore(path) as store:
            figures["sessions"] = len(store.list_sessions())
            figures["list_all_ms"] = _ms(_best_of(store.list_sessions))
            figures["list_first_page_ms"] = _ms(_best_of(lambda: store.list_sessions(limit=50)))
            figures["filter_trainee_ms"] = _ms(
                _best_of(lambda: store.list_sessions(trainee="trainee-07"))
            )
            figures["filter_scenario_status_ms"] = _ms(
                _best_of(lambda: store.list_sessions(scenario_id="scenario-03", status="finished"))
            )
            figures["sort_by_score_in_python_ms"] = _ms(
                _best_of(
                    lambda: sorted(store.list_sessions(), key=lambda s: (s.score or 0, s.trainee))
                )
            )
            figures["mark_interrupted_ms"] = _ms(_best_of(store.mark_interrupted, repeat=1))
    return figures


if __name__ == "__main__":  # pragma: no cover - manual use; `make bench` calls run()
    import json

    print(json.dumps(run(), indent=2))
