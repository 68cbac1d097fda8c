"""`callsim sessions list`, `report`, `export`, `verify` and `assessor passphrase`: output and
exit statuses, all in CALLSIM_DATA_DIR."""

from __future__ import annotations

import csv
import io
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


PASSPHRASE = "assessors only"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def sids(data: Path, tmp_path: Path, secret: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two recorded sessions, the passphrase set, and named to the commands by the
    environment (as a script would)."""
    data.mkdir()
    with SessionStore(data / "callsim.db") as store:
        found = [record(store, tmp_path), record(store, tmp_path, SHORT, trainee="Bo")]
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    monkeypatch.setenv("CALLSIM_PASSPHRASE_FILE", str(secret))
    return found


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
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"verified: session {sid[:12]}: nothing differs (10 checks; rebuilt and re-scored: "
        "the same)"
    )
    assert f"  ok       event log: all {count} events match their chain" in out
    # A tamperer with the file: events refuse UPDATE, so drop the trigger, edit one byte of
    # event 5's data, and put the trigger back.
    tamper(
        data / "callsim.db",
        "UPDATE events SET data_json = ? WHERE session_id = ? AND seq = 5",
        [flip_one_byte(raw), sid],
        "events_append_only",
    )
    assert main(["verify", sid]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"ALTERED: session {sid[:12]}: event log: event 5 (")
    assert first.endswith("its content does not match its hash")
    assert main(["verify", sids[1]]) == 0  # the other session is untouched


def test_verify_checks_the_audit_trail_too(sids: list[str], data: Path, capsys: Capture) -> None:
    with SessionStore(data / "callsim.db") as store:
        Marking(store).mark(sids[0], "location", "agree", reason="said twice", assessor="A")
    assert main(["verify", sids[0]]) == 0
    out = capsys.readouterr().out
    assert "  ok       audit trail: 1 entry (1 mark, 0 comments, 0 verdicts) match" in out
    assert "said twice" not in out  # verify needs no passphrase: it never quotes an assessor
    tamper(
        data / "callsim.db",
        "UPDATE audit SET assessor = 'B'",
        [],
        "audit_no_update",
    )
    assert main(["verify", sids[0]]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"ALTERED: session {sids[0][:12]}: audit trail: entry 0 (mark): its content does not "
        "match its hash"
    )


def test_report_html_by_prefix(sids: list[str], tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "r.html"
    assert main(["report", sids[0][:6], "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert SCRIPT not in page and DROP not in page


def test_report_says_who_made_it_and_what_verify_found(
    sids: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    out = tmp_path / "r.html"
    assert main(["report", sids[1], "--out", str(out), "--assessor", "Alex <A>"]) == 0
    page = out.read_text(encoding="utf-8")
    assert (
        "OS account <b>jdoe</b>; the assessor passphrase was given, by <b>Alex &lt;A&gt;</b>"
        in page
    )
    assert f"verified: session {sids[1][:12]}: nothing differs" in page
    assert "rebuilt and re-scored: the same" in page  # the CLI finds the scenario played


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


def test_assessor_data_needs_the_passphrase(
    sids: list[str], tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLSIM_PASSPHRASE_FILE")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    out = tmp_path / "r.html"
    for argv in (
        ["sessions", "list"],
        ["sessions", "list", "--json"],
        ["report", sids[0], "--out", str(out)],
        ["export", "--csv", str(tmp_path / "all.csv")],
    ):
        assert main(argv) == 2, argv
        err = one_line(capsys.readouterr().err)
        assert "needs the assessor passphrase: give --passphrase-file FILE" in err
        assert "CALLSIM_PASSPHRASE_FILE" in err
    assert not out.exists() and not (tmp_path / "all.csv").exists()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n", encoding="utf-8")
    wrong.chmod(0o600)
    assert main(["sessions", "list", "--passphrase-file", str(wrong)]) == 2
    assert "passphrase is not correct" in one_line(capsys.readouterr().err)
    assert main(["verify", sids[0]]) == 0  # verify needs none


def test_the_passphrase_from_a_file_stdin_or_a_prompt(
    sids: list[str], secret: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLSIM_PASSPHRASE_FILE")
    assert main(["sessions", "list", "--json", "--passphrase-file", str(secret)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
    assert main(["sessions", "list", "--json", "--passphrase-file", "-"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or PASSPHRASE)
    assert main(["sessions", "list", "--json"]) == 0
    assert asked == ["Assessor passphrase: "]
    capsys.readouterr()
    secret.chmod(0o644)  # readable by others: said, not refused
    assert main(["sessions", "list", "--json", "--passphrase-file", str(secret)]) == 0
    assert f"{secret} can be read by other accounts (chmod 600" in capsys.readouterr().err
    missing = secret.with_name("nope.txt")
    assert main(["sessions", "list", "--passphrase-file", str(missing)]) == 2
    assert f"{missing}: cannot read the passphrase file" in one_line(capsys.readouterr().err)


def test_no_passphrase_set_is_said(
    data: Path, tmp_path: Path, secret: Path, capsys: Capture
) -> None:
    data.mkdir()
    with SessionStore(data / "callsim.db") as store:
        record(store, tmp_path)
    assert main(["sessions", "list", "--passphrase-file", str(secret)]) == 2
    err = one_line(capsys.readouterr().err)
    assert "no assessor passphrase is set on this database" in err
    assert "callsim assessor passphrase" in err


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


def test_passphrase_command_from_files(data: Path, tmp_path: Path, capsys: Capture) -> None:
    """Set-up scripts: the new passphrase (and the current one) from files, nothing asked."""
    first, second = tmp_path / "first", tmp_path / "second"
    for path, text in ((first, "first passphrase"), (second, "second passphrase")):
        path.write_text(text + "\n", encoding="utf-8")
        path.chmod(0o600)
    assert main(["assessor", "passphrase", "--new-passphrase-file", str(first)]) == 0
    assert capsys.readouterr().err == "assessor passphrase set\n"
    argv = ["assessor", "passphrase", "--new-passphrase-file", str(second)]
    assert main([*argv, "--passphrase-file", str(second)]) == 2
    assert "not correct" in one_line(capsys.readouterr().err)
    assert main([*argv, "--passphrase-file", str(first)]) == 0
    with SessionStore(data / "callsim.db") as store:
        assert AssessorAuth(store).verify("second passphrase")


def test_list_filters_by_mode_and_a_criterions_status(sids: list[str], capsys: Capture) -> None:
    assert main(["sessions", "list", "--json", "--mode", "headless"]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == set(sids)
    assert main(["sessions", "list", "--json", "--mode", "assessment"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["sessions", "list", "--json", "--criterion", "allegation_flagged=met"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [sids[0]]
    for bad, says in (("allegation_flagged", "ID=STATUS"), ("location=great", "must be one of")):
        with pytest.raises(SystemExit) as exit_:
            main(["sessions", "list", "--criterion", bad])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err
