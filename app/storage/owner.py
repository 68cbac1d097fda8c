"""Is the process that was writing a session still running?

A session records its writer's pid and a *token* naming that particular process: on Linux the
boot id plus the process's start time (so a pid reused later, or after a reboot, does not
match); on Windows the process creation time; on macOS and other Unixes the start time that
`ps` reports. The token is "" where the platform tells us nothing, and then the pid alone
decides (best effort: a reused pid keeps a dead session looking alive until it exits).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True)
class Owner:
    """A writer process: its pid, the token that tells it apart from a later reuse, and the
    host it runs on (a pid means nothing on another machine sharing the file)."""

    pid: int
    token: str
    host: str = ""


def this_host() -> str:
    """This machine's name, as recorded on the sessions it writes."""
    try:
        return socket.gethostname()
    except OSError:
        return ""


def current_owner() -> Owner:
    """This process."""
    pid = os.getpid()
    return Owner(pid, process_token(pid) or "", this_host())


def is_alive(pid: int, token: str) -> bool:
    """True if process `pid` is running and is the same process that `token` was taken from."""
    current = process_token(pid)
    if current is None:
        return False
    # Only compare when both are known: a platform that gave no token cannot tell reuse.
    return not (token and current and current != token)


def process_token(pid: int) -> str | None:
    """A token for the running process `pid`; None if no such process is running."""
    if pid <= 0:
        return None
    if sys.platform == "win32":
        return _windows_token(pid)
    if sys.platform.startswith("linux") and (_PROC / "self" / "stat").exists():
        return _linux_token(pid)
    return _posix_token(pid)


def _linux_token(pid: int) -> str | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return ""
    state, start_ticks = fields[0], fields[19]  # fields 3 and 22 of proc(5)
    if state in ("Z", "X"):  # exited, not yet reaped: it will never write again
        return None
    return f"{_linux_boot_id()}:{start_ticks}"


def _linux_boot_id() -> str:
    try:
        return (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


def _posix_token(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists, owned by another user
    except OSError:
        return ""
    try:
        # Fixed locale and zone so the same process always prints the same text.
        out = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            env={**os.environ, "LC_ALL": "C", "TZ": "UTC"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return " ".join(out.stdout.split())


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import ctypes
    from ctypes import wintypes

    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    _STILL_ACTIVE = 259
    _ERROR_ACCESS_DENIED = 5

    def _windows_token(pid: int) -> str | None:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return "" if ctypes.get_last_error() == _ERROR_ACCESS_DENIED else None
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return ""
            if code.value != _STILL_ACTIVE:
                return None
            times = [wintypes.FILETIME() for _ in range(4)]
            if not kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
                return ""
            created = times[0]
            return str((created.dwHighDateTime << 32) | created.dwLowDateTime)
        finally:
            kernel32.CloseHandle(handle)

else:

    def _windows_token(pid: int) -> str | None:
        raise OSError("not Windows")
