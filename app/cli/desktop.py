"""The one hand-over from the command line to the desktop UI: opening the app or the studio,
and writing a PDF (Qt draws it). Every other module of `app.cli` stays free of Qt, and so
does this one until a function here is called: `app.ui.main` is imported inside them, which
is the one import from `app.cli` into `app.ui` that the import contracts allow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import Context
from app.cli.scenario_cmds import cmd_demo
from app.display import no_display


def cmd_app(args: argparse.Namespace, ctx: Context) -> int:
    """Open the desktop app. Where it cannot open (no display, e.g. over SSH; Qt missing),
    say why in one line and play the built-in scenario's model answer as text instead, so
    `make run` always shows the simulator working."""
    text_run = argparse.Namespace(scenario=None)
    why = no_display()
    if why is not None:
        print(
            f"callsim: {why}; a text run of the built-in scenario's model answer follows.",
            file=sys.stderr,
        )
        return cmd_demo(text_run, ctx)
    try:
        from app.ui.main import run_app
    except ImportError as exc:
        print(
            f"callsim: the desktop app cannot start ({exc}); a text run follows.", file=sys.stderr
        )
        return cmd_demo(text_run, ctx)
    return int(run_app(ctx.catalog))


def open_studio(file: Path | None, ctx: Context) -> int:
    """The studio window, on `file` if given (new files go to the scenarios folder)."""
    from app.ui.main import run_studio

    return int(run_studio(file, ctx.catalog.folder))


def write_pdf(
    html_text: str, out: Path, *, title: str = "callsim report", footer: str = ""
) -> None:
    """Raises ImportError where Qt is missing."""
    from app.ui.main import html_to_pdf

    html_to_pdf(html_text, out, title=title, footer=footer)
