"""The `assessor_accounts` and `assessor_signins` tables (migration 8): named assessors and
every sign-in attempt. The rules (who may create, the rate limit) are app/assessor/accounts.py's.

Both tables are append-only (triggers refuse UPDATE and DELETE). An account is never edited:
a new passphrase, a role change or disabling is a new row for the same name, and the account
is its newest row. Every row is also recorded in the database ledger in the same transaction
(a `meta` entry with key "account" or "signin", the row id and the sha256 of the row), so a row
added, edited or deleted with a database tool no longer matches the ledger (`altered`).

The central PostgreSQL store gets the same two tables later (docs/central.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from app.storage.chain import LEDGER_GENESIS, canonical_json, ledger_hash
from app.storage.ledger import META, append_entry
from app.storage.sql import Tx

if TYPE_CHECKING:
    from app.storage.store import SessionStore

ACCOUNT_KEY = "account"
SIGNIN_KEY = "signin"


@dataclass(frozen=True)
class AccountRow:
    """One version of an account: what it became after `change`."""

    id: int
    name: str
    name_key: str
    passphrase_hash: str
    role: str  # "assessor" | "lead"
    change: str  # "create" | "passphrase" | "role" | "disable"
    created_by: str  # who made this change
    created_at: str  # when (ISO 8601 UTC)
    disabled_at: str | None


@dataclass(frozen=True)
class SignInRow:
    """One sign-in attempt; `locked_until` is set on the failure that starts (or extends) a
    lockout."""

    id: int
    name_key: str
    outcome: str  # "ok" | "wrong" | "unknown" | "disabled" | "locked"
    at: str
    locked_until: str | None


_ACCOUNT_COLS = (
    "id, name, name_key, passphrase_hash, role, change, created_by, created_at, disabled_at"
)
_SIGNIN_COLS = "id, name_key, outcome, at, locked_until"


def _account(r: tuple[Any, ...]) -> AccountRow:
    name, key, stored, role, change, by, at = (str(x) for x in r[1:8])
    return AccountRow(
        int(r[0]), name, key, stored, role, change, by, at, None if r[8] is None else str(r[8])
    )


def _signin(r: tuple[Any, ...]) -> SignInRow:
    return SignInRow(
        int(r[0]), str(r[1]), str(r[2]), str(r[3]), None if r[4] is None else str(r[4])
    )


def row_sha256(row: AccountRow | SignInRow) -> str:
    """What the ledger records of a row: the sha256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(asdict(row)).encode("utf-8")).hexdigest()


