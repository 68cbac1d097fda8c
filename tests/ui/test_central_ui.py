"""The assessor area on the training centre's central store (issue 13, item 1): with `[store]
url` configured, a "This PC" / "Centre (server)" switch; the centre's sessions through the
same library page (filters, search), replayed read-only with the central checks' banner; a
server that cannot be reached is one plain line and this PC's records still work.

Against a real PostgreSQL server (tests/helpers/pg.py), filled by a PC's outbox."""

from __future__ import annotations

import csv
import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool

from app.assessor.auth import AssessorAuth
from app.assessor.export import CSV_COLUMNS
from app.assessor.marks import Marking
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.central_source import CENTRAL, LOCAL, NO_MARKING, configured_url
from app.ui.services import AppServices
from tests.conftest import SCENARIOS
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401
from tests.ui.test_assessor_entry import FakeHost, make_entry
from tests.ui.test_assessor_ui_kit import (
    PASSPHRASE,
    SaveTo,
    built_in,
    days_ago,
    model_answer,
    open_replay_of,
    record,
    say,
)

SCENARIO_FILE = SCENARIOS / "misconduct-disclosure.yaml"


def _texts(_scenario_id: str, sha256: str) -> bytes | None:
    text = SCENARIO_FILE.read_bytes()
    return text if hashlib.sha256(text).hexdigest() == sha256 else None


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callsim.db"


@pytest.fixture
def synced(db: Path, central_db: CentralDb) -> dict[str, str]:
    """Three sessions recorded on this PC and sent to the centre, then one more that is not
    sent yet (it is on this PC only)."""
    pytest.importorskip("psycopg")
    from app.central.outbox import Outbox

    case = built_in()
    assert hashlib.sha256(SCENARIO_FILE.read_bytes()).hexdigest() == case.sha256
    good = model_answer(case)
    harbour = (say("Police, what's your emergency?"), say("is anyone hurt near the harbour?"))
    ids = {
        "sam": record(db, case, good, trainee="Sam Taylor", started=days_ago(5)).session_id,
        "ana": record(
            db, case, harbour + good[-1:], trainee="Ana Kowalski", started=days_ago(4)
        ).session_id,
        "ben": record(db, case, good, trainee="Ben Okafor", started=days_ago(3)).session_id,
    }
    with SessionStore(db) as store:
        with Outbox(store, central_db.pc_dsn, scenario_texts=_texts, source="pc1") as box:
            assert sorted(box.sync().sent) == sorted(ids.values())
    ids["local"] = record(db, case, good, trainee="Lou Local", started=days_ago(1)).session_id
    return ids


@pytest.fixture
def store(db: Path, synced: dict[str, str]) -> Iterator[SessionStore]:
    with SessionStore(db) as s:
        yield s


def _area(
    qtbot: Any, store: SessionStore, scenarios_dir: Path, url: str | None, tmp_path: Path
) -> AssessorArea:
    """The unlocked area, as the entry builds it with `url` as the configured [store] url."""
    pool = QThreadPool()
    area = AssessorArea(
        store,
        pool,
        assessor="Alex Assessor",
        catalog=ScenarioCatalog(scenarios_dir),
        clock=lambda: 0.0,
        ask_save_path=SaveTo(tmp_path / "report.html", tmp_path / "report.pdf"),
        central_url=url,
    )
    area._test_pool = pool  # type: ignore[attr-defined]  # lives as long as the area
    qtbot.addWidget(area)
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=10000):
        area.resize(1280, 760)
        area.show()
    return area


def _loaded(qtbot: Any, area: AssessorArea) -> None:
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=30000):
        pass


