"""xAPI 1.0.3 statements for recorded sessions (app/central/xapi.py, `callsim xapi export`),
each validated with ralph's pydantic xAPI models (`ralph-malph`, MIT)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.central.xapi import (
    EXT_CRITICAL,
    EXT_MODE,
    EXT_SESSION,
    EXT_SHA256,
    EXT_VERSION,
    VERBS,
    XapiError,
    XapiSettings,
    build_statement,
    check_endpoint,
    iso_duration,
    read_credentials,
    registration_id,
    statement_id,
    statements_for,
    verb_for,
)
from app.cli import main
from app.config import ConfigError, load_config
from app.engine.events import Event
from app.storage import SessionStore
from app.storage.owner import Owner, this_host
from tests.assessor_kit import GOOD, SCRIPT, SHORT, case, record, ticking_clock

statements_model = pytest.importorskip("ralph.models.xapi.base.statements")
pydantic = pytest.importorskip("pydantic")

SETTINGS = XapiSettings(homepage="https://training.example")


def valid(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement, after ralph's xAPI 1.0.3 model has accepted it (raises otherwise)."""
    statements_model.BaseXapiStatement.model_validate(statement)
    return statement


def test_the_validator_refuses_what_is_not_xapi() -> None:
    good = {
        "actor": {"account": {"homePage": "https://training.example", "name": "Ana"}},
        "verb": {"id": VERBS["passed"]},
        "object": {"objectType": "Activity", "id": "https://training.example/a"},
        "version": "1.0.3",
    }
    valid(good)
    for broken in (
        {**good, "verb": {"id": "passed"}},  # not an IRI
        {**good, "actor": {"account": {"homePage": "not a url", "name": "Ana"}}},
        {**good, "result": {"score": {"scaled": 1.5}}},  # scaled is -1..1
        {**good, "result": {"duration": "20 minutes"}},
        {k: v for k, v in good.items() if k != "actor"},
    ):
        with pytest.raises(pydantic.ValidationError):
            valid(broken)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


