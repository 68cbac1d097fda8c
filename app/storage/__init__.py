"""Sessions as append-only, hash-chained event logs in SQLite (no Qt here).

`SessionStore` holds the sessions and their events; see `store.py` for durability and
threading. The assessor's tables each have a repository beside it (`*_repo.py`), and all
of callsim's SQL lives in this package.
"""

from typing import TYPE_CHECKING, Any

# The names below are imported when first used (PEP 562): the session store pulls in
# sqlite-utils (about 0.1 s), which the start screen must not wait for.
_WHERE = {
    "VerifyResult": "app.storage.chain",
    "DataFolderError": "app.storage.errors",
    "EventDataError": "app.storage.errors",
    "EventOrderError": "app.storage.errors",
    "SchemaTooNewError": "app.storage.errors",
    "SessionStateError": "app.storage.errors",
    "StorageError": "app.storage.errors",
    "UnknownSessionError": "app.storage.errors",
    "DATA_DIR_ENV": "app.storage.paths",
    "default_db_path": "app.storage.paths",
    "MODES": "app.storage.records",
    "STATUSES": "app.storage.records",
    "SessionInfo": "app.storage.records",
    "SCHEMA_VERSION": "app.storage.schema",
    "SessionStore": "app.storage.store",
}

if TYPE_CHECKING:
    from app.storage.chain import VerifyResult
    from app.storage.errors import (
        DataFolderError,
        EventDataError,
        EventOrderError,
        SchemaTooNewError,
        SessionStateError,
        StorageError,
        UnknownSessionError,
    )
    from app.storage.paths import DATA_DIR_ENV, default_db_path
    from app.storage.records import MODES, STATUSES, SessionInfo
    from app.storage.schema import SCHEMA_VERSION
    from app.storage.store import SessionStore


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'app.storage' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


__all__ = [
    "DATA_DIR_ENV",
    "MODES",
    "SCHEMA_VERSION",
    "STATUSES",
    "EventDataError",
    "EventOrderError",
    "SchemaTooNewError",
    "SessionInfo",
    "SessionStateError",
    "SessionStore",
    "StorageError",
    "DataFolderError",
    "UnknownSessionError",
    "VerifyResult",
    "default_db_path",
]
