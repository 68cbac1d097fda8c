"""Retention (issue 13 item 6): `callsim retention run` archives sessions older than
`[retention] archive_after_years` to a signed bundle, and only then removes them from the live
database, through a recorded, ledgered removal that `verify` reports as archived, not deleted.
"""

from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.assessor.backup import years_before
from app.assessor.files import OutputFileError
from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import SHORT, record, ticking_clock

Capture = pytest.CaptureFixture[str]


@dataclass(frozen=True)
class Centre:
    data: Path
    archive: Path
    public: Path
    old: str  # started in 2015: due
    recent: str  # started in 2026: kept


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> Centre:
    keys = tmp_path / "keys"
    keys.mkdir()
    assert main(["keys", "create", "--out", str(keys)]) == 0
    data = tmp_path / "data"
    data.mkdir()
    archive = tmp_path / "archive"
    machine = tmp_path / "machine.toml"
    machine.write_text(
        f'[integrity]\nsigning_key = "{keys / "centre-key.pem"}"\n'
        f'public_key = "{keys / "centre-key.pub"}"\n'
        f'[retention]\narchive_after_years = 7\narchive_dir = "{archive}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr("app.config.machine_config_path", lambda env=None, platform="": machine)
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(data))
    db = data / "callsim.db"
    with SessionStore(db, clock=ticking_clock(datetime(2015, 5, 1, 9, 0, tzinfo=UTC))) as store:
        old = record(store, tmp_path, trainee="Ana")
    with SessionStore(db, clock=ticking_clock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))) as store:
        recent = record(store, tmp_path, SHORT, trainee="Bo")
    capsys.readouterr()
    return Centre(data, archive, keys / "centre-key.pub", old, recent)


def ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        found = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY started_at")]
    conn.close()
    return found


def run(capsys: Capture, *args: str) -> tuple[int, str]:
    code = main(list(args))
    got = capsys.readouterr()
    assert "Traceback" not in got.err
    return code, got.out + got.err


def test_the_append_only_triggers_still_refuse_a_session_not_archived(centre: Centre) -> None:
    with sqlite3.connect(centre.data / "callsim.db") as conn:
        for sql in (
            "DELETE FROM events WHERE session_id = ?",
            "DELETE FROM sessions WHERE id = ?",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only|never deleted"):
                conn.execute(sql, [centre.old])
    conn.close()


def test_a_dry_run_lists_and_changes_nothing(centre: Centre, capsys: Capture) -> None:
    code, out = run(capsys, "retention", "run", "--dry-run")
    assert code == 0, out
    assert "1 session(s) started before " in out and centre.old in out and centre.recent not in out
    assert not centre.archive.exists()
    assert ids(centre.data / "callsim.db") == [centre.old, centre.recent]


def test_old_sessions_are_archived_then_removed_and_verify_says_archived(
    centre: Centre, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = tmp_path / "digest.json"
    assert run(capsys, "heads", "publish", "--out", str(digest))[0] == 0
    code, out = run(capsys, "retention", "run")
    assert code == 0, out
    (bundle,) = centre.archive.iterdir()
    assert bundle.name.startswith("callsim-archive-") and bundle.suffix == ".zip"
    assert "archived 1 session(s) started before" in out and str(bundle) in out
    with zipfile.ZipFile(bundle) as zf:
        assert f"sessions/{centre.old}.json" in zf.namelist()
    assert ids(centre.data / "callsim.db") == [centre.recent]
    # verify: the whole database is fine, the archived session is said to be archived.
    code, out = run(capsys, "verify")
    assert code == 0, out
    assert "1 of them archived by retention, as recorded" in out
    code, out = run(capsys, "verify", centre.old)
    assert code == 0, out
    assert out.startswith(f"archived: session {centre.old}: removed from the live database")
    assert str(bundle) in out
    # Heads published before the removal: the archived one is accounted for.
    code, out = run(capsys, "verify", "--heads", str(digest))
    assert code == 0, out
    assert f"ok       signed heads ({digest}): session {centre.old[:12]}: archived by " in out
    # Nothing more is due.
    code, out = run(capsys, "retention", "run")
    assert code == 0 and "nothing to archive" in out
    # It is not brought back into the database it was archived from...
    code, out = run(capsys, "import-sessions", str(bundle))
    assert code == 2 and f"session {centre.old} was archived from this database" in out
    # ...but another database reads it, and it verifies there.
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(other))
    assert run(capsys, "import-sessions", str(bundle))[0] == 0
    code, out = run(capsys, "verify", centre.old)
    assert code == 0 and out.startswith(f"verified: session {centre.old[:12]}"), out


def test_nothing_is_removed_when_the_archive_cannot_be_written(
    centre: Centre, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, data: bytes, *, what: str = "file") -> None:
        raise OutputFileError(Path(path), "the disk is full", what=what, existed=False)

    monkeypatch.setattr("app.assessor.files.write_atomically", full)
    code, out = run(capsys, "retention", "run")
    assert code == 2 and "the disk is full" in out
    assert ids(centre.data / "callsim.db") == [centre.old, centre.recent]


def test_a_removal_without_the_ledger_entry_is_a_deletion(centre: Centre, capsys: Capture) -> None:
    """The `archived` table opens the DELETE triggers; writing to it by hand (no ledger
    entry, no bundle) lets rows go, and verify names the session deleted."""
    with sqlite3.connect(centre.data / "callsim.db") as conn:
        conn.execute("INSERT INTO archived VALUES (?, 'nowhere', '0', '2026-01-01')", [centre.old])
        for table in ("event_text", "events", "marks", "comments", "verdicts", "audit"):
            conn.execute(f"DELETE FROM {table} WHERE session_id = ?", [centre.old])
        conn.execute("DELETE FROM sessions WHERE id = ?", [centre.old])
    conn.close()
    code, out = run(capsys, "verify")
    assert code == 1 and f"session {centre.old} (trainee 'Ana'" in out
    assert "has been deleted from the database" in out


def test_retention_needs_a_period(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path))
    code, out = run(capsys, "retention", "run", "--dry-run")
    assert code == 2 and "no retention period is configured" in out


