"""Issue 13's first "done when", end to end with the real PostgreSQL the tests start: three
simulated PCs (three OS processes, each with its own SQLite store) record calls and sync in
parallel; one loses its connection mid-sync and recovers on its next sync (after a restart);
then the central library lists every session exactly once, `callsim verify --central` passes
every chain, and no live call was marked interrupted. The processes are driven by lines on
their stdin and answer with lines on stdout (tests/helpers/central_pc.py): no sleeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.conftest import ROOT
from tests.helpers.pg import CentralDb, central_db_fixture, pg_server_fixture  # noqa: F401

pytestmark = pytest.mark.pg

pytest.importorskip("psycopg")

HELPER = ROOT / "tests" / "helpers" / "central_pc.py"


class Pc:
    """One PC process: `send` a command line, `read` its one-line JSON answer."""

    def __init__(self, name: str, folder: Path, dsn: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.store_path = folder / "callsim.sqlite"
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER), name, str(folder), dsn],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"{self.name} ended (exit {self.proc.poll()})"
        value: dict[str, Any] = json.loads(line)
        return value

    def ask(self, line: str) -> dict[str, Any]:
        self.send(line)
        return self.read()

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            self.proc.wait(timeout=60)
        assert self.proc.returncode == 0, f"{self.name} exited {self.proc.returncode}"


@pytest.fixture
def pcs(central_db: CentralDb, tmp_path: Path) -> Iterator[list[Pc]]:
    started = [Pc(f"pc{i}", tmp_path / f"pc{i}", central_db.pc_dsn) for i in range(3)]
    try:
        yield started
    finally:
        for pc in started:
            if pc.proc.poll() is None:
                pc.proc.kill()
                pc.proc.wait()


def test_three_pcs_in_parallel_one_drops_mid_sync_and_recovers(
    central_db: CentralDb,
    pcs: list[Pc],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc0, pc1, pc2 = pcs
    for pc in pcs:  # all three record at once
        pc.send("record 4")
    recorded = {pc.name: pc.read()["recorded"] for pc in pcs}
    live = pc2.ask("start")["live"]  # a call still going on PC 2 throughout

    # All three sync at once; PC 1's connection is cut after the events of its 3rd session.
    pc1.send("sync 3")
    pc0.send("sync")
    pc2.send("sync")
    paused = pc1.read()["paused"]
    # PC 0 and PC 2 finish their syncs while PC 1 is mid-send (its transaction open)...
    reports = {pc.name: pc.read() for pc in (pc0, pc2)}
    assert reports["pc0"] == {"sent": recorded["pc0"], "left": 0, "error": None}
    assert reports["pc2"] == {"sent": recorded["pc2"], "left": 0, "error": None}
    assert pc2.ask("say " + live) == {"said": 1}  # ...and PC 2's call goes on
    with central_db.server.superuser() as su:
        (cut,) = su.execute("SELECT pg_terminate_backend(%s, 5000)", [paused]).fetchone()
    assert cut
    pc1.send("go")
    reports["pc1"] = pc1.read()
    assert reports["pc1"]["sent"] == recorded["pc1"][:2] and reports["pc1"]["left"] == 2
    assert "was lost" in reports["pc1"]["error"]

    # PC 0 opens PC 2's store file (as another machine would, sharing it): PC 2's lease is
    # fresh, so its live call stays active, and PC 2 records on.
    assert pc0.ask(f"open {pc2.store_path}") == {"interrupted": []}
    assert pc2.ask("status " + live) == {"status": "active"}
    assert pc2.ask("say " + live) == {"said": 2}

    # PC 1 restarts (a new process, its start-up check) and its next sync sends the rest.
    pc1.quit()
    pcs[1] = pc1 = Pc("pc1", tmp_path / "pc1", central_db.pc_dsn)
    assert pc1.ask("sync") == {"sent": recorded["pc1"][2:], "left": 0, "error": None}
    assert pc0.ask("sync") == {"sent": [], "left": 0, "error": None}  # nothing twice

    url = ["--central", "--url", central_db.pc_dsn]
    assert main(["sessions", "list", "--json", *url]) == 0
    listed = [row["id"] for row in json.loads(capsys.readouterr().out)]
    every = [sid for ids in recorded.values() for sid in ids]
    assert sorted(listed) == sorted(every)  # every session exactly once; the live one not yet
    assert main(["verify", *url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("verified: session ") for line in out) == 12
    assert not any(line.startswith("ALTERED") for line in out)
    assert "12 sessions checked in the central store" in out[12]

    # No live call was marked interrupted: PC 2's call finishes normally and is sent then.
    assert pc2.ask("status " + live) == {"status": "active"}
    assert pc2.ask("finish " + live) == {"finished": live}
    assert pc2.ask("sync") == {"sent": [live], "left": 0, "error": None}
    assert main(["sessions", "list", "--json", "--status", "interrupted", *url]) == 0
    assert json.loads(capsys.readouterr().out) == []
    with central_db.owner() as conn:
        (received,) = conn.execute("SELECT count(*) FROM received").fetchone()
        assert received == 13
    for pc in pcs:
        pc.quit()
