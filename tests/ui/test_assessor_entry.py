"""The assessor entry drives its host only through `AssessorHost`: a fake host (a bare widget,
no MainWindow) is enough to refuse, ask for the passphrase, open the area and leave it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from app.assessor.auth import AssessorAuth
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.entry import AssessorEntry, AssessorHost
from app.ui.services import AppServices
from app.ui.voice_controller import VoiceController
from tests.ui.test_assessor_ui_kit import PASSPHRASE


class FakeHost(QWidget):
    """Records what the entry asks of its window."""

    def __init__(self, store: SessionStore | None) -> None:
        super().__init__()
        self.store = store
        self.calling = False
        self.posts: list[str] = []
        self.shown: list[tuple[QWidget, str]] = []
        self.removed: list[QWidget] = []
        self.starts = 0

    def in_call(self) -> bool:
        return self.calling

    def post(self, message: str) -> None:
        self.posts.append(message)

    def show_page(self, page: QWidget, screen: str) -> None:
        page.setParent(self)
        self.shown.append((page, screen))

    def remove_page(self, page: QWidget) -> None:
        self.removed.append(page)

    def show_start(self) -> None:
        self.starts += 1


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone(10000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "sessions.db") as store:
        yield store


def make_entry(
    qtbot: Any, host: FakeHost, services: AppServices, pool: QThreadPool
) -> AssessorEntry:
    qtbot.addWidget(host)
    voice = VoiceController(services.voice, pool, host)
    checked: AssessorHost = host  # the fake is a host as far as the type checker knows, too
    return AssessorEntry(checked, services, pool, voice, parent=host)


def test_the_area_opens_only_from_the_start_screen_with_a_store(
    qtbot: Any, services: AppServices, pool: QThreadPool, store: SessionStore
) -> None:
    no_store = FakeHost(None)
    make_entry(qtbot, no_store, services, pool).request()
    assert no_store.posts == ["The assessor area needs the session store, which is not open."]

    host = FakeHost(store)
    host.calling = True
    entry = make_entry(qtbot, host, services, pool)
    entry.request()
    assert host.posts == ["Finish the call first: the assessor area opens from the start screen."]
    assert entry.dialog is None and host.shown == []


def test_a_fake_host_is_enough_to_unlock_the_area_and_leave_it(
    qtbot: Any, services: AppServices, pool: QThreadPool, store: SessionStore
) -> None:
    AssessorAuth(store).set_passphrase(PASSPHRASE)
    services.settings.assessor_name = "Remembered Name"
    host = FakeHost(store)
    entry = make_entry(qtbot, host, services, pool)
    with qtbot.waitSignal(entry.sig_dialog_shown, timeout=5000) as shown:
        entry.action.trigger()
    dialog = shown.args[0]
    assert not dialog.first_use
    assert dialog.parent() is host
    assert dialog.name.text() == "Remembered Name"  # the declared setting, read back
    dialog.name.setText("Alex Assessor")
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(entry.sig_area_opened, timeout=10000):
        dialog.buttons.accepted.emit()
    area = entry.area
    assert isinstance(area, AssessorArea)
    assert host.shown == [(area, "assessor")]
    assert services.settings.assessor_name == "Alex Assessor"
    area.sig_status_posted.emit("a notice from the area")
    assert host.posts[-1] == "a notice from the area"

    entry.request()  # asking again while it is open shows the same area, not a new dialog
    assert host.shown == [(area, "assessor"), (area, "assessor")] and entry.dialog is None

    with qtbot.waitSignal(entry.sig_area_left, timeout=5000):
        area.lock.click()
    assert host.removed == [area] and host.starts == 1
    assert entry.area is None


def test_a_deleted_passphrase_record_keeps_the_area_locked(
    qtbot: Any, services: AppServices, pool: QThreadPool, store: SessionStore
) -> None:
    """The passphrase row deleted with a database tool: not "first use" (which would let anyone
    set a new one), and the area stays locked with the reason said."""
    import sqlite3

    AssessorAuth(store).set_passphrase(PASSPHRASE)
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute("DROP TRIGGER assessor_meta_no_delete")
        conn.execute("DELETE FROM assessor_meta")
    conn.close()
    host = FakeHost(store)
    entry = make_entry(qtbot, host, services, pool)
    with qtbot.waitSignal(entry.sig_dialog_shown, timeout=5000) as shown:
        entry.action.trigger()
    dialog = shown.args[0]
    assert not dialog.first_use
    dialog.name.setText("Alex Assessor")
    dialog.passphrase.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    assert "was deleted outside callsim" in dialog.error.text()
    assert "stays locked" in dialog.error.text()
    assert entry.area is None and host.shown == []
