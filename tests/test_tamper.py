"""The attack suite (issue #12, "Nothing lost, nothing forged").

A real database is recorded once: two calls played by the headless runner (Ana passes, Bo
fails), marked, commented and given verdicts through the assessor API, with the assessor
passphrase set. Each test edits a copy of it with plain `sqlite3`, as someone holding the file
and the sqlite3 tool would (every trigger dropped first and put back after), sometimes with
callsim's own hash functions to recompute a chain. Then `callsim verify` and the function the
replay screen's banner uses (`open_replay(...).verification`) must fail and name what changed;
except the full rewrite and the newest entries removed with every head moved back, which verify
alone must say it cannot rule out, and which fail against signed heads published before
(`callsim verify --heads`, at the end).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.assessor.audit import entry_hash
from app.assessor.auth import AssessorAuth, PassphraseRecordAltered, hash_passphrase
from app.assessor.marks import Marking
from app.assessor.replay import open_replay
from app.assessor.verify import CANNOT, WITH_HEADS, Verification
from app.cli import main
from app.engine.events import Event
from app.headless import record_run, run_steps
from app.scenario.transcript import load_transcript
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.storage.chain import canonical_json, link_hash
from tests.assessor_kit import GOOD, SHORT, case, ticking_clock
from tests.conftest import SCENARIOS

Capture = pytest.CaptureFixture[str]
PASSPHRASE = "correct horse battery"
ASSESSOR = "Assessor A"


@dataclass(frozen=True)
class Recorded:
    db: Path
    ana: str  # passed; a mark, a comment and a pass verdict
    bo: str  # failed; a mark and a fail verdict


def _play(store: SessionStore, folder: Path, transcript: str, trainee: str) -> str:
    path = folder / f"{trainee}.yaml"
    path.write_text(transcript, encoding="utf-8")
    return record_run(store, run_steps(case(), load_transcript(path)), trainee=trainee)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    folder = tmp_path_factory.mktemp("recorded")
    db = folder / "callsim.db"
    with SessionStore(db, clock=ticking_clock()) as store:
        ana = _play(store, folder, GOOD, "Ana")
        bo = _play(store, folder, SHORT, "Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
        marking = Marking(store, clock=ticking_clock(datetime.fromisoformat("2025-03-02T10:00Z")))
        marking.mark(ana, "injuries", "overrule", status="missed", reason="late", assessor=ASSESSOR)
        marking.comment(ana, 12.0, "calm and clear", assessor=ASSESSOR)
        marking.set_verdict(ana, "pass", reason="captured and closed", assessor=ASSESSOR)
        marking.mark(bo, "location", "agree", assessor=ASSESSOR)
        marking.set_verdict(bo, "fail", reason="hung up early", assessor=ASSESSOR)
    return Recorded(db, ana, bo)


@pytest.fixture
def db(recorded: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the recorded database, in this test's own data folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    copy = folder / "callsim.db"
    shutil.copyfile(recorded.db, copy)
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return copy


def attack(db: Path, *statements: tuple[str, Sequence[object]]) -> None:
    """Run `statements` with plain sqlite3: every trigger dropped, the edit, the triggers back."""
    conn = sqlite3.connect(db)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        with conn:
            for name, _sql in triggers:
                conn.execute(f"DROP TRIGGER {name}")
            for sql, params in statements:
                conn.execute(sql, list(params))
            for _name, sql in triggers:
                conn.execute(sql)
    finally:
        conn.close()


def one(db: Path, sql: str, params: Sequence[object] = ()) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        row: tuple[object, ...] = conn.execute(sql, list(params)).fetchone()
    finally:
        conn.close()
    return row


def catalog() -> ScenarioCatalog:
    return ScenarioCatalog(SCENARIOS)


def banner(db: Path, sid: str) -> Verification:
    """What the replay screen's banner shows: the verification `open_replay` makes."""
    with SessionStore(db, readonly=True) as store:
        found = open_replay(store, sid, scenarios=catalog()).verification
    assert found is not None
    return found


