"""The `assessor_meta` table: the assessor area's settings, one text value per key (today only
the passphrase's scrypt hash; never the passphrase itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.storage.store import SessionStore


class MetaRepo:
    """The assessor settings stored in one database."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

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
