"""HTML to PDF with Qt's own `QTextDocument` and `QPdfWriter` (A4, every page footed with the
report's line, e.g. its session id, and "page X of Y").

Used by the replay screen (in a worker: painting a QPdfWriter is allowed off the GUI thread)
and by `callsim report --format pdf`, where no QApplication is running: then a
QGuiApplication is created once, on the offscreen platform when there is no display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
    QTextFrame,
    QTextOption,
    QTextTable,
)

from app import __version__
from app.assessor.files import write_atomically

RESOLUTION_DPI = 300
BODY_PT = 10
FOOTER_PT = 7
MARGIN_MM = 18  # each side
FOOTER_MM = 10  # the band at the foot of each page for the footer line
CSS_DPI = 96.0

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


def _mm(mm: float, dpi: float) -> float:
    return mm / 25.4 * dpi


def _tables(frame: QTextFrame) -> Iterator[QTextTable]:
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            yield child


@dataclass(frozen=True)
class _Cut:
    """A place a page may end: `y` in the continuous layout; `header` the band of the
    table's header rows to repeat above what follows, when the cut is inside a table."""

    y: float
    header: tuple[float, float] | None = None
    between_rows: bool = False  # the cut runs along two rows' shared border


def _row_extent(
    layout: QAbstractTextDocumentLayout, table: QTextTable, r: int
) -> tuple[float, float]:
    tops, bottoms = [], []
    for c in range(table.columns()):
        cell = table.cellAt(r, c)
        tops.append(layout.blockBoundingRect(cell.firstCursorPosition().block()).top())
        bottoms.append(layout.blockBoundingRect(cell.lastCursorPosition().block()).bottom())
    return min(tops), max(bottoms)


def _cuts(doc: QTextDocument) -> list[_Cut]:
    """Every place a page may end, top to bottom: above each block and each table of the
    body (never straight after a heading: it stays with what it heads), and between two
    table rows (never inside a row, never between a table's header rows and its first row).
    Between rows the cut runs along their shared border, which then shows on both pages."""
    layout = doc.documentLayout()
    cuts: list[_Cut] = []
    after_heading = False  # or after a caption: a one-line paragraph stays with what follows
    block = doc.begin()
    tables = {t.firstPosition(): t for t in _tables(doc.rootFrame())}
    done: set[int] = set()
    while block.isValid():
        table = next(
            (
                t
                for t in tables.values()
                if t.firstPosition() <= block.position() <= t.lastPosition()
            ),
            None,
        )
        if table is None:
            if not after_heading:
                cuts.append(_Cut(layout.blockBoundingRect(block).top()))
            lines = block.layout().lineCount() if block.layout() is not None else 0
            after_heading = block.blockFormat().headingLevel() > 0 or 0 < lines <= 1
            block = block.next()
            continue
        if table.firstPosition() not in done:
            done.add(table.firstPosition())
            rows = [_row_extent(layout, table, r) for r in range(table.rows())]
            frame = layout.frameBoundingRect(table)
            if not after_heading:
                cuts.append(_Cut(frame.top()))
            header_rows = table.format().headerRowCount()
            band: tuple[float, float] | None = None
            if 0 < header_rows < len(rows):
                band = (frame.top(), (rows[header_rows - 1][1] + rows[header_rows][0]) / 2)
            for r in range(max(header_rows, 0) + 1, len(rows)):
                cuts.append(_Cut((rows[r - 1][1] + rows[r][0]) / 2, band, between_rows=True))
            cuts.append(_Cut(frame.bottom()))
            after_heading = False
        block = doc.findBlock(table.lastPosition() + 1)
    return sorted(cuts, key=lambda c: c.y)


