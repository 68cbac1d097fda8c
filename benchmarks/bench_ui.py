"""Desktop-app benchmarks (offscreen Qt). `run()` returns the figures and prints nothing.

- `app_start_to_list_s`: a fresh process (interpreter start and imports included) wires the
  app as `callsim` does and shows the start screen, until the scenario list is on screen
  (`sig_list_shown`: from the index of an earlier start, or loaded). Median of 5 runs.
- `bare_pyside6_window_s`: the same for a bare PySide6 window with a three-item list, measured
  the same way in the same run; `app_start_ratio_to_bare` is the first over it (#11's
  target: <= 1.5). `app_start_to_ready_in_process_s`: until every scenario is loaded and
  Start can be pressed (`sig_startup_finished`), in the process.
- `enter_to_audio_p50_ms` / `_p95_ms`: from the trainee pressing Enter to the caller's reply
  reaching the audio output: the real window, matcher, engine, voice queue and
  `SoundDevicePlayer`, with the reply already in the render cache and a fake output stream
  that timestamps its first callback (on its own thread, as PortAudio would). Turns whose
  reply starts with a scripted `pause_before` are left out (that wait is the scenario's, not
  the app's). Target p95 <= 50 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CALLS = 8  # model-answer calls played for the Enter-to-audio figures

_START_SCRIPT = """
import time
t0 = time.perf_counter()
import json, sys
from PySide6.QtWidgets import QApplication
from app.services.catalog import ScenarioCatalog
from app.ui.main import default_services
from app.ui.main_window import MainWindow
from app.ui.settings import UiSettings
app = QApplication(sys.argv[:1])
services = default_services(ScenarioCatalog.from_environment())
services.settings = UiSettings.at(sys.argv[1])
window = MainWindow(services)
window.show()
done, ready = [], []
rows = []
def listed():
    done.append(time.perf_counter())
    rows.append(window.start.list.count())
    print("listed", flush=True)  # the parent's clock stops at this line
window.sig_list_shown.connect(listed)
window.sig_startup_finished.connect(lambda: ready.append(time.perf_counter()))
while not (done and ready):
    app.processEvents()
    time.sleep(0.001)
print(json.dumps({"in_process_s": done[0] - t0, "ready_s": ready[0] - t0, "rows": rows[0]}),
      flush=True)
window.close()
services.close()
"""


# The reference, measured the same way in the same run: a bare PySide6 window with a list.
_BARE_SCRIPT = """
import time
t0 = time.perf_counter()
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QListWidget, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
items = QListWidget()
window.setCentralWidget(items)
window.show()
done = []
def fill():
    items.addItems(["one", "two", "three"])
    done.append(time.perf_counter())
    print("listed", flush=True)
QTimer.singleShot(0, fill)
while not done:
    app.processEvents()
    time.sleep(0.001)
