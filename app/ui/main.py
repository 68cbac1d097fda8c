"""`callsim` with no arguments: the desktop app. The one place that wires it together, and the
one module of `app.ui` that `app.cli` may import (the app, the studio and PDF writing are
handed over here)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.catalog import ScenarioCatalog
from app.ui.services import AppServices
from app.ui.settings import UiSettings

if TYPE_CHECKING:
    from app.storage import SessionStore
    from app.voice import VoiceKit

_log = logging.getLogger(__name__)
SMOKE_ENV = "CALLSIM_SMOKE"  # "1": close the window once the scenario list is shown


def _open_store() -> SessionStore:
    from app.storage import SessionStore  # sqlite-utils: loaded by the start-up worker

    return SessionStore()


def _open_voice() -> VoiceKit:
    from app.voice import open_voice  # the engine and sound-device probe: after the first paint

    return open_voice()


def default_services(catalog: ScenarioCatalog) -> AppServices:
    """The real wiring: per-user settings, store and cache; the machine's voice."""
    return AppServices(
        settings=UiSettings.default(),
        open_voice=_open_voice,  # after the first paint: the window asks for it then
        catalog=catalog,
        open_store=_open_store,
    )


def run_app(catalog: ScenarioCatalog, argv: Sequence[str] | None = None) -> int:
    """Open the window and run until it is closed. Returns the exit status."""
    from app.display import no_display
    from app.logs import setup_logging
    from app.storage.paths import default_log_dir

    why = no_display()
    if why is not None:
        print(
            f"callsim: {why}. Run `callsim demo` for a text run, or set QT_QPA_PLATFORM=offscreen.",
            file=sys.stderr,
        )
        return 2
    setup_logging(default_log_dir(), faults=True)
    _log.info("desktop app starting")
    from app.ui.launch import application, exec_window
    from app.ui.main_window import MainWindow

    app = application("callsim", list(argv) if argv is not None else None)
    services = default_services(catalog)
    window = MainWindow(services)
    if os.environ.get(SMOKE_ENV) == "1":  # a frozen build's smoke test (scripts/smoke_dist.py)

        def listed() -> None:
            print(f"callsim: smoke: scenario list shown ({len(catalog.paths())} scenarios)")
            sys.stdout.flush()
            window.close()

        window.sig_startup_finished.connect(listed)
    return exec_window(app, window, services.close)


def run_studio(file: Path | None, folder: Path) -> int:
    """The studio (`callsim studio`), on `file` if given; new files go to `folder`."""
    from app.ui.studio.main import run_studio as run

    return run(file, folder)


def html_to_pdf(
    html_text: str, out: Path, *, title: str = "callsim report", footer: str = ""
) -> None:
    """`callsim report --format pdf`: Qt draws the PDF (`footer` on every page)."""
    from app.ui.reports.pdf import html_to_pdf as write

    write(html_text, out, title=title, footer=footer)
