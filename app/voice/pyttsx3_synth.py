"""`Pyttsx3Synth`: the platform speech engine (SAPI5, NSSpeech, espeak) via pyttsx3.

pyttsx3 cannot be trusted in-process (see `pyttsx3_worker.py` for the races), so the engine
lives in one child process started with multiprocessing's 'spawn' method: the same on every
OS, no inherited locks or audio handles, and a hung engine is killed and restarted without
taking the app with it. Calls from several threads are serialised by a lock; the worker
renders one line at a time.

Note for packaging: 'spawn' re-imports the main module in the child, so `app/__main__.py`
must keep its work under `if __name__ == "__main__":`, and a frozen build must call
`multiprocessing.freeze_support()` first.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import multiprocessing
import os
import sys
import threading
import weakref
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from app.logs import log_file
from app.voice.pyttsx3_worker import worker_main
from app.voice.settings import VoiceSettings
from app.voice.synth import SynthError


def _espeak_library_present() -> bool:
    return any(ctypes.util.find_library(n) for n in ("espeak-ng", "espeak"))


def _stop(proc: BaseProcess | None, conn: Connection | None, grace: float = 2.0) -> None:
    """Ask the worker to stop, then insist. Used by close() and at garbage collection."""
    if conn is not None:
        try:
            conn.send(None)
        except (OSError, ValueError):
            pass
    if proc is not None:
        proc.join(grace)
        if proc.is_alive():
            proc.kill()
            proc.join(grace)
    if conn is not None:
        conn.close()


if TYPE_CHECKING:  # finalize is generic only to the type checker
    _Finalizer = weakref.finalize[[BaseProcess | None, Connection | None], "Pyttsx3Synth"]


class Pyttsx3Synth:
    """Renders through pyttsx3 in a dedicated worker process, one line at a time."""

    name = "pyttsx3"

    def __init__(
        self, driver: str | None = None, timeout: float = 20.0, start_timeout: float = 30.0
    ) -> None:
        self.driver = driver  # None: pyttsx3's default for this OS
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.driver_name: str | None = None  # as reported by the worker once started
        self._lock = threading.Lock()
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._finalizer: _Finalizer | None = None

    @classmethod
    def available(cls) -> bool:
        """pyttsx3 is installed and, on Linux, libespeak-ng is there for it to drive."""
        if importlib.util.find_spec("pyttsx3") is None:
            return False
        return sys.platform in ("win32", "darwin") or _espeak_library_present()

    def _kill(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
        _stop(self._proc, self._conn, grace=0.5)
        self._proc = self._conn = self._finalizer = None

    def _start(self) -> Connection:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        logs = log_file()  # the child logs next to this process, under a name of its own
        log_dir = str(logs.parent) if logs is not None else None
        proc = ctx.Process(
            target=worker_main, args=(child, self.driver, log_dir), name="callsim-tts", daemon=True
        )
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        self._finalizer = weakref.finalize(self, _stop, proc, parent)
        try:
            ready = parent.poll(self.start_timeout)
            kind, detail = parent.recv() if ready else ("error", "no answer")
        except (EOFError, OSError) as exc:
            kind, detail = "error", f"worker died ({exc})"
        if kind != "ready":
            self._kill()
            raise SynthError(f"pyttsx3 could not start: {detail}")
        self.driver_name = detail
        return parent

    def start(self) -> None:
        """Start the worker now (it starts on the first render otherwise): ~0.2-1 s."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        request = {
            "text": " ".join(text.split()),
            "path": os.fspath(out_path),
            "rate": settings.rate,  # the worker maps it to its driver's unit
            "pitch": settings.pitch,
            "volume": settings.volume,
            "gender": settings.gender,
        }
        with self._lock:
            if self._proc is None or not self._proc.is_alive() or self._conn is None:
                self._kill()
                conn = self._start()
            else:
                conn = self._conn
            try:
                conn.send(request)
                if not conn.poll(self.timeout):
                    self._kill()  # a hung engine is not coming back: start afresh next time
                    raise SynthError(f"pyttsx3 took longer than {self.timeout:g} s")
                kind, detail = conn.recv()
            except (EOFError, OSError) as exc:
                self._kill()
                raise SynthError(f"pyttsx3 worker died: {exc}") from exc
        if kind != "ok":
            raise SynthError(f"pyttsx3: {detail}")

    def close(self) -> None:
        """Stop the worker process. Safe to call twice; a later render restarts it."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer.detach()
            _stop(self._proc, self._conn)
            self._proc = self._conn = self._finalizer = None
