"""Whether a window can open here: the one check (and wording) used by `callsim` before it
tries the app, and by the app and the studio before they start Qt. Plain Python: it must run
where Qt cannot even be imported."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def no_display(
    window: str = "desktop app",
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> str | None:
    """Why `window` cannot open, as words to go after "callsim: ", or None when it can.

    On Linux with no X11/Wayland display and no Qt platform chosen, Qt would abort the
    process; elsewhere there is always a display."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith("linux"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"):
        return None
    return f"no display found (DISPLAY or WAYLAND_DISPLAY): the {window} needs a graphical session"
