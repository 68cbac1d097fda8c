"""The map: the scenario's states and the handlers between them, drawn from
`app.studio.graph.scenario_graph` with the layered layout of `app.studio.layout`.

States are boxes (the start state's border is thick), global handlers leave one "any state"
box, a hang-up goes to "ended". Handlers that keep the state are listed beside their box (↻),
so the arrows, which leave a box at its foot, never cross them; many that only answer an
intent are one line with their count ("↻ 13 intents", `app.studio.map_text`), and a trigger
with many intents says how many, so the map stays readable with the library's forty intents.
Closing attempts are red, silence blue, and say so in their labels too. Clicking a box or a
label shows where it is defined. The map fits the view (again whenever the view is resized)
until the instructor zooms; 0 fits it again.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from app.studio.graph import CLOSING_COLOUR, SILENCE_COLOUR, Graph, GraphEdge, GraphNode
from app.studio.layout import layer_rows
from app.studio.map_text import LoopText, edge_lines, edge_tooltip, loop_texts

INK, MUTED = QColor("#27313b"), QColor("#6b7580")
H_GAP, V_GAP, PAD = 48.0, 110.0, 10.0
LIST_GAP = 10.0  # between a box and the list of its loops, on its right
MIN_FIT = 0.4  # "fit" never shrinks the map below this: scroll instead
_LINE = 0  # item data key: the file line an item stands for


def _loop_colour(loop: LoopText) -> QColor:
    if loop.closing:
        return QColor(CLOSING_COLOUR)
    if loop.silence:
        return QColor(SILENCE_COLOUR)
    return INK


def _colour(e: GraphEdge) -> QColor:
    if e.closing:
        return QColor(CLOSING_COLOUR)
    if e.silence:
        return QColor(SILENCE_COLOUR)
    return MUTED if e.kind == "entry" else INK


class MapView(QGraphicsView):
    sig_location_activated = Signal(int, int, bool)
    """Show this 1-based line (column 1) in the editor; False: keep the focus here."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("map")
        self.setAccessibleName(self.tr("Map of states and handlers"))
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundBrush(QColor("#fbfcfd"))
        self.node_items: dict[str, QGraphicsRectItem] = {}
        self.graph: Graph | None = None
        self.loop_items: dict[str, list[QGraphicsSimpleTextItem]] = {}  # node id -> its list
        self._zoom = 1.0
        self._fitting = True  # follow the view's size until the instructor zooms

    # -- drawing ----------------------------------------------------------------------------
    def set_graph(self, g: Graph) -> None:
        if self.graph == g:
            return
        self.graph = g
        scene = self.scene()
        scene.clear()
        self.node_items = {}
        self.loop_items = {}
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        fm, sm = QFontMetricsF(font), QFontMetricsF(small)
        nodes = {n.id: n for n in g.nodes}
        loops: dict[str, list[GraphEdge]] = {}
        for e in g.edges:
            if e.kind == "stay":
                loops.setdefault(e.source, []).append(e)
        # sizes: the box, and the list of loops under it (one handler a line, shortened)
        box: dict[str, QRectF] = {}
        unit: dict[str, tuple[float, float]] = {}
        loop_text: dict[str, list[LoopText]] = {}
        for n in g.nodes:
            label = n.label + ("  (start)" if n.start else "")
            w = fm.horizontalAdvance(label) + 2 * PAD + 8
            h = fm.height() + 2 * PAD
            texts = loop_texts(loops.get(n.id, []))
            loop_text[n.id] = texts
            lw = max((sm.horizontalAdvance(t.text) for t in texts), default=0)
            lh = len(texts) * sm.height()
            box[n.id] = QRectF(0, 0, w, h)
            unit[n.id] = (w + (LIST_GAP + lw if lw else 0), max(h, lh))
        rows = layer_rows(g)
        row_of: dict[str, int] = {}
        extents: list[tuple[float, float, float]] = []  # per row: top, bottom, right edge
        y = 0.0
        for r, row in enumerate(rows):
            width = sum(unit[i][0] for i in row) + H_GAP * (len(row) - 1)
            x = -width / 2
            for nid in row:
                row_of[nid] = r
                box[nid] = QRectF(x, y, box[nid].width(), box[nid].height())
                x += unit[nid][0] + H_GAP
            height = max(unit[i][1] for i in row)
            extents.append((y, y + height, x - H_GAP))
            y += height + V_GAP
        for nid, rect in box.items():
            self._node(nodes[nid], rect, font)
            for k, loop in enumerate(loop_text[nid]):
                t = self._text(loop.text, small, _loop_colour(loop), loop.line)
                t.setToolTip(loop.tooltip)
                t.setPos(rect.right() + LIST_GAP, rect.top() + k * sm.height())
                self.loop_items.setdefault(nid, []).append(t)
        pairs: dict[tuple[str, str], list[GraphEdge]] = {}
        for e in g.edges:
            if e.kind != "stay":
                pairs.setdefault((e.source, e.target), []).append(e)
        side = 0
        for (src, dst), edges in pairs.items():
            between = extents[row_of[src] + 1 : row_of[dst]]
            detour = None
            if between:  # rows in the way: go round their right-hand side
                detour = (
                    max(r for _, _, r in between) + 40 + 26 * side,
                    between[0][0] - 20,
                    between[-1][1] + 20,
                )
                side += 1
            for k, e in enumerate(edges):
                self._edge(e, box[src], box[dst], k, len(edges), small, detour)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self._fitting = True
        self.fit()

    def _node(self, n: GraphNode, rect: QRectF, font: QFont) -> None:
        item = QGraphicsRectItem(rect)
        pen = QPen(INK, 3.0 if n.start else 1.4)
        fill = QColor("white")
        if n.kind in ("connect", "any"):
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setColor(MUTED)
            fill = QColor("#eef1f5") if n.kind == "connect" else QColor("#f3eefc")
        elif n.kind == "ended":
            fill = QColor("#f1f1f1")
        item.setPen(pen)
        item.setBrush(QBrush(fill))
        item.setData(_LINE, n.line)
        item.setToolTip(
            self.tr("state {id}, line {n}").replace("{id}", n.label).replace("{n}", str(n.line))
            if n.line
            else n.label
        )
        self.scene().addItem(item)
        label = n.label + ("  (start)" if n.start else "")
        text = QGraphicsSimpleTextItem(label, item)
        text.setFont(font)
        text.setBrush(INK)
        br = text.boundingRect()
        text.setPos(rect.center().x() - br.width() / 2, rect.center().y() - br.height() / 2)
        self.node_items[n.id] = item

    def _text(self, s: str, font: QFont, colour: QColor, line: int) -> QGraphicsSimpleTextItem:
        t = QGraphicsSimpleTextItem(s)
        t.setFont(font)
        t.setBrush(colour)
        t.setData(_LINE, line)
        t.setZValue(3)
        self.scene().addItem(t)
        return t

    def _edge(
        self,
        e: GraphEdge,
        a: QRectF,
        b: QRectF,
        k: int,
        n: int,
        font: QFont,
        detour: tuple[float, float, float] | None = None,
    ) -> None:
        colour = _colour(e)
        spread = (k - (n - 1) / 2) * 22.0
        path = QPainterPath()
        if b.top() > a.bottom() and detour is not None:  # down, round the rows in between
            x, top, bottom = detour[0] + 14 * k, detour[1], detour[2]
            start = QPointF(a.center().x() + spread, a.bottom())
            end = QPointF(b.center().x() + spread, b.top())
            path.moveTo(start)  # straight down past the lists beside the source row, then
            turn = max(start.y(), top - 40)  # across, down beside the rows, and back in
            path.lineTo(QPointF(start.x(), turn))
            path.cubicTo(QPointF(start.x(), top), QPointF(x, turn), QPointF(x, top))
            path.lineTo(QPointF(x, bottom))
            path.cubicTo(QPointF(x, end.y() - 10), QPointF(end.x(), bottom), end)
        elif b.top() > a.bottom():  # down to the next row
            start = QPointF(a.center().x() + spread, a.bottom())
            end = QPointF(b.center().x() + spread, b.top())
            path.moveTo(start)
            mid = (start.y() + end.y()) / 2
            path.cubicTo(QPointF(start.x(), mid), QPointF(end.x(), mid), end)
        else:  # back up, or along a row: round the right-hand side
            start = QPointF(a.right(), a.center().y() + spread / 3)
            end = QPointF(b.right(), b.center().y() + spread / 3)
            bulge = max(a.right(), b.right()) + 60 + 30 * k
            path.moveTo(start)
            path.cubicTo(QPointF(bulge, start.y()), QPointF(bulge, end.y()), end)
        item = QGraphicsPathItem(path)
        pen = QPen(colour, 2.6 if e.kind == "hang_up" else 1.5)
        if e.kind == "entry":
            pen.setStyle(Qt.PenStyle.DashLine)
        item.setPen(pen)
        item.setData(_LINE, e.line)
        item.setZValue(1)
        self.scene().addItem(item)
        angle = math.radians(path.angleAtPercent(1.0))
        tip = path.pointAtPercent(1.0)
        back = QPointF(-math.cos(angle), math.sin(angle))
        side = QPointF(-back.y(), back.x())
        head = QPolygonF([tip, tip + back * 10 + side * 5, tip + back * 10 - side * 5])
        arrow = self.scene().addPolygon(head, QPen(colour), QBrush(colour))
        arrow.setZValue(1)
        if not e.label:
            return
        t = self._text("\n".join(edge_lines(e)), font, colour, e.line)
        t.setToolTip(edge_tooltip(e))
        at = path.pointAtPercent(0.5 if n == 1 else 0.35 + 0.3 * k / max(1, n - 1))
        br = t.boundingRect()
        t.setPos(at.x() + 6, at.y() - br.height() / 2)
        bg = self.scene().addRect(
            t.sceneBoundingRect().adjusted(-2, -1, 2, 1),
            QPen(Qt.PenStyle.NoPen),
            QColor(251, 252, 253, 225),
        )
        bg.setZValue(2)
        bg.setData(_LINE, e.line)

    # -- viewing ----------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._zoom

    def fit(self) -> None:
        """Show the whole map in the view, but never so small that it cannot be read; and
        keep it fitted as the view changes size, until the instructor zooms."""
        self._fitting = True
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        view = self.viewport().rect()
        scale = min(view.width() / rect.width(), view.height() / rect.height(), 1.0)
        self._set_zoom(max(scale, MIN_FIT))
        if scale >= MIN_FIT:
            self.centerOn(rect.center())
        else:  # too big to fit readably: start at the top, where the call begins
            self.centerOn(rect.center().x(), rect.top() + view.height() / (2 * self._zoom))

    def set_zoom(self, zoom: float) -> None:
        """Zoom as the instructor asked (the map stops following the view's size)."""
        self._fitting = False
        self._set_zoom(zoom)

    def _set_zoom(self, zoom: float) -> None:
        self._zoom = min(3.0, max(0.25, zoom))
        self.resetTransform()
        self.scale(self._zoom, self._zoom)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitting:
            self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fitting:  # drawn while its tab was hidden: fit the size it has now
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self._zoom * (1.15 if event.angleDelta().y() > 0 else 1 / 1.15))
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self._zoom * 1.15)
        elif event.key() == Qt.Key.Key_Minus:
            self.set_zoom(self._zoom / 1.15)
        elif event.key() == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item: QGraphicsItem | None = self.itemAt(event.position().toPoint())
        while item is not None and not item.data(_LINE):
            item = item.parentItem()
        if item is not None:
            self.sig_location_activated.emit(int(item.data(_LINE)), 1, False)
        super().mousePressEvent(event)
