"""Where the database lives."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "CALLSIM_DATA_DIR"
DB_FILENAME = "callsim.db"


def default_db_path() -> Path:
    """`$CALLSIM_DATA_DIR/callsim.db` if that variable is set, else the user's data directory.

    The directory is not created here; `SessionStore` creates it when it opens the file.
    """
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    base = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("callsim"))
    return base / DB_FILENAME
