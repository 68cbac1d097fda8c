"""Where the database and the log files live."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from app.config import load_config

DATA_DIR_ENV = "CALLSIM_DATA_DIR"
DB_FILENAME = "callsim.db"
LOGS_DIRNAME = "logs"


def data_dir() -> Path:
    """`data_dir` of the configuration (the machine file, else the user's file or
    `$CALLSIM_DATA_DIR`: `app.config`), else the user's data directory.

    The directory is not created here; `SessionStore` creates it when it opens the file.
    """
    configured = load_config().path("data_dir")
    return configured if configured is not None else Path(platformdirs.user_data_dir("callsim"))


def default_db_path() -> Path:
    """`callsim.db` in the data directory (`$CALLSIM_DATA_DIR`, else the user's)."""
    return data_dir() / DB_FILENAME


def default_log_dir() -> Path:
    """The folder for log files, in the data directory (created when something is logged)."""
    return data_dir() / LOGS_DIRNAME