def cli(capsys: Capture, *args: str) -> tuple[int, list[str]]:
    code = main(["verify", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out.splitlines()


def assert_named(
    db: Path, sid: str, capsys: Capture, check: str, *words: str
) -> tuple[Verification, list[str]]:
    """verify (CLI and banner) fails, and the first fact that differs is `check`, with
    `words` in what it says."""
    found = banner(db, sid)
    assert not found.ok
    assert found.problem is not None and found.problem.name == check, found.lines()
    for word in words:
        assert word in found.problem.detail, found.problem.detail
    code, out = cli(capsys, sid)
    assert code == 1, out
    assert out[0].startswith(f"ALTERED: session {sid[:12]}: {check}: "), out[0]
    assert all(word in out[0] for word in words), out[0]
    return found, out


# -- nothing changed ----------------------------------------------------------------------------
def test_the_recorded_database_verifies(db: Path, recorded: Recorded, capsys: Capture) -> None:
    for sid in (recorded.ana, recorded.bo):
        found = banner(db, sid)
        assert found.ok and found.rebuilt and found.rescored, found.lines()
        assert all(c.ok for c in found.checks), found.lines()
        code, out = cli(capsys, sid)
        assert code == 0 and out[0].startswith(f"verified: session {sid[:12]}: nothing differs")
        assert out[-1] == CANNOT
    code, out = cli(capsys)
    assert code == 0 and "2 sessions checked" in out


# -- the result ---------------------------------------------------------------------------------
def test_a_fail_turned_into_a_pass_at_95(db: Path, recorded: Recorded, capsys: Capture) -> None:
    (text,) = one(db, "SELECT result_json FROM sessions WHERE id = ?", [recorded.bo])
    result = json.loads(str(text))
    assert result["passed"] is False
    result |= {"passed": True, "score": 95.0, "critical_failures": []}
    attack(
        db,
        (
            "UPDATE sessions SET result_json = ?, score = 95, passed = 1 WHERE id = ?",
            [json.dumps(result), recorded.bo],
        ),
    )
    found, _ = assert_named(
        db, recorded.bo, capsys, "result", "passed is true in the database, false when"
    )
    seal = found.check("seal")
    assert seal is not None and seal.ok is False and "stored result" in seal.detail


def test_only_the_score_column_raised(db: Path, recorded: Recorded, capsys: Capture) -> None:
    attack(db, ("UPDATE sessions SET score = 95 WHERE id = ?", [recorded.bo]))
    assert_named(db, recorded.bo, capsys, "result", "score column says 95")


def test_the_result_edited_and_resealed_with_the_code(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    """The seal on the session recomputed too; the ledger's copy and the re-score differ."""
    from app.storage.chain import header_hash, seal_hash

    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT id, trainee, scenario_id, scenario_sha256, scenario_title, mode, started_at, "
        "callsim_version, ended_at, event_count, last_hash, result_json FROM sessions "
        "WHERE id = ?",
        [recorded.bo],
    ).fetchone()
    conn.close()
    keys = ("id", "trainee", "scenario_id", "scenario_sha256", "scenario_title", "mode")
    header = dict(zip((*keys, "started_at", "callsim_version"), row[:8], strict=True))
    result = json.loads(row[11]) | {"passed": True, "score": 95.0, "critical_failures": []}
    text = json.dumps(result)
    seal = seal_hash(
        header_hash(header),
        status="finished",
        ended_at=row[8],
        event_count=row[9],
        last_hash=row[10],
        result_json=text,
    )
    attack(
        db,
        (
            "UPDATE sessions SET result_json = ?, score = 95, passed = 1, seal_hash = ? "
            "WHERE id = ?",
            [text, seal, recorded.bo],
        ),
    )
    found, _ = assert_named(db, recorded.bo, capsys, "result", "passed is true")
    # Without the scenario (no re-score), the seal alone still shows it.
    empty = db.parent / "no-scenarios"
    empty.mkdir()
    code, out = cli(capsys, recorded.bo, "--scenarios", str(empty))
    assert code == 1 and out[0].startswith(f"ALTERED: session {recorded.bo[:12]}: seal: ")
    assert "is not available here" in "\n".join(out)


# -- the header -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("trainee", "Someone Else", "the trainee's name is 'Someone Else', but was 'Ana'"),
        ("mode", "assessment", "the mode is 'assessment', but was 'headless'"),
        ("started_at", "2024-01-01T09:00:00.000000+00:00", "the start time is '2024-01-01"),
    ],
)
def test_a_header_field_edited(
    db: Path, recorded: Recorded, capsys: Capture, column: str, value: str, words: str
) -> None:
    attack(db, (f"UPDATE sessions SET {column} = ? WHERE id = ?", [value, recorded.ana]))
    assert_named(db, recorded.ana, capsys, "header", words)


# -- verdicts and the audit trail ------------------------------------------------------------
def _audit_rows(db: Path, sid: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT seq, action, hash FROM audit WHERE session_id = ? ORDER BY seq", [sid]
        ).fetchall()
    finally:
        conn.close()


