"""Signed backup bundles (issue 13 item 6): `callsim export-sessions` / `import-sessions`.

Two real databases: the one a centre recorded (A) and the one it restores into (B). Every
refusal must name the file (and the member) and leave B exactly as it was."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import SHORT, case, record, ticking_clock

Capture = pytest.CaptureFixture[str]


@dataclass(frozen=True)
class Setup:
    a: Path  # the data folder recorded in
    b: Path  # the data folder restored into
    private: Path
    public: Path
    ana: str  # no assessor action
    bo: str  # marked and given a verdict
    tmp: Path


@pytest.fixture
def setup(tmp_path: Path, capsys: Capture) -> Setup:
    keys = tmp_path / "keys"
    keys.mkdir()
    assert main(["keys", "create", "--out", str(keys)]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    with SessionStore(a / "callsim.db", clock=ticking_clock()) as store:
        ana = record(store, tmp_path, trainee="Ana")
        bo = record(store, tmp_path, SHORT, trainee="Bo")
        marking = Marking(store, clock=ticking_clock())
        marking.mark(bo, "location", "agree", assessor="Assessor <A>")
        marking.set_verdict(bo, "fail", reason="hung up early", assessor="Assessor <A>")
    capsys.readouterr()
    return Setup(a, b, keys / "centre-key.pem", keys / "centre-key.pub", ana, bo, tmp_path)


def export(s: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture, *extra: str) -> Path:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(s.a))
    out = s.tmp / "backup.zip"
    assert (
        main(["export-sessions", "--out", str(out), "--signing-key", str(s.private), *extra]) == 0
    )
    assert "signed" in capsys.readouterr().err
    return out


def import_into_b(
    s: Setup,
    bundle: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capture,
    key: Path | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(s.b))
    code = main(["import-sessions", str(bundle), "--public-key", str(key or s.public)])
    got = capsys.readouterr()
    assert "Traceback" not in got.err
    return code, got.out, got.err


def b_state(s: Setup) -> tuple[object, ...]:
    """What B holds: its sessions and its ledger head (unchanged by a refused import)."""
    path = s.b / "callsim.db"
    if not path.exists():
        return ()
    with sqlite3.connect(path) as conn:
        ids = tuple(r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id"))
        head = conn.execute("SELECT count, hash FROM ledger_head").fetchone()
    conn.close()
    return ids, head


def rezip(bundle: Path, change: dict[str, bytes]) -> None:
    """The bundle with members replaced (the manifest kept as signed)."""
    with zipfile.ZipFile(bundle) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members |= change
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    bundle.write_bytes(buffer.getvalue())


def test_a_bundle_restores_every_session_and_it_verifies(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    body = manifest["signed"]
    assert body["sessions"] == [setup.ana, setup.bo]
    assert {f"sessions/{setup.ana}.json", f"sessions/{setup.bo}.json", "manifest.json"} <= names
    sha = case().sha256
    # The scenario version played, once, content-addressed (the catalog has it here).
    assert [n for n in names if n.startswith("scenarios/")] == [f"scenarios/{sha}.yaml"]
    assert body["scenarios_missing"] == []
    with zipfile.ZipFile(bundle) as zf:
        assert hashlib.sha256(zf.read(f"scenarios/{sha}.yaml")).hexdigest() == sha
    assert set(body["files"]) == names - {"manifest.json"}
    code, out, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 0, err
    assert "imported 2 session(s)" in out
    with (
        SessionStore(setup.a / "callsim.db", readonly=True) as a,
        SessionStore(setup.b / "callsim.db", readonly=True) as b,
    ):
        for sid in (setup.ana, setup.bo):
            assert a.record(sid) == b.record(sid)
            assert a.events(sid) == b.events(sid)
        assert Marking(b).verdict(setup.bo).verdict == "fail"  # type: ignore[union-attr]
        assert b.search("address")  # the search index was filled
    assert main(["verify"]) == 0, capsys.readouterr().out
    assert "2 sessions checked" in capsys.readouterr().out
    # Again: nothing twice.
    before = b_state(setup)
    code, out, _ = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 0 and "imported 0 session(s)" in out and "2 already here, identical" in out
    assert b_state(setup) == before


def test_since_leaves_older_sessions_out(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys, "--since", "2030-01-01")
    with zipfile.ZipFile(bundle) as zf:
        assert json.loads(zf.read("manifest.json"))["signed"]["sessions"] == []


def test_one_byte_changed_in_a_session_is_refused_and_nothing_imported(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    name = f"sessions/{setup.bo}.json"
    with zipfile.ZipFile(bundle) as zf:
        data = zf.read(name)
    i = data.index(b"hung up early")
    rezip(bundle, {name: data[:i] + b"H" + data[i + 1 :]})
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2
    assert f"{bundle}: {name}: its sha256 is not the one the signed manifest lists" in err
    assert "nothing was imported" in err
    assert not (setup.b / "callsim.db").exists()  # checked before the database is opened


def test_one_byte_flipped_in_the_zip_file_is_refused(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    raw = bytearray(bundle.read_bytes())
    raw[len(raw) // 3] ^= 0x01
    bundle.write_bytes(bytes(raw))
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2 and err.startswith(f"callsim: {bundle}: "), err
    assert not (setup.b / "callsim.db").exists()


def test_a_file_added_to_the_bundle_is_refused(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    rezip(bundle, {"sessions/extra.json": b"{}"})
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2 and "sessions/extra.json: not in the signed manifest" in err


def test_a_bad_signature_is_refused(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["signed"]["sessions"] = [setup.ana]  # a session left out after signing
    rezip(bundle, {"manifest.json": json.dumps(manifest).encode()})
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2
    assert f"{bundle}: manifest.json: not trusted: its signature does not match" in err
    # Another centre's key.
    other = setup.tmp / "other"
    other.mkdir()
    assert main(["keys", "create", "--out", str(other)]) == 0
    bundle = export(setup, monkeypatch, capsys)
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys, other / "centre-key.pub")
    assert code == 2 and "it was signed by another key" in err
    assert not (setup.b / "callsim.db").exists()


def test_the_same_id_with_other_content_is_refused_by_name_and_nothing_imported(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    monkeypatch.setattr(uuid, "uuid4", lambda: SimpleNamespace(hex=setup.bo))
    with SessionStore(setup.b / "callsim.db", clock=ticking_clock()) as store:
        record(store, setup.tmp, trainee="Someone else")
    monkeypatch.undo()
    before = b_state(setup)
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2
    assert f"session {setup.bo} is already in this database with other content" in err
    assert b_state(setup) == before  # Ana, new to B, was not imported either


def test_a_clash_found_while_writing_rolls_every_session_back(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """Bo's mark keeps its id (its audit entry names it); in B that id is another session's.
    Ana, written first, is rolled back with it."""
    bundle = export(setup, monkeypatch, capsys)
    with SessionStore(setup.b / "callsim.db", clock=ticking_clock()) as store:
        cy = record(store, setup.tmp, trainee="Cy")
        Marking(store).mark(cy, "location", "agree", assessor="B")
    before = b_state(setup)
    code, _, err = import_into_b(setup, bundle, monkeypatch, capsys)
    assert code == 2
    assert f"session {setup.bo}: its mark 1 has the id of a row of session {cy}" in err
    assert b_state(setup) == before


def test_import_needs_a_public_key(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    bundle = export(setup, monkeypatch, capsys)
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(setup.b))
    assert main(["import-sessions", str(bundle)]) == 2
    assert "no public key is configured" in capsys.readouterr().err
    assert main(["import-sessions", str(setup.tmp / "none.zip"), "--public-key", "x"]) == 2