def shown(area: AssessorArea) -> list[str]:
    return [row.id for row in area.library.model.rows]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_switch_is_there_only_with_a_store_url(
    qtbot: Any,
    services: AppServices,
    scenarios_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with SessionStore(tmp_path / "pc.db") as store:
        without = _area(qtbot, store, scenarios_dir, None, tmp_path)
        assert without.source is None and without.central is None
        with_url = _area(qtbot, store, scenarios_dir, "postgresql://callsim@records/x", tmp_path)
        assert with_url.source is not None and with_url.central is not None
        assert [with_url.source.itemText(i) for i in range(2)] == ["This PC", "Centre (server)"]
        assert with_url.source.currentData() == LOCAL and not with_url.showing_central()
        for area in (without, with_url):
            area.shutdown()
        # What the entry passes: the machine configuration's [store] url, or nothing.
        machine = tmp_path / "machine.toml"
        monkeypatch.setenv("CALLSIM_CONFIG", str(machine))
        machine.write_text('voice = "silent"\n')
        assert configured_url() is None
        assert _unlocked(qtbot, services, store).source is None
        machine.write_text('[store]\nurl = "postgresql://callsim@records.example/callsim"\n')
        assert configured_url() == "postgresql://callsim@records.example/callsim"
        area = _unlocked(qtbot, services, store)
        assert area.central is not None
        assert area.central.url == "postgresql://callsim@records.example/callsim"


def _unlocked(qtbot: Any, services: AppServices, store: SessionStore) -> AssessorArea:
    """The area as the entry opens it after the passphrase."""
    if not AssessorAuth(store).is_set():
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    host = FakeHost(store)
    pool = QThreadPool()
    entry = make_entry(qtbot, host, services, pool)
    entry._test_pool = pool  # type: ignore[attr-defined]
    with qtbot.waitSignal(entry.sig_dialog_shown, timeout=5000) as shown_:
        entry.action.trigger()
    dialog = shown_.args[0]
    dialog.name.setText("Alex Assessor")
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(entry.sig_area_opened, timeout=10000):
        dialog.buttons.accepted.emit()
    area = entry.area
    assert isinstance(area, AssessorArea)
    return area


@pytest.mark.pg
def test_the_central_library_lists_each_synced_session_once_and_filters_and_searches(
    qtbot: Any,
    store: SessionStore,
    scenarios_dir: Path,
    tmp_path: Path,
    central_db: CentralDb,
    synced: dict[str, str],
) -> None:
    area = _area(qtbot, store, scenarios_dir, central_db.pc_dsn, tmp_path)
    assert sorted(shown(area)) == sorted(synced.values())  # this PC: all four
    with qtbot.waitSignal(area.sig_source_shown, timeout=30000):
        area.source.setCurrentIndex(area.source.findData(CENTRAL))  # type: ignore[union-attr]
        assert not area.source.isEnabled()  # type: ignore[union-attr]
        assert "Connecting to the central store" in area.source_note.text()
    assert area.showing_central() and area.library is area.central_library
    _loaded(qtbot, area)
    sent = [synced["ben"], synced["ana"], synced["sam"]]  # newest first
    assert shown(area) == sent  # each once; the unsent one is not there
    assert "(read-only)" in area.source_note.text()
    assert not area.library.criterion.isEnabled()  # no marks centrally to filter on
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=30000):
        area.library.trainee.setCurrentIndex(area.library.trainee.findData("Ana Kowalski"))
    assert shown(area) == [synced["ana"]]
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=30000):
        area.library.trainee.setCurrentIndex(0)
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=30000):
        area.library.search.setText("harbour")
        area.library.refresh()
    assert shown(area) == [synced["ana"]]
    # The CSV of the centre's results (the same columns as a PC's export), each session once.
    area.central_exporter.ask = SaveTo(tmp_path / "results.csv")
    with qtbot.waitSignal(area.central_exporter.sig_export_finished, timeout=60000) as done:
        area.library.csv.click()
    assert done.args == ["csv", tmp_path / "results.csv"]
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0])[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert [r["session_id"] for r in table] == sent[::-1]  # oldest first
    assert {r["verified"] for r in table} == {"yes"}
    assert [r["trainee"] for r in table] == ["Sam Taylor", "Ana Kowalski", "Ben Okafor"]
    # Back to this PC: its four sessions again.
    with qtbot.waitSignal(area.local_library.sig_library_loaded, timeout=30000):
        area.source.setCurrentIndex(area.source.findData(LOCAL))  # type: ignore[union-attr]
    assert not area.showing_central()
    assert sorted(shown(area)) == sorted(synced.values())


def _open_central(qtbot: Any, area: AssessorArea, session_id: str) -> Any:
    with qtbot.waitSignal(area.sig_source_shown, timeout=30000):
        area.source.setCurrentIndex(area.source.findData(CENTRAL))  # type: ignore[union-attr]
    _loaded(qtbot, area)
    replay = area.central_replay
    assert replay is not None
    assert area.library.select_session(session_id)
    with qtbot.waitSignal(replay.sig_central_checked, timeout=60000) as checked:
        area.library.open_selected()
    return checked.args[0]


@pytest.mark.pg
def test_a_central_session_replays_verified_read_only_with_its_reports(
    qtbot: Any,
    store: SessionStore,
    scenarios_dir: Path,
    tmp_path: Path,
    central_db: CentralDb,
    synced: dict[str, str],
) -> None:
    area = _area(qtbot, store, scenarios_dir, central_db.pc_dsn, tmp_path)
    sid = synced["sam"]
    checked = _open_central(qtbot, area, sid)
    replay = area.central_replay
    assert replay is not None and area.stack.currentWidget() is replay
    assert checked.altered is None
    names = [c.name for c in checked.checks]
    assert names[-2:] == ["rebuild", "re-score"] and all(c.ok for c in checked.checks)
    banner = replay.header.verified.text()
    assert banner.startswith("✓ Verified in the central store: nothing differs (9 checks)")
    assert replay.header.verified.property("state") == "good"
    assert replay.replay is not None and replay.replay.rebuilt_equal is True
    assert replay.timeline.timeline.items  # the events, on the timeline
    # Read-only: a plain sentence, every marking control disabled.
    assert replay.read_only.isVisibleTo(replay) and replay.read_only.text() == NO_MARKING
    assert not replay.signoff.isVisibleTo(replay)
    assert replay.marking_panel.cards
    for card in replay.marking_panel.cards.values():
        assert not card.agree.isEnabled() and not card.change.isEnabled()
    assert not replay.comments.add.isEnabled() and not replay.comments.text.isEnabled()
    assert not replay.verdict.save.isEnabled()
    assert not area.moderate.isEnabled()
    # Even a request that got through would not mark the PC's copy of the session.
    with qtbot.waitSignal(replay.sig_status_posted, timeout=5000) as said:
        replay.marking_panel.sig_mark_requested.emit(
            next(iter(replay.marking_panel.cards)), "agree", None, ""
        )
    assert said.args == [NO_MARKING]
    assert Marking(store).current_marks(sid) == {}
    # The reports: the central report, HTML then PDF.
    exporter = area.central_exporter
    with qtbot.waitSignal(exporter.sig_export_finished, timeout=60000) as done:
        replay.verdict.sig_report_requested.emit("html")
    assert done.args == ["html", tmp_path / "report.html"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "central store" in page and sid in page and "ALTERED" not in page
    with qtbot.waitSignal(exporter.sig_export_finished, timeout=60000) as done:
        replay.verdict.sig_report_requested.emit("pdf")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.pg
def test_a_server_edit_shows_altered(
    qtbot: Any,
    store: SessionStore,
    scenarios_dir: Path,
    tmp_path: Path,
    central_db: CentralDb,
    synced: dict[str, str],
) -> None:
    sid = synced["ben"]
    with central_db.server.superuser(central_db.name) as su:
        su.execute("ALTER TABLE events DISABLE TRIGGER USER")
        su.execute(
            "UPDATE events SET data_json = replace(data_json, 'e', 'E') "
            "WHERE session_id = %s AND seq = 1",
            [sid],
        )
    area = _area(qtbot, store, scenarios_dir, central_db.pc_dsn, tmp_path)
    checked = _open_central(qtbot, area, sid)
    assert checked.altered is not None and checked.altered.name == "event log"
    replay = area.central_replay
    assert replay is not None
    banner = replay.header.verified.text()
    assert banner.startswith("✗ ALTERED in the central store: event log: event 1:")
    assert replay.header.verified.property("state") == "bad"
    with qtbot.waitSignal(replay.sig_back_chosen, timeout=5000):
        replay.header.back.click()
    area.central_exporter.ask = SaveTo(tmp_path / "results.csv")
    with qtbot.waitSignal(area.central_exporter.sig_export_finished, timeout=60000):
        area.library.csv.click()
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as f:
        verified = {r["session_id"]: r["verified"] for r in csv.DictReader(f)}
    assert verified[sid].startswith("ALTERED: event log: event 1:")
    assert [v for k, v in verified.items() if k != sid] == ["yes", "yes"]


@pytest.mark.pg
def test_an_unreachable_server_is_one_plain_line_and_this_pc_still_works(
    qtbot: Any, store: SessionStore, scenarios_dir: Path, tmp_path: Path, synced: dict[str, str]
) -> None:
    port = _closed_port()
    area = _area(
        qtbot, store, scenarios_dir, f"postgresql://callsim@127.0.0.1:{port}/callsim", tmp_path
    )
    assert area.source is not None
    with qtbot.waitSignal(area.sig_source_failed, timeout=60000) as failed:
        area.source.setCurrentIndex(area.source.findData(CENTRAL))
    line = failed.args[0]
    assert line.startswith(f"cannot reach the central store 127.0.0.1:{port}")
    assert line.endswith("— check the network or ask IT.") and "\n" not in line
    assert "Traceback" not in line and "Error:" not in line
    assert area.source_note.text() == line and area.source.isEnabled()
    assert area.source.currentData() == LOCAL and not area.showing_central()
    _loaded(qtbot, area)
    assert sorted(shown(area)) == sorted(synced.values())
    open_replay_of(qtbot, area, synced["local"])
    assert area.stack.currentWidget() is area.local_replay


@pytest.mark.pg
def test_a_connection_lost_is_one_plain_line_and_choosing_the_centre_again_reconnects(
    qtbot: Any,
    store: SessionStore,
    scenarios_dir: Path,
    tmp_path: Path,
    central_db: CentralDb,
    synced: dict[str, str],
) -> None:
    area = _area(qtbot, store, scenarios_dir, central_db.pc_dsn, tmp_path)
    assert area.source is not None
    with qtbot.waitSignal(area.sig_source_shown, timeout=30000):
        area.source.setCurrentIndex(area.source.findData(CENTRAL))
    _loaded(qtbot, area)
    assert len(shown(area)) == 3
    with central_db.server.superuser(central_db.name) as su:
        su.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [central_db.name],
        )
    with qtbot.waitSignal(area.sig_source_failed, timeout=60000) as failed:
        area.library.refresh()
    line = failed.args[0]
    assert "the connection to the central store" in line and "was lost while reading" in line
    assert line.endswith("— check the network or ask IT.") and "Error:" not in line
    assert area.source.currentData() == LOCAL and area.central_library is None
    _loaded(qtbot, area)
    assert len(shown(area)) == 4  # this PC's records
    with qtbot.waitSignal(area.sig_source_shown, timeout=30000) as again:
        area.source.setCurrentIndex(area.source.findData(CENTRAL))
    assert again.args == [CENTRAL]
    _loaded(qtbot, area)
    assert sorted(shown(area)) == sorted(v for k, v in synced.items() if k != "local")
