"""`callsim sessions list`, `report`, `export`, `verify` and `assessor passphrase`: output and
exit statuses, all in CALLSIM_DATA_DIR."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import DROP, SCRIPT, SHORT, flip_one_byte, raw_one, record, tamper

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def sids(data: Path, tmp_path: Path) -> list[str]:
    data.mkdir()
    with SessionStore(data / "callsim.db") as store:
        return [record(store, tmp_path), record(store, tmp_path, SHORT, trainee="Bo")]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_list_table_and_json(sids: list[str], capsys: Capture) -> None:
    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "ID", "TRAINEE", "SCENARIO", "DATE", "(UTC)", "MODE", "DURATION", "SCORE", "PASSED",
        "REVIEW", "STATUS",
    ]  # fmt: skip
    assert len(out) == 3
    assert any(ln.startswith(sids[1][:12]) and " Bo " in ln and " no " in ln for ln in out)
    assert main(["sessions", "list", "--json", "--trainee", "Ana"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [sids[0]]
    assert rows[0]["status"] == "finished" and rows[0]["review"] == "unreviewed"
    assert rows[0]["passed"] is True and rows[0]["duration_s"] > 0
    assert main(["sessions", "list", "--json", "--status", "interrupted"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["sessions", "list", "--json", "--search", "definitely officer"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [sids[0]]


def test_list_without_a_database_creates_none(data: Path, capsys: Capture) -> None:
    assert main(["sessions", "list"]) == 0
    assert "no sessions" in capsys.readouterr().err
    assert main(["sessions", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not data.exists()


def test_list_rejects_an_unknown_status(sids: list[str], capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sessions", "list", "--status", "paused"])
    assert exit_.value.code == 2


def test_verify_ok_then_one_changed_byte_is_named(
    sids: list[str], data: Path, capsys: Capture
) -> None:
    sid = sids[0]
    assert main(["verify", sid[:8]]) == 0
    with SessionStore(data / "callsim.db") as store:
        count = len(store.events(sid))
    (raw,) = raw_one(
        data / "callsim.db", "SELECT data_json FROM events WHERE session_id = ? AND seq = 5", [sid]
    )
    assert capsys.readouterr().out == f"verified ({count} events)\n"
    # A tamperer with the file: events refuse UPDATE, so drop the trigger, edit one byte of
    # event 5's data, and put the trigger back.
    tamper(
        data / "callsim.db",
        "UPDATE events SET data_json = ? WHERE session_id = ? AND seq = 5",
        [flip_one_byte(raw), sid],
        "events_append_only",
    )
    assert main(["verify", sid]) == 1
    assert capsys.readouterr().out == "ALTERED: first altered event seq 5 (hash)\n"
    assert main(["verify", sids[1]]) == 0  # the other session is untouched


def test_verify_checks_the_audit_trail_too(sids: list[str], data: Path, capsys: Capture) -> None:
    with SessionStore(data / "callsim.db") as store:
        Marking(store).mark(sids[0], "location", "agree", assessor="A")
    assert main(["verify", sids[0]]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "assessor audit trail verified (1 entries)"
    tamper(
        data / "callsim.db",
        "UPDATE audit SET assessor = 'B'",
        [],
        "audit_no_update",
    )
    assert main(["verify", sids[0]]) == 1
    assert "ALTERED: first altered entry seq 0 (hash)" in capsys.readouterr().out


def test_report_html_by_prefix(sids: list[str], tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "r.html"
    assert main(["report", sids[0][:6], "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert SCRIPT not in page and DROP not in page


@pytest.mark.parametrize("ref", ["abc", "zzzzzzzz", "0123456789ab", ""])
def test_report_unknown_session_is_unusable(
    sids: list[str], tmp_path: Path, capsys: Capture, ref: str
) -> None:
    assert main(["report", ref, "--out", str(tmp_path / "r.html")]) == 2
    assert "no such session" in one_line(capsys.readouterr().err)
    assert main(["verify", ref]) == 2


def test_an_ambiguous_prefix_is_unusable(
    data: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data.mkdir()
    ids = iter(["abcdef" + "1" * 26, "abcdef" + "2" * 26])
    monkeypatch.setattr("uuid.uuid4", lambda: SimpleNamespace(hex=next(ids)))
    with SessionStore(data / "callsim.db") as store:
        first, second = record(store, tmp_path, SHORT), record(store, tmp_path, SHORT)
    assert main(["verify", "abcdef"]) == 2
    assert "more than one session" in one_line(capsys.readouterr().err)
    assert main(["verify", "ABCDEF2"]) == 0  # a longer prefix is unique (any case)
    assert main(["verify", first]) == 0
    assert second.startswith("abcdef2")


def test_report_pdf_without_the_qt_helper_is_one_line(
    sids: list[str], tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "app.ui.reports.pdf", None)  # import now fails
    out = tmp_path / "r.pdf"
    assert main(["report", sids[0], "--format", "pdf", "--out", str(out)]) == 2
    assert "PDF" in one_line(capsys.readouterr().err)
    assert not out.exists()


def test_report_into_a_missing_folder(sids: list[str], tmp_path: Path, capsys: Capture) -> None:
    assert main(["report", sids[0], "--out", str(tmp_path / "nope" / "r.html")]) == 2
    assert "no such directory" in one_line(capsys.readouterr().err)


def test_report_without_a_database(data: Path, tmp_path: Path, capsys: Capture) -> None:
    assert main(["report", "abcdef", "--out", str(tmp_path / "r.html")]) == 2
    assert "no sessions recorded yet" in one_line(capsys.readouterr().err)
    assert not data.exists()


def test_export_csv(sids: list[str], tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "all.csv"
    assert main(["export", "--csv", str(out)]) == 0
    assert "2 sessions written" in capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert SCRIPT in text and DROP in text
    assert main(["export", "--csv", str(out), "--trainee", "Bo", "--since", "2000-01-01"]) == 0
    with open(out, encoding="utf-8", newline="") as f:
        assert [r["trainee"] for r in csv.DictReader(f)] == ["Bo"]
    assert main(["export", "--csv", str(out), "--until", "2000-01-01"]) == 0
    assert "0 sessions written" in capsys.readouterr().err
    assert main(["export", "--csv", str(out), "--since", "last week"]) == 2
    assert "not a date" in one_line(capsys.readouterr().err)


def test_passphrase_command(data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    answers[:] = ["short", "short"]
    assert main(["assessor", "passphrase"]) == 2
    assert "at least 8" in one_line(capsys.readouterr().err)
    answers[:] = ["long enough", "long enough"]
    assert main(["assessor", "passphrase"]) == 0
    assert capsys.readouterr().err == "assessor passphrase set\n"
    answers[:] = ["wrong one", "x" * 9, "x" * 9]
    assert main(["assessor", "passphrase"]) == 2
    assert "not correct" in one_line(capsys.readouterr().err)
    answers[:] = ["long enough", "new passphrase", "different"]
    assert main(["assessor", "passphrase"]) == 2
    answers[:] = ["long enough", "new passphrase", "new passphrase"]
    assert main(["assessor", "passphrase"]) == 0
    with SessionStore(data / "callsim.db") as store:
        assert AssessorAuth(store).verify("new passphrase")
