"""Save docs/screenshot-studio.png: the instructor studio on the built-in scenario, mid-edit.

    xvfb-run -a -s "-screen 0 1366x800x24" .venv/bin/python scripts/screenshot_studio.py

Without a display it re-runs itself under xvfb-run when that exists. The script opens a copy
of the built-in scenario (nothing real is changed), types a new state that nothing leads to
yet (so the problems list shows a located warning), talks to the caller for three turns in
the Play tab, and saves the window. `--tab outline|map|play|tests|voice` picks the tab shown,
`--out FILE` saves elsewhere (for checking the other tabs).
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
SIZE = (1366, 800)
TURNS = (
    "Police, what's your emergency?",
    "What's the address?",
    "Is anyone injured?",
)
NEW_STATE = (
    "  callback:\n"
    "    description: Ms A rings back later (not wired up yet).\n"
    '    say: [{id: cb.hello, text: "Hi, it\'s me again. Is someone coming?"}]\n'
)


def main() -> int:
    p = argparse.ArgumentParser(description="save a screenshot of the studio")
    p.add_argument("--tab", default="play", choices=("outline", "map", "play", "tests", "voice"))
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-studio.png")
    opts = p.parse_args()
    rc = shotkit.reexec_under_xvfb()
    if rc is not None:
        return rc
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="callsim-studio-shot-"))
    os.environ.setdefault("CALLSIM_CACHE_DIR", str(tmp / "cache"))
    try:
        return _shoot(tmp, opts.tab, opts.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _shoot(tmp: Path, tab: str, out: Path) -> int:
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.services.catalog import ScenarioCatalog
    from app.studio.template import template_path
    from app.ui.studio.prompts import Prompts
    from app.ui.studio.window import StudioServices, StudioWindow
    from app.voice import ManualScheduler, SilentPlayer, open_voice

    app = QApplication(sys.argv[:1])
    font = app.font()
    font.setPointSize(10)
    app.setFont(font)
    kit = open_voice()
    kit.player = SilentPlayer(ManualScheduler())
    catalog = ScenarioCatalog.from_environment()
    src = catalog.folder / f"{catalog.built_in()}.yaml"
    work = tmp / "scenarios"
    work.mkdir()
    shutil.copy(src, work / src.name)
    window = StudioWindow(StudioServices(kit, work, template_path(), Prompts()))
    window.resize(*SIZE)
    window.show()

    def linted() -> None:
        shotkit.wait(lambda: not window.lint.pending, "the linter")

    assert window.files.open_file(work / src.name)
    linted()
    # a new state, typed where the states end: nothing leads to it yet (a warning)
    text = window.editor.toPlainText()
    at = text.index("\nglobal:") + 1
    line = text.count("\n", 0, at) + 1
    window.editor.go_to(line, 1)
    window.editor.textCursor().insertText(NEW_STATE + "\n")
    linted()
    window.show_tab("play")
    for said in TURNS:
        QTest.keyClicks(window.play.input, said)
        QTest.keyClick(window.play.input, Qt.Key.Key_Return)
    window.show_tab(tab)
    if tab == "tests":
        window.run_playtests()
        shotkit.wait(lambda: not window.tests.running and not window.lint.pending, "the playtests")
    if tab == "voice":
        window.voice.render_all()
        shotkit.wait(lambda: not window.voice.busy, "rendering", 120)
    window.problems.setCurrentItem(window.problems.topLevelItem(0))
    window.editor.go_to(line + 2, 5)
    window.play.input.setFocus() if tab == "play" else None
    for _ in range(10):
        QCoreApplication.processEvents()
        QTest.qWait(20)
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"wrote {out}")
    window.editor.document().setModified(False)
    window.close()
    window.deleteLater()
    QCoreApplication.processEvents()
    kit.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
