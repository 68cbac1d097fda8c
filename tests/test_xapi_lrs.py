"""xAPI statements through the outbox to a real LRS (ralph, started by tests/helpers/lrs.py):
stored and read back by id, never twice, and what a lost LRS did not get is sent later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.central.xapi import (
    Lrs,
    LrsDown,
    XapiOutbox,
    XapiSentLog,
    XapiSettings,
    build_statement,
    sent_log_path,
    statement_id,
)
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import GOOD, SHORT, record, ticking_clock
from tests.helpers.lrs import HOMEPAGE, KEY, SECRET, LrsServer, lrs_fixture  # noqa: F401

statements_model = pytest.importorskip("ralph.models.xapi.base.statements")

SETTINGS = XapiSettings(homepage=HOMEPAGE)


def store_with(tmp_path: Path, *transcripts: str) -> tuple[SessionStore, list[str]]:
    store = SessionStore(tmp_path / "callsim.db", clock=ticking_clock())
    return store, [
        record(store, tmp_path, t, trainee=f"trainee {n}") for n, t in enumerate(transcripts)
    ]


def sent_as(store: SessionStore, sid: str) -> dict[str, Any]:
    rec = store.record(sid)
    assert rec is not None
    return build_statement(rec, SETTINGS)


def same_statement(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """What the LRS gives back is what was sent, plus what an LRS adds (stored, authority)."""
    statements_model.BaseXapiStatement.model_validate(theirs)
    assert {k: v for k, v in theirs.items() if k not in ("stored", "authority")} == ours


def test_a_round_trip_through_a_real_lrs(lrs: LrsServer, tmp_path: Path) -> None:
    store, ids = store_with(tmp_path, GOOD, SHORT)
    client = Lrs(lrs.endpoint, (KEY, SECRET))
    with store, XapiOutbox(store, client, SETTINGS) as box:
        assert box.pending() == ids
        report = box.send()
        assert report.ok and report.sent == ids and report.already == []
        assert box.pending() == []
        for sid in ids:
            theirs = client.get(statement_id(sid))
            assert theirs is not None
            same_statement(sent_as(store, sid), theirs)
        assert client.get(statement_id("no-such-session")) is None
    # both are in the LRS's file: the second write was stored too, not only the first
    assert [s["id"] for s in lrs.stored()] == [statement_id(sid) for sid in ids]


def test_a_resend_stores_nothing_new(lrs: LrsServer, tmp_path: Path) -> None:
    store, ids = store_with(tmp_path, GOOD)
    client = Lrs(lrs.endpoint, (KEY, SECRET))
    with store:
        with XapiOutbox(store, client, SETTINGS) as box:
            assert box.send().sent == ids
            assert box.send().sent == []  # noted: not even asked again
        # the note lost (a new PC file, a restore): the LRS is asked again and keeps one copy
        sent_log_path(store).unlink()
        with XapiOutbox(store, client, SETTINGS) as box:
            assert box.pending() == ids
            report = box.send()
        assert report.ok and report.sent + report.already == ids
        ours = sent_as(store, ids[0])
    assert len(lrs.stored()) == 1
    # a statement that differs under the same id is refused with 409: counted as there
    changed = {**ours, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert client.put(changed) == "already"
    assert len(lrs.stored()) == 1


def test_the_lrs_going_away_mid_send_is_retried_later(lrs: LrsServer, tmp_path: Path) -> None:
    store, ids = store_with(tmp_path, GOOD, SHORT, GOOD)
    answered: list[int] = []

    def then_down(request: Any, timeout: float) -> Any:
        from app.central.xapi import _urlopen

        if answered:  # after the first statement the LRS goes away
            lrs.stop()
        response = _urlopen(request, timeout)
        answered.append(response.status)
        return response

    with store:
        with XapiOutbox(store, Lrs(lrs.endpoint, (KEY, SECRET), opener=then_down), SETTINGS) as box:
            report = box.send()
        assert report.sent == ids[:1] and report.left == 2
        assert report.error is not None and "cannot reach the LRS" in report.error
        assert "2 statement(s) wait for the next send" in report.error
        # a restart of the PC, then the LRS is back
        lrs.start()
        with XapiOutbox(store, Lrs(lrs.endpoint, (KEY, SECRET)), SETTINGS) as box:
            assert box.pending() == ids[1:]
            again = box.send()
        assert again.ok and again.sent == ids[1:]
    assert [s["id"] for s in lrs.stored()] == [statement_id(sid) for sid in ids]


def test_wrong_credentials_stop_the_run_and_note_nothing(lrs: LrsServer, tmp_path: Path) -> None:
    store, ids = store_with(tmp_path, GOOD, SHORT)
    with store, XapiOutbox(store, Lrs(lrs.endpoint, (KEY, "wrong")), SETTINGS) as box:
        report = box.send()
        assert report.sent == [] and report.left == 2
        assert report.error is not None and "refused the credentials" in report.error
        assert box.pending() == ids
    assert lrs.stored() == []
    log = XapiSentLog(sent_log_path(store))
    assert log.sent_sessions(Lrs(lrs.endpoint).endpoint) == set()
    log.close()


def test_an_lrs_that_is_not_there(tmp_path: Path, lrs: LrsServer) -> None:
    endpoint = lrs.endpoint
    lrs.stop()
    with pytest.raises(LrsDown, match="cannot reach the LRS http://127.0.0.1:"):
        Lrs(endpoint, (KEY, SECRET)).get(statement_id("x"))


# ---- the commands ----


def _configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lrs: LrsServer) -> Path:
    creds = tmp_path / "lrs-credentials.txt"
    creds.write_text(f"{KEY}:{SECRET}\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "machine.toml"
    config.write_text(
        f'data_dir = "{data}"\n[lrs]\nendpoint = "{lrs.endpoint}"\n'
        f'credentials_file = "{creds}"\nhomepage = "{HOMEPAGE}"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("CALLSIM_DATA_DIR", raising=False)
    monkeypatch.setenv("CALLSIM_CONFIG", str(config))
    return data


def test_callsim_xapi_send_uses_the_machine_configuration(
    lrs: LrsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _configure(tmp_path, monkeypatch, lrs)
    from app.storage.paths import default_db_path

    assert default_db_path().parent == data
    with SessionStore(default_db_path(), clock=ticking_clock()) as store:
        sid = record(store, tmp_path, GOOD)
    assert main(["xapi", "send"]) == 0
    assert capsys.readouterr().out == "sent 1 xAPI statement(s) to the LRS\n"
    assert main(["xapi", "send"]) == 0
    assert capsys.readouterr().out == "sent 0 xAPI statement(s) to the LRS\n"
    assert [s["id"] for s in lrs.stored()] == [statement_id(sid)]
    lrs.stop()
    with SessionStore(default_db_path(), clock=ticking_clock()) as store:
        record(store, tmp_path, SHORT)
    assert main(["xapi", "send"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("sent 0 xAPI statement(s) to the LRS\nstopped: cannot reach the LRS")
    assert out.endswith("1 statement(s) wait for the next send\n")


def test_callsim_xapi_send_refusals_are_one_located_line(
    lrs: LrsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _configure(tmp_path, monkeypatch, lrs)
    config = Path(str(tmp_path / "machine.toml"))
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("lrs-credentials.txt", "absent.txt"), encoding="utf-8")
    assert main(["xapi", "send"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("callsim: ") and "absent.txt: no such file ([lrs] credentials_file)" in err
    )
    config.write_text(text.replace("homepage", "activity_base"), encoding="utf-8")
    assert main(["xapi", "send"]) == 2
    assert "set `homepage` under [lrs]" in capsys.readouterr().err
    config.write_text(text.split("[lrs]")[0], encoding="utf-8")
    assert main(["xapi", "send"]) == 2
    assert "no LRS is configured" in capsys.readouterr().err
    assert main(["xapi", "send", "--endpoint", "http://lrs.example/"]) == 2
    assert "plain http to another machine" in capsys.readouterr().err


def test_central_sync_sends_to_the_lrs_even_when_the_store_is_unreachable(
    lrs: LrsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("psycopg")
    _configure(tmp_path, monkeypatch, lrs)
    config = tmp_path / "machine.toml"
    nowhere = f"host={tmp_path / 'no-server'} port=1 dbname=callsim"
    config.write_text(config.read_text() + f'[store]\nurl = "{nowhere}"\n', encoding="utf-8")
    from app.storage.paths import default_db_path

    with SessionStore(default_db_path(), clock=ticking_clock()) as store:
        sid = record(store, tmp_path, GOOD)
    assert main(["central", "sync"]) == 2
    said = capsys.readouterr()
    assert said.err.startswith("callsim: cannot reach the central store ")
    assert said.out == "sent 1 xAPI statement(s) to the LRS\n"
    assert [s["id"] for s in lrs.stored()] == [statement_id(sid)]
