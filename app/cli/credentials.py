"""Credentials and the session store for the assessor commands (`app.cli.assessor_cmds`,
`accounts_cmds`, `signoff_cmds`): opening the database, reading a passphrase from a file or
the terminal, signing in with an account or unlocking with the single passphrase, and the
plain tables they print. One module that the three import, so none imports another.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import Unusable
from app.storage import DataFolderError, SessionStore, StorageError, default_db_path

if TYPE_CHECKING:
    from app.assessor.accounts import Account

PASSPHRASE_FILE_ENV = "CALLSIM_PASSPHRASE_FILE"


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def sign_in_for(args: argparse.Namespace, store: SessionStore) -> Account:
    """Sign in with `--account NAME` and its passphrase; errors become `Unusable`."""
    from app.assessor.accounts import AccountError, Accounts, SignInRefused
    from app.assessor.auth import PassphraseRecordAltered
    from app.storage import SessionStore, StorageError

    name = getattr(args, "account", None)
    if not name:
        raise Unusable(
            "this database has assessor accounts: give --account NAME (your account) and its "
            "passphrase (--passphrase-file FILE, or asked in the terminal)"
        )
    try:
        passphrase = _read_passphrase(args, f"Passphrase for {name}: ")
        if store.readonly and _writable(store.path):
            # `report`, `export`, `sessions comments` read a read-only connection, but the
            # attempt must still be counted, or they would be a way round the rate limit.
            try:
                with SessionStore(store.path) as writable:
                    return Accounts(writable).sign_in(name, passphrase)
            except StorageError:
                pass  # cannot write after all: checked (and the lockout honoured) read-only
        return Accounts(store).sign_in(name, passphrase)
    except (SignInRefused, AccountError) as exc:
        raise Unusable(
            f"sign-in as {name!r} refused: {exc}; nothing was shown or changed"
        ) from None
    except PassphraseRecordAltered as exc:
        raise Unusable(f"{store.path}: {exc}") from None


@contextmanager
def _store(*, must_exist: bool = True, readonly: bool = False) -> Iterator[SessionStore | None]:
    """The session store, or None when no database exists and `must_exist` is False.
    `readonly`: opened for reading only (nothing is written to the file or beside it)."""
    path = default_db_path()
    folder = path.parent
    if folder.exists() and not os.access(folder, os.R_OK | os.X_OK):
        raise Unusable(str(DataFolderError(folder, "permission denied")))
    if not path.exists():
        if must_exist:
            raise Unusable(f"{path}: no sessions recorded yet (set CALLSIM_DATA_DIR?)")
        yield None
        return
    try:
        store = SessionStore(path, readonly=readonly)
    except StorageError as exc:
        raise Unusable(str(exc)) from None
    with store:
        yield store


def _read_secret(named: str, what: str = "passphrase file") -> str:
    """The first line of file `named` ("-": of stdin), without its line ending."""
    import stat

    if named == "-":
        return sys.stdin.readline().rstrip("\r\n")
    path = Path(named)
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as exc:
        from app.storage.errors import folder_reason

        raise Unusable(f"{path}: cannot read the {what} ({folder_reason(exc)})") from None
    except UnicodeDecodeError:
        raise Unusable(f"{path}: the {what} is not UTF-8 text") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(
            f"callsim: warning: {path} can be read by other accounts (chmod 600 {path})",
            file=sys.stderr,
        )
    return text.splitlines()[0] if text else ""


def _read_passphrase(args: argparse.Namespace, prompt: str = "Assessor passphrase: ") -> str:
    """The passphrase from `--passphrase-file`, `$CALLSIM_PASSPHRASE_FILE` or a prompt."""
    import getpass

    named = getattr(args, "passphrase_file", None) or os.environ.get(PASSPHRASE_FILE_ENV)
    if named:
        return _read_secret(named)
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise Unusable(
        "assessor data needs the assessor passphrase: give --passphrase-file FILE (or set "
        f"{PASSPHRASE_FILE_ENV}), or run the command in a terminal to be asked"
    )


def _unlock(args: argparse.Namespace, store: SessionStore) -> str:
    """Check the assessor's credentials before any assessor data is shown; returns the account
    words for a report ("assessor area unlocked"). On a database with assessor accounts that
    is a sign-in (`--account NAME` and that account's passphrase): `args.assessor` becomes the
    account's name, and a typed `--assessor` is refused. Otherwise the single passphrase."""
    from app.assessor.auth import AssessorAuth, PassphraseRecordAltered

    auth = AssessorAuth(store)
    try:
        if auth.retired():
            account = sign_in_for(args, store)
            if getattr(args, "assessor", None):
                raise Unusable(
                    "--assessor is not used on a database with assessor accounts: what you "
                    f"do is signed with the account you signed in with ({account.name}); "
                    "nothing was done"
                )
            args.assessor = account.name
            return f"signed in as {account.name} ({account.role})"
        if getattr(args, "account", None):
            raise Unusable(
                f"{store.path}: this database has no assessor accounts yet, so --account is "
                "not used: give the assessor passphrase (`callsim accounts create` makes the "
                "first lead account)"
            )
        if not auth.is_set():
            raise Unusable(
                f"{store.path}: no assessor passphrase is set on this database; set one with "
                "`callsim assessor passphrase` (assessor data is shown only with it)"
            )
        if not auth.verify(_read_passphrase(args)):
            raise Unusable("the assessor passphrase is not correct; nothing was shown")
    except PassphraseRecordAltered as exc:
        raise Unusable(f"{store.path}: {exc}") from None
    return "assessor passphrase verified"


def _session(store: SessionStore, ref: str) -> str:
    from app.assessor.library import resolve_session

    try:
        return resolve_session(store, ref)
    except LookupError as exc:
        raise Unusable(str(exc.args[0] if exc.args else exc)) from None


def _printable(text: str) -> str:
    """Stored text for the terminal: control characters (escape sequences) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _table(rows: list[list[str]]) -> str:
    rows = [[_printable(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _passphrase_option(parser: Any) -> None:
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="sign in with this assessor account (on a database with accounts; its "
        "passphrase is read as below)",
    )
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the assessor passphrase from the first line of FILE (- for stdin); "
        f"default ${PASSPHRASE_FILE_ENV}, else ask in the terminal",
    )
