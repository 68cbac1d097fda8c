"""A real PostgreSQL server for the tests, started and removed by the test suite itself.

`pg_server` (session-scoped) runs `initdb` and `pg_ctl` from PostgreSQL's own binaries
(`CALLSIM_PG_BIN`, else the newest /usr/lib/postgresql/*/bin, else `initdb` on PATH) in a
private temporary folder, listening only on a unix socket in that folder (no TCP port is
opened; the port number only names the socket). `initdb` refuses to run as root, so as root
the server runs as the `postgres` OS user, on a folder handed to it.

`central_db` (per test) is a fresh database owned by the `callsim_owner` role, migrated to the
central schema, with a login in the trainee PCs' insert-only role `callsim_pc`.

Tests that use them are marked `pg`; without the binaries (or psycopg) they skip with one
reason. Import both fixtures into the test module:
`from tests.helpers.pg import central_db_fixture, pg_server_fixture  # noqa: F401`.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SUPERUSER = "pgtest"
OWNER = "callsim_owner"
PC_LOGIN = "callsim_pc_test"
START_TIMEOUT = 60  # seconds for the server to accept connections


def pg_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and pg_isready, or None."""
    env = os.environ.get("CALLSIM_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def skip_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    if pg_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found; set CALLSIM_PG_BIN"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' OS user to run initdb as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    bin_dir: Path
    root: Path  # the temporary folder: data directory and socket
    port: int
    run_as: list[str]  # the command prefix that runs a binary as the server's OS user

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        return f"host={self.root} port={self.port} user={user} dbname={dbname}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=START_TIMEOUT + 30
        )

    def superuser(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(self.dsn(SUPERUSER, dbname), autocommit=True)


def start_server() -> PgServer:
    bin_dir = pg_bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="callsim-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PgServer(bin_dir, root, _free_port(), run_as)
    done = server.run(
        str(bin_dir / "initdb"),
        "-D",
        str(server.data),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--no-sync",
    )
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    options = (
        f"-p {server.port} -k {root} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    )
    done = server.run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(server.data),
        "-l",
        str(root / "server.log"),
        "-o",
        options,
        "-w",
        "-t",
        str(START_TIMEOUT),
        "start",
    )
    if done.returncode != 0:
        log_path = root / "server.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        stop_server(server)
        raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")
    _wait_ready(server)
    with server.superuser() as conn:
        conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
    return server


def _wait_ready(server: PgServer) -> None:
    """Until the server answers (pg_isready blocks up to its own -t while it waits)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        ready = subprocess.run(
            [
                str(server.bin_dir / "pg_isready"),
                "-h",
                str(server.root),
                "-p",
                str(server.port),
                "-t",
                "5",
            ],
            capture_output=True,
            text=True,
        )
        if ready.returncode == 0:
            return
        if ready.returncode == 3 or time.monotonic() > deadline:  # 3: no attempt was made
            raise RuntimeError(f"PostgreSQL did not become ready: {ready.stdout.strip()}")


def stop_server(server: PgServer) -> None:
    server.run(str(server.bin_dir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop")
    shutil.rmtree(server.root, ignore_errors=True)


# One server for the whole run, however many test modules import the fixture.
_lock = threading.Lock()
_shared: list[PgServer] = []
_users = [0]


@atexit.register
def _stop_left_over() -> None:
    """A run cut short before the fixture's teardown still stops its server."""
    while _shared:
        stop_server(_shared.pop())


@pytest.fixture(scope="session", name="pg_server")
def pg_server_fixture() -> Iterator[PgServer]:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with _lock:
        if not _shared:
            _shared.append(start_server())
        _users[0] += 1
        server = _shared[0]
    try:
        yield server
    finally:
        with _lock:
            _users[0] -= 1
            if _users[0] == 0:
                stop_server(_shared.pop())


@dataclass
class CentralDb:
    server: PgServer
    name: str

    @property
    def owner_dsn(self) -> str:
        return self.server.dsn(OWNER, self.name)

    @property
    def pc_dsn(self) -> str:
        return self.server.dsn(PC_LOGIN, self.name)

    def owner(self) -> Any:
        import psycopg

        return psycopg.connect(self.owner_dsn, autocommit=True)

    def pc(self) -> Any:
        import psycopg

        return psycopg.connect(self.pc_dsn, autocommit=True)


@pytest.fixture(name="central_db")
def central_db_fixture(pg_server: PgServer) -> Iterator[CentralDb]:
    from app.central.schema import PC_ROLE, migrate

    name = "t_" + uuid.uuid4().hex[:12]
    with pg_server.superuser() as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
    db = CentralDb(pg_server, name)
    with db.owner() as conn:
        migrate(conn)
    with pg_server.superuser() as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [PC_LOGIN]).fetchone()
        if exists is None:
            conn.execute(f"CREATE ROLE {PC_LOGIN} LOGIN IN ROLE {PC_ROLE}")
    try:
        yield db
    finally:
        with pg_server.superuser() as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
