"""Where the database and the log files live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "CALLSIM_DATA_DIR"
DB_FILENAME = "callsim.db"
LOGS_DIRNAME = "logs"


def data_dir() -> Path:
    """`$CALLSIM_DATA_DIR` if that variable is set, else the user's data directory.

    The directory is not created here; `SessionStore` creates it when it opens the file.
    """
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("callsim"))


def default_db_path() -> Path:
    """`callsim.db` in the data directory (`$CALLSIM_DATA_DIR`, else the user's)."""
    return data_dir() / DB_FILENAME


def default_log_dir() -> Path:
    """The folder for log files, in the data directory (created when something is logged)."""
    return data_dir() / LOGS_DIRNAME
