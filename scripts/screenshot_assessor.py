"""Save docs/screenshot-replay.png: the assessor's replay of a recorded call, in a real X
server, after scrubbing to the disclosure, overruling a criterion and pinning a comment.

    xvfb-run -a -s "-screen 0 1366x800x24" .venv/bin/python scripts/screenshot_assessor.py

Without a display it re-runs itself under xvfb-run when that exists. Sessions are recorded
headless (as `callsim play --record` does) into a temp folder: the built-in scenario's model
answer and a few weaker attempts, so the library and the progress chart have something to
show. Options: `--font PT`, `--out DIR`, `--library` (also save screenshot-library.png).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import shotkit  # beside this script (scripts/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SIZE = (1366, 800)
PASSPHRASE = "screenshot passphrase"


def _options() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="save a screenshot of the assessor's replay")
    p.add_argument("--font", type=int, default=11, help="text size in points")
    p.add_argument("--out", type=Path, default=DOCS, help="folder for the PNG")
    p.add_argument("--library", action="store_true", help="also save the library")
    return p.parse_args()


def main() -> int:
    rc = shotkit.reexec_under_xvfb()
    if rc is not None:
        return rc
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="callsim-assessor-shot-"))
    os.environ["CALLSIM_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("CALLSIM_CACHE_DIR", str(tmp / "cache"))
    os.environ["CALLSIM_TTS"] = "silent"
    try:
        return _shoot(tmp, _options())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _record(db: Path) -> str:
    """Record a few calls; returns the id of the model answer's session."""
    from app.headless import record_run, run_steps
    from app.scenario.loader import load_scenario
    from app.scenario.model import Step
    from app.services.catalog import ScenarioCatalog
    from app.storage import SessionStore

    catalog = ScenarioCatalog.from_environment()
    scenario = load_scenario(catalog.folder / f"{catalog.built_in()}.yaml")
    model = scenario.playtests[0].steps
    weak = tuple(s for s in model if s.kind != "flag")
    short = (Step("say", text="Police, what's your emergency?"), Step("end_call"))
    start = datetime.now(UTC) - timedelta(days=9)
    chosen = ""
    plan = (("Sam Taylor", short), ("Sam Taylor", weak), ("Sam Taylor", model),
            ("Ana Kowalski", weak), ("Ben Okafor", model))  # fmt: skip
    for n, (trainee, steps) in enumerate(plan):
        run = run_steps(scenario, steps)
        moment = start + timedelta(days=2 * n, hours=n)
        with SessionStore(db, clock=lambda m=moment: m) as store:  # type: ignore[misc]
            sid = record_run(store, run, trainee=trainee, mode="assessment")
        if trainee == "Sam Taylor" and steps is model:
            chosen = sid
    return chosen


def _shoot(tmp: Path, opts: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from app.assessor.auth import AssessorAuth
    from app.services.catalog import ScenarioCatalog
    from app.storage import SessionStore
    from app.ui.main_window import MainWindow
    from app.ui.services import AppServices
    from app.ui.settings import UiSettings
    from app.voice import ManualScheduler, SilentPlayer, open_voice

    db = tmp / "data" / "callsim.db"
    session_id = _record(db)
    with SessionStore(db) as store:
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    app = QApplication(sys.argv[:1])
    kit = open_voice(preference="silent")
    kit.player = SilentPlayer(ManualScheduler())
    settings = UiSettings.at(tmp / "settings.ini")
    settings.font_pt = opts.font
    services = AppServices(
        settings=settings,
        voice=kit,
        catalog=ScenarioCatalog.from_environment(),
        open_store=lambda: SessionStore(db),
        clock_factory=lambda: lambda: 0.0,
    )
    window = MainWindow(services)
    window.resize(*SIZE)
    window.show()

    def settle() -> None:
        shotkit.settle(8, 25)

    out: Path = opts.out
    out.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> None:
        settle()
        window.grab().save(str(out / name))
        print(f"wrote {out / name}")

    shotkit.wait(lambda: window.store is not None, "the session store")
    window.assessor.action.trigger()
    shotkit.wait(lambda: window.assessor.dialog is not None, "the passphrase dialog")
    dialog = window.assessor.dialog
    assert dialog is not None
    dialog.name.setText("Jo Patel")
    dialog.passphrase.setText(PASSPHRASE)
    dialog.submit()
    shotkit.wait(lambda: window.assessor.area is not None, "the assessor area")
    area = window.assessor.area
    assert area is not None
    shotkit.wait(lambda: area.library.model.rowCount() == 5, "the library")
    area.library.select_session(session_id)
    shotkit.wait(lambda: bool(area.library.chart.points), "the progress chart")
    if opts.library:
        save("screenshot-library.png")
    replay = area.replay
    area.library.open_selected()
    shotkit.wait(
        lambda: replay.replay is not None and replay.session_id == session_id, "the replay"
    )
    window.post("")
    replay.seek_to_mark("disclosure")
    # Pin a comment and overrule one criterion, as an assessor would, through the screen.
    replay.comments.text.setText("Good: kept listening when the caller started a new topic")
    replay.comments.submit()
    shotkit.wait(
        lambda: any(i.kind == "comment" for i in replay.timeline.timeline.items), "a comment"
    )
    card = replay.marking_panel.cards.get("acknowledged") or next(
        iter(replay.marking_panel.cards.values())
    )
    card.open_form()
    card.reason.setText("Said the words, but moved straight on to the name: not acknowledged")
    card.submit()
    shotkit.wait(lambda: "overruled" in card.assessor.text(), "the overrule")
    agree = [c for c in replay.marking_panel.cards.values() if c is not card][:2]
    for other in agree:
        other.agree.click()
    shotkit.wait(lambda: all("agrees" in c.assessor.text() for c in agree), "the agreements")
    # Show where a piece of evidence is: the flag raised after the disclosure.
    flagged = [c for c in replay.marking_panel.cards.values() if c.evidence_buttons]
    target = next((c for c in flagged if "flag" in c.evidence_buttons[0].text()), None)
    if target is not None:
        target.evidence_buttons[0].click()
    else:
        replay.seek_to_mark("disclosure")
    settle()  # the cards' geometry
    replay.marking_panel.verticalScrollBar().setValue(card.y() - 6)  # the overrule at the top
    window.statusBar().clearMessage()
    save("screenshot-replay.png")
    window.close()
    kit.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
