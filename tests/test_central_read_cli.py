"""`callsim sessions list`, `export` and `verify` with `--central`, against the real server
the tests start: what the PCs sent is listed, exported and checked, without the PC's file;
a bad server or an option the central store cannot serve is one located line, exit 2."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.engine.events import Event
from app.storage import SessionStore
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

pytest.importorskip("psycopg")

from app.central.outbox import Outbox  # noqa: E402

TEXT = b"id: demo\ntitle: Demo call\n"
SHA = hashlib.sha256(TEXT).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def sent(central_db: CentralDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two sessions recorded on a PC and sent; the CLI's own data folder stays empty."""
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "empty-data"))
    store = SessionStore(tmp_path / "pc" / "callsim.sqlite", clock=Clock())
    ids = []
    for trainee, score in (("=HYPERLINK(1)", 72.5), ("bob", 30.0)):
        sid = store.start_session(
            trainee=trainee,
            scenario_id="demo",
            scenario_sha256=SHA,
            scenario_title="Demo call",
            mode="assessment",
        )
        store.append_events(
            sid,
            [
                Event(0, 1.0, "caller_said", {"text": "There is a knife"}),
                Event(1, 4.5, "trainee_said", {"text": "Where are you?"}),
            ],
        )
        result = {"score": score, "passed": score >= 50, "criteria": {"a": {"status": "met"}}}
        store.finish_session(sid, result)
        ids.append(sid)
    with Outbox(store, central_db.pc_dsn, scenario_texts=lambda i, s: TEXT, source="pc7") as box:
        assert box.sync().sent == ids
    store.close()
    return ids


def test_sessions_list_central_json(
    central_db: CentralDb, sent: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "list", "--central", "--url", central_db.pc_dsn, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == sent[::-1]  # newest first, each once
    assert listed[1]["trainee"] == "=HYPERLINK(1)" and listed[1]["score"] == 72.5
    assert {r["review"] for r in listed} == {"unreviewed"}
    assert main(["sessions", "list", "--central", "--url", central_db.pc_dsn, "--json",
                 "--search", "knife", "--trainee", "bob"]) == 0  # fmt: skip
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [sent[1]]


def test_sessions_list_central_from_the_configuration(
    central_db: CentralDb,
    sent: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "machine.toml"
    config.write_text(f'[store]\nurl = "{central_db.pc_dsn}"\n', encoding="utf-8")
    monkeypatch.setenv("CALLSIM_CONFIG", str(config))
    assert main(["sessions", "list", "--central"]) == 0
    out = capsys.readouterr().out
    assert sent[0][:12] in out and sent[1][:12] in out and "unreviewed" in out


def test_verify_central_passes_then_names_the_first_difference(
    central_db: CentralDb, sent: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--central", "--url", central_db.pc_dsn]
    assert main(["verify", *url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"verified: session {sid[:12]}: nothing differs (7 checks); not checked: rebuild"
        for sid in sent
    ]
    assert out[2].startswith("2 sessions checked in the central store")
    with central_db.server.superuser(central_db.name) as su:
        su.execute("ALTER TABLE events DISABLE TRIGGER USER")
        su.execute(
            "UPDATE events SET data_json = replace(data_json, 'knife', 'spoon') "
            "WHERE session_id = %s AND seq = 0",
            [sent[1]],
        )
    assert main(["verify", *url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1] == (
        f"ALTERED: session {sent[1][:12]}: event log: event 0: its content does not match its hash"
    )
    assert main(["verify", sent[1][:8], *url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ALTERED:") and "  ok       header: matches its header hash" in out


def test_export_central_csv(
    central_db: CentralDb, sent: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.csv"
    args = ["export", "--central", "--url", central_db.pc_dsn, "--csv", str(out)]
    assert main(args) == 0
    assert "2 sessions written to" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["session_id"] for r in rows] == sent  # oldest first
    assert rows[0]["trainee"] == "'=HYPERLINK(1)"  # never a formula
    assert rows[0]["verified"] == "yes" and rows[0]["criterion:a"] == "met"
    said = "0:01.0 caller: There is a knife\n0:04.5 trainee: Where are you?"
    assert rows[1]["transcript"] == said
    assert rows[1]["verdict"] == "" and rows[1]["review_state"] == "unreviewed"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["sessions", "list", "--criterion", "a=met"], "--criterion (the assessors' marks are"),
        (["verify", "--expect-head", "ab" * 32], "--expect-head (the central store has no"),
        (["verify", "--heads", "h.json"], "--heads (signed heads are checked against"),
    ],
)
def test_what_only_a_pc_holds_is_refused_with_central(
    central_db: CentralDb, extra: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*extra, "--central", "--url", central_db.pc_dsn]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"callsim: {words}") and line.endswith("not available with --central")


def test_bad_servers_and_sessions_are_one_located_line(
    central_db: CentralDb, sent: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["sessions", "list", "--central", "--url", f"host={tmp_path} port=1 dbname=c user=pc"],
        ["verify", "--central", "--url", central_db.pc_dsn.replace("callsim_pc_test", "nobody")],
        ["verify", "abcdef99", "--central", "--url", central_db.pc_dsn],
    ):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        (line,) = captured.err.splitlines()
        assert line.startswith("callsim: ") and "Traceback" not in captured.err
    assert "no such session in the central store" in line


def test_report_central_html(
    central_db: CentralDb,
    sent: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = SessionStore(tmp_path / "pc2" / "callsim.sqlite", clock=Clock())
    sid = store.start_session(
        trainee="<script>alert(1)</script>",
        scenario_id="demo",
        scenario_sha256=SHA,
        scenario_title="Demo & call",
        mode="assessment",
    )
    store.append_events(sid, [Event(0, 2.0, "trainee_said", {"text": "<img src=x> hello"})])
    store.finish_session(sid, {"score": 40.0, "passed": False, "critical_failures": ["a"]})
    from app.assessor.marks import Marking

    Marking(store).comment(sid, 2.0, "<i>late</i> & slow", assessor="Sgt <u>Lee</u>")
    with Outbox(store, central_db.pc_dsn, scenario_texts=lambda i, s: TEXT) as box:
        assert box.sync().sent == [sid]
    store.close()
    out = tmp_path / "report.html"
    args = ["report", sid[:10], "--central", "--url", central_db.pc_dsn, "--out", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().err == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x&gt; hello" in page and "Demo &amp; call" in page
    assert "the central store" in page and '<span class="good">verified</span>' in page
    assert "Audit trail verified (1 entries)" in page
    assert "&lt;i&gt;late&lt;/i&gt; &amp; slow" in page and "Sgt &lt;u&gt;Lee&lt;/u&gt;" in page
    assert "<i>late</i>" not in page
    with central_db.server.superuser(central_db.name) as su:
        su.execute("ALTER TABLE sessions DISABLE TRIGGER USER")
        su.execute("UPDATE sessions SET trainee = 'someone else' WHERE id = %s", [sid])
    assert main(args) == 0
    page = out.read_text(encoding="utf-8")
    assert "ALTERED: header: its fields do not match its header hash" in page
