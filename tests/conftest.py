"""Shared test set-up: Qt offscreen, silent voice, and private data/cache directories so tests
never touch a real user's sessions."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import logs

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CALLSIM_TTS", "silent")
_tmp = Path(tempfile.mkdtemp(prefix="callsim-tests-"))
os.environ.setdefault("CALLSIM_DATA_DIR", str(_tmp / "data"))
os.environ.setdefault("CALLSIM_CACHE_DIR", str(_tmp / "cache"))
# a developer's own ~/.config/callsim/config.toml must not change what tests see (app.config)
os.environ["XDG_CONFIG_HOME"] = str(_tmp / "config")
os.environ.pop("CALLSIM_CONFIG", None)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that point the log file somewhere of their own: put back what was there."""
    logger = logging.getLogger(logs.LOGGER)
    before = list(logger.handlers)
    yield
    for h in list(logger.handlers):
        if h not in before:
            logger.removeHandler(h)
            h.close()
    for h in before:
        if h not in logger.handlers:
            logger.addHandler(h)


@pytest.fixture
def log_file(tmp_path: Path, restore_logging: None) -> Path:
    """The product logs to a file of this test's own: returned (not yet created)."""
    return logs.setup_logging(tmp_path / "logs")
