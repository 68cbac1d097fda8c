"""Engine benchmarks: time per trainee turn (engine alone, and with matching) and playtest
throughput (whole scripted calls per second, all shipped scenarios)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.engine.call import Call
from app.headless import run_playtest
from app.scenario.loader import load_scenario
from app.services.catalog import build_matcher

ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _time_turns(scenario: Any, matcher: Any, lines: list[str], rounds: int = 30) -> list[float]:
    """Milliseconds per `Call.say`, over `rounds` calls that say every line in turn."""
    out: list[float] = []
    for _ in range(rounds):
        call = Call(scenario, matcher)
        call.start(0.0)
        t = 5.0
        for text in lines:
            if call.ended:
                break
            t0 = time.perf_counter()
            call.say(text, t)
            out.append((time.perf_counter() - t0) * 1000)
            t = call.st.busy_until + 2
    return out


def run() -> dict[str, Any]:
    scenario = load_scenario(ROOT / "scenarios" / "misconduct-disclosure.yaml")
    matcher = build_matcher(scenario)
    lines = [st.text for pt in scenario.playtests for st in pt.steps if st.kind == "say"]
    turn_ms = _time_turns(scenario, matcher, lines)
    # The engine alone: a matcher that has already answered (cached results).
    cache = {text: matcher.match(text) for text in lines}

    class Cached:
        def match(self, text: str) -> Any:
            return cache[text]

    engine_only_ms = _time_turns(scenario, Cached(), lines)

    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    loaded = [load_scenario(f) for f in files]
    matchers = {s.id: build_matcher(s) for s in loaded}
    n = 0
    t0 = time.perf_counter()
    for _ in range(5):
        for s in loaded:
            for pt in s.playtests:
                run_playtest(s, pt, matchers[s.id])
                n += 1
    elapsed = time.perf_counter() - t0
    return {
        # The engine's own time per turn (matching is measured by bench_matcher)...
        "engine_turn_p50_ms": round(_pct(engine_only_ms, 0.5), 3),
        "engine_turn_p95_ms": round(_pct(engine_only_ms, 0.95), 3),
        # ...and a whole turn as the trainee experiences it, matching included.
        "turn_with_matching_p50_ms": round(_pct(turn_ms, 0.5), 3),
        "turn_with_matching_p95_ms": round(_pct(turn_ms, 0.95), 3),
        "playtest_calls_per_s": round(n / elapsed, 1),
        "n_turns": len(turn_ms),
    }
