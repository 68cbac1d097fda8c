"""Assessor benchmark: the session library over 10,000 sessions, and opening a replay.

`run()` returns the figures (milliseconds) and prints nothing.

- `library_10k_filter_sort_ms`: the slowest of the library queries the assessor screen runs
  (`app.assessor.library.query_sessions`: filters, sorts, review state, full-text search),
  each the best of five, over 10,000 generated sessions with events, marks and verdicts.
- `replay_2000_events_open_ms`: `open_replay` of a 2,000-event session of the built-in
  scenario (events as the desktop app records them), with the scenario already loaded: as
  for every replay after the first, or once the screen has warmed its `ScenarioCatalog`. Every
  trainee line is matched again to rebuild the call; that is most of the time.
  `..._cold_ms` also loads the scenario file and builds its matcher (about 130 ms of it).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.assessor.audit import audit_genesis, entry_hash
from app.assessor.library import query_sessions
from app.assessor.replay import open_replay
from app.engine.call import Call
from app.engine.events import Event
from app.engine.timing import TYPING_INTERVAL
from app.scenario.loader import load_scenario
from app.services.catalog import ScenarioCatalog, build_matcher
from app.storage import SessionStore
from app.storage.chain import data_to_json, genesis_hash, link_hash

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "scenarios" / "misconduct-disclosure.yaml"
SESSIONS = 10_000
EVENTS_PER_SESSION = 8
TRAINEES = 50
SCENARIOS = 12
REPLAY_EVENTS = 2_000
WORDS = ("address", "hurt", "safe", "officer", "neighbour", "mum", "fight", "pictures")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _session_events(i: int) -> list[Event]:
    out = [Event(0, 0.0, "call_started", {"scenario": f"scenario-{i % SCENARIOS:02d}"})]
    t = 0.0
    for seq in range(1, EVENTS_PER_SESSION - 1):
        t += 4.5
        word = WORDS[(i + seq) % len(WORDS)]
        if seq % 2:
            out.append(Event(seq, t, "caller_said", {"line_id": f"l{seq}", "text": f"the {word}"}))
        else:
            data = {"text": f"what about the {word}", "intents": [], "scores": {}}
            out.append(Event(seq, t, "trainee_said", data))
    out.append(Event(EVENTS_PER_SESSION - 1, t + 1, "call_ended", {"by": "trainee"}))
    return out


def _generate_library(path: Path) -> None:
    """10,000 sessions (finished, interrupted, active) with events and searchable lines; a
    third marked, a tenth with a verdict. Written in one transaction, straight to the
    documented tables: the public API commits (and fsyncs) every write."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    sessions, events, texts, audit, verdicts = [], [], [], [], []
    for i in range(SESSIONS):
        sid = uuid.UUID(int=i + 1).hex
        started = base + timedelta(minutes=37 * i)
        status = ("finished", "finished", "finished", "interrupted", "active")[i % 5]
        finished = status == "finished"
        score = float((i * 7919) % 1000) / 10
        prev = genesis_hash(sid)
        for e in _session_events(i):
            h = link_hash(prev, e)
            events.append((sid, e.seq, e.t, e.kind, data_to_json(e.data), prev, h))
            if e.kind in ("caller_said", "trainee_said"):
                texts.append((e.data["text"], sid, e.seq))
            prev = h
        sessions.append(
            (
                sid, f"trainee-{i % TRAINEES:02d}", f"scenario-{i % SCENARIOS:02d}", "0" * 64,
                f"Scenario {i % SCENARIOS}", ("practice", "assessment")[i % 2],
                started.isoformat(timespec="microseconds"),
                (started + timedelta(minutes=6)).isoformat(timespec="microseconds")
                if finished else None,
                status, json.dumps({"passed": score >= 70, "score": score}) if finished else None,
                score if finished else None, int(score >= 70) if finished else None, None, "",
                EVENTS_PER_SESSION, prev,
            )
        )  # fmt: skip
        if finished and i % 3 == 0:
            at = (started + timedelta(hours=1)).isoformat(timespec="microseconds")
            detail = {"mark_id": i, "criterion_id": "c", "decision": "agree", "status": None}
            prev_a = audit_genesis(sid)
            h = entry_hash(
                prev_a, session_id=sid, seq=0, action="mark", detail=detail, assessor="a", at=at
            )
            audit.append((sid, 0, "mark", json.dumps(detail), "a", at, prev_a, h))
            if i % 2 == 0:
                verdicts.append((sid, "pass" if score >= 70 else "fail", "", "a", at))
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO sessions (id, trainee, scenario_id, scenario_sha256, "
                "scenario_title, mode, started_at, ended_at, status, result_json, score, passed, "
                "owner_pid, owner_token, event_count, last_hash) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                sessions,
            )
            conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", events)
            conn.executemany("INSERT INTO event_text (text, session_id, seq) VALUES (?,?,?)", texts)
            conn.executemany(
                "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, "
                "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
                audit,
            )
            conn.executemany(
                "INSERT INTO verdicts (session_id, verdict, reason, assessor, at) "
                "VALUES (?,?,?,?,?)",
                verdicts,
            )
    finally:
        conn.close()


