"""A player that makes no sound but keeps time: `on_done` fires when the audio would end.

Used where there is no sound output (captions only) and in tests. Time comes from an
injected scheduler so tests drive it with `ManualScheduler.advance()` instead of sleeping.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from app.voice.wav import BadAudio, verify_wav


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """Runs `fn` after `delay` seconds, on some thread, unless cancelled first."""

    def call_later(self, delay: float, fn: Callable[[], None]) -> Cancellable: ...


class ThreadingScheduler:
    """Real time, via `threading.Timer` (daemon threads: never hold up exit)."""

    def call_later(self, delay: float, fn: Callable[[], None]) -> Cancellable:
        timer = threading.Timer(max(0.0, delay), fn)
        timer.daemon = True
        timer.start()
        return timer


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualScheduler:
    """A fake clock for tests: nothing happens until `advance()`, which runs what fell due
    (in due order) on the calling thread."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, _Handle, Callable[[], None]]] = []
        self._seq = itertools.count()

    def call_later(self, delay: float, fn: Callable[[], None]) -> Cancellable:
        handle = _Handle()
        heapq.heappush(self._queue, (self.now + max(0.0, delay), next(self._seq), handle, fn))
        return handle

    def advance(self, seconds: float) -> None:
        until = self.now + seconds
        while self._queue and self._queue[0][0] <= until:
            due, _, handle, fn = heapq.heappop(self._queue)
            self.now = due
            if not handle.cancelled:
                fn()
        self.now = until

    @property
    def pending(self) -> int:
        return sum(1 for item in self._queue if not item[2].cancelled)


class SilentPlayer:
    """Plays nothing, for as long as the file lasts. `stop()` never fires `on_done`."""

    def __init__(self, scheduler: Scheduler | None = None) -> None:
        self.scheduler: Scheduler = scheduler or ThreadingScheduler()
        self._lock = threading.Lock()
        self._handle: Cancellable | None = None
        self._active: int | None = None  # token of the playback that may still fire on_done
        self._tokens = itertools.count(1)

    @classmethod
    def available(cls) -> bool:
        return True

    def play(self, path: Path, on_done: Callable[[], None] | None = None) -> None:
        self.stop()
        try:
            seconds = verify_wav(path)
        except BadAudio:
            seconds = 0.0  # nothing to wait for, but the caller still hears "done"
        token = next(self._tokens)
        with self._lock:
            self._active = token

        def finish() -> None:
            with self._lock:
                if self._active != token:
                    return  # stopped, or superseded by a later play()
                self._active, self._handle = None, None
            if on_done is not None:
                on_done()

        # Outside the lock: a scheduler may run `finish` at once, on this or another thread.
        handle = self.scheduler.call_later(seconds, finish)
        with self._lock:
            if self._active == token:
                self._handle = handle

    def stop(self) -> None:
        with self._lock:
            handle, self._handle, self._active = self._handle, None, None
        if handle is not None:
            handle.cancel()

    @property
    def playing(self) -> bool:
        return self._active is not None
