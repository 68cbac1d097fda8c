"""A real xAPI LRS for the tests: ralph (`ralph-malph[lrs]`), started and removed by the suite.

`lrs` (per test) starts `python -m tests.helpers.lrs_server PORT` on a free port of 127.0.0.1
with a private temporary folder holding its statements (ralph's filesystem backend, one
JSON-lines file, see lrs_server.py), its HTTP Basic credentials (`auth.json`, a bcrypt hash,
as `ralph auth` writes it) and its history; waits until `/__heartbeat__` answers, polling up
to a deadline; and stops it at the end. `Lrs.stop()`/`start()` take it down and bring it back
on the same port with the same statements, for the tests of a network that goes away.

Without the package the tests skip with the reason. Import the fixture into the test module:
`from tests.helpers.lrs import lrs_fixture  # noqa: F401`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

START_TIMEOUT = 60.0  # seconds for the server to answer
KEY, SECRET = "callsim-pc", "test-secret-42"
HOMEPAGE = "https://training.example"  # the accounts' homePage in the tests


def skip_reason() -> str | None:
    """Why the LRS tests cannot run here, or None."""
    # found, not imported: importing ralph.api sets up its backend from the environment
    for name in ("ralph.api", "uvicorn", "fastapi", "bcrypt", "requests"):
        try:
            found = importlib.util.find_spec(name) is not None
        except ImportError:
            found = False
        if not found:
            return f"ralph's LRS is not installed ({name}): pip install -e '.[test]'"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LrsServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "server.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def statements_file(self) -> Path:
        return self.root / "statements" / "fs_lrs.jsonl"

    def stored(self) -> list[dict[str, object]]:
        """Every statement the LRS has written, as written (one per line)."""
        if not self.statements_file.exists():
            return []
        lines = self.statements_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "RALPH_APP_DIR": str(self.root / "app"),
                "RALPH_AUTH_FILE": str(self.root / "auth.json"),
                "RALPH_HISTORY_FILE": str(self.root / "history.json"),
                "RALPH_RUNSERVER_BACKEND": "fs",
                "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
                "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.root / "statements"),
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def start(self) -> None:
        assert self.process is None, "already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.helpers.lrs_server", str(self.port)],
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Poll the heartbeat until it answers, the process dies, or the deadline passes."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        url = f"http://127.0.0.1:{self.port}/__heartbeat__"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the LRS exited at start:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the LRS did not answer in {START_TIMEOUT}s")
            # no fixed sleep: wait for the process itself, a short time, between polls
            try:
                self.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def write_auth(root: Path) -> None:
    """ralph's credentials file: the PC's key, a bcrypt hash of its secret, its scopes."""
    import bcrypt

    hashed = bcrypt.hashpw(SECRET.encode("utf-8"), bcrypt.gensalt(rounds=4)).decode("ascii")
    users = [
        {
            "agent": {"mbox": "mailto:lrs-admin@training.example"},
            "scopes": ["all"],
            "hash": hashed,
            "username": KEY,
        }
    ]
    (root / "auth.json").write_text(json.dumps(users), encoding="utf-8")


@pytest.fixture(name="lrs")
def lrs_fixture() -> Iterator[LrsServer]:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="callsim-lrs-"))
    (root / "statements").mkdir()
    (root / "app").mkdir()
    write_auth(root)
    server = LrsServer(root, _free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
