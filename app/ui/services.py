"""What the window is built from. `main.default_services()` wires the real things; tests and
benchmarks build an `AppServices` of their own (fake clock, silent voice, a temp settings file)
and pass it to `MainWindow`. Nothing here is a module-level singleton.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.services.catalog import ScenarioCatalog
from app.ui.settings import UiSettings

if TYPE_CHECKING:  # the call, the store and the exports are imported when first used
    from app.services.call_session import Clock
    from app.storage import SessionStore
    from app.ui.assessor.exports import SaveAsker
    from app.voice import VoiceKit


def _monotonic_clock() -> Clock:
    from app.services.call_session import MonotonicClock

    return MonotonicClock()


class _OpenedOnFirstUse:
    """The `voice` field: as given, or opened by `open_voice` when first read (the app opens
    it after the first paint: probing the speech engine and the sound devices takes longer
    than drawing the start screen)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}_kit"

    def __get__(self, obj: AppServices | None, objtype: type | None = None) -> VoiceKit:
        if obj is None:
            return None  # type: ignore[return-value]  # the field's default: open on first use
        with obj._voice_lock:
            kit: VoiceKit | None = obj.__dict__.get(self._slot)
            if kit is None:
                if obj.open_voice is None:
                    raise ValueError("AppServices needs a voice or a way to open one")
                kit = obj.open_voice()
                obj.__dict__[self._slot] = kit
            return kit

    def __set__(self, obj: AppServices, value: VoiceKit | None) -> None:
        obj.__dict__[self._slot] = value

    def opened(self, obj: AppServices) -> bool:
        return obj.__dict__.get(self._slot) is not None


@dataclass(eq=False)
class AppServices:
    settings: UiSettings
    catalog: ScenarioCatalog
    """The scenarios: the list, the built-in one, loading, and each one's matcher."""
    open_store: Callable[[], SessionStore | None]
    """Opens the session store (called once, in a worker); None runs without recording."""
    voice: _OpenedOnFirstUse = _OpenedOnFirstUse()
    """The engine, cache and player: given, or opened by `open_voice` when first read."""
    open_voice: Callable[[], VoiceKit] | None = None
    clock_factory: Callable[[], Clock] = field(default=_monotonic_clock)
    """A fresh clock for each call, reading 0 when the call is answered."""
    tick_ms: int = 250
    """How often real time is checked for silence and the call clock."""
    ask_save_path: SaveAsker | None = None
    """Where to save a report or export (None: the platform's Save dialog)."""
    _voice_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def voice_opened(self) -> bool:
        """The voice exists (closing does not open it just to close it)."""
        return AppServices.__dict__["voice"].opened(self)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.voice_opened:
            self.voice.close()
