"""`callsim sessions comments`, `retract-comment`, `sign-off` and `reopen`: what they write,
and their refusals as one line with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import SHORT, record

Capture = pytest.CaptureFixture[str]
PASSPHRASE = "assessors only"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    monkeypatch.setenv("CALLSIM_PASSPHRASE_FILE", str(secret))
    return folder / "callsim.db"


@pytest.fixture
def sid(db: Path, tmp_path: Path) -> str:
    with SessionStore(db) as store:
        found = record(store, tmp_path)
        record(store, tmp_path, SHORT, trainee="Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
        Marking(store).comment(found, 4.0, "calm <b>start</b>", assessor="Sgt Jones")
    return found


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(["sessions", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def _comment_id(db: Path, sid: str) -> int:
    with SessionStore(db, readonly=True) as store:
        return Marking(store).comments(sid)[0].id


def test_withdraw_a_comment_then_sign_off_and_reopen(db: Path, sid: str, capsys: Capture) -> None:
    cid = _comment_id(db, sid)
    code, out, _ = run(capsys, "comments", sid[:8])
    assert code == 0 and f"{cid}" in out and "calm <b>start</b>" in out
    code, _, err = run(
        capsys, "retract-comment", sid, str(cid), "--reason", "wrong call", "--assessor", "Insp P"
    )
    assert code == 0 and f"comment {cid} withdrawn" in err
    code, out, _ = run(capsys, "comments", sid)
    assert "[withdrawn by Insp P at " in out and ": wrong call] calm" in out
    code, _, err = run(capsys, "sign-off", sid, "--assessor", "Insp P", "--note", "moderated")
    assert code == 0 and "signed off" in err
    code, _, err = run(capsys, "comments", sid)
    assert "session signed off by Insp P at " in err
    code, _, err = run(capsys, "reopen", sid, "--reason", "appeal", "--assessor", "Insp P")
    assert code == 0 and "reopened" in err
    with SessionStore(db, readonly=True) as store:
        marking = Marking(store)
        assert [e.action for e in marking.audit(sid)] == [
            "comment",
            "retract",
            "sign_off",
            "reopen",
        ]
        assert marking.signed_off(sid) is None and marking.verify_audit(sid).ok


def test_refusals_are_one_line_and_write_nothing(db: Path, sid: str, capsys: Capture) -> None:
    cid = _comment_id(db, sid)
    assert run(capsys, "sign-off", sid, "--assessor", "A")[0] == 0
    code, _, err = run(capsys, "retract-comment", sid, str(cid), "--reason", "r", "--assessor", "B")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "was signed off by A at " in line and line.endswith("nothing was written")
    code, _, err = run(capsys, "sign-off", sid, "--assessor", "B")
    assert code == 2 and "was signed off by A" in err
    code, _, err = run(capsys, "reopen", sid, "--reason", " ", "--assessor", "B")
    assert code == 2 and "the reason for reopening is required" in err
    with SessionStore(db, readonly=True) as store:
        assert [e.action for e in Marking(store).audit(sid)] == ["comment", "sign_off"]


def test_a_wrong_passphrase_writes_nothing(
    db: Path, sid: str, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it\n", encoding="utf-8")
    wrong.chmod(0o600)
    monkeypatch.setenv("CALLSIM_PASSPHRASE_FILE", str(wrong))
    code, _, err = run(capsys, "sign-off", sid, "--assessor", "A")
    assert code == 2 and "not correct" in err
    with SessionStore(db, readonly=True) as store:
        assert Marking(store).signed_off(sid) is None


def test_sessions_list_says_which_are_signed_off(db: Path, sid: str, capsys: Capture) -> None:
    import json

    assert run(capsys, "sign-off", sid, "--assessor", "A")[0] == 0
    code, out, _ = run(capsys, "list")
    header, *rows = out.splitlines()
    (line,) = [x for x in rows if x.startswith(sid[:12])]
    (other,) = [x for x in rows if not x.startswith(sid[:12])]
    assert code == 0 and header.startswith("ID") and ", signed off" in line
    assert "signed off" not in other
    code, out, _ = run(capsys, "list", "--json")
    flags = {r["id"]: r["signed_off"] for r in json.loads(out)}
    assert flags[sid] is True and list(flags.values()).count(False) == 1