def _bench_library(path: Path) -> dict[str, Any]:
    queries: dict[str, Callable[[SessionStore], object]] = {
        "all_by_date": lambda s: query_sessions(s),
        "trainee_by_score": lambda s: query_sessions(s, trainee="trainee-07", sort="score"),
        "scenario_finished_by_date": lambda s: query_sessions(
            s, scenario_id="scenario-03", status="finished", descending=False
        ),
        "unreviewed_by_score": lambda s: query_sessions(s, review="unreviewed", sort="score"),
        "search_by_date": lambda s: query_sessions(s, text="neighbour", status="finished"),
        "first_page_by_score": lambda s: query_sessions(s, sort="score", limit=100),
    }
    figures: dict[str, Any] = {}
    with SessionStore(path) as store:
        figures["library_sessions"] = len(query_sessions(store))
        for name, q in queries.items():
            figures[f"library_{name}_ms"] = _ms(_best_of(lambda q=q: q(store)))  # type: ignore[misc]
    figures["library_10k_filter_sort_ms"] = max(v for k, v in figures.items() if k.endswith("_ms"))
    return figures


def _record_long_call(store: SessionStore) -> tuple[str, int]:
    """A call of exactly REPLAY_EVENTS events through the real engine, as the desktop app
    records one: the trainee composes each line for about 8 s (typing is reported every
    TYPING_INTERVAL), then says it; the caller answers. Returns the id and the number of
    trainee lines (each is matched again when the replay is rebuilt)."""
    scenario = load_scenario(CASE)
    call = Call(scenario, build_matcher(scenario))
    call.start(0.0)
    lines = ("is anyone hurt", "where are you now", "what is the address", "who is involved")
    t, n = call.st.busy_until, 0
    while len(call.events) < REPLAY_EVENTS - 10 and not call.ended:
        t = max(t, call.st.busy_until)
        for k in range(4):
            call.typing(round(t + k * TYPING_INTERVAL, 3))
        call.say(lines[n % len(lines)], round(t + 4 * TYPING_INTERVAL, 3))
        t, n = t + 4 * TYPING_INTERVAL + 1, n + 1
    while len(call.events) < REPLAY_EVENTS - 2:
        t += TYPING_INTERVAL
        call.typing(round(t, 3))
    call.end_call(round(t + 1, 3))
    sid = store.start_session(
        trainee="bench",
        scenario_id=scenario.id,
        scenario_sha256=scenario.sha256,
        scenario_title=scenario.title,
        mode="headless",
    )
    store.append_events(sid, call.events)
    store.finish_session(sid, {"score": 0.0, "passed": False})
    return sid, n


def _bench_replay(path: Path) -> dict[str, Any]:
    with SessionStore(path) as store:
        (first, lines), (second, _) = _record_long_call(store), _record_long_call(store)
        catalog = ScenarioCatalog(CASE.parent)  # nothing loaded yet
        start = time.perf_counter()
        replay = open_replay(store, first, scenarios=catalog)
        cold = time.perf_counter() - start
        assert replay.rebuilt_equal and replay.verified.ok and replay.scenario_matches
        warm = _best_of(lambda: open_replay(store, second, scenarios=catalog))
        return {
            "replay_events": len(replay.events),
            "replay_trainee_lines": lines,
            "replay_2000_events_open_ms": _ms(warm),
            "replay_2000_events_open_cold_ms": _ms(cold),
        }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="callsim-bench-") as tmp:
        path = Path(tmp) / "callsim.db"
        SessionStore(path).close()  # the current schema
        start = time.perf_counter()
        _generate_library(path)
        figures: dict[str, Any] = {"library_generate_s": round(time.perf_counter() - start, 2)}
        figures |= _bench_library(path)
        figures |= _bench_replay(Path(tmp) / "replay.db")
    return figures


if __name__ == "__main__":  # pragma: no cover - manual use; `make bench` calls run()
    print(json.dumps(run(), indent=2))
