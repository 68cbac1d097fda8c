"""Assessor screen benchmarks (offscreen Qt). `run()` returns the figures and prints nothing.

- `replay_2000_events_open_ms`: through the replay screen, from asking it to open a
  generated 2,000-event session (a long call through the real engine) until it is fully on
  screen: the stored call, its hash check, criteria, comments and verdict read, the timeline
  built, laid out and painted, then `open_replay` in a worker (the scenario file loaded and
  its matcher built: cold; the call rebuilt through the engine). `..._warm_ms` is the same
  for a second such session (scenario cached), as when an assessor works through a cohort.
  Target <= 200 ms. `replay_2000_events_first_view_ms`: until the call is on screen and
  usable (timeline, scrubber, marks), while the scenario check and rebuild still run.
  `replay_2000_events_view_ms` is the screen's own share, on the UI thread: filling the
  timeline, criteria, comments and verdict from an opened replay, laid out and painted
  (the rest is `open_replay` in the worker, benchmarked by bench_assessor).
- `pdf_report_s`: the session report of a recorded model-answer call with an overrule and
  a comment, `report_html` and `html_to_pdf` (A4), median of 3. Target <= 1 s.
  `pdf_report_2000_events_s` is the same for the long call.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "scenarios" / "misconduct-disclosure.yaml"
EVENTS = 2_000


def _long_call(store: Any) -> str:
    """A call of exactly EVENTS events through the real engine, stored as a session."""
    from app.engine.call import Call
    from app.scenario.loader import load_scenario
    from app.services.catalog import build_matcher

    scenario = load_scenario(CASE)
    call = Call(scenario, build_matcher(scenario))
    call.start(0.0)
    lines = ("is anyone hurt", "where are you now", "what is the address", "who is involved")
    t, n = call.st.busy_until, 0
    while len(call.events) < EVENTS - 4 and not call.ended:
        t = max(t, call.st.busy_until)
        call.typing(round(t, 3))
        call.say(lines[n % len(lines)], round(t + 2, 3))
        t, n = t + 3, n + 1
    while len(call.events) < EVENTS - 2:
        t += 1
        call.typing(round(t, 3))
    call.end_call(round(t + 1, 3))
    from app.scoring.score import score_call

    sid: str = store.start_session(
        trainee="bench",
        scenario_id=scenario.id,
        scenario_sha256=scenario.sha256,
        scenario_title=scenario.title,
        mode="headless",
    )
    store.append_events(sid, call.events)
    store.finish_session(sid, score_call(scenario, call.events))
    return sid


def _model_call(store: Any) -> str:
    from app.headless import record_run, run_steps
    from app.scenario.loader import load_scenario

    scenario = load_scenario(CASE)
    run = run_steps(scenario, scenario.playtests[0].steps)
    return record_run(store, run, trainee="bench")


def _open_ms(app: Any, screen: Any, session_id: str, catalog: Any) -> tuple[float, float]:
    """(first view, fully open) in ms: the stored call on screen, laid out and painted; then
    the scenario found and the call rebuilt."""
    # Event loops that end on the signals, not a processEvents() spin: PySide6 6.12 on
    # Python 3.11 drops a reference to None on every call of a void method, and a spin
    # makes hundreds of thousands of them.
    from PySide6.QtCore import QEventLoop, QTimer

    def wait(signal: Any) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)

    start = time.perf_counter()
    screen.load(session_id, catalog)
    wait(screen.sig_replay_previewed)
    app.processEvents()  # the list view lays its first rows out on the next pass
    screen.timeline.viewport().repaint()
    first = time.perf_counter() - start
    wait(screen.sig_replay_shown)
    screen.timeline.viewport().repaint()
    full = time.perf_counter() - start
    if screen.replay is None or screen.replay.session.id != session_id:
        raise TimeoutError("the replay screen did not open")
    if not (screen.replay.rebuilt_equal and screen.replay.verified.ok):
        raise AssertionError("the generated session did not verify and rebuild")
    return round(first * 1000, 1), round(full * 1000, 1)


def _view_ms(app: Any, screen: Any, store: Any, marking: Any, session_id: str) -> float:
    """The UI thread's share of opening: the best of 3."""
    from app.assessor.replay import open_replay
    from app.ui.assessor.replay_screen import Opened

    replay = open_replay(store, session_id, scenarios=[CASE])
    best = float("inf")
    for _ in range(3):
        opened = Opened(replay, marking.reviewed(session_id), [], None)
        start = time.perf_counter()
        screen.show_opened(opened)
        app.processEvents()
        screen.timeline.viewport().repaint()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def run() -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from app.assessor.marks import Marking
    from app.assessor.report import report_html
    from app.services.catalog import ScenarioCatalog
    from app.storage import SessionStore
    from app.ui.assessor.exports import Exporter
    from app.ui.assessor.replay_screen import ReplayScreen
    from app.ui.reports.pdf import html_to_pdf

    app = QApplication.instance() or QApplication(sys.argv[:1])
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="callsim-bench-ui-") as tmp:
        with SessionStore(Path(tmp) / "callsim.db") as store:
            first, second = _long_call(store), _long_call(store)
            model = _model_call(store)
            marking = Marking(store)
            marking.mark(model, "allegation_flagged", "overrule", status="missed",
                         reason="Only after prompting", assessor="bench")  # fmt: skip
            marking.comment(model, 80.0, "Kept listening", assessor="bench")
            pool = QThreadPool()
            screen = ReplayScreen(
                store, marking, pool, Exporter(store, marking, pool), assessor="bench",
                clock=lambda: 0.0,
            )  # fmt: skip
            screen.resize(1280, 760)
            screen.show()
            app.processEvents()
            catalog = ScenarioCatalog(CASE.parent)  # nothing loaded yet
            cold = _open_ms(app, screen, first, catalog)
            warm = _open_ms(app, screen, second, catalog)
            figures["replay_2000_events_open_ms"] = cold[1]
            figures["replay_2000_events_open_warm_ms"] = warm[1]
            figures["replay_2000_events_first_view_ms"] = cold[0]
            figures["replay_2000_events_first_view_warm_ms"] = warm[0]
            figures["replay_timeline_rows"] = len(screen.timeline.timeline.items)
            figures["replay_2000_events_view_ms"] = _view_ms(app, screen, store, marking, first)

            def pdf(session_id: str, name: str) -> float:
                start = time.perf_counter()
                html_to_pdf(report_html(store, session_id, marking=marking), Path(tmp) / name)
                return time.perf_counter() - start

            figures["pdf_report_s"] = round(
                statistics.median(pdf(model, f"m{n}.pdf") for n in range(3)), 3
            )
            figures["pdf_report_2000_events_s"] = round(pdf(first, "long.pdf"), 3)
            screen.shutdown()
            screen.close()
            screen.deleteLater()
            pool.waitForDone(10000)
            app.processEvents()
    return figures


if __name__ == "__main__":  # pragma: no cover - manual use; `make bench` calls run()
    import json

    print(json.dumps(run(), indent=2))
