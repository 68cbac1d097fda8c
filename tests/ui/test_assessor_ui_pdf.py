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


# -- pages fit for an appeal (issue #12, item 5) ---------------------------------------------------
def page_texts(path: Path) -> list[str] | None:
    tool, count = shutil.which("pdftotext"), pages(path)
    if tool is None or count is None:
        return None
    return [
        subprocess.run(
            [tool, "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True, check=True
        ).stdout.decode()
        for n in range(1, count + 1)
    ]


def test_every_page_names_the_session_and_says_page_x_of_y(qtbot: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    session = "0123456789abcdef0123456789abcdef"
    html_to_pdf(HTML, out, footer=f"callsim report · session {session}")
    texts = page_texts(out)
    if texts is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) are not installed")
    assert len(texts) >= 2
    for n, text in enumerate(texts, 1):
        flat = " ".join(text.split())
        assert f"session {session}" in flat and f"page {n} of {len(texts)}" in flat, flat[-200:]


def _doc(qtbot: Any, html: str, width: float = 2000.0) -> Any:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(html)
    doc.setTextWidth(width)
    return doc


def test_table_rows_never_split_across_pages_and_headers_repeat(qtbot: Any) -> None:
    from app.ui.reports.pdf import _cuts, _pages, _row_extent, _tables

    rows = "".join(
        f"<tr><td>row {n}</td><td>{'several words of text ' * (1 + n % 7)}</td></tr>"
        for n in range(120)
    )
    html = (
        "<h2>Before</h2><p>" + "text " * 300 + "</p><h2>The table</h2>"
        f'<table border="1" width="100%"><thead><tr><th>#</th><th>What</th></tr></thead>{rows}'
        "</table><p>after</p>"
    )
    doc = _doc(qtbot, html, width=600.0)
    layout = doc.documentLayout()
    usable = 700.0
    found = _pages(_cuts(doc), 0.0, layout.documentSize().height(), usable)
    assert len(found) > 3
    (table,) = list(_tables(doc.rootFrame()))
    extents = [_row_extent(layout, table, r) for r in range(table.rows())]
    spans = [(start.y, stop.y) for start, stop in found]
    for r, (top, bottom) in enumerate(extents):
        assert any(a <= top and bottom <= b for a, b in spans), f"row {r} split: {top}-{bottom}"
    for start, stop in found:
        band = 0.0 if start.header is None else start.header[1] - start.header[0]
        assert stop.y - start.y + band <= usable + 1e-6
        inside = extents[1][0] < start.y < extents[-1][1]
        assert (start.header is not None) == inside  # a page that starts in it repeats the header
    heading_top = layout.blockBoundingRect(doc.findBlock(table.firstPosition() - 1)).top()
    table_top = layout.frameBoundingRect(table).top()
    stops = [stop.y for _s, stop in found]
    assert table_top not in stops  # the heading is never left alone at a page's foot
    assert heading_top in stops or all(s < heading_top or s > extents[1][1] for s in stops)


def test_an_element_taller_than_a_page_is_still_cut(qtbot: Any) -> None:
    from app.ui.reports.pdf import _cuts, _pages

    doc = _doc(qtbot, "<table border=1><tr><td>" + "tall " * 3000 + "</td></tr></table>", 300.0)
    end = doc.documentLayout().documentSize().height()
    found = _pages(_cuts(doc), 0.0, end, 500.0)
    assert len(found) >= int(end // 500) and found[-1][1].y == end


def test_words_are_never_split_inside_a_narrow_column(qtbot: Any, tmp_path: Path) -> None:
    cells = "".join(
        f"<tr><td>{n}</td><td>not_violated</td><td>comment</td><td>{'x ' * 40}</td></tr>"
        for n in range(5)
    )
    html = (
        '<table border="1" width="100%"><thead><tr><th width="3%">Weight</th>'
        '<th width="3%">Automatic</th><th width="3%">Action</th><th>What</th></tr></thead>'
        f"{cells}</table>"
    )
    out = tmp_path / "narrow.pdf"
    html_to_pdf(html, out)
    texts = page_texts(out)
    if texts is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) are not installed")
    words = " ".join(texts).split()
    for word in ("Weight", "Automatic", "Action", "not_violated", "comment"):
        assert word in words, word
    assert not {"Weig", "ht", "Automat", "ic", "comme", "nt"} & set(words)
