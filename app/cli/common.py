"""What every command group shares: the exit statuses, the error a command raises for input it
cannot use, the context a command runs in, and the one-line wording of load errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from app.scenario.model import Scenario
from app.scenario.problems import ScenarioError
from app.services.catalog import CatalogError, ScenarioCatalog

EXIT_OK, EXIT_FAIL, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3


class Unusable(Exception):
    """Input the command cannot work with; the message is already located and worded."""


@dataclass(frozen=True)
class Context:
    """What `callsim` built once for the command it runs."""

    catalog: ScenarioCatalog


Command = Callable[[argparse.Namespace, Context], int]


def first_error(exc: ScenarioError, *, lintable: bool = True) -> str:
    """The first error, and how many more. `lintable`: the file is a scenario, so `callsim
    lint` lists the rest (it does not read transcripts)."""
    errors = exc.errors or exc.problems
    hint = "; run `callsim lint`" if lintable else ""
    more = f" (and {len(errors) - 1} more{hint})" if len(errors) > 1 else ""
    return f"{errors[0]}{more}" if errors else str(exc)


def load(ctx: Context, ref: str, *, check: bool = True) -> Scenario:
    """The scenario named by `ref` (a path or a shipped id); errors become `Unusable`.
    `check=False`: without the lint checks (tools that also help with a file that has
    warnings)."""
    try:
        return ctx.catalog.load(ctx.catalog.resolve(ref), check=check)
    except CatalogError as exc:
        raise Unusable(str(exc)) from None
    except ScenarioError as exc:
        raise Unusable(first_error(exc)) from None


def out(text: str) -> None:
    """Text as it is (it ends with its own newline), flushed: output for pipes."""
    sys.stdout.write(text)
    sys.stdout.flush()
