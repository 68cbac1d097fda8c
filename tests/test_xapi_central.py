"""`callsim central sync` with both a real PostgreSQL store and a real LRS configured: each
session reaches the store once and its statement reaches the LRS once."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.central.xapi import statement_id
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import GOOD, record, ticking_clock
from tests.helpers.lrs import HOMEPAGE, KEY, SECRET, LrsServer, lrs_fixture  # noqa: F401
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

pytest.importorskip("psycopg")


def test_central_sync_sends_to_the_store_and_the_lrs(
    central_db: CentralDb,
    lrs: LrsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = tmp_path / "lrs.txt"
    creds.write_text(f"{KEY}:{SECRET}\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "machine.toml"
    config.write_text(
        f'data_dir = "{data}"\n[store]\nurl = "{central_db.pc_dsn}"\n'
        f'[lrs]\nendpoint = "{lrs.endpoint}"\ncredentials_file = "{creds}"\n'
        f'homepage = "{HOMEPAGE}"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("CALLSIM_DATA_DIR", raising=False)
    monkeypatch.setenv("CALLSIM_CONFIG", str(config))
    from app.storage.paths import default_db_path

    with SessionStore(default_db_path(), clock=ticking_clock()) as store:
        sid = record(store, tmp_path, GOOD)
    assert main(["central", "sync"]) == 0
    assert capsys.readouterr().out == (
        "sent 1 session(s) to the central store\nsent 1 xAPI statement(s) to the LRS\n"
    )
    assert main(["central", "sync"]) == 0
    assert capsys.readouterr().out == (
        "sent 0 session(s) to the central store\nsent 0 xAPI statement(s) to the LRS\n"
    )
    with central_db.owner() as conn:
        assert conn.execute("SELECT id FROM sessions").fetchall() == [(sid,)]
    assert [s["id"] for s in lrs.stored()] == [statement_id(sid)]
