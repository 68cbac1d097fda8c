"""`make screenshots`: run the real window through a scripted call and save PNGs in docs/.

    xvfb-run -a -s "-screen 0 1366x800x24" .venv/bin/python scripts/screenshots.py

Without a display it re-runs itself under xvfb-run when that exists. No human is needed: the
script plays the built-in scenario's model answer (its first playtest) with a scripted clock,
so the call clock shows believable times, and a voice that keeps silent time on demand, so
the "speaking" indicator can be caught mid-line. Sessions and settings go to a temp folder.

Saves docs/screenshot-start.png, docs/screenshot-call.png (after the disclosure, a flag
raised and the log filled) and docs/screenshot-debrief.png. Options (for checking layouts):
`--font PT` (text size), `--out DIR` (somewhere other than docs/), `--mode assessment` (the call
as an assessed trainee sees it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import shotkit  # beside this script (scripts/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SIZE = (1280, 760)


def main() -> int:
    rc = shotkit.reexec_under_xvfb()
    if rc is not None:
        return rc
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="callsim-shots-"))
    os.environ["CALLSIM_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("CALLSIM_CACHE_DIR", str(tmp / "cache"))
    try:
        return _shoot(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class ScriptClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _options() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="save screenshots of a scripted call")
    p.add_argument("--font", type=int, default=11, help="text size in points")
    p.add_argument("--out", type=Path, default=DOCS, help="folder for the PNGs")
    p.add_argument(
        "--mode", default="practice", choices=("practice", "assessment"), help="the call's mode"
    )
    return p.parse_args()


def _shoot(tmp: Path) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.engine.timing import FLAG_SECONDS, LOG_SECONDS, speech_seconds
    from app.services.catalog import ScenarioCatalog
    from app.storage import SessionStore
    from app.ui.main_window import MainWindow
    from app.ui.services import AppServices
    from app.ui.settings import UiSettings
    from app.voice import ManualScheduler, SilentPlayer, open_voice

    app = QApplication(sys.argv[:1])
    scheduler = ManualScheduler()
    kit = open_voice()
    kit.player = SilentPlayer(scheduler)  # keeps time only when the script says so
    clock = ScriptClock()
    settings = UiSettings.at(tmp / "settings.ini")
    settings.trainee_name = "Sam Taylor"
    opts = _options()
    settings.font_pt = opts.font
    settings.mode = opts.mode
    out: Path = opts.out
    services = AppServices(
        settings=settings,
        voice=kit,
        catalog=ScenarioCatalog.from_environment(),
        open_store=lambda: SessionStore(tmp / "data" / "sessions.db"),
        clock_factory=lambda: clock,
    )
    window = MainWindow(services)
    window.resize(*SIZE)
    window.show()

    settle = shotkit.settle

    def drain_voice(keep_last: bool = False) -> None:
        """Let queued lines play to their end (all but the last one, if asked)."""
        for _ in range(200):
            settle()
            if not window.voice.busy or (keep_last and not window.voice._queue):
                return
            scheduler.advance(120.0)

    def save(name: str) -> None:
        settle()
        path = out / name
        window.grab().save(str(path))
        print(f"wrote {path}")

    shotkit.wait(lambda: window.start.list.count() > 0 and window.start.current_entry() is not None,
         "the scenario list")  # fmt: skip
    shotkit.wait(lambda: not window.voice.preparing, "the voice to be prepared", 120)
    out.mkdir(parents=True, exist_ok=True)
    save("screenshot-start.png")

    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None
    scenario = entry.scenario
    window.start.name.setText(settings.trainee_name)  # no name is kept between runs
    window.start.start.click()
    shotkit.wait(
        lambda: window.stack.currentWidget() in (window.note, window.call_screen), "the note"
    )
    if window.stack.currentWidget() is window.note:
        window.note.proceed.click()
    shotkit.wait(lambda: window.call_screen is not None, "the call screen")
    screen = window.call_screen
    assert screen is not None
    screen.incoming.answer.click()
    shotkit.wait(lambda: screen.session is not None, "the call to connect")
    session = screen.session
    assert session is not None
    drain_voice()

    steps = scenario.playtests[0].steps
    ends = next(i for i, s in enumerate(steps) if s.kind == "end_call")
    last_log = max(i for i, s in enumerate(steps) if s.kind == "log")  # the allegation note
    shot_after = next(i for i in range(last_log, ends) if steps[i].kind == "say")
    for i, step in enumerate(steps[:ends]):
        # The trainee acts once the caller has finished (as headless runs do).
        clock.now = max(clock.now, session.call.st.busy_until) + 1.5
        if step.kind == "say":
            clock.now += speech_seconds(step.text)
            screen.input.setFocus()
            QTest.keyClicks(screen.input, step.text)
            QTest.keyClick(screen.input, Qt.Key.Key_Return)
        elif step.kind == "flag":
            clock.now += FLAG_SECONDS
            screen.set_flag(step.text, True)
        elif step.kind == "log":
            for field, value in step.log:
                clock.now += LOG_SECONDS
                # a practice-only field is not there in assessment mode: the notes take it
                editor = screen.log.editors.get(field) or screen.log.editors["incident_notes"]
                editor.setFocus()
                QTest.keyClicks(editor, value if field in screen.log.editors else " " + value)
            screen.input.setFocus()
        if i == shot_after:
            # Mid-call: the caller is answering ("speaking"), her words captioned as she goes.
            screen.bar.set_clock(clock.now + 2)
            drain_voice(keep_last=True)
            save("screenshot-call.png")
        drain_voice()
    clock.now = max(clock.now, session.call.st.busy_until) + 1.0
    screen.bar.end_button.click()
    shotkit.wait(lambda: window.stack.currentWidget() is window.debrief, "the debrief")
    debrief = window.debrief
    # Show a piece of evidence in the transcript, as a trainee clicking it would.
    with_text = [c for c in debrief.cards if c.status == "met" and c.evidence_buttons]
    if with_text:
        with_text[len(with_text) // 2].evidence_buttons[-1].click()
    save("screenshot-debrief.png")
    window.close()
    kit.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
