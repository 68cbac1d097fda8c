"""Sessions as append-only, hash-chained event logs in SQLite (no Qt here).

`SessionStore` holds the sessions and their events; see `store.py` for durability and
threading. The assessor's tables each have a repository beside it (`*_repo.py`), and all
of callsim's SQL lives in this package.
"""

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
