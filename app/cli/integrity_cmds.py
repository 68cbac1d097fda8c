"""The centre's key and what it signs (docs/integrity.md, "Signed heads"):

- `callsim keys create --out DIR`: a new Ed25519 key pair (the private key file mode 0600);
- `callsim heads publish --out FILE|DIR`: the signed heads of the whole database (the daily
  digest; into a folder, the file is named `callsim-heads-YYYY-MM-DD.json`);
- `callsim export-sessions --out FILE.zip [--since DATE]` and `callsim import-sessions
  FILE.zip`: signed backup bundles (app/assessor/backup.py).

The keys are named by the machine configuration's `[integrity] public_key` and
`signing_key` (`callsim config`), or `--public-key` / `--signing-key`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, Context, Unusable, out
from app.config import load_config
from app.storage import SessionStore, StorageError
from app.storage.paths import default_db_path


def _key_path(args: argparse.Namespace, option: str, key: str, what: str) -> Path:
    given = getattr(args, option, None)
    path = Path(given) if given else load_config().path(key)
    if path is None:
        flag = "--" + option.replace("_", "-")
        raise Unusable(
            f"no {what} is configured: set `{key.split('.')[1]}` under [integrity] in the "
            f"machine configuration (`callsim config` shows which file), or pass {flag} FILE"
        )
    return path


def signing_key(args: argparse.Namespace) -> Any:
    from app.assessor.heads import KeyFileError, load_private_key

    try:
        return load_private_key(
            _key_path(args, "signing_key", "integrity.signing_key", "signing key")
        )
    except KeyFileError as exc:
        raise Unusable(str(exc)) from None


def public_key(args: argparse.Namespace) -> Any:
    from app.assessor.heads import KeyFileError, load_public_key

    try:
        return load_public_key(_key_path(args, "public_key", "integrity.public_key", "public key"))
    except KeyFileError as exc:
        raise Unusable(str(exc)) from None


def _open_store(*, readonly: bool) -> SessionStore:
    path = default_db_path()
    if readonly and not path.exists():
        raise Unusable(f"{path}: no sessions recorded yet (set CALLSIM_DATA_DIR?)")
    try:
        return SessionStore(path, readonly=readonly)
    except StorageError as exc:
        raise Unusable(str(exc)) from None


def cmd_keys_create(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.heads import KeyFileError, create_keys, fingerprint, load_public_key

    folder = Path(args.out)
    if not folder.is_dir():
        raise Unusable(f"{folder}: no such directory")
    try:
        private, public = create_keys(folder)
        fp = fingerprint(load_public_key(public))
    except KeyFileError as exc:
        raise Unusable(str(exc)) from None
    out(
        f"private key: {private} (keep it on the signing machine only: [integrity] "
        f"signing_key)\npublic key:  {public} ([integrity] public_key)\nfingerprint: {fp}\n"
    )
    return EXIT_OK


def cmd_heads_publish(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.files import OutputFileError, write_atomically
    from app.assessor.heads import digest_name, publish

    key = signing_key(args)
    target = Path(args.out)
    if target.is_dir():
        target = target / digest_name()
    elif not target.parent.is_dir():
        raise Unusable(f"{target}: no such directory {target.parent}")
    with _open_store(readonly=True) as store:
        text = publish(store, key)
        n = len(store.session_ids())
    try:
        write_atomically(target, text.encode("utf-8"), what="heads file")
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    print(f"wrote {target}: the signed heads of {n} session{'s' * (n != 1)}", file=sys.stderr)
    return EXIT_OK


def cmd_export_sessions(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.backup import export_bundle, scenario_texts
    from app.assessor.files import OutputFileError, write_atomically
    from app.cli.assessor_cmds import parse_day

    key = signing_key(args)
    since = parse_day(args.since) if args.since else None
    target = Path(args.out)
    if not target.parent.is_dir():
        raise Unusable(f"{target}: no such directory {target.parent}")
    with _open_store(readonly=True) as store:
        data, ids = export_bundle(
            store, key, since=since, scenario_texts=scenario_texts(ctx.catalog.paths())
        )
    try:
        write_atomically(target, data, what="bundle")
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    n = len(ids)
    print(f"wrote {target}: {n} session{'s' * (n != 1)}, signed", file=sys.stderr)
    return EXIT_OK


def cmd_import_sessions(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.backup import BundleError, import_checked, read_bundle

    key = public_key(args)
    path = Path(args.bundle)
    if not path.is_file():
        raise Unusable(f"{path}: no such file")
    try:
        body, sessions = read_bundle(path, key)  # all checked before the database is opened
        with _open_store(readonly=False) as store:
            report = import_checked(store, path, body, sessions)
    except BundleError as exc:
        raise Unusable(str(exc)) from None
    out(
        f"imported {len(report.imported)} session(s) from {path}"
        + (f"; {len(report.skipped)} already here, identical" if report.skipped else "")
        + "\n"
    )
    return EXIT_OK


def cmd_retention_run(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.backup import BundleError, run_retention, scenario_texts
    from app.assessor.files import OutputFileError

    cfg = load_config()
    years_text = cfg.get("retention.archive_after_years")
    if not years_text:
        raise Unusable(
            "no retention period is configured: set `archive_after_years` under [retention] "
            "in the machine configuration (`callsim config` shows which file)"
        )
    years = int(years_text)
    key = None if args.dry_run else signing_key(args)
    archive_dir = cfg.path("retention.archive_dir") or default_db_path().parent / "archive"
    if not args.dry_run:
        try:
            archive_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Unusable(
                f"{archive_dir}: cannot make the archive folder ({exc.strerror or exc})"
            ) from None
    with _open_store(readonly=args.dry_run) as store:
        try:
            run = run_retention(
                store,
                key,
                years=years,
                archive_dir=archive_dir,
                dry_run=args.dry_run,
                scenario_texts=scenario_texts(ctx.catalog.paths()),
            )
        except (BundleError, OutputFileError) as exc:
            raise Unusable(str(exc)) from None
    before = run.cutoff.strftime("%Y-%m-%d")
    n = len(run.due)
    if args.dry_run:
        out(f"{n} session(s) started before {before} ({years} years) would be archived\n")
        for sid in run.due:
            out(f"  {sid}\n")
    elif run.bundle is None:
        out(f"nothing to archive: no session started before {before}\n")
    else:
        out(
            f"archived {n} session(s) started before {before} to {run.bundle} (signed), then "
            "removed them from the live database (recorded in the ledger)\n"
        )
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the key and signed-heads commands to `callsim`'s subparsers."""
    s = sub.add_parser("keys", help="the centre's signing key (see `callsim keys create -h`)")
    inner = s.add_subparsers(dest="keys_command", parser_class=type(s), required=True)
    k = inner.add_parser("create", help="make a new Ed25519 key pair for signed heads")
    k.add_argument("--out", required=True, metavar="DIR", help="the folder to write both keys")
    k.set_defaults(fn=cmd_keys_create)

    s = sub.add_parser("heads", help="signed chain heads (see `callsim heads publish -h`)")
    inner = s.add_subparsers(dest="heads_command", parser_class=type(s), required=True)
    h = inner.add_parser(
        "publish", help="write the signed heads of the whole database (the daily digest)"
    )
    h.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to write; a folder: callsim-heads-YYYY-MM-DD.json inside it",
    )
    h.add_argument(
        "--signing-key", metavar="FILE", help="default: [integrity] signing_key of the config"
    )
    h.set_defaults(fn=cmd_heads_publish)

    s = sub.add_parser(
        "export-sessions",
        help="write finished and interrupted sessions to a signed backup bundle (zip)",
    )
    s.add_argument("--out", required=True, metavar="FILE.zip")
    s.add_argument("--since", metavar="DATE", help="sessions started on or after (YYYY-MM-DD)")
    s.add_argument(
        "--signing-key", metavar="FILE", help="default: [integrity] signing_key of the config"
    )
    s.set_defaults(fn=cmd_export_sessions)

    s = sub.add_parser(
        "import-sessions",
        help="check a signed backup bundle and import the sessions not already here (all or "
        "nothing)",
    )
    s.add_argument("bundle", metavar="FILE.zip")
    s.add_argument(
        "--public-key", metavar="FILE", help="default: [integrity] public_key of the config"
    )
    s.set_defaults(fn=cmd_import_sessions)

    s = sub.add_parser("retention", help="archiving old sessions (see `callsim retention run -h`)")
    inner = s.add_subparsers(dest="retention_command", parser_class=type(s), required=True)
    r = inner.add_parser(
        "run",
        help="archive sessions older than [retention] archive_after_years to a signed bundle, "
        "then remove them from the live database (recorded in the ledger)",
    )
    r.add_argument("--dry-run", action="store_true", help="only list what would be archived")
    r.add_argument(
        "--signing-key", metavar="FILE", help="default: [integrity] signing_key of the config"
    )
    r.set_defaults(fn=cmd_retention_run)


__all__ = ["public_key", "register", "signing_key"]
