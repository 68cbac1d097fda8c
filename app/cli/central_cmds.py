"""`callsim central`: the training centre's central PostgreSQL store (docs/central.md).

- `callsim central sync`: send this PC's finished and interrupted sessions that have not been
  sent yet (each once; a lost connection leaves the rest for the next run), then, when an LRS
  is configured (`[lrs] endpoint`), the xAPI statements it has not had (`callsim xapi send`);
- `callsim central migrate`: create or upgrade the central schema (run by IT as the owner).

The server is the machine configuration's `[store] url` (`callsim config`), or `--url`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import EXIT_FAIL, EXIT_OK, EXIT_UNUSABLE, Context, Unusable, out
from app.config import load_config
from app.storage import SessionStore, StorageError
from app.storage.paths import default_db_path


def _url(args: argparse.Namespace) -> str:
    url = str(args.url or load_config().get("store.url")).strip()
    if not url:
        raise Unusable(
            "no central store is configured: set `url` under [store] in the machine "
            "configuration file (`callsim config` shows which file), or pass --url"
        )
    return url


def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    """The central store, then (when `[lrs] endpoint` is set) the xAPI statements: the LRS is
    still sent to when the central store cannot be reached (its line goes to stderr first)."""
    cfg = load_config()
    if not cfg.get("lrs.endpoint").strip():
        return _sync_store(args, ctx)
    from app.cli.xapi_cmds import send_configured

    try:
        code = _sync_store(args, ctx)
    except Unusable as exc:
        print(f"callsim: {exc}", file=sys.stderr)
        code = EXIT_UNUSABLE
    return max(code, send_configured(cfg))


def _sync_store(args: argparse.Namespace, ctx: Context) -> int:
    from app.central.errors import CentralError
    from app.central.outbox import Outbox, file_texts

    url = _url(args)
    path = default_db_path()
    if not path.exists():
        out(f"nothing to send: no sessions recorded yet at {path}\n")
        return EXIT_OK
    try:
        store = SessionStore(path)
    except StorageError as exc:
        raise Unusable(str(exc)) from None
    with store, Outbox(store, url, scenario_texts=file_texts(ctx.catalog.paths())) as box:
        try:
            report = box.sync()
        except CentralError as exc:
            raise Unusable(str(exc)) from None
    out(
        f"sent {len(report.sent)} session(s) to the central store"
        + (f", {len(report.already)} already there" if report.already else "")
        + "\n"
    )
    if report.audit:
        out(f"sent {report.audit} assessor audit entr{'y' if report.audit == 1 else 'ies'}\n")
    for sid in report.no_text:
        out(f"note: session {sid} was sent without its scenario text (not found here)\n")
    for problem in report.problems:
        out(f"problem: {problem}\n")
    if report.error:
        out(f"stopped: {report.error}\n")
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_migrate(args: argparse.Namespace, ctx: Context) -> int:
    from app.central.errors import CentralError
    from app.central.outbox import connect
    from app.central.schema import SCHEMA_VERSION, migrate

    try:
        conn = connect(_url(args))
        with conn:
            before = migrate(conn)
    except CentralError as exc:
        raise Unusable(str(exc)) from None
    except Exception as exc:  # the server refused (e.g. not the owner): its own words
        out(f"the central store refused the migration: {str(exc).strip()}\n")
        return EXIT_UNUSABLE
    word = "already at" if before == SCHEMA_VERSION else f"upgraded from {before} to"
    out(f"central schema {word} version {SCHEMA_VERSION}\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add `callsim central ...` to `callsim`'s subparsers."""
    p = sub.add_parser("central", help="the training centre's central store (PostgreSQL)")
    group = p.add_subparsers(dest="central_command", required=True)
    for name, fn, text in (
        ("sync", cmd_sync, "send this PC's finished sessions that were not sent yet"),
        ("migrate", cmd_migrate, "create or upgrade the central schema (IT, as its owner)"),
    ):
        s = group.add_parser(name, help=text)
        s.add_argument("--url", help="the server (default: [store] url of the configuration)")
        s.set_defaults(fn=fn)
