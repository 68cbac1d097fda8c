"""A trainee's progress over attempts: score per attempt (0-100) with the pass mark as a
dashed line, drawn with QPainter (QtCharts is not part of PySide6-Essentials).

Passed attempts are filled circles, others hollow squares, so the chart reads without
colour; an assessor's reviewed score, where it differs, is a diamond joined to the automatic
one. The same facts are the widget's accessible description, for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.assessor.words import tr

LINE = QColor("#1f5fa8")
PASS = QColor("#1b6e2a")
FAIL = QColor("#a11212")
REVIEWED = QColor("#6a1b9a")
GRID = QColor("#d5d9de")
TEXT = QColor("#1d2329")
MUTED = QColor("#4f565e")


class ProgressChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[Any] = []  # ProgressPoint-like: score, passed, reviewed_score
        self.pass_mark: float | None = None
        self.title = ""
        self.setAccessibleName(tr("Progress chart"))
        self.setMinimumSize(260, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # so a screen reader can reach it

    def sizeHint(self) -> QSize:
        return QSize(420, 200)

    def set_points(self, title: str, points: Sequence[Any], pass_mark: float | None) -> None:
        self.title = title
        self.points = list(points)
        self.pass_mark = pass_mark
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        if not self.points:
            return tr("No scored attempts yet.")
        parts = []
        for n, p in enumerate(self.points, 1):
            score = "—" if p.score is None else f"{p.score:g}"
            verdict = tr("passed") if p.passed else tr("not passed")
            text = tr("attempt {n}: {s} ({v})").replace("{n}", str(n)).replace("{s}", score)
            text = text.replace("{v}", verdict)
            if p.reviewed_score is not None and p.reviewed_score != p.score:
                text += tr(", reviewed {r}").replace("{r}", f"{p.reviewed_score:g}")
            parts.append(text)
        mark = (
            ""
            if self.pass_mark is None
            else tr(" Pass mark {m}.").replace("{m}", f"{self.pass_mark:g}")
        )
        return f"{self.title}: " + "; ".join(parts) + "." + mark

    # -- drawing ------------------------------------------------------------------------------
    def _plot_rect(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("100") + 14
        top = fm.height() + 10
        return QRectF(left, top, self.width() - left - 14, self.height() - top - fm.height() - 14)

    def _xy(self, plot: QRectF, n: int, score: float) -> QPointF:
        count = max(1, len(self.points) - 1)
        x = plot.left() + (plot.width() * n / count if len(self.points) > 1 else plot.width() / 2)
        y = plot.bottom() - plot.height() * max(0.0, min(100.0, score)) / 100.0
        return QPointF(x, y)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = self.fontMetrics()
        plot = self._plot_rect()
        p.setPen(TEXT)
        p.drawText(QPointF(8, fm.ascent() + 4), self.title or tr("Progress"))
        if plot.width() < 40 or plot.height() < 30:
            p.end()
            return
        for value in (0, 50, 100):
            y = plot.bottom() - plot.height() * value / 100
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            label = str(value)
            p.drawText(
                QPointF(plot.left() - fm.horizontalAdvance(label) - 6, y + fm.ascent() / 2), label
            )
        if self.pass_mark is not None:
            y = plot.bottom() - plot.height() * self.pass_mark / 100
            p.setPen(QPen(PASS, 1.5, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            label = tr("pass mark {m}").replace("{m}", f"{self.pass_mark:g}")
            p.drawText(QPointF(plot.right() - fm.horizontalAdvance(label), y - 4), label)
        scored = [(n, pt) for n, pt in enumerate(self.points) if pt.score is not None]
        if not scored:
            p.setPen(MUTED)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, tr("No scored attempts yet"))
            p.end()
            return
        p.setPen(QPen(LINE, 2))
        p.drawPolyline(QPolygonF([self._xy(plot, n, pt.score) for n, pt in scored]))
        for n, pt in scored:
            at = self._xy(plot, n, pt.score)
            reviewed = pt.reviewed_score
            if reviewed is not None and reviewed != pt.score:
                to = self._xy(plot, n, reviewed)
                p.setPen(QPen(REVIEWED, 1.5, Qt.PenStyle.DotLine))
                p.drawLine(at, to)
                p.setPen(QPen(REVIEWED, 1.5))
                p.setBrush(REVIEWED)
                p.drawPolygon(
                    QPolygonF(
                        [to + QPointF(0, -6), to + QPointF(6, 0), to + QPointF(0, 6),
                         to + QPointF(-6, 0)]
                    )
                )  # fmt: skip
            if pt.passed:
                p.setPen(QPen(PASS, 2))
                p.setBrush(PASS)
                p.drawEllipse(at, 5, 5)
            else:
                p.setPen(QPen(FAIL, 2))
                p.setBrush(QColor("white"))
                p.drawRect(QRectF(at.x() - 5, at.y() - 5, 10, 10))
        p.setPen(MUTED)
        first, last = tr("attempt 1"), tr("attempt {n}").replace("{n}", str(len(self.points)))
        base = plot.bottom() + fm.ascent() + 6
        p.drawText(QPointF(plot.left(), base), first)
        if len(self.points) > 1:
            p.drawText(QPointF(plot.right() - fm.horizontalAdvance(last), base), last)
        p.end()