print(json.dumps({"in_process_s": done[0] - t0, "rows": items.count()}), flush=True)
window.close()
"""


def _app_start(tmp: Path, script: str = _START_SCRIPT) -> tuple[float, float, float]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CALLSIM_DATA_DIR": str(tmp / "data"),
        "CALLSIM_CACHE_DIR": str(tmp / "cache"),
        "PYTHONPATH": str(ROOT),
    }
    walls, inside, ready = [], [], []
    for i in range(5):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(tmp / f"settings{i}.ini")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        walls.append(time.perf_counter() - t0)  # spawn to the list being shown
        if first.strip() != "listed":
            raise RuntimeError(f"the start-up script said {first!r}")
        line = proc.stdout.readline()
        proc.wait(60)
        proc.stdout.close()
        report = json.loads(line)
        if report["rows"] < 1:
            raise RuntimeError("the scenario list was empty")
        inside.append(report["in_process_s"])
        ready.append(report.get("ready_s", report["in_process_s"]))
    return statistics.median(walls), statistics.median(inside), statistics.median(ready)


class _Stamp:
    """Shared by the fake streams: when the first callback of the latest stream ran."""

    def __init__(self) -> None:
        self.first_callback: float | None = None
        self.event = threading.Event()


def _fake_stream_factory(stamp: _Stamp) -> Any:
    class FakeStream:
        def __init__(self, **kwargs: Any) -> None:
            self.callback = kwargs["callback"]
            self.finished = kwargs["finished_callback"]
            self.frame_bytes = kwargs["channels"] * {"int16": 2, "uint8": 1}.get(kwargs["dtype"], 4)
            self._thread: threading.Thread | None = None

        def start(self) -> None:
            def audio_thread() -> None:
                stamp.first_callback = time.perf_counter()
                stamp.event.set()
                out = bytearray(512 * self.frame_bytes)
                try:
                    self.callback(out, 512, None, None)
                except Exception:
                    pass
                self.finished()  # the line "ends" at once: the next reply is never queued

            self._thread = threading.Thread(target=audio_thread, daemon=True)
            self._thread.start()

        def abort(self) -> None:
            pass

        def close(self) -> None:
            pass

    return FakeStream


def _enter_to_audio(tmp: Path) -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.services.catalog import ScenarioCatalog
    from app.storage import SessionStore
    from app.ui.main_window import MainWindow
    from app.ui.services import AppServices
    from app.ui.settings import UiSettings
    from app.voice import open_voice, prerender

    app = QApplication.instance() or QApplication(sys.argv[:1])
    stamp = _Stamp()
    kit = open_voice(cache_dir=tmp / "cache", stream_factory=_fake_stream_factory(stamp))
    clock_now = [0.0]
    services = AppServices(
        settings=UiSettings.at(tmp / "bench.ini"),
        voice=kit,
        catalog=ScenarioCatalog.from_environment(),
        open_store=lambda: SessionStore(tmp / "bench.db"),
        clock_factory=lambda: lambda: clock_now[0],
    )
    window = MainWindow(services)
    window.show()
    samples: list[float] = []

    def spin(cond: Any, timeout: float = 20.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > end:
                raise RuntimeError("benchmark timed out")
            QCoreApplication.processEvents()
            time.sleep(0.0005)

    try:
        # the list is shown from the catalog's preview index first; the scenarios it names
        # are loaded just after (the start is lazy): wait for the chosen one
        spin(lambda: getattr(window.start.current_entry(), "scenario", None) is not None, 60)
        entry = window.start.current_entry()
        assert entry is not None and entry.scenario is not None
        scenario = entry.scenario
        prerender(scenario, kit.synth, kit.cache, audio_root=kit.audio.audio_root)  # warm
        spin(lambda: not window.voice.preparing, 120)
        says = [s.text for s in scenario.playtests[0].steps if s.kind == "say"]
        for _ in range(CALLS):
            clock_now[0] = 0.0
            if window.stack.currentWidget() is window.debrief:
                window.debrief.back.click()
            window.start.name.setText("bench")
            window.start.start.click()
            if window.stack.currentWidget() is window.note:
                window.note.proceed.click()
            spin(lambda: window.call_screen is not None)
            screen = window.call_screen
            assert screen is not None
            screen.answer()
            session = screen.session
            assert session is not None
            for text in says:
                spin(lambda: not window.voice.busy)
                clock_now[0] = max(clock_now[0], session.call.st.busy_until) + 2.0
                QTest.keyClicks(screen.input, text)
                before = len(session.events)
                stamp.event.clear()
                t0 = time.perf_counter()
                QTest.keyClick(screen.input, Qt.Key.Key_Return)
                replies = [e for e in session.events[before:] if e.kind == "caller_said"]
                if not replies:
                    continue
                if scenario.lines[replies[0].data["line_id"]].pause_before > 0:
                    spin(lambda: not window.voice.busy)
                    continue
                spin(stamp.event.is_set, 5)
                assert stamp.first_callback is not None
                samples.append((stamp.first_callback - t0) * 1000)
            spin(lambda: not window.voice.busy)
            screen.end_call()
            spin(lambda: window.stack.currentWidget() is window.debrief)
    finally:
        window.close()
        # voice preparation and other work run in the window's pools after the first paint:
        # let them finish before the caller removes the folder they write to
        for pool in (window.pool, window.voice_pool):
            pool.waitForDone()
        kit.close()
        app.processEvents()
    return samples


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    # ignore_cleanup_errors: a voice render still finishing in a worker can write into the
    # folder while it is removed (noted on issue #11: closing the window does not wait for it)
    with tempfile.TemporaryDirectory(prefix="callsim-bench-ui-", ignore_cleanup_errors=True) as d:
        tmp = Path(d)
        bare, _, _ = _app_start(tmp, _BARE_SCRIPT)
        wall, inside, ready = _app_start(tmp)
        samples = _enter_to_audio(tmp)
    return {
        "app_start_to_list_s": round(wall, 3),
        "app_start_in_process_s": round(inside, 3),
        "app_start_to_ready_in_process_s": round(ready, 3),  # Start usable: scenarios loaded
        "bare_pyside6_window_s": round(bare, 3),
        "app_start_ratio_to_bare": round(wall / bare, 2),
        "enter_to_audio_p50_ms": round(_pct(samples, 0.5), 2),
        "enter_to_audio_p95_ms": round(_pct(samples, 0.95), 2),
        "enter_to_audio_samples": len(samples),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