def test_a_passed_assessment(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path, GOOD, trainee=f"Ana {SCRIPT}")
    rec = store.record(sid)
    assert rec is not None
    result = store.result(sid)
    assert result is not None and result["passed"] is True
    st = valid(build_statement(rec, SETTINGS))
    assert st["id"] == str(
        uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:callsim:xapi"), f"statement:{sid}")
    )
    assert st["id"] == statement_id(sid) != registration_id(sid) == st["context"]["registration"]
    assert st["version"] == "1.0.3"
    assert st["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://training.example", "name": f"Ana {SCRIPT}"},
    }
    assert "mbox" not in json.dumps(st)
    assert st["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    s = case()
    assert st["object"]["id"] == f"https://training.example/callsim/scenarios/{s.id}"
    assert st["object"]["definition"]["name"] == {"en-GB": rec.scenario_title}
    assert st["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/simulation"
    score = result["score"]
    assert st["result"]["score"] == {
        "scaled": round(score / 100, 4),
        "raw": score,
        "min": 0,
        "max": 100,
    }
    assert st["result"]["success"] is True and st["result"]["completion"] is True
    seconds = (
        datetime.fromisoformat(rec.ended_at) - datetime.fromisoformat(rec.started_at)
    ).total_seconds()
    assert seconds > 0
    assert st["result"]["duration"] == iso_duration(seconds)
    assert st["timestamp"] == datetime.fromisoformat(rec.ended_at).isoformat()
    assert st["context"]["extensions"] == {
        EXT_SHA256: s.sha256,
        EXT_VERSION: rec.callsim_version,
        EXT_CRITICAL: [],
        EXT_SESSION: sid,
        EXT_MODE: "headless",
    }
    # the same session gives the same statement, byte for byte: a resend is a duplicate
    assert json.dumps(build_statement(rec, SETTINGS)) == json.dumps(st)


def test_a_critical_failure_is_failed_with_its_criteria(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, SHORT)
    rec = store.record(sid)
    result = store.result(sid)
    assert rec is not None and result is not None and result["critical_failures"]
    st = valid(build_statement(rec, SETTINGS))
    assert st["verb"]["id"] == VERBS["failed"]
    assert st["result"]["success"] is False
    assert st["context"]["extensions"][EXT_CRITICAL] == result["critical_failures"]


def _finished(store: SessionStore, mode: str, result: dict[str, Any] | None) -> str:
    sid = store.start_session(
        trainee="Bo",
        scenario_id="demo call",
        scenario_sha256="ab" * 32,
        scenario_title="Demo",
        mode=mode,
    )
    store.append_events(sid, [Event(0, 0.0, "call_started", {})])
    store.finish_session(sid, result)
    return sid


def test_practice_and_no_pass_mark_are_completed(store: SessionStore) -> None:
    practice = _finished(store, "practice", {"score": 90.0, "passed": True, "pass_mark": 70})
    no_mark = _finished(store, "assessment", {"score": 40.0, "passed": False})
    no_result = _finished(store, "assessment", None)
    for sid in (practice, no_mark, no_result):
        rec = store.record(sid)
        assert rec is not None
        st = valid(build_statement(rec, SETTINGS))
        assert st["verb"]["id"] == VERBS["completed"], sid
        assert "success" not in st["result"] and st["result"]["completion"] is True
    rec = store.record(no_result)
    assert rec is not None and "score" not in build_statement(rec, SETTINGS)["result"]
    # the scenario id is quoted into the activity IRI
    assert build_statement(rec, SETTINGS)["object"]["id"].endswith("/scenarios/demo%20call")


def test_a_session_without_a_trainee_name_has_no_statement(store: SessionStore) -> None:
    sid = store.start_session(
        trainee="  ",
        scenario_id="demo",
        scenario_sha256="ab" * 32,
        scenario_title="Demo",
        mode="assessment",
    )
    store.finish_session(sid, {"score": 80.0, "passed": True, "pass_mark": 70})
    built = statements_for(store, SETTINGS)
    assert built.statements == []
    assert built.skipped == [
        f"session {sid} has no trainee name: no xAPI statement (the LRS "
        "identifies the trainee by it)"
    ]


def test_the_verb_rule() -> None:
    mark = {"pass_mark": 70}
    assert verb_for("assessment", {**mark, "passed": True, "score": 80}) == "passed"
    assert verb_for("assessment", {**mark, "passed": False, "score": 60}) == "failed"
    crit = {**mark, "passed": False, "score": 95, "critical_failures": ["safety"]}
    assert verb_for("assessment", crit) == "failed"
    # not passed, above the mark, no failure: a critical criterion waits for an assessor
    assert verb_for("assessment", {**mark, "passed": False, "score": 95}) == "completed"
    assert verb_for("practice", {**mark, "passed": False, "score": 10}) == "completed"
    assert verb_for("headless", {**mark, "passed": True, "score": 80}) == "passed"


def test_iso_durations() -> None:
    assert iso_duration(0) == "PT0S"
    assert iso_duration(59.5) == "PT59.5S"
    assert iso_duration(600) == "PT10M0S"
    assert iso_duration(3723.456) == "PT1H2M3.46S"
    assert iso_duration(-3) == "PT0S"


def _interrupted(path: Path) -> str:
    """A call whose process went away mid-call, marked interrupted by the next start."""
    gone = Owner(pid=os.getpid(), token="a process that has exited", host=this_host())
    with SessionStore(path, owner=gone) as writer:
        sid = writer.start_session(
            trainee="Cy",
            scenario_id="demo",
            scenario_sha256="cd" * 32,
            scenario_title="Demo",
            mode="assessment",
        )
        writer.append_events(sid, [Event(0, 0.0, "call_started", {})])
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [sid]
    return sid


def test_interrupted_and_live_sessions_have_no_statement(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    gone = _interrupted(path)
    with SessionStore(path) as store:
        live = store.start_session(
            trainee="Di",
            scenario_id="demo",
            scenario_sha256="ef" * 32,
            scenario_title="Demo",
            mode="assessment",
        )
        done = _finished(store, "assessment", {"score": 80.0, "passed": True, "pass_mark": 70})
        built = statements_for(store, SETTINGS)
        assert [s["context"]["extensions"][EXT_SESSION] for s in built.statements] == [done]
        named = statements_for(store, SETTINGS, [gone, live, "nope"])
        assert named.statements == []
        assert named.skipped[0].startswith(f"session {gone} is interrupted: no xAPI statement")
        assert f"session {live} is active" in named.skipped[1]
        assert "session nope: not in" in named.skipped[2]
        rec = store.record(gone)
        assert rec is not None
        with pytest.raises(XapiError, match="only a finished session"):
            build_statement(rec, SETTINGS)


def test_a_session_whose_log_does_not_verify_has_no_statement(tmp_path: Path) -> None:
    from tests.assessor_kit import flip_one_byte, raw_one, tamper

    path = tmp_path / "callsim.db"
    with SessionStore(path, clock=ticking_clock()) as store:
        sid = record(store, tmp_path, GOOD)
    seq, raw = raw_one(path, "SELECT seq, data_json FROM events WHERE data_json LIKE '%text%'")
    tamper(
        path,
        "UPDATE events SET data_json = ? WHERE session_id = ? AND seq = ?",
        [flip_one_byte(str(raw)), sid, seq],
        "events_append_only",
    )
    with SessionStore(path) as store:
        built = statements_for(store, SETTINGS)
    assert built.statements == []
    assert "does not verify" in built.skipped[0]


# ---- the command ----


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return folder


def _db(data_dir: Path) -> Path:
    from app.storage.paths import default_db_path

    path = default_db_path()
    assert path.parent == data_dir
    return path


def test_export_writes_every_finished_session(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "machine.toml"
    config.write_text('[lrs]\nhomepage = "https://training.example"\n', encoding="utf-8")
    monkeypatch.setenv("CALLSIM_CONFIG", str(config))
    path = _db(data_dir)
    gone = _interrupted(path)
    with SessionStore(path, clock=ticking_clock()) as store:
        ids = [record(store, tmp_path, GOOD), record(store, tmp_path, SHORT)]
    out = tmp_path / "statements.json"
    assert main(["xapi", "export", "--all", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("wrote 2 xAPI statement(s) to ")
    assert "placeholder" not in said
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [valid(s)["id"] for s in data] == [statement_id(sid) for sid in ids]
    assert {s["actor"]["account"]["homePage"] for s in data} == {"https://training.example"}
    assert gone not in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".statements")] == []

    one = tmp_path / "one.json"
    assert main(["xapi", "export", "--session", ids[1], "--out", str(one)]) == 0
    assert [s["id"] for s in json.loads(one.read_text())] == [statement_id(ids[1])]


def test_export_refusals_are_one_located_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    assert main(["xapi", "export", "--all", "--out", str(out)]) == 2
    assert "no sessions recorded yet" in capsys.readouterr().err
    gone = _interrupted(_db(data_dir))
    assert main(["xapi", "export", "--session", gone, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"callsim: session {gone} is interrupted: no xAPI statement")
    assert "Traceback" not in err and not out.exists()
    assert main(["xapi", "export", "--session", "nope", "--out", str(out)]) == 2
    assert "session nope: not in" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "x.json"
    assert main(["xapi", "export", "--all", "--out", str(missing)]) == 2
    assert "there is no such folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # --session or --all
        main(["xapi", "export", "--out", str(out)])
    assert stop.value.code == 2
    assert "one of the arguments --session --all is required" in capsys.readouterr().err
    # a homepage that is not an address is refused before anything is written
    config = tmp_path / "machine.toml"
    config.write_text('[lrs]\nhomepage = "training.example"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CALLSIM_CONFIG", str(config))
        assert main(["xapi", "export", "--all", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callsim: [lrs] homepage 'training.example' is not an http(s) address")
    assert f"(in machine file {config})" in err and not out.exists()
    # without a configured homepage the export says it used the placeholder
    assert main(["xapi", "export", "--all", "--out", str(out)]) == 0
    assert "placeholder homePage https://callsim.invalid" in capsys.readouterr().out


# ---- configuration and the endpoint ----


def test_lrs_settings_are_read_and_locked(tmp_path: Path) -> None:
    machine = tmp_path / "machine.toml"
    machine.write_text(
        '[lrs]\nendpoint = "https://lrs.example/xAPI/"\ncredentials_file = "/etc/callsim/lrs"\n'
        'homepage = "https://training.example"\nactivity_base = "https://x.example/s"\n',
        encoding="utf-8",
    )
    user = tmp_path / "user.toml"
    user.write_text('[lrs]\nendpoint = "https://elsewhere.example/"\n', encoding="utf-8")
    cfg = load_config(machine=machine, user=user, environ={})
    assert cfg.get("lrs.endpoint") == "https://lrs.example/xAPI/"
    assert cfg.path("lrs.credentials_file") == Path("/etc/callsim/lrs")
    assert cfg.refused and cfg.refused[0].startswith("lrs.endpoint from user file")
    assert XapiSettings("https://training.example", cfg.get("lrs.activity_base")).base == (
        "https://x.example/s/"
    )
    machine.write_text('[lrs]\nendpiont = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"machine.toml:2:1: unknown setting 'lrs.endpiont'"):
        load_config(machine=machine, user=user, environ={})


def test_endpoints_and_credentials(tmp_path: Path) -> None:
    assert check_endpoint("https://lrs.example/xAPI") == "https://lrs.example/xAPI/"
    assert check_endpoint("http://127.0.0.1:8100/xAPI/") == "http://127.0.0.1:8100/xAPI/"
    with pytest.raises(XapiError, match="plain http to another machine"):
        check_endpoint("http://lrs.example/xAPI/")
    with pytest.raises(XapiError, match="not an http"):
        check_endpoint("ftp://lrs.example/")
    creds = tmp_path / "lrs.txt"
    creds.write_text("pc-key:s3cr:et\n", encoding="utf-8")
    assert read_credentials(creds) == ("pc-key", "s3cr:et")
    creds.write_text("just-a-key\n", encoding="utf-8")
    with pytest.raises(XapiError, match=r"lrs.txt:1:1: .* one line `key:secret`"):
        read_credentials(creds)
    with pytest.raises(XapiError, match="no such file"):
        read_credentials(tmp_path / "absent")


# ---- the HTTP exchange, with a stand-in for urlopen ----


class FakeLrs:
    """Answers each request with the next status; records what was asked."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[Any] = []

    def __call__(self, request: Any, timeout: float) -> Any:
        import io
        import urllib.error

        self.requests.append(request)
        status = self.statuses.pop(0)
        if status >= 400:
            raise urllib.error.HTTPError(
                request.full_url, status, "no", {}, io.BytesIO(b'{"detail": "refused"}')
            )

        class Response(io.BytesIO):
            pass

        response = Response(b"")
        response.status = status  # type: ignore[attr-defined]
        return response


def test_the_request_and_each_kind_of_answer(store: SessionStore, tmp_path: Path) -> None:
    from app.central.xapi import Lrs, XapiOutbox

    ids = [record(store, tmp_path, t) for t in (GOOD, SHORT, GOOD, SHORT)]
    fake = FakeLrs(204, 400, 409, 503)
    lrs = Lrs("https://lrs.example/xAPI", ("pc-key", "s3cret"), opener=fake)
    with XapiOutbox(store, lrs, SETTINGS) as box:
        report = box.send()
        assert report.sent == ids[:1] and report.already == ids[2:3]
        assert len(report.problems) == 1 and report.problems[0].startswith(
            f"session {ids[1]}: the LRS refused its statement (HTTP 400: "
        )
        assert report.left == 1 and report.error is not None
        assert report.error.startswith("the LRS answered HTTP 503")
        assert box.pending() == [ids[1], ids[3]]  # the refused one and the one not tried
    first = fake.requests[0]
    assert first.get_method() == "PUT"
    assert (
        first.full_url == f"https://lrs.example/xAPI/statements?statementId={statement_id(ids[0])}"
    )
    assert first.get_header("X-experience-api-version") == "1.0.3"
    assert first.get_header("Content-type") == "application/json"
    assert first.get_header("Authorization") == "Basic cGMta2V5OnMzY3JldA=="  # pc-key:s3cret
    assert json.loads(first.data)["id"] == statement_id(ids[0])
