"""Shared test set-up: Qt offscreen, silent voice, and private data/cache directories so tests
never touch a real user's sessions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CALLSIM_TTS", "silent")
_tmp = Path(tempfile.mkdtemp(prefix="callsim-tests-"))
os.environ.setdefault("CALLSIM_DATA_DIR", str(_tmp / "data"))
os.environ.setdefault("CALLSIM_CACHE_DIR", str(_tmp / "cache"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