class AccountsRepo:
    """Accounts and sign-in attempts in one store."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    # -- reading ----------------------------------------------------------------------------
    def any(self) -> bool:
        """Whether any account row exists (a row written behind callsim's back counts)."""
        return bool(self._store._fetch("SELECT 1 FROM assessor_accounts LIMIT 1"))

    def rows(self) -> list[AccountRow]:
        """Every account row, oldest first."""
        return [
            _account(r)
            for r in self._store._fetch(
                f"SELECT {_ACCOUNT_COLS} FROM assessor_accounts ORDER BY id"
            )
        ]

    def latest_in(self, tx: Tx, name_key: str) -> AccountRow | None:
        """The account's newest row as `tx` sees it."""
        r = tx.one(
            f"SELECT {_ACCOUNT_COLS} FROM assessor_accounts WHERE name_key = ? "
            "ORDER BY id DESC LIMIT 1",
            [name_key],
        )
        return None if r is None else _account(tuple(r))

    def rows_in(self, tx: Tx, name_key: str) -> list[AccountRow]:
        """The account's rows, oldest first, as `tx` sees them."""
        rows = tx.execute(
            f"SELECT {_ACCOUNT_COLS} FROM assessor_accounts WHERE name_key = ? ORDER BY id",
            [name_key],
        ).fetchall()
        return [_account(tuple(r)) for r in rows]

    def any_in(self, tx: Tx) -> bool:
        return tx.one("SELECT 1 FROM assessor_accounts LIMIT 1") is not None

    def active_leads_in(self, tx: Tx) -> list[str]:
        """The name keys of accounts whose newest row is an enabled lead."""
        rows = tx.execute(
            "SELECT a.name_key FROM assessor_accounts a WHERE a.id = "
            "(SELECT max(b.id) FROM assessor_accounts b WHERE b.name_key = a.name_key) "
            "AND a.role = 'lead' AND a.disabled_at IS NULL"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def signins_in(self, tx: Tx, name_key: str) -> list[SignInRow]:
        """Every sign-in attempt for the name, oldest first, as `tx` sees them."""
        rows = tx.execute(
            f"SELECT {_SIGNIN_COLS} FROM assessor_signins WHERE name_key = ? ORDER BY id",
            [name_key],
        ).fetchall()
        return [_signin(tuple(r)) for r in rows]

    def signins(self, name_key: str | None = None) -> list[SignInRow]:
        """Every sign-in attempt (for one name), oldest first."""
        if name_key is None:
            rows = self._store._fetch(f"SELECT {_SIGNIN_COLS} FROM assessor_signins ORDER BY id")
        else:
            rows = self._store._fetch(
                f"SELECT {_SIGNIN_COLS} FROM assessor_signins WHERE name_key = ? ORDER BY id",
                [name_key],
            )
        return [_signin(r) for r in rows]

    # -- writing (inside the caller's transaction, each row ledgered) ------------------------
    def add_account(
        self,
        tx: Tx,
        *,
        name: str,
        name_key: str,
        passphrase_hash: str,
        role: str,
        change: str,
        created_by: str,
        created_at: str,
        disabled_at: str | None = None,
    ) -> AccountRow:
        cursor = tx.execute(
            "INSERT INTO assessor_accounts (name, name_key, passphrase_hash, role, change, "
            "created_by, created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [name, name_key, passphrase_hash, role, change, created_by, created_at, disabled_at],
        )
        row = AccountRow(
            int(cursor.lastrowid or 0),
            name,
            name_key,
            passphrase_hash,
            role,
            change,
            created_by,
            created_at,
            disabled_at,
        )
        detail = {"key": ACCOUNT_KEY, "id": row.id, "value_sha256": row_sha256(row)}
        append_entry(tx, META, None, detail, created_at)
        return row

    def add_signin(
        self, tx: Tx, *, name_key: str, outcome: str, at: str, locked_until: str | None = None
    ) -> SignInRow:
        cursor = tx.execute(
            "INSERT INTO assessor_signins (name_key, outcome, at, locked_until) "
            "VALUES (?, ?, ?, ?)",
            [name_key, outcome, at, locked_until],
        )
        row = SignInRow(int(cursor.lastrowid or 0), name_key, outcome, at, locked_until)
        detail = {"key": SIGNIN_KEY, "id": row.id, "value_sha256": row_sha256(row)}
        append_entry(tx, META, None, detail, at)
        return row

    # -- checking against the ledger ----------------------------------------------------------
    def altered(self) -> str | None:
        """None when every account and sign-in row is one the ledger recorded, unchanged, and
        every one it recorded is still there; else what differs, e.g. "account row 3 (Eve)
        was written", "sign-in row 7 was deleted"."""
        where = "l.kind = ? AND json_extract(l.detail_json, '$.key') = ?"
        entry_cols = (
            "l.seq, l.kind, l.session_id, l.detail_json, l.at, l.prev_hash, l.hash, "
            "json_extract(l.detail_json, '$.id'), json_extract(l.detail_json, '$.value_sha256'), "
            "p.hash"
        )
        join = "FROM ledger l LEFT JOIN ledger p ON p.seq = l.seq - 1"
        accounts, account_entries, signins, signin_entries, head = self._store._snapshot(
            (f"SELECT {_ACCOUNT_COLS} FROM assessor_accounts ORDER BY id", []),
            (f"SELECT {entry_cols} {join} WHERE {where} ORDER BY l.seq", [META, ACCOUNT_KEY]),
            (f"SELECT {_SIGNIN_COLS} FROM assessor_signins ORDER BY id", []),
            (f"SELECT {entry_cols} {join} WHERE {where} ORDER BY l.seq", [META, SIGNIN_KEY]),
            ("SELECT count FROM ledger_head WHERE id = 1", []),
        )
        count = int(head[0][0]) if head else 0
        for what, rows, entries in (
            ("account row", [_account(r) for r in accounts], account_entries),
            ("sign-in row", [_signin(r) for r in signins], signin_entries),
        ):
            recorded: dict[int, str] = {}
            for e in entries:
                prev = LEDGER_GENESIS if int(e[0]) == 0 else e[9]
                digest = ledger_hash(
                    str(e[5]),
                    seq=int(e[0]),
                    kind=str(e[1]),
                    session_id=e[2],
                    detail_json=str(e[3]),
                    at=str(e[4]),
                )
                if digest != e[6] or prev != e[5] or int(e[0]) >= count:
                    return f"{what} {e[7]} has a ledger entry written by hand"
                recorded[int(e[7])] = str(e[8])
            present = {row.id: row for row in rows}
            for row in rows:
                label = f"{what} {row.id}" + (
                    f" ({row.name})" if isinstance(row, AccountRow) else ""
                )
                if row.id not in recorded:
                    return f"{label} was written"
                if recorded[row.id] != row_sha256(row):
                    return f"{label} was changed"
            for rid in sorted(recorded):
                if rid not in present:
                    return f"{what} {rid} was deleted"
        return None
