"""The `callsim` command (contract §1): one module per command group, wired here.

Exit statuses: 0 success; 1 lint errors or failed playtests; 2 unusable input (a missing
file, invalid YAML, an unknown scenario id), always as one located line on stderr; 3 an
internal error (a bug), as one line naming the log file that holds its traceback.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from app import __version__
from app.cli import (
    accounts_cmds,
    assessor_cmds,
    central_cmds,
    integrity_cmds,
    moderation_cmds,
    scenario_cmds,
    studio_cmds,
    support_cmds,
    xapi_cmds,
)
from app.cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNUSABLE,
    Command,
    Context,
    Unusable,
    first_error,
)
from app.cli.desktop import cmd_app
from app.config import ConfigError
from app.logs import failure_line, install_excepthook, setup_logging
from app.scenario.problems import ScenarioError
from app.services.catalog import CatalogError, ScenarioCatalog
from app.storage import StorageError
from app.storage.paths import default_log_dir

__all__ = ["build_parser", "main"]

GROUPS = (
    scenario_cmds,
    studio_cmds,
    assessor_cmds,
    accounts_cmds,
    support_cmds,
    central_cmds,
    integrity_cmds,
    xapi_cmds,
    moderation_cmds,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="callsim", description="999 call-handling simulator")
    p.add_argument("--version", action="version", version=f"callsim {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    for group in GROUPS:
        group.register(sub)
    return p


def _say(line: str) -> None:
    print(f"callsim: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen build's voice worker starts through here
    try:
        setup_logging(default_log_dir())
    except OSError:  # e.g. the working folder is gone: an internal error prints its traceback
        pass
    except ConfigError as exc:  # a broken machine or user configuration file
        _say(str(exc))
        return EXIT_UNUSABLE
    install_excepthook(_say)  # a thread's exception too: logged, and one line
    command = "callsim"
    try:
        args = build_parser().parse_args(argv)
        command = f"callsim {args.command}" if args.command else command
        fn: Command = getattr(args, "fn", cmd_app)
        return int(fn(args, Context(catalog=ScenarioCatalog.from_environment())))
    except (Unusable, CatalogError) as exc:
        _say(str(exc))
        return EXIT_UNUSABLE
    except ScenarioError as exc:
        _say(first_error(exc))
        return EXIT_UNUSABLE
    except (ConfigError, StorageError) as exc:  # located: the file or folder, and why
        _say(str(exc))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line for the user, the traceback in the log file
        if os.environ.get("CALLSIM_DEBUG"):
            raise
        words = " ".join(sys.argv[1:] if argv is None else argv)
        _say(failure_line(exc, f"{command} failed (arguments: {words})"))
        return EXIT_INTERNAL
