"""Signing in to the assessor area with an account (name + passphrase): a wrong passphrase and
a lockout keep the area locked; the area is signed with the account's name; Reopen… is
disabled, with a tooltip saying why, for an account that is not a lead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool

from app.assessor.accounts import Accounts
from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.entry import AssessorEntry
from app.ui.services import AppServices
from tests.ui.conftest import FakeClock
from tests.ui.test_assessor_entry import FakeHost, make_entry
from tests.ui.test_assessor_ui_kit import (
    Recorded,
    built_in,
    make_area,
    model_answer,
    open_replay_of,
    record,
)

OLD = "the old shared one"
LEAD = "lead passphrase"
ALEX = "alex's passphrase"


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone(10000)


@pytest.fixture
def accounts_store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "sessions.db") as store:
        AssessorAuth(store).set_passphrase(OLD)
        accounts = Accounts(store)
        lead = accounts.create_first_lead("Ann Lead", LEAD, legacy_passphrase=OLD)
        accounts.create("Alex Assessor", ALEX, role="assessor", by=lead)
        yield store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callsim.db"


@pytest.fixture
def call(db: Path) -> Recorded:
    case = built_in()
    return record(db, case, model_answer(case), trainee="Sam Taylor")


def _dialog(qtbot: Any, entry: AssessorEntry) -> Any:
    with qtbot.waitSignal(entry.sig_dialog_shown, timeout=5000) as shown:
        entry.action.trigger()
    return shown.args[0]


def _submit(qtbot: Any, dialog: Any, name: str, passphrase: str, signal: Any) -> None:
    dialog.name.setText(name)
    dialog.passphrase.setText(passphrase)
    with qtbot.waitSignal(signal, timeout=10000):
        dialog.buttons.accepted.emit()


def test_sign_in_with_name_and_passphrase_and_a_wrong_one(
    qtbot: Any, services: AppServices, pool: QThreadPool, accounts_store: SessionStore
) -> None:
    host = FakeHost(accounts_store)
    entry = make_entry(qtbot, host, services, pool)
    dialog = _dialog(qtbot, entry)
    assert dialog.accounts is not None and not dialog.first_use
    ok = dialog.buttons.buttons()[0]
    assert "Sign" in ok.text() and dialog.name.accessibleName() == "Account name"
    assert not dialog.confirm.isVisibleTo(dialog)
    _submit(qtbot, dialog, "Ann Lead", OLD, dialog.sig_refused)  # the retired passphrase
    assert dialog.error.text() == "That name or passphrase is not right. The area stays locked."
    assert dialog.passphrase.text() == "" and entry.area is None
    _submit(qtbot, dialog, "Nobody", LEAD, dialog.sig_refused)  # an unknown name: same words
    assert dialog.error.text().startswith("That name or passphrase is not right.")
    _submit(qtbot, dialog, "  ann LEAD ", LEAD, entry.sig_area_opened)
    area = entry.area
    assert isinstance(area, AssessorArea)
    assert area.assessor == "Ann Lead"  # the account's name, not what was typed
    outcomes = [a.outcome for a in Accounts(accounts_store).attempts("Ann Lead")]
    assert outcomes == ["wrong", "ok"]


def test_five_failures_lock_the_dialog_out(
    qtbot: Any, services: AppServices, pool: QThreadPool, accounts_store: SessionStore
) -> None:
    host = FakeHost(accounts_store)
    entry = make_entry(qtbot, host, services, pool)
    dialog = _dialog(qtbot, entry)
    for _ in range(4):
        _submit(qtbot, dialog, "Alex Assessor", "a wrong guess", dialog.sig_refused)
    _submit(qtbot, dialog, "Alex Assessor", "a wrong guess", dialog.sig_refused)
    assert dialog.error.text().startswith("Too many failed sign-ins for 'Alex Assessor'")
    _submit(qtbot, dialog, "Alex Assessor", ALEX, dialog.sig_refused)  # right, but locked
    assert "Too many failed sign-ins" in dialog.error.text()
    assert entry.area is None and dialog.isVisible()


def test_reopen_is_disabled_with_a_reason_for_an_assessor(
    qtbot: Any,
    db: Path,
    call: Recorded,
    scenarios_dir: Path,
    clock: FakeClock,
) -> None:
    with SessionStore(db) as store:
        AssessorAuth(store).set_passphrase(OLD)
        accounts = Accounts(store)
        lead = accounts.create_first_lead("Ann Lead", LEAD, legacy_passphrase=OLD)
        accounts.create("Alex Assessor", ALEX, role="assessor", by=lead)
        Marking(store).sign_off(call.session_id, assessor="Ann Lead")
        area = make_area(qtbot, store, scenarios_dir, clock=clock)  # signed in as Alex
        open_replay_of(qtbot, area, call.session_id)
        bar = area.replay.signoff
        assert bar.reopen.isVisibleTo(area.replay) and not bar.reopen.isEnabled()
        assert "Only a lead assessor may reopen" in bar.reopen.toolTip()
        assert "Alex Assessor" in bar.reopen.toolTip()
        accounts.set_role("Alex Assessor", "lead", by=lead)
        open_replay_of(qtbot, area, call.session_id)
        assert bar.reopen.isEnabled() and bar.reopen.toolTip() == ""
        area.shutdown()


def test_a_tampered_account_row_keeps_the_area_locked_and_says_why(
    qtbot: Any, services: AppServices, pool: QThreadPool, accounts_store: SessionStore
) -> None:
    import sqlite3

    conn = sqlite3.connect(accounts_store.path)
    try:
        with conn:
            conn.execute("DROP TRIGGER assessor_accounts_no_update")
            conn.execute(
                "UPDATE assessor_accounts SET role = 'lead' WHERE name_key = 'alex assessor'"
            )
    finally:
        conn.close()
    host = FakeHost(accounts_store)
    entry = make_entry(qtbot, host, services, pool)
    dialog = _dialog(qtbot, entry)
    _submit(qtbot, dialog, "Alex Assessor", ALEX, dialog.sig_refused)
    assert "changed outside callsim" in dialog.error.text()
    assert "(Alex Assessor) was changed" in dialog.error.text()
    assert entry.area is None


def test_first_use_is_closed_where_the_machine_file_sets_up_accounts(
    qtbot: Any,
    services: AppServices,
    pool: QThreadPool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.assessor.auth import hash_passphrase

    assert not Path("/etc/callsim/config.toml").exists()
    machine = tmp_path / "machine.toml"
    machine.write_text(
        f'[assessors]\nbootstrap_code_hash = "{hash_passphrase("IT code 1234")}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CALLSIM_CONFIG", str(machine))
    with SessionStore(tmp_path / "new.db") as store:
        host = FakeHost(store)
        entry = make_entry(qtbot, host, services, pool)
        entry.request()
        qtbot.waitUntil(lambda: bool(host.posts), timeout=5000)
        assert "callsim accounts create" in host.posts[-1]
        assert entry.dialog is None and not AssessorAuth(store).is_set()
