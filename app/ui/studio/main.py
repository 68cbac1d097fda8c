"""`callsim studio [FILE]`: the one place that wires the studio window."""

from __future__ import annotations

import sys
from pathlib import Path

NO_DISPLAY = (
    "callsim: no display found; the studio needs a graphical session (DISPLAY or "
    "WAYLAND_DISPLAY). Use `callsim lint`, `test`, `graph` and `lines` in a terminal."
)


def template_path() -> Path:
    return Path(__file__).resolve().parents[3] / "resources" / "scenario-template.yaml"


def run_studio(file: str | None = None) -> int:
    """Open the studio (on `file`, if given) and run until it is closed."""
    from app.ui.main import display_missing

    if display_missing():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from app.cli import scenarios_dir
    from app.ui.launch import application, exec_window
    from app.ui.studio.prompts import Prompts
    from app.ui.studio.window import StudioServices, StudioWindow
    from app.voice import open_voice

    app = application("callsim studio")
    kit = open_voice()
    folder = Path(file).resolve().parent if file else scenarios_dir()
    window = StudioWindow(StudioServices(kit, folder, template_path(), Prompts()))
    if file is not None and not window.files.open_file(Path(file)):
        kit.close()
        return 2
    return exec_window(app, window, kit.close)
