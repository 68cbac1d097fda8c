"""Content in every install (issue #11): a wheel built from the checkout carries the built-in
scenario, the other shipped scenarios, the templates, the schema, the licence and the notices,
and an installed callsim run from another folder plays, tests and creates scenarios."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import app
from app.content import SHIPPED, shipped_path, shipped_root

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPT = """\
- say: "Police, what's happened?"
- say: "Is anyone hurt?"
- end_call: true
"""


def test_setup_py_copies_what_the_content_module_reads() -> None:
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    found = [
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "SHIPPED" for t in node.targets)
    ]
    assert found == [SHIPPED]


def test_a_checkout_reads_its_own_top_level_content() -> None:
    assert shipped_root() == ROOT
    for name in SHIPPED:
        assert shipped_path(name).exists(), name
    with pytest.raises(ValueError, match="not shipped content"):
        shipped_path("tests")


def _source_tree(dest: Path) -> Path:
    """What a clone has that a wheel is built from (no caches, no venv, no tests)."""
    src = dest / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "shipped")
    shutil.copytree(ROOT / "app", src / "app", ignore=ignore)
    for name in SHIPPED:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    return src


@pytest.mark.slow
def test_an_installed_wheel_plays_tests_and_creates_from_another_folder(tmp_path: Path) -> None:
    src = _source_tree(tmp_path)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(src)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("callsim-*.whl")
    assert wheel.name.startswith(f"callsim-{app.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for want in (
        "app/content/shipped/scenarios/misconduct-disclosure.yaml",
        "app/content/shipped/resources/scenario-template.yaml",
        "app/content/shipped/resources/product.toml",
        "app/content/shipped/LICENSE",
        "app/content/shipped/THIRD-PARTY-NOTICES.md",
        "app/content/shipped/docs/callsim-scenario.schema.json",
        "app/content/library/uk-call-handling.yaml",
    ):
        assert want in names, want
    for shipped in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert f"app/content/shipped/scenarios/{shipped.name}" in names

    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "t.yaml").write_text(TRANSCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CALLSIM_SCENARIOS"}
    env["PYTHONPATH"] = str(target)  # before the checkout's editable install

    def callsim(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=elsewhere, env=env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip

    where = subprocess.run(
        [sys.executable, "-c", "import app.content as c; print(c.shipped_root())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()) == target / "app" / "content" / "shipped"
    assert callsim("--version").stdout.strip() == f"callsim {app.__version__}"
    played = callsim("play", "misconduct-disclosure", "t.yaml")
    assert played.returncode == 0, played.stderr
    assert "score" in played.stdout.lower()
    tested = callsim("test", "misconduct-disclosure")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.rstrip().endswith(" 0 failed")
    (elsewhere / "mine").mkdir()
    made = callsim("new", "x", "--out", str(elsewhere / "mine"))
    assert made.returncode == 0, made.stderr
    assert (elsewhere / "mine" / "x.yaml").read_text(encoding="utf-8").count("id: x") == 1
