"""The session library screen: every session listed (interrupted ones marked), filters, sort by
column, search of the words said (debounced), the progress chart and the CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.assessor.marks import Marking
from app.scenario.loader import load_scenario
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.library_model import COLUMNS
from app.ui.assessor.words import tr
from tests.conftest import SCENARIOS
from tests.ui.test_assessor_ui_kit import (
    Recorded,
    SaveTo,
    built_in,
    days_ago,
    make_area,
    model_answer,
    record,
    say,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callsim.db"


@pytest.fixture
def calls(db: Path) -> dict[str, Recorded]:
    """Sam's three attempts, Ana's one, Ben's burglary call, and Cleo's interrupted call."""
    case = built_in()
    good = model_answer(case)
    weak = tuple(s for s in good if s.kind != "flag")
    short = (say("Police, what's your emergency?"), say("what's the address?"))
    other = load_scenario(SCENARIOS / "burglary-welfare.yaml")
    return {
        "sam1": record(db, case, short + good[-1:], trainee="Sam Taylor", started=days_ago(20)),
        "sam2": record(db, case, weak, trainee="Sam Taylor", started=days_ago(12)),
        "sam3": record(db, case, good, trainee="Sam Taylor", started=days_ago(3)),
        "ana": record(db, case, weak, trainee="Ana Kowalski", started=days_ago(2)),
        "ben": record(db, other, model_answer(other), trainee="Ben Okafor", started=days_ago(400)),
        "cleo": record(
            db, case, good, trainee="Cleo Hart", started=days_ago(1), interrupted_after=12
        ),
    }


@pytest.fixture
def store(db: Path, calls: dict[str, Recorded]) -> Iterator[SessionStore]:
    with SessionStore(db) as s:
        yield s


@pytest.fixture
def area(qtbot: Any, store: SessionStore, scenarios_dir: Path, tmp_path: Path) -> AssessorArea:
    return make_area(qtbot, store, scenarios_dir, save=SaveTo(tmp_path / "results.csv"))


def shown(area: AssessorArea) -> list[str]:
    return [row.id for row in area.library.model.rows]


def choose(qtbot: Any, area: AssessorArea, combo: Any, value: object) -> None:
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=10000):
        combo.setCurrentIndex(combo.findData(value))


def test_every_session_is_listed_newest_first_and_interrupted_ones_say_so(
    area: AssessorArea, calls: dict[str, Recorded]
) -> None:
    order = ["cleo", "ana", "sam3", "sam2", "sam1", "ben"]
    assert shown(area) == [calls[k].session_id for k in order]
    model = area.library.model
    status = COLUMNS.index("status")
    cleo = model.index(0, status)
    assert cleo.data() == "⚠ Interrupted"
    assert cleo.data(Qt.ItemDataRole.ForegroundRole) is not None  # and in another colour
    assert "stopped before it ended" in cleo.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, COLUMNS.index("result")).data() == tr("no result")
    row = model.rows[2]
    assert model.index(2, COLUMNS.index("trainee")).data() == "Sam Taylor"
    assert model.index(2, COLUMNS.index("result")).data() == f"{row.score:g} · passed"
    assert model.index(2, COLUMNS.index("review")).data() == "Not reviewed"
    assert model.index(5, COLUMNS.index("scenario")).data() == row_title(area, 5)
    assert area.library.count.text() == "6 sessions"


def row_title(area: AssessorArea, n: int) -> str:
    return area.library.model.rows[n].scenario_title


def test_filters_by_trainee_scenario_status_review_and_date(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded], store: SessionStore
) -> None:
    lib = area.library
    assert lib.trainee.findData("Sam Taylor") > 0 and lib.scenario.findData("burglary-welfare") > 0
    choose(qtbot, area, lib.trainee, "Sam Taylor")
    assert shown(area) == [calls[k].session_id for k in ("sam3", "sam2", "sam1")]
    choose(qtbot, area, lib.trainee, None)
    choose(qtbot, area, lib.scenario, "burglary-welfare")
    assert shown(area) == [calls["ben"].session_id]
    choose(qtbot, area, lib.scenario, None)
    choose(qtbot, area, lib.status, "interrupted")
    assert shown(area) == [calls["cleo"].session_id]
    choose(qtbot, area, lib.status, None)
    choose(qtbot, area, lib.period, 30)
    assert calls["ben"].session_id not in shown(area) and len(shown(area)) == 5
    choose(qtbot, area, lib.period, None)
    # Review state: a comment puts Ana's call in review; a verdict makes it reviewed.
    Marking(store).comment(calls["ana"].session_id, 3.0, "look here", assessor="A")
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.reload()
    choose(qtbot, area, lib.review, "in_review")
    assert shown(area) == [calls["ana"].session_id]
    choose(qtbot, area, lib.review, "unreviewed")
    assert calls["ana"].session_id not in shown(area) and len(shown(area)) == 5
    choose(qtbot, area, lib.trainee, "Cleo Hart")
    assert shown(area) == [calls["cleo"].session_id]
    choose(qtbot, area, lib.trainee, "Ana Kowalski")
    assert shown(area) == [] and lib.count.text() == "No sessions match these filters"


def test_a_header_click_sorts_by_that_column_and_the_selection_follows(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded]
) -> None:
    table, model = area.library.table, area.library.model
    assert area.library.select_session(calls["sam2"].session_id)
    header = table.horizontalHeader()
    result = COLUMNS.index("result")
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=section_centre(header, result)
    )
    scores = [r.score for r in model.rows]
    numbers = [s for s in scores if s is not None]
    assert numbers == sorted(numbers) or numbers == sorted(numbers, reverse=True)
    assert scores[-1] is None  # the interrupted call has no score: last either way
    first = numbers[0]
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=section_centre(header, result)
    )
    again = [r.score for r in model.rows if r.score is not None]
    assert again == list(reversed(numbers)) and again[-1] == first
    assert area.library.selected_row() is not None
    assert area.library.selected_row().id == calls["sam2"].session_id  # type: ignore[union-attr]
    # By keyboard: the Sort box.
    area.library.sort.setFocus()
    area.library.sort_by("trainee", Qt.SortOrder.AscendingOrder)
    assert area.library.sort.currentText() == "Trainee A–Z"
    names = [r.trainee for r in model.rows]
    assert names == sorted(names, key=str.casefold)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=section_centre(header, 0))
    assert area.library.sort.currentText() in ("Trainee A–Z", "Newest first")


def section_centre(header: Any, section: int) -> Any:
    from PySide6.QtCore import QPoint

    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    return QPoint(x, header.height() // 2)


def test_search_finds_the_words_said_after_a_pause_in_typing(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded]
) -> None:
    lib = area.library
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000) as loaded:
        qtbot.keyClicks(lib.search, "serious allegation")
    # One query for the whole phrase (debounced), not one per key.
    assert loaded.args == [3]
    assert set(shown(area)) == {calls[k].session_id for k in ("sam3", "ana", "sam2")}
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.search.setText("scrap")  # the caller's words are searchable too
    assert calls["ben"].session_id not in shown(area) and calls["sam3"].session_id in shown(area)
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.search.setText('"; DROP TABLE sessions;--')
    assert shown(area) == []
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.search.clear()
    assert len(shown(area)) == 6


def test_choosing_a_row_draws_that_trainees_progress(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded]
) -> None:
    lib = area.library
    with qtbot.waitSignal(lib.sig_progress_shown, timeout=10000) as drawn:
        lib.select_session(calls["sam1"].session_id)
    assert drawn.args == ["Sam Taylor"]
    chart = lib.chart
    assert [p.session_id for p in chart.points] == [
        calls[k].session_id for k in ("sam1", "sam2", "sam3")
    ]
    assert chart.pass_mark == calls["sam3"].result["pass_mark"]
    described = chart.accessibleDescription()
    assert "attempt 1" in described and "attempt 3" in described and "Pass mark" in described
    image = chart.grab()  # it paints without error
    assert not image.isNull()


def test_enter_on_a_row_opens_its_replay_and_csv_exports_the_filter(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded], tmp_path: Path
) -> None:
    lib = area.library
    choose(qtbot, area, lib.trainee, "Sam Taylor")
    with qtbot.waitSignal(area.exporter.sig_export_finished, timeout=10000) as done:
        lib.csv.click()
    assert done.args == ["csv", tmp_path / "results.csv"]
    with open(tmp_path / "results.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["session_id"] for r in rows) == sorted(
        calls[k].session_id for k in ("sam1", "sam2", "sam3")
    )
    lib.select_session(calls["sam3"].session_id)
    lib.table.setFocus()
    with qtbot.waitSignal(area.replay.sig_replay_shown, timeout=15000) as opened:
        qtbot.keyClick(lib.table, Qt.Key.Key_Return)
    assert opened.args == [calls["sam3"].session_id]
    assert area.stack.currentWidget() is area.replay


def test_filter_by_mode(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded], db: Path
) -> None:
    """Assessment calls apart from practice ones: the Mode filter."""
    case = built_in()
    exam = record(db, case, model_answer(case), trainee="Dee", mode="assessment")
    lib = area.library
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.reload()
    assert [lib.mode.itemText(i) for i in range(lib.mode.count())] == [
        "Any mode", "Practice", "Assessment", "Headless (scripted)",
    ]  # fmt: skip
    choose(qtbot, area, lib.mode, "assessment")
    assert shown(area) == [exam.session_id]
    choose(qtbot, area, lib.mode, "practice")
    assert shown(area) == [] and lib.count.text() == "No sessions match these filters"
    choose(qtbot, area, lib.mode, None)
    assert len(shown(area)) == 7
