"""What the window is built from. `main.default_services()` wires the real things; tests and
benchmarks build an `AppServices` of their own (fake clock, silent voice, a temp settings file)
and pass it to `MainWindow`. Nothing here is a module-level singleton.
"""

from __future__ import annotations

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


@dataclass
class AppServices:
    settings: UiSettings
    voice: VoiceKit
    catalog: ScenarioCatalog
    """The scenarios: the list, the built-in one, loading, and each one's matcher."""
    open_store: Callable[[], SessionStore | None]
    """Opens the session store (called once, in a worker); None runs without recording."""
    clock_factory: Callable[[], Clock] = field(default=_monotonic_clock)
    """A fresh clock for each call, reading 0 when the call is answered."""
    tick_ms: int = 250
    """How often real time is checked for silence and the call clock."""
    ask_save_path: SaveAsker | None = None
    """Where to save a report or export (None: the platform's Save dialog)."""

    def close(self) -> None:
        self.voice.close()
