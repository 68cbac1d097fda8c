"""Run a child process until it prints a line starting with a marker, then SIGKILL it.

The real-kill fault tests (tests/test_faults_held.py, tests/ui/test_ui_sigkill_log.py) wait
on the child's own report, however long a loaded machine takes; a watchdog kills a child
that hangs, so the test then fails instead of hanging. POSIX only."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path


def kill_when_it_says(
    argv: Sequence[str],
    marker: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    watchdog_seconds: float,
    silent: str,
) -> str:
    """The child's first line starting with `marker`, after which it was killed with SIGKILL
    (asserted). `silent`: the failure message when the child ends without that line."""
    proc = subprocess.Popen(
        list(argv), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(env),
        text=True,
    )  # fmt: skip
    watchdog = threading.Timer(watchdog_seconds, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        said = ""
        for line in proc.stdout:  # wait for the child's report, however long it takes
            if line.startswith(marker):
                said = line
                break
        assert said, silent
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
    return said
