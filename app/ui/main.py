"""`callsim` with no arguments: the desktop app. The one place that wires it together."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from app.storage import SessionStore
from app.ui.services import AppServices
from app.ui.settings import UiSettings

NO_DISPLAY = (
    "callsim: no display found; the desktop app needs a graphical session (DISPLAY or "
    "WAYLAND_DISPLAY). Run `callsim demo` for a text run, or set QT_QPA_PLATFORM=offscreen."
)


def display_missing(environ: dict[str, str] | os._Environ[str] | None = None,
                    platform: str | None = None) -> bool:  # fmt: skip
    """On Linux with no X11/Wayland display and no Qt platform chosen, Qt would abort."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith("linux"):
        return False
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def default_services() -> AppServices:
    """The real wiring: per-user settings, store and cache; the machine's voice."""
    from app.cli import built_in_scenario, scenarios_dir
    from app.voice import open_voice

    try:
        built_in = built_in_scenario()
    except Exception:  # no scenarios at all: the start screen says so
        built_in = ""
    return AppServices(
        settings=UiSettings.default(),
        voice=open_voice(),
        scenarios_dir=scenarios_dir(),
        open_store=SessionStore,
        built_in=built_in,
    )


def run_app(argv: Sequence[str] | None = None) -> int:
    """Open the window and run until it is closed. Returns the exit status."""
    if display_missing():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from app.ui.launch import application, exec_window
    from app.ui.main_window import MainWindow

    app = application("callsim", list(argv) if argv is not None else None)
    services = default_services()
    return exec_window(app, MainWindow(services), services.close)
