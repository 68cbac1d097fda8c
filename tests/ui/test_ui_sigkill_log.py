"""SIGKILL while typing in the incident log (issue #12): the text typed so far is in the
interrupted session's record, and `callsim verify` passes on it. The window runs offscreen in
a child process (tests/helpers/sigkill_log_child.py), which reports once the text is in the
database; it is then killed without warning."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.engine import events as ev
from app.scenario.loader import load_scenario
from app.services.catalog import build_matcher
from app.storage import SessionStore
from tests.conftest import SCENARIOS
from tests.helpers.sigkill import kill_when_it_says

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "helpers" / "sigkill_log_child.py"
TYPED = "14 Mill Lane, smoke upstairs"
WATCHDOG_SECONDS = 180  # only if the child hangs: the test then fails, never hangs


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_while_typing_in_the_log_keeps_the_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child shares this run's cache folder (CALLSIM_CACHE_DIR): train the built-in
    # scenario's matcher here first, so the child's call opens in its usual time even when
    # this test runs alone on a fresh clone.
    build_matcher(load_scenario(SCENARIOS / "misconduct-disclosure.yaml"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    child = f"{CHILD}::test_type_in_the_log_then_wait_to_be_killed"
    saved = kill_when_it_says(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s",
         "--basetemp", str(tmp_path / "child"), child],
        "SAVED ",
        cwd=ROOT,
        env=env,
        watchdog_seconds=WATCHDOG_SECONDS,
        silent="the child ended without saving the log text",
    )  # fmt: skip
    _, sid, db = saved.split(maxsplit=2)
    path = Path(db.strip())
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [sid]  # its writer is gone: interrupted at once
        info = store.session(sid)
        assert info is not None and info.status == "interrupted"
        logged = [str(e.data["value"]) for e in store.events(sid) if e.kind == ev.LOG_CHANGED]
    assert any(TYPED in value for value in logged)
    capsys.readouterr()
    data = tmp_path / "data"  # verify reads the default name, callsim.db, in the data folder
    data.mkdir()
    shutil.copy(path, data / "callsim.db")
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(data))
    code = main(["verify", sid, "--scenarios", str(path.parent / "scenarios")])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
