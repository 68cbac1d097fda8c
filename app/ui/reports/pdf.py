"""HTML to PDF with Qt's own `QTextDocument` and `QPdfWriter` (A4, 2 cm margins, numbered).

Used by the replay screen (in a worker: painting a QPdfWriter is allowed off the GUI thread)
and by `callsim report --format pdf`, where no QApplication is running: then a
QGuiApplication is created once, on the offscreen platform when there is no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

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


def html_to_pdf(html: str, out: Path, *, title: str = "callsim report") -> None:
    """Lay `html` out on A4 pages and write the PDF to `out` (replaced only when complete).

    Raises OSError when the file cannot be written.
    """
    ensure_gui_application()
    out = Path(out)
    part = out.with_name(out.name + ".part")
    writer = QPdfWriter(str(part))
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
    del writer  # the file is finished when the writer goes
    try:
        if part.stat().st_size == 0:
            raise OSError(f"cannot write the PDF {out}")
        part.replace(out)
    except FileNotFoundError as exc:
        raise OSError(f"cannot write the PDF {out}: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)
