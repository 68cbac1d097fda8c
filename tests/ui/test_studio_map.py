"""The studio's map (app/ui/studio/map_view.py) on the built-in scenario, which understands
more than forty intents: long intent lists are counts, and the map fits its view (again when
the view is resized) until the instructor zooms."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.scenario.loader import load_scenario
from app.studio.graph import scenario_graph
from app.studio.map_text import LOOP_CHARS
from app.ui.studio.map_view import MapView
from tests.conftest import SCENARIOS
from tests.ui.studio_kit import make_studio, open_and_lint

BUILT_IN = SCENARIOS / "misconduct-disclosure.yaml"


def fits(view: MapView) -> bool:
    """The whole map is inside the view: nothing to scroll to."""
    shown = view.mapFromScene(view.sceneRect()).boundingRect()
    return view.viewport().rect().adjusted(-2, -2, 2, 2).contains(shown)


def settle(qtbot: Any, view: MapView, w: int, h: int) -> None:
    view.resize(w, h)
    qtbot.waitUntil(lambda: view.size().width() == w and view.size().height() == h)
    QApplication.processEvents()


def test_the_built_in_map_fits_its_view_and_counts_its_intents(qtbot: Any) -> None:
    s = load_scenario(BUILT_IN)
    assert len(s.intents) >= 40
    view = MapView()
    qtbot.addWidget(view)
    view.resize(560, 620)  # the studio's map tab on a 1366 x 768 screen
    view.set_graph(scenario_graph(s))
    view.show()
    qtbot.waitExposed(view)
    assert fits(view)
    assert view.zoom >= 0.6  # and still readable
    lists = {nid: [t.text() for t in items] for nid, items in view.loop_items.items()}
    assert len(lists["any"]) <= 6
    assert "↻ 10 intents" in lists["s_disclosed"]
    assert all(len(t) <= LOOP_CHARS for texts in lists.values() for t in texts)
    counted = next(t for t in view.loop_items["s_disclosed"] if t.text() == "↻ 10 intents")
    assert "intent: confirm_officer" in counted.toolTip()  # the list is one hover away
    assert len(counted.toolTip().splitlines()) == 9  # nine handlers, one of them for two intents


def test_the_map_follows_the_views_size_until_the_instructor_zooms(qtbot: Any) -> None:
    view = MapView()
    qtbot.addWidget(view)
    view.set_graph(scenario_graph(load_scenario(BUILT_IN)))
    view.show()
    qtbot.waitExposed(view)
    full = view.sceneRect()  # the map at 100%
    settle(qtbot, view, int(full.width() * 0.75), int(full.height() * 0.75))
    assert fits(view) and view.zoom < 0.8
    small = view.zoom
    settle(qtbot, view, int(full.width() * 0.9), int(full.height() * 0.9))
    assert fits(view) and small < view.zoom < 1.0
    settle(qtbot, view, int(full.width() * 1.5), int(full.height() * 1.5))
    assert fits(view) and view.zoom == 1.0  # never blown up past its size
    settle(qtbot, view, int(full.width() * 0.8), int(full.height() * 0.8))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Plus)  # the instructor zooms: the map stays as asked
    zoomed = view.zoom
    settle(qtbot, view, int(full.width() * 0.7), int(full.height() * 0.7))
    assert view.zoom == zoomed and not fits(view)
    qtbot.keyClick(view, Qt.Key.Key_0)  # 0 fits it again
    QApplication.processEvents()
    assert fits(view) and view.zoom < zoomed


def test_the_studio_map_tab_fits_the_map_drawn_while_it_was_hidden(
    qtbot: Any, tmp_path: Path, player: Any
) -> None:
    w, _ = make_studio(qtbot, tmp_path, player)
    w.resize(1000, 640)  # a small window: the map must shrink to fit its tab
    f = tmp_path / BUILT_IN.name
    shutil.copy(BUILT_IN, f)
    open_and_lint(qtbot, w, f)  # the map is drawn on the hidden Map tab
    w.show_tab("map")
    qtbot.waitUntil(lambda: w.map.isVisible())
    QApplication.processEvents()
    assert fits(w.map) and w.map.zoom < 1.0
