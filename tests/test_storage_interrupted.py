"""Interrupted sessions: the SIGKILL acceptance test and the owner-process checks."""

from __future__ import annotations

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from app.storage import SessionStore
from app.storage.owner import current_owner, is_alive, process_token

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "helpers" / "kill_writer.py"


def _load_helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kill_writer", HELPER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_event = _load_helper().make_event
WATCHDOG_SECONDS = 120  # only matters if the helper hangs: the test then fails, never hangs


@contextmanager
def writer(data_dir: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "CALLSIM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    watchdog = threading.Timer(WATCHDOG_SECONDS, proc.kill)
    watchdog.start()
    try:
        yield proc
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def read_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, f"the writer exited early (code {proc.wait()})"
    return line.strip()


def kill(proc: subprocess.Popen[str]) -> None:
    sigkill = getattr(signal, "SIGKILL", None)
    if sigkill is None:  # Windows: TerminateProcess, just as abrupt
        proc.kill()
    else:
        os.kill(proc.pid, sigkill)


@pytest.mark.parametrize("reported", [1, 40])
def test_sigkill_mid_call_keeps_every_reported_event(tmp_path: Path, reported: int) -> None:
    with writer(tmp_path) as proc:
        word, session_id = read_line(proc).split()
        assert word == "session"
        seqs = [int(read_line(proc)) for _ in range(reported)]
        kill(proc)
        assert proc.wait() != 0
    assert seqs == list(range(reported))

    with SessionStore(tmp_path / "callsim.db") as store:
        stored = store.events(session_id)
        # Everything reported is there and intact; the writer may have got further.
        assert len(stored) >= reported
        assert stored == [make_event(seq) for seq in range(len(stored))]
        assert store.verify(session_id).ok
        assert store.mark_interrupted() == [session_id]
        (info,) = store.list_sessions()
        assert (info.id, info.status, info.event_count) == (session_id, "interrupted", len(stored))
        assert store.list_sessions(status="interrupted") == [info]
        assert store.mark_interrupted() == []


def test_a_live_writer_elsewhere_is_left_alone_until_it_dies(tmp_path: Path) -> None:
    with writer(tmp_path, "--hold") as proc:
        session_id = read_line(proc).split()[1]
        while read_line(proc) != "holding":
            pass
        with SessionStore(tmp_path / "callsim.db") as store:
            assert store.mark_interrupted() == []
            info = store.session(session_id)
            assert info is not None and (info.status, info.owner_pid) == ("active", proc.pid)
            assert proc.stdin is not None
            proc.stdin.close()  # the writer returns without finishing the session
            assert proc.wait() == 0
            assert store.mark_interrupted() == [session_id]
            assert store.verify(session_id).ok
            assert len(store.events(session_id)) == 3


def test_own_sessions_are_not_interrupted_but_finished_ones_are_ignored(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "callsim.db") as store:
        mine = store.start_session(
            trainee="a",
            scenario_id="s",
            scenario_sha256="0" * 64,
            scenario_title="S",
            mode="practice",
        )
        done = store.start_session(
            trainee="a",
            scenario_id="s",
            scenario_sha256="0" * 64,
            scenario_title="S",
            mode="headless",
        )
        store.finish_session(done, None)
        with sqlite3.connect(store.path) as conn:  # a finished session's writer is long gone
            conn.execute("UPDATE sessions SET owner_pid = 0 WHERE id = ?", [done])
        conn.close()
        assert store.mark_interrupted() == []
        statuses = {s.id: s.status for s in store.list_sessions()}
        assert statuses == {mine: "active", done: "finished"}


@pytest.mark.skipif(not current_owner().token, reason="this platform gives no process token")
def test_a_reused_pid_or_another_boot_counts_as_gone(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "callsim.db") as store:
        sid = store.start_session(
            trainee="a",
            scenario_id="s",
            scenario_sha256="0" * 64,
            scenario_title="S",
            mode="practice",
        )
        # Same pid as ours, but recorded by a different process (e.g. before a reboot).
        with sqlite3.connect(store.path) as conn:
            conn.execute("UPDATE sessions SET owner_token = 'another-boot:1' WHERE id = ?", [sid])
        conn.close()
        assert store.mark_interrupted() == [sid]


def test_is_alive() -> None:
    me = current_owner()
    assert me.pid == os.getpid()
    assert is_alive(me.pid, me.token)
    assert is_alive(me.pid, "")  # no token recorded: the pid decides
    assert not is_alive(0, "") and not is_alive(-1, "")
    if me.token:
        assert not is_alive(me.pid, me.token + "x")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_token(child.pid) is None
    assert not is_alive(child.pid, "")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux waitid/proc")
def test_a_killed_but_unreaped_process_is_not_alive() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert is_alive(child.pid, process_token(child.pid) or "")
        child.kill()
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, still a zombie
        assert not is_alive(child.pid, "")
    finally:
        child.kill()
        child.wait()
        assert child.stdin is not None
        child.stdin.close()
