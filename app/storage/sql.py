"""What the store and its repositories share: the write-transaction handle and FTS5 quoting.

All SQL of callsim is written in app/storage (tests/test_storage_owns_sql.py checks it). The
other packages call the store and the repositories; they never see a connection. One module
per concern holds that concern's queries, so a second backend replaces modules, not callers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database


class Tx:
    """One open write transaction of a `SessionStore` (from `SessionStore.transaction`).

    Callers outside app.storage only hand it on to repository writes, so that several of them
    (a mark and its audit entry) commit or roll back together."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run one parameterised statement inside the transaction."""
        cursor: sqlite3.Cursor = self._db.execute(sql, list(params))
        return cursor

    def one(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of one parameterised query, or None."""
        row: tuple[Any, ...] | None = self.execute(sql, params).fetchone()
        return row


def fts_query(text: str) -> str | None:
    """`text` as FTS5 words (each quoted: never query syntax); None if it has no words."""
    words = ['"' + w.replace('"', '""') + '"' for w in text.split()]
    words = [w for w in words if any(c.isalnum() for c in w)]
    return " ".join(words) if words else None
