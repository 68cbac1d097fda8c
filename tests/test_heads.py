"""Signed chain heads (issue 13 item 4): the centre's key, the daily digest, the signed head on
every report, and `callsim verify --heads` (the attacks themselves are in tests/test_tamper.py)."""

from __future__ import annotations

import html
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.assessor.heads import (
    check_heads,
    digest_name,
    head_statement,
    load_private_key,
    load_public_key,
    publish,
    sign,
    signature_problem,
)
from app.assessor.marks import Marking
from app.assessor.report import report_html
from app.cli import main
from app.config import ConfigError, load_config
from app.engine.events import Event
from app.storage import SessionStore
from tests.assessor_kit import record, ticking_clock

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def keys(tmp_path: Path, capsys: Capture) -> tuple[Path, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    assert main(["keys", "create", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "fingerprint: " in out
    return folder / "centre-key.pem", folder / "centre-key.pub"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    return folder / "callsim.db"


def _machine_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "machine.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr("app.config.machine_config_path", lambda env=None, platform="": path)
    return path


def test_keys_create_a_private_key_only_its_owner_reads(
    keys: tuple[Path, Path], capsys: Capture
) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    key = load_private_key(private)
    signed = sign({"a": 1}, key)
    assert signature_problem(signed, load_public_key(public)) is None
    # Never over an existing key.
    before = private.read_bytes()
    assert main(["keys", "create", "--out", str(private.parent)]) == 2
    err = capsys.readouterr().err
    assert "already exists; nothing was written" in err and "Traceback" not in err
    assert private.read_bytes() == before


def test_a_bad_key_file_is_named(tmp_path: Path, capsys: Capture, data: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n", encoding="utf-8")
    with SessionStore(data) as store:
        record(store, tmp_path)
    assert main(["heads", "publish", "--out", str(tmp_path), "--signing-key", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: not a PEM private key" in err and "Traceback" not in err
    assert main(["heads", "publish", "--out", str(tmp_path)]) == 2
    assert "no signing key is configured" in capsys.readouterr().err


def test_the_integrity_keys_come_from_the_machine_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _machine_config(
        tmp_path,
        monkeypatch,
        '[integrity]\npublic_key = "/keys/c.pub"\nsigning_key = "/keys/c.pem"\n'
        "[retention]\narchive_after_years = 7\n",
    )
    cfg = load_config()
    assert cfg.path("integrity.public_key") == Path("/keys/c.pub")
    assert cfg.path("integrity.signing_key") == Path("/keys/c.pem")
    assert cfg.get("retention.archive_after_years") == "7"
    path = _machine_config(tmp_path, monkeypatch, "[retention]\narchive_after_years = 0\n")
    with pytest.raises(ConfigError, match=rf"{path}:2:1: .*whole number of years, 1 or more"):
        load_config()
    _machine_config(tmp_path, monkeypatch, '[integrity]\npublic = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'integrity.public'"):
        load_config()


def test_the_daily_digest_carries_the_date_and_every_head(
    keys: tuple[Path, Path], tmp_path: Path, capsys: Capture, data: Path
) -> None:
    with SessionStore(data, clock=ticking_clock()) as store:
        first = record(store, tmp_path, trainee="Ana")
        second = record(store, tmp_path, trainee="Bo")
        Marking(store, clock=ticking_clock()).comment(first, 1.0, "ok", assessor="A")
    folder = tmp_path / "digests"
    folder.mkdir()
    assert main(["heads", "publish", "--out", str(folder), "--signing-key", str(keys[0])]) == 0
    (path,) = folder.iterdir()
    assert path.name == digest_name() and path.name.startswith("callsim-heads-20")
    document = json.loads(path.read_text(encoding="utf-8"))
    body = document["signed"]
    assert body["format"] == "callsim-heads/1" and body["database"]["path"] == str(data)
    by_id = {s["id"]: s for s in body["sessions"]}
    assert set(by_id) == {first, second}
    with SessionStore(data, readonly=True) as store:
        rec = store.record(first)
        assert rec is not None
        assert by_id[first] == {
            "id": first,
            "status": "finished",
            "header_hash": rec.header_hash,
            "event_count": rec.event_count,
            "last_hash": rec.last_hash,
            "seal_hash": rec.seal_hash,
            "audit_count": 1,
            "audit_hash": rec.audit_hash,
        }
        head = store_head = body["ledger"]
        assert head["count"] >= 5 and store_head["hash"]
    assert signature_problem(document, load_public_key(keys[1])) is None
    # verify against it: every check ok.
    code = main(["verify", "--heads", str(path), "--public-key", str(keys[1])])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    heads_lines = [line for line in out if " signed heads (" in line]
    assert len(heads_lines) == 4 and all(line.startswith("ok ") for line in heads_lines)
    assert digest_name(datetime(2026, 1, 2, tzinfo=UTC)) == "callsim-heads-2026-01-02.json"


def test_heads_published_while_a_call_is_live_still_hold_after_it_ends(
    keys: tuple[Path, Path], tmp_path: Path, data: Path
) -> None:
    """A session grows after its heads are published (its events, then its audit trail): the
    published heads must be where they were. A changed early event does not hold."""
    key, public = load_private_key(keys[0]), load_public_key(keys[1])
    with SessionStore(data, clock=ticking_clock()) as store:
        sid = store.start_session(
            trainee="Ana",
            scenario_id="s",
            scenario_sha256="0" * 64,
            scenario_title="S",
            mode="practice",
        )
        store.append_event(sid, Event(0, 0.0, "call_started", {}))
        early = sign(head_statement(store), key)
        store.append_event(sid, Event(1, 1.0, "call_ended", {"by": "trainee"}))
        store.finish_session(sid, {"score": 1.0, "passed": True})
        Marking(store, clock=ticking_clock()).comment(sid, 1.0, "good", assessor="A")
        assert all(c.ok for c in check_heads(store, early, public)), check_heads(
            store, early, public
        )
        later = sign(head_statement(store), key)
    # Published heads that claim another first event (as if it had been rewritten since).
    early["signed"]["sessions"][0]["last_hash"] = "f" * 64
    with SessionStore(data, readonly=True) as store:
        assert all(c.ok for c in check_heads(store, later, public))
        (problem,) = [c for c in check_heads(store, sign(early["signed"], key), public) if not c.ok]
    assert "no longer begins with the 1 events published" in problem.detail


def test_a_heads_file_that_is_not_one_is_exit_2(
    keys: tuple[Path, Path], tmp_path: Path, capsys: Capture, data: Path
) -> None:
    with SessionStore(data) as store:
        record(store, tmp_path)
    broken = tmp_path / "heads.json"
    broken.write_text('{"signed": \n', encoding="utf-8")
    assert main(["verify", "--heads", str(broken), "--public-key", str(keys[1])]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:2:1: not a heads file (not JSON" in err and "Traceback" not in err
    broken.write_text('{"a": 1}', encoding="utf-8")
    assert main(["verify", "--heads", str(broken), "--public-key", str(keys[1])]) == 2
    assert "not a callsim heads file" in capsys.readouterr().err
    assert main(["verify", "--heads", str(broken)]) == 2
    assert "--heads needs the centre's public key" in capsys.readouterr().err


def test_every_report_carries_the_sessions_signed_head_when_a_key_is_configured(
    keys: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path
) -> None:
    with SessionStore(data, clock=ticking_clock()) as store:
        sid = record(store, tmp_path)
        marking = Marking(store)
        assert "<h2>Signed head<" not in report_html(store, sid, marking=marking)  # no key set
        _machine_config(tmp_path, monkeypatch, f'[integrity]\nsigning_key = "{keys[0]}"\n')
        page = report_html(store, sid, marking=marking)
        rec = store.record(sid)
        assert rec is not None
    assert "<h2>Signed head</h2>" in page
    public = load_public_key(keys[1])
    from app.assessor.heads import fingerprint

    assert fingerprint(public) in page and rec.last_hash in page and rec.seal_hash in page
    # The statement printed on the report is a heads file `verify --heads` accepts.
    start = page.index('<span class="hash">{') + len('<span class="hash">')
    text = html.unescape(page[start : page.index("</span>", start)])
    document = json.loads(text)
    assert signature_problem(document, public) is None
    with SessionStore(data, readonly=True) as store:
        assert all(c.ok for c in check_heads(store, document, public))
    # A configured key that cannot be read is said on the report, not hidden.
    _machine_config(tmp_path, monkeypatch, f'[integrity]\nsigning_key = "{tmp_path / "no"}"\n')
    with SessionStore(data, readonly=True) as store:
        page = report_html(store, sid, marking=Marking(store))
    assert "Not signed: a signing key is configured, but" in page


def test_publish_is_deterministic_for_a_given_moment(
    keys: tuple[Path, Path], tmp_path: Path, data: Path
) -> None:
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with SessionStore(data) as store:
        record(store, tmp_path)
        key = load_private_key(keys[0])
        assert publish(store, key, now=moment) == publish(store, key, now=moment)
