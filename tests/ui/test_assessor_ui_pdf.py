"""`html_to_pdf`: A4 PDF from the report HTML, in the app and from the command line (no
QApplication, no display), with typed text shown literally."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.ui.reports.pdf import html_to_pdf
from tests.conftest import ROOT

TYPED = "<script>alert(1)</script> '; DROP TABLE sessions;--"
HTML = (
    "<h1>Call report</h1><p>Trainee said: &lt;script&gt;alert(1)&lt;/script&gt; "
    "'; DROP TABLE sessions;-- (typed)</p>" + "".join(f"<p>Line {n}</p>" for n in range(120))
)


def pdf_text(path: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, str(path), "-"], capture_output=True, check=True).stdout.decode()


def pages(path: Path) -> int | None:
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None
    info = subprocess.run([tool, str(path)], capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_from_the_command_line_with_no_display_and_no_application(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHONPATH"] = str(ROOT)
    code = (
        "import sys; from pathlib import Path\n"
        "from app.ui.reports.pdf import html_to_pdf\n"
        "html_to_pdf(sys.stdin.read(), Path(sys.argv[1]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)], input=HTML, text=True, capture_output=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    assert not list(tmp_path.glob("*.part"))
    text = pdf_text(out)
    if text is not None:
        assert TYPED in " ".join(text.split())
    count = pages(out)
    if count is not None:
        assert count >= 2  # laid out on A4 pages, not one long strip


def test_in_the_app_and_an_unwritable_place_raises(qtbot: Any, tmp_path: Path) -> None:
    out = tmp_path / "in-app.pdf"
    html_to_pdf(HTML, out, title="a report")
    assert out.read_bytes()[:5] == b"%PDF-"
    info = shutil.which("pdfinfo")
    if info is not None:
        meta = subprocess.run([info, str(out)], capture_output=True, check=True).stdout.decode()
        assert "A4" in meta and "a report" in meta
    with pytest.raises(OSError):
        html_to_pdf(HTML, tmp_path / "no such folder" / "x.pdf")
