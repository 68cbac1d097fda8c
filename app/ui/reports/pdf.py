"""HTML to PDF with Qt's own `QTextDocument` and `QPdfWriter` (A4, 2 cm margins, numbered).

Used by the replay screen (in a worker: painting a QPdfWriter is allowed off the GUI thread)
and by `callsim report --format pdf`, where no QApplication is running: then a
QGuiApplication is created once, on the offscreen platform when there is no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QMarginsF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from app.assessor.files import write_atomically

RESOLUTION_DPI = 300
BODY_PT = 10

_app: QGuiApplication | None = None  # the one made here for command-line use, kept alive


def ensure_gui_application() -> None:
    """Make sure fonts can be used: a QGuiApplication exists (made here if need be)."""
    global _app
    existing = QCoreApplication.instance()
    if isinstance(existing, QGuiApplication):
        return
    if existing is not None:
        raise RuntimeError("PDF export needs a QGuiApplication, but a QCoreApplication runs")
    argv = [sys.argv[0] if sys.argv and sys.argv[0] else "callsim"]
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not os.environ.get("QT_QPA_PLATFORM") and (no_display or sys.platform.startswith("linux")):
        # A report is never shown: offscreen avoids needing (or flashing on) a display.
        argv += ["-platform", "offscreen"]
    _app = QGuiApplication(argv)


def pdf_bytes(html: str, *, title: str = "callsim report") -> bytes:
    """`html` laid out on A4 pages, as the bytes of a PDF (made in memory: a disk that fills
    up half-way can never leave a truncated file behind)."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("callsim")
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # QTextDocument.print_ puts its own 2 cm margin (and the page numbers) inside the page:
    # any margin of the writer's would come on top of that.
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    doc = QTextDocument()
    font = QFont()
    font.setPointSize(BODY_PT)
    doc.setDefaultFont(font)
    doc.setHtml(html)
    # With no page size of its own, the document is laid out on the page at screen scale
    # (so point sizes stay point sizes) and numbered page by page.
    doc.print_(writer)
    del writer  # the PDF is finished when the writer goes
    buffer.close()
    out = bytes(data.data())
    if not out.startswith(b"%PDF"):
        raise OSError("Qt did not produce a PDF")
    return out


def html_to_pdf(html: str, out: Path, *, title: str = "callsim report") -> None:
    """Lay `html` out on A4 pages and write the PDF to `out`, whole or not at all.

    Raises `OutputFileError` (an OSError) when the file cannot be written.
    """
    write_atomically(Path(out), pdf_bytes(html, title=title), what="PDF report")
