"""Under a real X server (Xvfb), text boxes claim Ctrl+E ("end of line"); offscreen Qt does
not, so only this test can catch End call going dead while the trainee types."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = r"""
import sys
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from app.scenario.loader import load_scenario
from app.ui.trainee.call_screen import CallScreen, CallSetup
from app.ui.voice_controller import VoiceController
from app.voice import AudioCache, LineAudio, SilentPlayer, SilentSynth, VoiceKit, VoiceStatus
from app.voice import ManualScheduler
from PySide6.QtCore import QThreadPool
from app.services.catalog import build_matcher

app = QApplication(sys.argv[:1])
tmp = Path(sys.argv[1])
scenario = load_scenario(Path(sys.argv[2]))
synth = SilentSynth(); cache = AudioCache(tmp / "cache")
kit = VoiceKit(synth, cache, LineAudio(synth, cache, None), SilentPlayer(ManualScheduler()),
               VoiceStatus("silent", "silent"))
pool = QThreadPool()
results = []
for where in ("input", "log"):
    voice = VoiceController(kit, pool)
    screen = CallScreen(CallSetup(scenario, build_matcher(scenario), lambda: (lambda: 5.0)), voice)
    screen.resize(1200, 700)
    screen.show()
    screen.activateWindow()
    QTest.qWaitForWindowActive(screen)
    screen.answer()
    editor = screen.input if where == "input" else next(iter(screen.log.editors.values()))
    editor.setFocus()
    QTest.keyClicks(editor, "typing")
    QTest.keyClick(editor, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    results.append(f"{where}:{app.platformName()}:{screen.session.ended}")
    screen.shutdown()
    screen.close()
pool.waitForDone()
print(" ".join(results))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (apt xvfb)")
def test_ctrl_e_ends_the_call_while_typing_under_x11(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = str(ROOT)
    scenario = ROOT / "scenarios" / "misconduct-disclosure.yaml"
    cmd = ["xvfb-run", "-a", sys.executable, "-c", SCRIPT, str(tmp_path), str(scenario)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["input:xcb:True", "log:xcb:True"]
