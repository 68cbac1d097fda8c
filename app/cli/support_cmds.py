"""Commands for IT and support: `callsim config` (the effective configuration and where each
value came from) and `callsim check` (what this machine has of what callsim relies on)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app import __version__
from app.cli.common import EXIT_FAIL, EXIT_OK, Context, out
from app.config import format_config, load_config
from app.content import shipped_path
from app.storage.paths import data_dir, default_log_dir
from app.storage.schema import fts5_problem, sqlite_version


def cmd_config(args: argparse.Namespace, ctx: Context) -> int:
    from app.voice.cache import default_cache_dir

    cfg = load_config()
    effective = {
        "data_dir": str(data_dir()),
        "cache_dir": str(default_cache_dir()),
        "scenarios_dir": str(ctx.catalog.folder),
        "voice": cfg.get("voice") or "auto",
    }
    out(format_config(cfg, effective) + f"\nlog folder: {default_log_dir()}\n")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    from app.voice.choice import select_synthesiser

    problems = 0
    rows: list[tuple[str, str]] = [("callsim", __version__), ("python", sys.version.split()[0])]
    fts = fts5_problem()
    rows.append(("sqlite", sqlite_version() + (f": PROBLEM {fts}" if fts else ", FTS5 ok")))
    problems += fts is not None
    scenarios = shipped_path("scenarios")
    found = sorted(p.stem for p in scenarios.glob("*.yaml"))
    rows.append(("shipped scenarios", f"{scenarios} ({len(found)}: {', '.join(found)})"))
    problems += not found
    built_in = ctx.catalog.built_in()
    rows.append(("built-in scenario", built_in or "PROBLEM: none"))
    problems += not built_in
    choice = select_synthesiser()
    rows.append(
        (
            "speech",
            f"{type(choice.synth).__name__}" + (f" ({choice.notice})" if choice.notice else ""),
        )
    )
    rows.append(("data folder", str(data_dir())))
    out("".join(f"{name:18} {value}\n" for name, value in rows))
    out("all present\n" if not problems else f"{problems} problem(s)\n")
    return EXIT_OK if not problems else EXIT_FAIL


def register(sub: Any) -> None:
    """Add the support commands to `callsim`'s subparsers."""
    s = sub.add_parser(
        "config", help="show the configuration in effect and where each value came from"
    )
    s.set_defaults(fn=cmd_config)
    s = sub.add_parser(
        "check", help="check this machine has what callsim relies on (SQLite FTS5, content, speech)"
    )
    s.set_defaults(fn=cmd_check)
