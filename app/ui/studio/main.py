"""`callsim studio [FILE]`: the one place that wires the studio window."""

from __future__ import annotations

import sys
from pathlib import Path

from app.display import no_display


def run_studio(file: Path | None, folder: Path) -> int:
    """Open the studio (on `file`, if given) and run until it is closed. New scenarios go to
    `file`'s folder, else to `folder` (the scenarios folder)."""
    why = no_display("studio")
    if why is not None:
        print(
            f"callsim: {why}. Use `callsim lint`, `test`, `graph` and `lines` in a terminal.",
            file=sys.stderr,
        )
        return 2
    from app.logs import setup_logging
    from app.storage.paths import default_log_dir
    from app.studio.template import template_path
    from app.ui.launch import application, exec_window
    from app.ui.studio.prompts import Prompts
    from app.ui.studio.window import StudioServices, StudioWindow
    from app.voice import open_voice

    setup_logging(default_log_dir(), faults=True)
    app = application("callsim studio")
    kit = open_voice()
    where = file.resolve().parent if file is not None else folder
    window = StudioWindow(StudioServices(kit, where, template_path(), Prompts()))
    if file is not None and not window.files.open_file(file):
        kit.close()
        return 2
    return exec_window(app, window, kit.close)
