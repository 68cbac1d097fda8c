"""`app.storage` names its exports without importing sqlite-utils until one is used (the
start screen must not wait for it), and every exported name resolves."""

from __future__ import annotations

import subprocess
import sys

import app.storage as storage


def test_every_export_resolves() -> None:
    assert set(storage.__all__) == set(storage._WHERE)
    for name in storage.__all__:
        assert getattr(storage, name) is not None


def test_the_paths_do_not_import_the_store() -> None:
    code = "import sys, app.storage.paths, app.ui.main_window; print('sqlite_utils' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )  # fmt: skip
    assert out.stdout.strip() == "False"