def test_a_verdict_deleted_with_its_audit_entry(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    assert [r[1] for r in _audit_rows(db, recorded.ana)] == ["mark", "comment", "verdict"]
    attack(
        db,
        ("DELETE FROM verdicts WHERE session_id = ?", [recorded.ana]),
        ("DELETE FROM audit WHERE session_id = ? AND action = 'verdict'", [recorded.ana]),
    )
    assert_named(db, recorded.ana, capsys, "audit trail", "entry 2 is missing")


def test_a_verdict_deleted_and_the_head_moved_back(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    rows = _audit_rows(db, recorded.ana)
    attack(
        db,
        ("DELETE FROM verdicts WHERE session_id = ?", [recorded.ana]),
        ("DELETE FROM audit WHERE session_id = ? AND action = 'verdict'", [recorded.ana]),
        (
            "UPDATE sessions SET audit_count = 2, audit_hash = ? WHERE id = ?",
            [rows[1][2], recorded.ana],
        ),
    )
    assert_named(
        db, recorded.ana, capsys, "audit trail", "entry 2 is missing: the ledger recorded it"
    )


def _forge_verdict(db: Path, sid: str, *, move_head: bool) -> None:
    """A pass verdict with an audit entry chained on with callsim's own formula."""
    seq, _action, prev = _audit_rows(db, sid)[-1]
    assert isinstance(seq, int) and isinstance(prev, str)
    at = "2025-03-03T09:00:00.000000+00:00"
    (next_id,) = one(db, "SELECT coalesce(max(id), 0) + 1 FROM verdicts")
    detail = {
        "verdict_id": next_id,
        "verdict": "pass",
        "reason": "on reflection",
        "reviewed_passed": False,
    }
    digest = entry_hash(
        prev, session_id=sid, seq=seq + 1, action="verdict", detail=detail, assessor=ASSESSOR, at=at
    )
    statements: list[tuple[str, Sequence[object]]] = [
        (
            "INSERT INTO verdicts (id, session_id, verdict, reason, assessor, at) "
            "VALUES (?, ?, 'pass', 'on reflection', ?, ?)",
            [next_id, sid, ASSESSOR, at],
        ),
        (
            "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, prev_hash, "
            "hash) VALUES (?, ?, 'verdict', ?, ?, ?, ?, ?)",
            [sid, seq + 1, canonical_json(detail), ASSESSOR, at, prev, digest],
        ),
    ]
    if move_head:
        statements.append(
            (
                "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
                [seq + 2, digest, sid],
            )
        )
    attack(db, *statements)


def test_a_forged_verdict_with_the_audit_chain_recomputed(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    _forge_verdict(db, recorded.bo, move_head=True)
    with SessionStore(db, readonly=True) as store:
        assert Marking(store).verify_audit(recorded.bo).ok  # the chain itself is consistent
        assert Marking(store).verdict(recorded.bo).verdict == "pass"  # type: ignore[union-attr]
    assert_named(db, recorded.bo, capsys, "audit trail", "entry 2 (verdict) is not in the ledger")


def test_a_forged_verdict_without_moving_the_head(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    _forge_verdict(db, recorded.bo, move_head=False)
    assert_named(db, recorded.bo, capsys, "audit trail", "entry 2 (verdict)", "added after")


def test_a_forged_verdict_cannot_be_built_on(db: Path, recorded: Recorded, capsys: Capture) -> None:
    """Marking on after a forgery would bury it under a good entry: refused."""
    _forge_verdict(db, recorded.bo, move_head=False)
    with SessionStore(db) as store:
        with pytest.raises(Exception, match="does not end where it was recorded"):
            Marking(store).comment(recorded.bo, 1.0, "later", assessor=ASSESSOR)
    assert len(_audit_rows(db, recorded.bo)) == 3  # nothing was written


# -- the event log ---------------------------------------------------------------------------------
def _rewrite_line(db: Path, sid: str, old: str, new: str, *, index: bool) -> int:
    """Edit one trainee line and recompute the event chain after it with app.storage.chain,
    moving the session's head on: the chain itself is consistent again."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT seq, t, kind, data_json, prev_hash FROM events WHERE session_id = ? ORDER BY seq",
        [sid],
    ).fetchall()
    conn.close()
    target = next(seq for seq, _t, kind, data, _p in rows if json.loads(data).get("text") == old)
    statements: list[tuple[str, Sequence[object]]] = []
    prev = rows[target][4]
    for seq, t, kind, data_json, _prev in rows[target:]:
        data = json.loads(data_json)
        if seq == target:
            data["text"] = new
        event = Event(seq, t, kind, data)
        digest = link_hash(prev, event)
        statements.append(
            (
                "UPDATE events SET data_json = ?, prev_hash = ?, hash = ? "
                "WHERE session_id = ? AND seq = ?",
                [canonical_json(data), prev, digest, sid, seq],
            )
        )
        prev = digest
    statements.append(("UPDATE sessions SET last_hash = ? WHERE id = ?", [prev, sid]))
    if index:
        statements.append(
            ("UPDATE event_text SET text = ? WHERE session_id = ? AND seq = ?", [new, sid, target])
        )
    attack(db, *statements)
    return target


def test_a_trainee_line_edited_with_the_chain_recomputed(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    seq = _rewrite_line(db, recorded.ana, "is anyone hurt?", "stop wasting police time", index=True)
    with SessionStore(db, readonly=True) as store:
        assert store.verify(recorded.ana).ok  # the event chain alone no longer shows it
    found, _ = assert_named(
        db, recorded.ana, capsys, "result", "'is anyone hurt?' in the database", "stop wasting"
    )
    seal = found.check("seal")
    assert seal is not None and seal.ok is False and "last hash" in seal.detail
    assert seq > 0


def test_a_trainee_line_edited_but_not_in_the_search_index(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    seq = _rewrite_line(
        db, recorded.ana, "is anyone hurt?", "stop wasting police time", index=False
    )
    assert_named(db, recorded.ana, capsys, "search index", f"event {seq} (trainee_said)")


def test_one_byte_of_an_event_changed(db: Path, recorded: Recorded, capsys: Capture) -> None:
    (raw,) = one(
        db, "SELECT data_json FROM events WHERE session_id = ? AND seq = 5", [recorded.ana]
    )
    text = str(raw)
    i = next(n for n, c in enumerate(text) if "a" <= c <= "z")
    attack(
        db,
        (
            "UPDATE events SET data_json = ? WHERE session_id = ? AND seq = 5",
            [text[:i] + text[i].upper() + text[i + 1 :], recorded.ana],
        ),
    )
    assert_named(db, recorded.ana, capsys, "event log", "event 5", "does not match its hash")


# -- whole sessions ------------------------------------------------------------------------------
_SESSION_TABLES = ("events", "event_text", "marks", "comments", "verdicts", "audit")


def test_a_deleted_session(db: Path, recorded: Recorded, capsys: Capture) -> None:
    attack(
        db,
        *[(f"DELETE FROM {t} WHERE session_id = ?", [recorded.bo]) for t in _SESSION_TABLES],
        ("DELETE FROM sessions WHERE id = ?", [recorded.bo]),
    )
    code, out = cli(capsys)  # the whole database
    assert code == 1
    deleted = f"session {recorded.bo} (trainee 'Bo', started "
    assert any(line.startswith("ALTERED  ledger: " + deleted) for line in out), out
    assert any("has been deleted from the database" in line for line in out)
    code, out = cli(capsys, recorded.bo)  # the deleted one, by id
    assert code == 1 and out[0].startswith(f"ALTERED: session {recorded.bo}: {deleted}")
    assert_named(db, recorded.ana, capsys, "ledger", deleted)  # and from any other session


def test_a_session_added_outside_callsim(db: Path, recorded: Recorded, capsys: Capture) -> None:
    """A copy of Bo's call under a new id, its chain computed with the code."""
    new = uuid.uuid4().hex
    conn = sqlite3.connect(db)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
    session = dict(
        zip(
            columns,
            conn.execute("SELECT * FROM sessions WHERE id = ?", [recorded.bo]).fetchone(),
            strict=True,
        )
    )
    events = conn.execute(
        "SELECT seq, t, kind, data_json FROM events WHERE session_id = ? ORDER BY seq",
        [recorded.bo],
    ).fetchall()
    conn.close()
    from app.storage.chain import genesis_hash

    prev = genesis_hash(new)
    statements: list[tuple[str, Sequence[object]]] = []
    for seq, t, kind, data in events:
        digest = link_hash(prev, Event(seq, t, kind, json.loads(data)))
        statements.append(
            (
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                [new, seq, t, kind, data, prev, digest],
            )
        )
        prev = digest
    session |= {"id": new, "trainee": "Cy", "last_hash": prev, "audit_count": 0, "audit_hash": None}
    marks = ", ".join("?" * len(session))
    statements.insert(
        0, (f"INSERT INTO sessions ({', '.join(session)}) VALUES ({marks})", list(session.values()))
    )
    attack(db, *statements)
    assert_named(db, new, capsys, "header", "not in the database ledger")


def test_the_newest_entries_removed_and_every_head_moved_back(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    """The one edit that needs no hashing at all: Bo's verdict was the last write; delete it,
    its audit entry and its ledger entry, and move the session's and the ledger's heads back
    to the entries before (their hashes are stored). Every chain is consistent again, so only
    a head noted earlier (printed on every report and by verify) shows it."""
    code, out = cli(capsys, recorded.bo)
    noted = next(line for line in out if line.startswith("ledger head: "))
    head = noted.split("sha256 ")[1].split()[0]
    rows = _audit_rows(db, recorded.bo)
    count, _last = one(db, "SELECT count, hash FROM ledger_head")
    assert isinstance(count, int)
    (before,) = one(db, "SELECT hash FROM ledger WHERE seq = ?", [count - 2])
    (kind,) = one(db, "SELECT kind FROM ledger WHERE seq = ?", [count - 1])
    assert kind == "audit"
    attack(
        db,
        ("DELETE FROM verdicts WHERE session_id = ?", [recorded.bo]),
        ("DELETE FROM audit WHERE session_id = ? AND action = 'verdict'", [recorded.bo]),
        ("DELETE FROM ledger WHERE seq = ?", [count - 1]),
        ("UPDATE ledger_head SET count = ?, hash = ?", [count - 1, before]),
        (
            "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
            [len(rows) - 1, rows[-2][2], recorded.bo],
        ),
    )
    code, out = cli(capsys, recorded.bo)
    assert code == 0  # what verify cannot tell on its own, as CANNOT says
    code, out = cli(capsys, recorded.bo, "--expect-head", head)
    assert code == 1
    assert out[0].startswith(f"ALTERED: session {recorded.bo[:12]}: ledger: it no longer holds")


# -- the passphrase --------------------------------------------------------------------------------
def _passphrase_file(tmp_path: Path, secret: str) -> str:
    path = tmp_path / "secret"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_the_passphrase_row_deleted(
    db: Path, recorded: Recorded, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attack(db, ("DELETE FROM assessor_meta", []))
    with SessionStore(db) as store:
        auth = AssessorAuth(store)
        assert auth.is_set()  # not "first use": nobody may set a new one
        with pytest.raises(PassphraseRecordAltered, match="was deleted"):
            auth.set_passphrase("a brand new one")
        with pytest.raises(PassphraseRecordAltered):
            auth.verify(PASSPHRASE)
    answers = ["a brand new one", "a brand new one"]
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    assert main(["assessor", "passphrase"]) == 2
    assert "was deleted outside callsim" in capsys.readouterr().err
    secret = _passphrase_file(tmp_path, PASSPHRASE)
    assert main(["sessions", "list", "--passphrase-file", secret]) == 2
    assert "stays locked" in capsys.readouterr().err
    assert_named(db, recorded.ana, capsys, "passphrase", "was deleted")


def test_the_passphrase_row_replaced(
    db: Path, recorded: Recorded, capsys: Capture, tmp_path: Path
) -> None:
    mine = "the tamperer's own"
    attack(
        db, ("UPDATE assessor_meta SET value = ? WHERE key = 'passphrase'", [hash_passphrase(mine)])
    )
    with SessionStore(db) as store, pytest.raises(PassphraseRecordAltered, match="was replaced"):
        AssessorAuth(store).verify(mine)
    assert (
        main(
            [
                "report",
                recorded.ana,
                "--out",
                str(tmp_path / "r.html"),
                "--passphrase-file",
                _passphrase_file(tmp_path, mine),
            ]
        )
        == 2
    )
    assert "was replaced" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
    assert_named(db, recorded.ana, capsys, "passphrase", "was replaced")


def test_the_passphrase_replaced_with_a_ledger_entry_by_hand(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    import hashlib

    mine = hash_passphrase("the tamperer's own")
    count, head = one(db, "SELECT count, hash FROM ledger_head")
    detail = json.dumps(
        {"key": "passphrase", "value_sha256": hashlib.sha256(mine.encode()).hexdigest()}
    )
    attack(
        db,
        ("UPDATE assessor_meta SET value = ? WHERE key = 'passphrase'", [mine]),
        (
            "INSERT INTO ledger VALUES (?, 'meta', NULL, ?, '2025-03-04T00:00:00+00:00', ?, ?)",
            [count, detail, head, "0" * 64],
        ),
        ("UPDATE ledger_head SET count = count + 1, hash = ?", ["0" * 64]),
    )
    with SessionStore(db) as store, pytest.raises(PassphraseRecordAltered, match="by hand"):
        AssessorAuth(store).verify("the tamperer's own")
    found = banner(db, recorded.ana)
    ledger = found.check("ledger")
    assert ledger is not None and ledger.ok is False and "does not match its hash" in ledger.detail


# -- assessor accounts (issue #13 item 2) --------------------------------------------------------
_EVE_ROW = (
    "INSERT INTO assessor_accounts (name, name_key, passphrase_hash, role, change, created_by, "
    "created_at) VALUES ('Eve', 'eve', ?, 'lead', 'create', 'nobody', '2025-03-04T00:00:00Z')"
)


def test_an_account_row_inserted_with_sqlite3_is_refused(
    db: Path, recorded: Recorded, capsys: Capture, tmp_path: Path
) -> None:
    """A lead account of the tamperer's choosing, written straight into the file (which would
    also retire the passphrase): nobody signs in with it, and verify names it."""
    from app.assessor.accounts import Accounts, AccountsAltered

    attack(db, (_EVE_ROW, [hash_passphrase("eve's own passphrase")]))
    with SessionStore(db) as store:
        accounts = Accounts(store)
        with pytest.raises(AccountsAltered, match=r"account row 1 \(Eve\) was written"):
            accounts.sign_in("Eve", "eve's own passphrase")
        with pytest.raises(AccountsAltered):
            accounts.create_first_lead(
                "Mallory", "mallory's passphrase", legacy_passphrase=PASSPHRASE
            )
        with pytest.raises(PassphraseRecordAltered):
            AssessorAuth(store).verify(PASSPHRASE)
    eve = [
        "--account",
        "Eve",
        "--passphrase-file",
        _passphrase_file(tmp_path, "eve's own passphrase"),
    ]
    assert main(["sessions", "list", *eve]) == 2
    assert "stays locked" in capsys.readouterr().err
    assert_named(db, recorded.ana, capsys, "passphrase", "account row 1 (Eve) was written")


def _with_accounts(db: Path) -> None:
    """The copy upgraded to accounts: lead Ann (from the passphrase), assessor Bob, and five
    failed sign-ins for Bob (locked out)."""
    from app.assessor.accounts import Accounts, LockedOut, SignInRefused

    with SessionStore(db) as store:
        accounts = Accounts(store)
        ann = accounts.create_first_lead("Ann", "ann's passphrase", legacy_passphrase=PASSPHRASE)
        accounts.create("Bob", "bob's passphrase", role="assessor", by=ann)
        for _ in range(5):
            with pytest.raises(SignInRefused):
                accounts.sign_in("Bob", "a guess")
        with pytest.raises(LockedOut):
            accounts.sign_in("Bob", "bob's passphrase")


def test_an_assessor_made_lead_with_sqlite3_is_refused(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    from app.assessor.accounts import Accounts, AccountsAltered

    _with_accounts(db)
    attack(db, ("UPDATE assessor_accounts SET role = 'lead' WHERE name = 'Bob'", []))
    with SessionStore(db) as store, pytest.raises(AccountsAltered, match=r"\(Bob\) was changed"):
        Accounts(store).sign_in("Ann", "ann's passphrase")
    assert_named(db, recorded.ana, capsys, "passphrase", "account row 2 (Bob) was changed")


def test_failed_sign_ins_deleted_to_lift_a_lockout_are_detected(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    from app.assessor.accounts import Accounts, AccountsAltered

    _with_accounts(db)
    attack(db, ("DELETE FROM assessor_signins WHERE name_key = 'bob'", []))
    with SessionStore(db) as store, pytest.raises(AccountsAltered, match="was deleted"):
        Accounts(store).sign_in("Bob", "bob's passphrase")
    assert_named(db, recorded.ana, capsys, "passphrase", "sign-in row", "was deleted")


def test_an_account_row_with_a_ledger_entry_by_hand_is_refused(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    """The row and a matching ledger entry, with a made-up hash and the head moved on."""
    import hashlib

    from app.assessor.accounts import Accounts, AccountsAltered
    from app.storage.accounts_repo import AccountRow, row_sha256

    stored = hash_passphrase("eve's own passphrase")
    row = AccountRow(
        1, "Eve", "eve", stored, "lead", "create", "nobody", "2025-03-04T00:00:00Z", None
    )
    count, head = one(db, "SELECT count, hash FROM ledger_head")
    detail = json.dumps({"id": 1, "key": "account", "value_sha256": row_sha256(row)})
    forged = hashlib.sha256(b"forged").hexdigest()
    attack(
        db,
        (_EVE_ROW, [stored]),
        (
            "INSERT INTO ledger VALUES (?, 'meta', NULL, ?, '2025-03-04T00:00:00+00:00', ?, ?)",
            [count, detail, head, forged],
        ),
        ("UPDATE ledger_head SET count = count + 1, hash = ?", [forged]),
    )
    with SessionStore(db) as store, pytest.raises(AccountsAltered, match="by hand"):
        Accounts(store).sign_in("Eve", "eve's own passphrase")
    ledger = banner(db, recorded.ana).check("ledger")
    assert ledger is not None and ledger.ok is False


# -- the search index ------------------------------------------------------------------------------
def test_a_damaged_search_index(db: Path, recorded: Recorded, capsys: Capture) -> None:
    attack(db, ("UPDATE event_text_data SET block = zeroblob(length(block)) WHERE id > 10", []))
    assert_named(db, recorded.ana, capsys, "database", "the search index is damaged")


# -- what verify cannot rule out ------------------------------------------------------------------
def test_a_full_rewrite_with_the_code_is_not_ruled_out(
    db: Path, recorded: Recorded, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone holding the file and the code builds a new database in which Bo's session (same
    id, same times) is a passing call: every chain, seal and the ledger are consistent."""
    with SessionStore(db, readonly=True) as store:
        bo = store.session(recorded.bo)
        assert bo is not None and bo.ended_at is not None
    forged = db.with_name("forged.db")
    times = iter([bo.started_at, bo.ended_at, bo.ended_at])
    monkeypatch.setattr(uuid, "uuid4", lambda: SimpleNamespace(hex=recorded.bo))
    with SessionStore(forged, clock=lambda: next(times)) as store:
        sid = _play(store, db.parent, GOOD, "Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    assert sid == recorded.bo
    forged.replace(db)
    code, out = cli(capsys, recorded.bo)
    assert code == 0 and out[0].startswith(f"verified: session {recorded.bo[:12]}")
    assert out[-1] == CANNOT
    assert "a complete, consistent rewrite by someone holding the database file" in CANNOT


@pytest.fixture(autouse=True)
def _no_stray_files(db: Path) -> Iterator[None]:
    """verify reads: nothing is written beside the copy (no -wal, no -shm, no journal)."""
    yield
    extra = {p.name for p in db.parent.iterdir()} - {"callsim.db", "no-scenarios", "secret"}
    extra -= {n for n in extra if n.endswith(".yaml")}
    assert not extra, extra


# -- comment retractions and sign-offs -----------------------------------------------------------
def _signed_off(db: Path, sid: str) -> None:
    """Through callsim: Ana's comment withdrawn, then her session signed off (audit entries 3
    and 4, after the mark, the comment and the verdict)."""
    with SessionStore(db, clock=ticking_clock(datetime.fromisoformat("2025-03-05T10:00Z"))) as s:
        marking = Marking(s, clock=ticking_clock(datetime.fromisoformat("2025-03-05T10:00Z")))
        (comment,) = marking.comments(sid)
        marking.retract_comment(sid, comment.id, reason="said of the wrong call", assessor=ASSESSOR)
        marking.sign_off(sid, assessor=ASSESSOR, note="moderated")


def test_a_signed_off_session_verifies(db: Path, recorded: Recorded, capsys: Capture) -> None:
    _signed_off(db, recorded.ana)
    found = banner(db, recorded.ana)
    assert found.ok, found.lines()
    trail = found.check("audit trail")
    assert trail is not None and "1 retraction, 1 sign-off" in trail.detail
    code, _ = cli(capsys, recorded.ana)
    assert code == 0


def test_a_sign_off_deleted_to_unlock_the_session(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    _signed_off(db, recorded.ana)
    attack(db, ("DELETE FROM signoffs WHERE session_id = ?", [recorded.ana]))
    with SessionStore(db, readonly=True) as store:
        assert Marking(store).signed_off(recorded.ana) is None  # unlocked, but:
    assert_named(
        db, recorded.ana, capsys, "audit trail", "the sign-off row of audit entry 4 is missing"
    )


def test_a_sign_off_deleted_with_its_audit_entry(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    _signed_off(db, recorded.ana)
    attack(
        db,
        ("DELETE FROM signoffs WHERE session_id = ?", [recorded.ana]),
        ("DELETE FROM audit WHERE session_id = ? AND action = 'sign_off'", [recorded.ana]),
    )
    assert_named(db, recorded.ana, capsys, "audit trail", "entry 4 is missing")


def test_a_sign_off_turned_into_a_reopening(db: Path, recorded: Recorded, capsys: Capture) -> None:
    _signed_off(db, recorded.ana)
    attack(
        db,
        (
            "UPDATE signoffs SET action = 'reopen', note = 'appeal' WHERE session_id = ?",
            [recorded.ana],
        ),
    )
    assert_named(db, recorded.ana, capsys, "audit trail", "a reopening row has no audit entry")


def test_a_sign_off_credited_to_someone_else(db: Path, recorded: Recorded, capsys: Capture) -> None:
    _signed_off(db, recorded.ana)
    attack(db, ("UPDATE signoffs SET assessor = 'Insp Lead' WHERE session_id = ?", [recorded.ana]))
    assert_named(
        db, recorded.ana, capsys, "audit trail", "the sign-off row of audit entry 4 no longer says"
    )


def test_a_retraction_deleted_to_bring_a_comment_back(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    _signed_off(db, recorded.ana)
    attack(db, ("DELETE FROM retractions WHERE session_id = ?", [recorded.ana]))
    assert_named(
        db, recorded.ana, capsys, "audit trail", "the retraction row of audit entry 3 is missing"
    )


def test_a_forged_reopening_with_the_audit_chain_recomputed(
    db: Path, recorded: Recorded, capsys: Capture
) -> None:
    """A reopening appended by hand, its entry chained on with callsim's formula and the
    session's head moved: the chain is consistent, the ledger does not hold it."""
    _signed_off(db, recorded.ana)
    seq, _action, prev = _audit_rows(db, recorded.ana)[-1]
    assert isinstance(seq, int) and isinstance(prev, str)
    at = "2025-03-06T09:00:00.000000+00:00"
    (next_id,) = one(db, "SELECT coalesce(max(id), 0) + 1 FROM signoffs")
    detail = {"signoff_id": next_id, "reason": "appeal"}
    digest = entry_hash(
        prev,
        session_id=recorded.ana,
        seq=seq + 1,
        action="reopen",
        detail=detail,
        assessor=ASSESSOR,
        at=at,
    )
    attack(
        db,
        (
            "INSERT INTO signoffs (id, session_id, action, note, assessor, at) "
            "VALUES (?, ?, 'reopen', 'appeal', ?, ?)",
            [next_id, recorded.ana, ASSESSOR, at],
        ),
        (
            "INSERT INTO audit (session_id, seq, action, detail_json, assessor, at, prev_hash, "
            "hash) VALUES (?, ?, 'reopen', ?, ?, ?, ?, ?)",
            [recorded.ana, seq + 1, canonical_json(detail), ASSESSOR, at, prev, digest],
        ),
        (
            "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
            [seq + 2, digest, recorded.ana],
        ),
    )
    with SessionStore(db, readonly=True) as store:
        assert Marking(store).verify_audit(recorded.ana).ok  # the chain itself is consistent
        assert Marking(store).signed_off(recorded.ana) is None
    assert_named(db, recorded.ana, capsys, "audit trail", "entry 5 (reopen) is not in the ledger")


# -- against signed heads published earlier (issue 13) --------------------------------------------
@dataclass(frozen=True)
class Keys:
    private: Path
    public: Path


@pytest.fixture
def keys(tmp_path: Path, capsys: Capture) -> Keys:
    folder = tmp_path / "keys"
    folder.mkdir()
    assert main(["keys", "create", "--out", str(folder)]) == 0
    capsys.readouterr()
    return Keys(folder / "centre-key.pem", folder / "centre-key.pub")


def publish_heads(keys: Keys, capsys: Capture) -> Path:
    """The digest as it would have been published before the attack."""
    out = keys.private.parent.parent / "published"
    out.mkdir(exist_ok=True)
    assert main(["heads", "publish", "--out", str(out), "--signing-key", str(keys.private)]) == 0
    capsys.readouterr()
    (path,) = out.iterdir()
    return path


def cli_heads(capsys: Capture, keys: Keys, heads: Path, *args: str) -> tuple[int, list[str]]:
    return cli(capsys, *args, "--heads", str(heads), "--public-key", str(keys.public))


def test_a_full_rewrite_fails_against_a_published_head(
    db: Path, recorded: Recorded, capsys: Capture, monkeypatch: pytest.MonkeyPatch, keys: Keys
) -> None:
    """The rewrite above (every chain, seal and the ledger consistent) against the heads
    published the day before: the signature still holds, the heads no longer do."""
    heads = publish_heads(keys, capsys)
    code, out = cli_heads(capsys, keys, heads)
    assert code == 0 and out[-1] == WITH_HEADS, out
    with SessionStore(db, readonly=True) as store:
        bo = store.session(recorded.bo)
        assert bo is not None and bo.ended_at is not None
    forged = db.with_name("forged.db")
    times = iter([bo.started_at, bo.ended_at, bo.ended_at])
    monkeypatch.setattr(uuid, "uuid4", lambda: SimpleNamespace(hex=recorded.bo))
    with SessionStore(forged, clock=lambda: next(times)) as store:
        _play(store, db.parent, GOOD, "Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
    forged.replace(db)
    code, out = cli(capsys, recorded.bo)  # on its own, verify cannot tell
    assert code == 0 and out[-1] == CANNOT and "--heads" in CANNOT
    code, out = cli_heads(capsys, keys, heads, recorded.bo)
    assert code == 1, out
    text = "\n".join(out)
    name = f"signed heads ({heads})"
    assert f"ok       {name}: signature: signed by the centre's key" in text
    assert f"ALTERED  {name}: ledger: its entry " in text
    bo_line = next(line for line in out if f"{name}: session {recorded.bo[:12]}" in line)
    assert bo_line.startswith("ALTERED") and "the event log's head is" in bo_line, bo_line
    assert "when published" in bo_line
    assert f"session {recorded.ana[:12]}" not in text  # one session asked: that one's heads
    assert out[-1] == WITH_HEADS
    assert any(line.startswith(f"ALTERED: against the signed heads of {heads}: ") for line in out)
    # The whole database: Ana was not rebuilt, so she is gone.
    code, out = cli_heads(capsys, keys, heads)
    assert code == 1
    ana = next(line for line in out if f"{name}: session {recorded.ana[:12]}" in line)
    assert ana.startswith("ALTERED") and "no longer in the database" in ana


def test_the_newest_entries_removed_fail_against_a_published_head(
    db: Path, recorded: Recorded, capsys: Capture, keys: Keys
) -> None:
    """The delete-last-audit-entry attack above (session and ledger heads moved back), which
    verify alone cannot tell: against published heads, the missing entry is named."""
    heads = publish_heads(keys, capsys)
    rows = _audit_rows(db, recorded.bo)
    count, _last = one(db, "SELECT count, hash FROM ledger_head")
    assert isinstance(count, int)
    (before,) = one(db, "SELECT hash FROM ledger WHERE seq = ?", [count - 2])
    attack(
        db,
        ("DELETE FROM verdicts WHERE session_id = ?", [recorded.bo]),
        ("DELETE FROM audit WHERE session_id = ? AND action = 'verdict'", [recorded.bo]),
        ("DELETE FROM ledger WHERE seq = ?", [count - 1]),
        ("UPDATE ledger_head SET count = ?, hash = ?", [count - 1, before]),
        (
            "UPDATE sessions SET audit_count = ?, audit_hash = ? WHERE id = ?",
            [len(rows) - 1, rows[-2][2], recorded.bo],
        ),
    )
    assert cli(capsys, recorded.bo)[0] == 0  # as CANNOT says
    code, out = cli_heads(capsys, keys, heads, recorded.bo)
    assert code == 1, out
    name = f"signed heads ({heads})"
    assert any(
        line.startswith(f"ALTERED  {name}: ledger: its entry {count - 1} is missing")
        for line in out
    ), out
    bo = f"ALTERED  {name}: session {recorded.bo[:12]}: the audit trail's entry {len(rows) - 1} "
    assert any(line.startswith(bo + "is missing") for line in out), out


def test_a_digest_edited_after_signing_is_not_trusted(
    db: Path, recorded: Recorded, capsys: Capture, keys: Keys, tmp_path: Path
) -> None:
    """Moving a published head to fit a rewrite breaks the signature; another key's digest
    is refused too."""
    heads = publish_heads(keys, capsys)
    document = json.loads(heads.read_text(encoding="utf-8"))
    document["signed"]["sessions"][0]["audit_count"] += 1
    heads.write_text(json.dumps(document), encoding="utf-8")
    code, out = cli_heads(capsys, keys, heads)
    assert code == 1
    assert any(
        line.startswith(
            f"ALTERED  signed heads ({heads}): signature: not trusted: its signature does not match"
        )  # fmt: skip
        for line in out
    ), out
    other = tmp_path / "other"
    other.mkdir()
    assert main(["keys", "create", "--out", str(other)]) == 0
    capsys.readouterr()
    code, out = cli(capsys, "--heads", str(heads), "--public-key", str(other / "centre-key.pub"))
    assert code == 1 and any("it was signed by another key" in line for line in out), out


def test_a_deleted_session_is_named_against_a_published_head(
    db: Path, recorded: Recorded, capsys: Capture, keys: Keys
) -> None:
    """Bo deleted (the ledger names him too, above); asked for by a prefix of his id, the
    published heads still list him, and only his line is shown."""
    heads = publish_heads(keys, capsys)
    attack(
        db,
        *[(f"DELETE FROM {t} WHERE session_id = ?", [recorded.bo]) for t in _SESSION_TABLES],
        ("DELETE FROM sessions WHERE id = ?", [recorded.bo]),
    )
    code, out = cli_heads(capsys, keys, heads, recorded.bo[:8])  # named by a prefix
    assert code == 1, out
    gone = f"ALTERED  signed heads ({heads}): session {recorded.bo[:12]}: it was published but is"
    assert any(line.startswith(gone) for line in out), out
    assert not any(f"session {recorded.ana[:12]}" in line for line in out if "signed" in line)


# -- moderation (issue #13 item 3): second marks are covered by the audit chain --------------


@pytest.fixture(scope="module")
def moderated(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Ana's call marked by A, then blind second-marked by B and submitted."""
    from app.assessor.moderation import Moderation

    folder = tmp_path_factory.mktemp("moderated")
    db = folder / "callsim.db"
    with SessionStore(db, clock=ticking_clock()) as store:
        ana = _play(store, folder, GOOD, "Ana")
        bo = _play(store, folder, SHORT, "Bo")
        AssessorAuth(store).set_passphrase(PASSPHRASE)
        clock = ticking_clock(datetime.fromisoformat("2025-03-02T10:00Z"))
        Marking(store, clock=clock).mark(ana, "professional_tone", "score", status="met",
                                         assessor=ASSESSOR)  # fmt: skip
        mod = Moderation(store, clock=clock)
        mod.request_second(ana, second_assessor="Second B", requested_by="Lead L")
        mod.second_mark(ana, "professional_tone", "missed", reason="curt", assessor="Second B")
        mod.submit(ana, assessor="Second B")
    return Recorded(db, ana, bo)


@pytest.fixture
def moderated_db(moderated: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the moderated database, made the data folder (after `db`'s)."""
    folder = tmp_path / "moderated-data"
    folder.mkdir()
    copy = folder / "callsim.db"
    shutil.copyfile(moderated.db, copy)
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return copy


def test_the_moderated_database_verifies(
    moderated_db: Path, moderated: Recorded, capsys: Capture
) -> None:
    code, out = cli(capsys, moderated.ana)
    assert code == 0, out
    actions = [r[1] for r in _audit_rows(moderated_db, moderated.ana)]
    assert actions == ["mark", "moderation_request", "second_mark", "second_submit"]


def test_a_second_mark_edited(moderated_db: Path, moderated: Recorded, capsys: Capture) -> None:
    """The second assessor's "missed" quietly turned into the first's "met" (to hide a
    disagreement from the lead)."""
    attack(moderated_db, ("UPDATE second_marks SET status = 'met'", []))
    assert_named(
        moderated_db, moderated.ana, capsys, "audit trail",
        "second mark row of audit entry 2 no longer says",
    )  # fmt: skip


def test_a_second_mark_deleted(moderated_db: Path, moderated: Recorded, capsys: Capture) -> None:
    attack(moderated_db, ("DELETE FROM second_marks", []))
    assert_named(
        moderated_db, moderated.ana, capsys, "audit trail", "second mark row of audit entry 2",
        "missing",
    )  # fmt: skip


def test_a_request_renamed_to_another_second_assessor(
    moderated_db: Path, moderated: Recorded, capsys: Capture
) -> None:
    attack(moderated_db, ("UPDATE moderation_requests SET second_assessor = 'Someone else'", []))
    assert_named(
        moderated_db,
        moderated.ana,
        capsys,
        "audit trail",
        "second-marking request row of audit entry 1",
    )


def test_a_submission_added_outside_callsim(
    moderated_db: Path, moderated: Recorded, capsys: Capture
) -> None:
    """The submission deleted with sqlite3 to reopen the blind marking: its entry has no row."""
    attack(moderated_db, ("DELETE FROM second_submissions", []))
    assert_named(
        moderated_db, moderated.ana, capsys, "audit trail", "second-marking submission row"
    )
