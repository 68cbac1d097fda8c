"""The core runs without Qt: import every core module with Qt made unimportable."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CORE = ["app.scenario", "app.engine", "app.matching", "app.scoring", "app.storage", "app.voice"]


def test_core_imports_and_plays_with_qt_blocked() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for pkg in CORE
        for p in (ROOT / pkg.replace(".", "/")).glob("*.py")
    )
    script = f"""
import sys
for name in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
    sys.modules[name] = None  # any import of Qt now raises ImportError
import importlib
for m in {modules!r} + ["app.cli", "app.headless"]:
    importlib.import_module(m)
from app.cli import main
sys.exit(main(["demo"]))
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "PASSED" in r.stdout
    assert len(modules) > 15