def test_years_before_a_leap_day() -> None:
    leap = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    assert years_before(leap, 7) == datetime(2017, 2, 28, 12, 0, tzinfo=UTC)
    assert years_before(datetime(2026, 5, 1, tzinfo=UTC), 7) == datetime(2019, 5, 1, tzinfo=UTC)


def test_a_database_from_before_retention_is_upgraded_with_its_records_intact(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file made by the migrations before retention's: opening it adds `archived` and the
    gated triggers, and what it holds still verifies and still refuses deletion."""
    from sqlite_utils import Database

    from app.storage.schema import MIGRATIONS, _m7_archive, migrate

    path = tmp_path / "callsim.db"
    before = MIGRATIONS[: MIGRATIONS.index(_m7_archive)]  # later migrations run again too
    with SessionStore(path, clock=ticking_clock()) as store:
        sid = record(store, tmp_path)
    # Back to the schema before retention (its triggers as they were), as an older callsim left it.
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE archived")
    for name in ("events_no_delete", "marks_no_delete", "audit_no_delete", "sessions_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(
        "CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions "
        "BEGIN SELECT RAISE(ABORT, 'sessions: rows are never deleted'); END"
    )
    conn.execute(f"PRAGMA user_version = {len(before)}")
    conn.commit()
    conn.close()
    assert migrate(Database(sqlite3.connect(path)), path) == len(before)
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"archived", "events_no_delete", "sessions_no_delete"} <= names
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM sessions WHERE id = ?", [sid])
    conn.close()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path))
    code, out = run(capsys, "verify", sid)
    assert code == 0, out


def test_a_signed_off_session_with_a_withdrawn_comment_is_archived_and_restored_whole(
    centre: Centre, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retractions and sign-offs (migration 6) travel in the bundle and leave with the
    session: the archived copy, imported elsewhere, is still signed off and still verifies."""
    db = centre.data / "callsim.db"
    with SessionStore(db, clock=ticking_clock(datetime(2016, 1, 1, 9, 0, tzinfo=UTC))) as store:
        marking = Marking(store, clock=ticking_clock(datetime(2016, 1, 1, 9, 0, tzinfo=UTC)))
        comment = marking.comment(centre.old, 1.0, "wrong call", assessor="Assessor <A>")
        marking.retract_comment(centre.old, comment.id, reason="mine", assessor="Assessor <A>")
        marking.sign_off(centre.old, assessor="Assessor <A>", note="moderated")
    code, out = run(capsys, "retention", "run")
    assert code == 0, out
    assert ids(db) == [centre.recent]
    with sqlite3.connect(db) as conn:
        left = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("retractions", "signoffs", "comments")
        ]
    conn.close()
    assert left == [0, 0, 0]
    (bundle,) = centre.archive.iterdir()
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(other))
    code, out = run(capsys, "import-sessions", str(bundle))
    assert code == 0, out
    with SessionStore(other / "callsim.db", readonly=True) as store:
        marking = Marking(store)
        signed = marking.signed_off(centre.old)
        assert signed is not None and signed.note == "moderated"
        assert [r.reason for r in marking.retractions(centre.old).values()] == ["mine"]
        assert marking.current_comments(centre.old) == []
    code, out = run(capsys, "verify", centre.old)
    assert code == 0 and out.startswith(f"verified: session {centre.old[:12]}"), out
