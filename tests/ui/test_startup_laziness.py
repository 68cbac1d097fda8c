"""The start screen is drawn before the heavy parts of the app are imported (#11: start-up
within 1.5x a bare PySide6 window). A fresh process wired as `callsim` wires the window
(`app.ui.main.default_services`) reaches the scenario list, from the index of an earlier
start, without the YAML loader, the scenario model, the matcher (numpy), the voice (its
engine and the sound-device probe), the session store, the PDF writer or the screens a call
leads to; they come after the first paint, and the window still ends up complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMenu

from app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

# Not needed to paint the start screen: none may be imported by the time the list is shown.
DEFERRED = (
    "ruamel",
    "numpy",
    "reportlab",
    "sqlite_utils",
    "sounddevice",
    "pyttsx3",
    "app.matching",
    "app.scenario.loader",
    "app.scenario.model",
    "app.storage.store",
    "app.voice",
    "app.ui.voice_controller",
    "app.ui.assessor",
    "app.ui.trainee.debrief",
    "app.ui.trainee.content_note",
    "app.ui.trainee.call_screen",
    "app.logs",
)

_START = """
import json, sys
import PySide6.QtCore, PySide6.QtGui
from PySide6.QtWidgets import QApplication
lazy = "Qt" not in vars(PySide6.QtCore)  # this PySide6 creates each class when first used
from app.services.catalog import ScenarioCatalog
from app.ui.main import default_services
from app.ui.main_window import MainWindow
from app.ui.settings import UiSettings
app = QApplication(sys.argv[:1])
services = default_services(ScenarioCatalog.from_environment())
services.settings = UiSettings.at(sys.argv[1])
window = MainWindow(services)
window.show()
seen = {}
def listed():
    seen["rows"] = window.start.list.count()
    seen["modules"] = sorted(sys.modules)
    # Classes that cost more to create than the window takes to draw (their enums).
    made = {"Qt": vars(PySide6.QtCore), "QKeySequence": vars(PySide6.QtGui)}
    seen["qt_classes"] = sorted(n for n, where in made.items() if lazy and n in where)
def finished():
    seen["finished"] = True
    app.quit()
window.sig_list_shown.connect(listed)
window.sig_startup_finished.connect(finished)
app.exec()
after = set(sys.modules)  # after the first paint and start-up: what was deferred came
print(json.dumps({**seen, "after": sorted(after)}))
window.close()
services.close()
"""


def _start(tmp: Path, n: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CALLSIM_DATA_DIR": str(tmp / "data"),
        "CALLSIM_CACHE_DIR": str(tmp / "cache"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CALLSIM_SCENARIOS", None)  # the shipped scenarios, as the bench measures
    out = subprocess.run(
        [sys.executable, "-c", _START, str(tmp / f"settings{n}.ini")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return report


def _loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_the_scenario_list_is_shown_before_the_heavy_imports(tmp_path: Path) -> None:
    _start(tmp_path, 0)  # the first start writes the index the next one lists from
    report = _start(tmp_path, 1)
    assert report["rows"] >= 1  # the shipped scenarios are listed
    early = [name for name in DEFERRED if _loaded(report["modules"], name)]
    assert early == [], f"imported before the scenario list was shown: {early}"
    assert report["qt_classes"] == [], "created before the scenario list was shown"
    # ...and they did come once the app had started (the check above can fail).
    assert report["finished"]
    for name in ("app.scenario.model", "app.voice", "app.ui.assessor", "app.ui.trainee.debrief"):
        assert _loaded(report["after"], name), name


def test_the_deferred_parts_arrive_after_start_up(qtbot: Any, window: MainWindow) -> None:
    """The voice status, the assessor menu item (before Quit) and the other screens are there
    once the window has started, as they were when they were built up front."""
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    qtbot.waitUntil(lambda: window.assessor.action in file_menu.actions(), timeout=5000)
    actions = file_menu.actions()
    assert actions.index(window.assessor.action) < len(actions) - 1  # Quit stays last
    status = window.services.voice.status
    expected = " ".join(status.notices) if status.notices else status.summary()
    assert window.voice_label.text() == expected
    assert window.stack.indexOf(window.debrief) > 0 and window.stack.indexOf(window.note) > 0


def test_the_built_in_id_kept_in_the_index_follows_the_product_file(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The index remembers the built-in id per product-file content: a changed file is read
    again, never answered from the index."""
    from app.services.catalog import ScenarioCatalog

    monkeypatch.setenv("CALLSIM_CACHE_DIR", str(tmp_path / "cache"))
    product = tmp_path / "product.toml"
    product.write_text('built_in_scenario = "first"\n', encoding="utf-8")
    catalog = ScenarioCatalog(tmp_path / "scenarios", product_file=product)
    assert catalog.built_in() == "first"
    assert "first" in (tmp_path / "cache" / "catalog-index.json").read_text(encoding="utf-8")
    assert catalog.built_in() == "first"  # from the index now
    product.write_text('built_in_scenario = "second"\n', encoding="utf-8")
    assert catalog.built_in() == "second"
