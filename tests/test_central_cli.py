"""`callsim central sync` and `migrate` against the real server the tests start."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.cli import main
from app.engine.events import Event
from app.storage import SessionStore
from tests.conftest import SCENARIOS
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

pytest.importorskip("psycopg")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return folder


def _record(data_dir: Path) -> tuple[str, bytes]:
    """One finished session, played with a shipped scenario file's exact bytes."""
    path = sorted(SCENARIOS.glob("*.yaml"))[0]
    text = path.read_bytes()
    from app.storage.paths import default_db_path

    with SessionStore(default_db_path()) as store:
        sid = store.start_session(
            trainee="ann",
            scenario_id=path.stem,
            scenario_sha256=hashlib.sha256(text).hexdigest(),
            scenario_title="A shipped call",
            mode="practice",
        )
        store.append_events(sid, [Event(0, 0.0, "call_started", {})])
        store.finish_session(sid, {"score": 50.0, "passed": False})
    assert store.path.parent == data_dir
    return sid, text


def test_sync_sends_once_with_the_scenario_text(
    central_db: CentralDb, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.storage.paths import default_db_path

    assert default_db_path().parent == data_dir
    sid, text = _record(data_dir)
    assert main(["central", "sync", "--url", central_db.pc_dsn]) == 0
    assert capsys.readouterr().out == "sent 1 session(s) to the central store\n"
    assert main(["central", "sync", "--url", central_db.pc_dsn]) == 0
    assert capsys.readouterr().out == "sent 0 session(s) to the central store\n"
    with central_db.owner() as conn:
        assert conn.execute("SELECT id FROM sessions").fetchall() == [(sid,)]
        (content,) = conn.execute("SELECT content FROM scenario_texts").fetchone()
        assert bytes(content) == text


def test_sync_reads_the_server_from_the_machine_configuration(
    central_db: CentralDb,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "machine.toml"
    config.write_text(f'[store]\nurl = "{central_db.pc_dsn}"\n', encoding="utf-8")
    monkeypatch.setenv("CALLSIM_CONFIG", str(config))
    _record(data_dir)
    assert main(["central", "sync"]) == 0
    assert "sent 1 session(s)" in capsys.readouterr().out


def test_an_unreachable_server_is_one_located_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(data_dir)
    url = f"host={tmp_path} port=1 dbname=callsim user=pc"
    assert main(["central", "sync", "--url", url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"callsim: cannot reach the central store {tmp_path}:1/callsim: ")
    assert "No such file or directory. Check the [store] url" in line
    assert "Traceback" not in captured.err


def test_an_unreachable_server_never_shows_the_password(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(data_dir)
    assert main(["central", "sync", "--url", "postgresql://pc:s3cret@127.0.0.1:1/callsim"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callsim: cannot reach the central store 127.0.0.1:1/callsim: ")
    assert "s3cret" not in err


def test_no_server_configured_says_where_to_set_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(data_dir)
    assert main(["central", "sync"]) == 2
    assert "no central store is configured: set `url` under [store]" in capsys.readouterr().err


def test_migrate_as_the_owner(central_db: CentralDb, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["central", "migrate", "--url", central_db.owner_dsn]) == 0
    assert capsys.readouterr().out == "central schema already at version 2\n"
