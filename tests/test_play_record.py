"""`callsim play ... --record --trainee NAME` stores a headless run as the app would."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.storage import SessionStore


def test_record_stores_the_run_and_prints_its_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "data"))
    t = tmp_path / "t.yaml"
    t.write_text("- say: what's the address?\n- end_call: true\n")
    assert main(["play", "misconduct-disclosure", str(t), "--record", "--trainee", "Ana"]) == 0
    err = capsys.readouterr().err
    session_id = err.strip().split()[-1]
    store = SessionStore(tmp_path / "data" / "callsim.db")
    info = store.session(session_id)
    assert info is not None
    assert (info.trainee, info.scenario_id, info.mode, info.status) == (
        "Ana",
        "misconduct-disclosure",
        "headless",
        "finished",
    )
    result = store.result(session_id)
    assert result is not None and result["criteria"]["location"]["status"] == "met"
    assert store.verify(session_id).ok
