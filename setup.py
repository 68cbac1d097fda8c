"""Build hook only (everything else is in pyproject.toml): a wheel carries copies of the
checkout's top-level content (`app.content.SHIPPED`: scenarios, resources, licence, notices,
schema) in `app/content/shipped/`, so an installed callsim has its built-in scenario, its
templates and its licences. Editable installs read the checkout itself."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = (
    "scenarios",
    "resources",
    "LICENSE",
    "THIRD-PARTY-NOTICES.md",
    "docs/callsim-scenario.schema.json",
)  # keep in step with app/content/__init__.py (tests/test_install.py checks)


class BuildWithContent(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        out = Path(self.build_lib) / "app" / "content" / "shipped"
        for name in SHIPPED:
            src = ROOT / name
            dst = out / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(
                    src,
                    dst,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )
            else:
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildWithContent})