def _pages(cuts: list[_Cut], top: float, end: float, usable: float) -> list[tuple[_Cut, _Cut]]:
    """The pages: (where each starts, with the header band to repeat, and where it ends),
    each at most `usable` high (header band included). An element taller than a page is
    cut where the page is full."""
    pages: list[tuple[_Cut, _Cut]] = []
    start = _Cut(top)
    while start.y < end - 0.5:
        band = 0.0 if start.header is None else start.header[1] - start.header[0]
        room = start.y + usable - band
        if end <= room:  # the rest fits
            pages.append((start, _Cut(end)))
            break
        fitting = [c for c in cuts if start.y + 0.5 < c.y <= room]
        stop = fitting[-1] if fitting else _Cut(room)
        pages.append((start, stop))
        start = stop
    return pages


def pdf_bytes(html: str, *, title: str = "callsim report", footer: str = "") -> bytes:
    """`html` laid out on A4 pages, as the bytes of a PDF (made in memory: a disk that fills
    up half-way can never leave a truncated file behind).

    The document is laid out once, as one long page on the PDF device (so point sizes are
    points), and cut into pages only where `_cuts` allows: a table row never splits across
    pages, a heading stays with what follows it, and a table that runs onto a new page has
    its header rows repeated at the top. Every page carries `footer` and "page X of Y"."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator(f"callsim {__version__}")
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    dpi = float(writer.resolution())
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    font = QFont()
    font.setPointSize(BODY_PT)
    doc.setDefaultFont(font)
    # Lines break between words only, never inside one ("Weig ht"): a table column is then
    # at least as wide as its longest word (app.assessor.report breaks overlong tokens).
    option = doc.defaultTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(option)
    doc.setHtml(html)
    width, height = float(writer.width()), float(writer.height())
    side, band = _mm(MARGIN_MM, dpi), _mm(FOOTER_MM, dpi)
    # Frame margins are CSS-like pixels (1/96 inch) that the layout scales to the device.
    css_side = _mm(MARGIN_MM, CSS_DPI)
    frame = doc.rootFrame().frameFormat()
    frame.setLeftMargin(css_side)
    frame.setRightMargin(css_side)
    frame.setTopMargin(0)
    frame.setBottomMargin(0)
    doc.rootFrame().setFrameFormat(frame)
    doc.setTextWidth(width)  # one continuous page: the cuts are ours
    layout = doc.documentLayout()
    end = layout.documentSize().height()
    pages = _pages(_cuts(doc), 0.0, end, height - 2 * side - band)
    small = QFont(font)
    small.setPointSize(FOOTER_PT)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError("Qt could not start drawing the PDF")

    def draw(y0: float, y1: float, at: float) -> None:
        """The continuous layout's band [y0, y1) drawn with its top at `at` on the page."""
        painter.save()
        painter.translate(0, at - y0)
        clip = QRectF(0, y0, width, y1 - y0)
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        layout.draw(painter, context)
        painter.restore()

    border = dpi / CSS_DPI  # the shared border of two rows shows whole on both pages
    try:
        for n, (start, stop) in enumerate(pages):
            if n:
                writer.newPage()
            at = side
            if start.header is not None:
                draw(start.header[0], start.header[1] + border, at)
                at += start.header[1] - start.header[0]
            lead = border if start.between_rows else 0.0
            tail = border if stop.between_rows else 0.0
            draw(start.y - lead, stop.y + tail, at - lead)
            painter.setFont(small)
            painter.setPen(QColor("#444444"))
            foot = QRectF(side, height - side - band * 0.6, width - 2 * side, band)
            painter.drawLine(QPointF(side, foot.top()), QPointF(width - side, foot.top()))
            left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(foot, left, footer)
            painter.drawText(foot, right, f"page {n + 1} of {len(pages)}")
    finally:
        painter.end()
    del writer  # the PDF is finished when the writer goes
    buffer.close()
    out = bytes(data.data())
    if not out.startswith(b"%PDF"):
        raise OSError("Qt did not produce a PDF")
    return out


def html_to_pdf(html: str, out: Path, *, title: str = "callsim report", footer: str = "") -> None:
    """Lay `html` out on A4 pages and write the PDF to `out`, whole or not at all.

    Raises `OutputFileError` (an OSError) when the file cannot be written.
    """
    write_atomically(Path(out), pdf_bytes(html, title=title, footer=footer), what="PDF report")
