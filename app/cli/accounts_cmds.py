"""`callsim accounts create|list|set-role|disable|passphrase|bootstrap-hash`: named assessor
accounts from a script or a terminal (docs/contract.md §5, docs/integrity.md "Assessor
accounts"). The rules are `app.assessor.accounts.Accounts`'.

Passphrases are read as elsewhere (`app.cli.assessor_cmds`): the signed-in account's from
`--passphrase-file FILE` / `$CALLSIM_PASSPHRASE_FILE` / a prompt; a new one from
`--new-passphrase-file FILE` or asked twice. Never from the command line. A refusal is one
line on stderr with exit status 2, and nothing is changed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_OK, Context, Unusable
from app.cli.credentials import sign_in_for

if TYPE_CHECKING:
    from app.storage import SessionStore

from app.assessor.accounts import bootstrap_code_hash

__all__ = ["bootstrap_code_hash", "register", "sign_in_for"]


def _refusal(exc: Exception) -> Unusable:
    return Unusable(f"{exc}; nothing changed")


def _new_passphrase(args: argparse.Namespace, name: str) -> str:
    from app.cli.credentials import _read_secret

    if getattr(args, "new_passphrase_file", None):
        return _read_secret(args.new_passphrase_file, "new passphrase file")
    if sys.stdin is None or not sys.stdin.isatty():
        raise Unusable(
            f"the new passphrase for {name!r} is asked in a terminal: run the command in one, "
            "or give --new-passphrase-file FILE"
        )
    new = getpass.getpass(f"New passphrase for {name} (at least 8 characters): ")
    if getpass.getpass("New passphrase again: ") != new:
        raise Unusable("the two new passphrases differ; nothing changed")
    return new


@contextmanager
def _writable_store() -> Iterator[SessionStore]:
    """The store, created when there is no database yet (as `callsim assessor passphrase`)."""
    from app.cli.credentials import _store
    from app.storage import SessionStore, default_db_path

    with _store(must_exist=False) as existing:
        if existing is not None:
            yield existing
            return
        with SessionStore(default_db_path()) as store:
            yield store


def cmd_create(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.accounts import AccountError, Accounts, NotPermitted, clean_name
    from app.assessor.auth import AssessorAuth, PassphraseRecordAltered, WeakPassphrase
    from app.cli.credentials import _read_passphrase, _read_secret

    try:
        name = clean_name(args.name)[0]
    except AccountError as exc:
        raise _refusal(exc) from None
    with _writable_store() as store:
        accounts = Accounts(store)
        try:
            if accounts.exist():
                lead = sign_in_for(args, store)
                new = _new_passphrase(args, name)
                made = accounts.create(name, new, role=args.role, by=lead)
            else:
                if args.role != "lead":
                    raise Unusable(
                        "this database has no assessor accounts yet: the first one must be a "
                        "lead (--role lead), who then creates the others; nothing changed"
                    )
                if args.bootstrap_code_file:
                    code_hash = bootstrap_code_hash()
                    if code_hash is None:
                        raise Unusable(
                            "--bootstrap-code-file: the machine-wide configuration sets no "
                            "[assessors] bootstrap_code_hash (a user's own configuration is "
                            "not trusted for it); nothing changed"
                        )
                    code = _read_secret(args.bootstrap_code_file, "set-up code file")
                    new = _new_passphrase(args, name)
                    made = accounts.create_first_lead(name, new, code=code, code_hash=code_hash)
                elif AssessorAuth(store).is_set():
                    legacy = _read_passphrase(args, "The database's assessor passphrase: ")
                    if not AssessorAuth(store).verify(legacy):
                        raise Unusable(
                            "the database's assessor passphrase is not correct; nothing changed"
                        )
                    new = _new_passphrase(args, name)
                    made = accounts.create_first_lead(name, new, legacy_passphrase=legacy)
                else:
                    raise Unusable(
                        f"{store.path}: this database has neither accounts nor an assessor "
                        "passphrase: the first lead is created with the set-up code from IT "
                        "(--bootstrap-code-file FILE; IT puts its hash in the machine-wide "
                        "configuration, see `callsim accounts bootstrap-hash`); nothing changed"
                    )
        except (AccountError, NotPermitted, WeakPassphrase) as exc:
            raise _refusal(exc) from None
        except PassphraseRecordAltered as exc:
            raise Unusable(f"{store.path}: {exc}") from None
    print(f"account {made.name!r} created ({made.role})", file=sys.stderr)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.accounts import Accounts
    from app.assessor.marks import stamp_words
    from app.cli.credentials import _store, _table

    with _store() as store:
        assert store is not None
        accounts = Accounts(store)
        if not accounts.exist():
            raise Unusable(f"{store.path}: no assessor accounts yet (`callsim accounts create`)")
        sign_in_for(args, store)
        found = accounts.accounts()
    rows = [["NAME", "ROLE", "STATE", "CREATED", "BY"]]
    for a in found:
        state = "active" if a.active else f"disabled {stamp_words(a.disabled_at or '')}"
        rows.append([a.name, a.role, state, stamp_words(a.created_at), a.created_by])
    print(_table(rows))
    return EXIT_OK


def _change(args: argparse.Namespace, what: str) -> int:
    from app.assessor.accounts import AccountError, Accounts, NotPermitted
    from app.assessor.auth import PassphraseRecordAltered, WeakPassphrase
    from app.cli.credentials import _store

    with _store() as store:
        assert store is not None
        accounts = Accounts(store)
        if not accounts.exist():
            raise Unusable(f"{store.path}: no assessor accounts yet (`callsim accounts create`)")
        me = sign_in_for(args, store)
        try:
            if what == "role":
                done = accounts.set_role(args.name, args.role, by=me)
                words = f"account {done.name!r} is now {done.role}"
            elif what == "disable":
                done = accounts.disable(args.name, by=me)
                words = f"account {done.name!r} disabled"
            else:
                name = args.name or me.name
                done = accounts.set_passphrase(name, _new_passphrase(args, name), by=me)
                words = f"passphrase of account {done.name!r} changed"
        except (AccountError, NotPermitted, WeakPassphrase) as exc:
            raise _refusal(exc) from None
        except PassphraseRecordAltered as exc:
            raise Unusable(f"{store.path}: {exc}") from None
    print(words, file=sys.stderr)
    return EXIT_OK


def cmd_set_role(args: argparse.Namespace, ctx: Context) -> int:
    return _change(args, "role")


def cmd_disable(args: argparse.Namespace, ctx: Context) -> int:
    return _change(args, "disable")


def cmd_passphrase(args: argparse.Namespace, ctx: Context) -> int:
    return _change(args, "passphrase")


def cmd_bootstrap_hash(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.auth import MIN_LENGTH, hash_passphrase
    from app.cli.credentials import _read_secret

    if args.code_file:
        code = _read_secret(args.code_file, "set-up code file")
    elif sys.stdin is not None and sys.stdin.isatty():
        code = getpass.getpass("One-time set-up code: ")
        if getpass.getpass("The code again: ") != code:
            raise Unusable("the two codes differ")
    else:
        raise Unusable("give --code-file FILE, or run the command in a terminal to be asked")
    if len(code) < MIN_LENGTH:
        raise Unusable(f"the set-up code needs at least {MIN_LENGTH} characters")
    print("[assessors]")
    print(f'bootstrap_code_hash = "{hash_passphrase(code)}"')
    return EXIT_OK


def register(sub: Any) -> None:
    """Add `callsim accounts` to `callsim`'s subparsers."""
    from app.assessor.accounts import ROLES
    from app.cli.credentials import _passphrase_option

    s = sub.add_parser("accounts", help="named assessor accounts and their roles")
    inner = s.add_subparsers(dest="accounts_command", parser_class=type(s), required=True)

    def new_passphrase(p: Any) -> None:
        p.add_argument(
            "--new-passphrase-file",
            metavar="FILE",
            help="the new passphrase, from FILE's first line (else asked twice)",
        )

    p = inner.add_parser(
        "create",
        help="create an account (a lead's to do; the first lead: see --bootstrap-code-file)",
    )
    p.add_argument("name", metavar="NAME", help="the assessor's name, as marks will show it")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument(
        "--bootstrap-code-file",
        metavar="FILE",
        help="the first lead on a database without accounts: IT's one-time set-up code, from "
        "FILE's first line (its hash is in the machine configuration)",
    )
    new_passphrase(p)
    _passphrase_option(p)
    p.set_defaults(fn=cmd_create)

    p = inner.add_parser("list", help="every account, its role and state")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_list)

    p = inner.add_parser("set-role", help="change an account's role (a lead's to do)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", choices=ROLES)
    _passphrase_option(p)
    p.set_defaults(fn=cmd_set_role)

    p = inner.add_parser("disable", help="disable an account (a lead's to do); its marks stay")
    p.add_argument("name", metavar="NAME")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_disable)

    p = inner.add_parser(
        "passphrase", help="change your own passphrase (or, as a lead, another account's)"
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="the account (default: your own)")
    new_passphrase(p)
    _passphrase_option(p)
    p.set_defaults(fn=cmd_passphrase)

    p = inner.add_parser(
        "bootstrap-hash",
        help="for IT: the [assessors] bootstrap_code_hash line for a one-time set-up code",
    )
    p.add_argument("--code-file", metavar="FILE", help="the code, from FILE's first line")
    p.set_defaults(fn=cmd_bootstrap_hash)
