"""`callsim xapi`: xAPI 1.0.3 statements for finished sessions (docs/central.md, "xAPI").

- `callsim xapi export [--session ID | --all] --out FILE`: the statements as a JSON array,
  written whole or not at all;
- `callsim xapi send [--endpoint URL]`: each finished session's statement that the centre's
  LRS has not had yet (`[lrs]` in the machine configuration); also run by `callsim central
  sync` when an LRS is configured.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAIL, EXIT_OK, Context, Unusable, out
from app.config import Config, load_config
from app.storage import SessionStore, StorageError
from app.storage.paths import default_db_path


def _settings(cfg: Config) -> Any:
    from app.central.xapi import PLACEHOLDER_HOMEPAGE, XapiError, XapiSettings

    settings = XapiSettings(
        homepage=cfg.get("lrs.homepage").strip() or PLACEHOLDER_HOMEPAGE,
        activity_base=cfg.get("lrs.activity_base").strip(),
    )
    try:
        return settings.check()
    except XapiError as exc:
        raise Unusable(f"{exc} (in {cfg.sources['lrs.homepage']})") from None


def _open_store(*, readonly: bool = False) -> SessionStore:
    path = default_db_path()
    if not path.exists():
        raise Unusable(f"{path}: no sessions recorded yet")
    try:
        return SessionStore(path, readonly=readonly)
    except StorageError as exc:
        raise Unusable(str(exc)) from None


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.files import OutputFileError, write_atomically
    from app.central.xapi import statements_for, to_json

    settings = _settings(load_config())
    with _open_store(readonly=True) as store:
        built = statements_for(store, settings, None if args.all else [args.session])
    if args.session and not built.statements:
        raise Unusable(built.skipped[0])
    try:
        write_atomically(Path(args.out), to_json(built.statements), what="xAPI statements")
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    out(f"wrote {len(built.statements)} xAPI statement(s) to {args.out}\n")
    if settings.placeholder:
        out(
            "note: no [lrs] homepage is configured, so the trainee accounts name the "
            "placeholder homePage https://callsim.invalid\n"
        )
    for why in built.skipped:
        out(f"skipped: {why}\n")
    return EXIT_OK


def send_configured(cfg: Config, endpoint: str = "") -> int:
    """Send what the LRS has not had; the exit status. `Unusable` for a missing setting."""
    from app.central.xapi import Lrs, XapiError, XapiOutbox, check_endpoint, read_credentials

    endpoint = endpoint.strip() or cfg.get("lrs.endpoint").strip()
    if not endpoint:
        raise Unusable(
            "no LRS is configured: set `endpoint` under [lrs] in the machine configuration "
            "file (`callsim config` shows which file), or pass --endpoint"
        )
    try:
        check_endpoint(endpoint)
        settings = _settings(cfg)
        if settings.placeholder:
            raise Unusable(
                "set `homepage` under [lrs] in the machine configuration before sending: the "
                "LRS identifies each trainee by that homepage and their name"
            )
        creds_path = cfg.path("lrs.credentials_file")
        lrs = Lrs(endpoint, read_credentials(creds_path) if creds_path else None)
    except XapiError as exc:
        raise Unusable(str(exc)) from None
    path = default_db_path()
    if not path.exists():
        out(f"no xAPI statements to send: no sessions recorded yet at {path}\n")
        return EXIT_OK
    with _open_store() as store, XapiOutbox(store, lrs, settings) as box:
        report = box.send()
    out(
        f"sent {len(report.sent)} xAPI statement(s) to the LRS"
        + (f", {len(report.already)} already there" if report.already else "")
        + "\n"
    )
    for problem in report.problems:
        out(f"problem: {problem}\n")
    if report.error:
        out(f"stopped: {report.error}\n")
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_send(args: argparse.Namespace, ctx: Context) -> int:
    return send_configured(load_config(), args.endpoint or "")


def register(sub: Any) -> None:
    """Add `callsim xapi ...` to `callsim`'s subparsers."""
    p = sub.add_parser("xapi", help="xAPI statements for the centre's learning record store")
    group = p.add_subparsers(dest="xapi_command", required=True)
    e = group.add_parser("export", help="write finished sessions' statements to a JSON file")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", help="one session id")
    which.add_argument("--all", action="store_true", help="every finished session")
    e.add_argument("--out", required=True, help="the JSON file to write")
    e.set_defaults(fn=cmd_export)
    s = group.add_parser("send", help="send the statements the LRS has not had yet")
    s.add_argument("--endpoint", help="the LRS (default: [lrs] endpoint of the configuration)")
    s.set_defaults(fn=cmd_send)
