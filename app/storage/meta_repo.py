"""The `assessor_meta` table: the assessor area's settings, one text value per key (today only
the passphrase's scrypt hash; never the passphrase itself).

Every value stored is also recorded in the database ledger (the sha256 of the value, in the
same transaction), so a row deleted or edited behind callsim's back no longer matches what the
ledger recorded (`recorded`): the passphrase cannot be unset or replaced by editing the file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.storage.ledger import META, LedgerRepo, append_entry, latest_checked
from app.storage.records import iso_utc, utc_now
from app.storage.schema import meta_detail

if TYPE_CHECKING:
    from app.storage.store import SessionStore


class MetaRepo:
    """The assessor settings stored in one database."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    def altered(self, key: str) -> str | None:
        """None when the value stored under `key` (or its absence) is the one the ledger
        recorded last; else what happened to it: "was deleted", "was replaced", "was written"
        (a value the ledger never recorded), "has a ledger entry written by hand"."""
        queries = LedgerRepo(self._store).latest_queries(META, key)
        stored, *found = self._store._snapshot(
            ("SELECT value FROM assessor_meta WHERE key = ?", [key]), *queries
        )
        row, ok = latest_checked(*found)
        value = str(stored[0][0]) if stored else None
        if row is None:
            return None if value is None else "was written"
        if not ok:
            return "has a ledger entry written by hand"
        if value is None:
            return "was deleted"
        if meta_detail(key, value)["value_sha256"] != row.detail().get("value_sha256"):
            return "was replaced"
        return None

    def get(self, key: str) -> str | None:
        """The value stored under `key`, or None."""
        rows = self._store._fetch("SELECT value FROM assessor_meta WHERE key = ?", [key])
        return str(rows[0][0]) if rows else None

    def put(self, key: str, value: str, *, check: Callable[[str | None], None]) -> None:
        """Store `value` under `key`, replacing any value there, after `check(current value)`
        returns; whatever `check` raises cancels the write. The read, the check and the write
        are one transaction, so a concurrent change cannot slip in between."""
        with self._store.transaction() as tx:
            row = tx.one("SELECT value FROM assessor_meta WHERE key = ?", [key])
            check(None if row is None else str(row[0]))
            tx.execute(
                "INSERT INTO assessor_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            append_entry(tx, META, None, meta_detail(key, value), iso_utc(utc_now()))
