"""The replay's header (which call, verified or not, which scenario file) and its transport
(caption, play/pause, speed, scrubber). Both only show what they are told."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from app.assessor.replay import Replay, TimelineItem
from app.ui.assessor.words import rescore_words, scenario_words, tr, verification_words
from app.ui.widgets.transcript import clock_text

CAPTION_TAIL_S = 3.0  # a line stays captioned this long after it ends
MIN_LINE_S = 2.0


def caption_for(items: Sequence[TimelineItem], row: int, seconds: float, caller_name: str) -> str:
    """The caption at `seconds`: the last line said at or before it, while it is being said
    (and a moment after); empty in the silences between lines."""
    for n in range(row, max(-1, row - 40), -1):
        item = items[n]
        if item.kind not in ("caller", "trainee"):
            continue
        raw = item.detail.get("duration")
        spoken = float(raw) if isinstance(raw, int | float) else 0.0
        if seconds - item.t > max(spoken, MIN_LINE_S) + CAPTION_TAIL_S:
            return ""
        who = caller_name if item.kind == "caller" else tr("Trainee")
        return f"{who}: {item.text}"
    return ""


def _rebuild_words(replay: Replay) -> str:
    if replay.rebuilt_equal is True:
        return tr("Rebuilt through the engine: the same events.")
    if replay.rebuilt_equal is False:
        why = f" ({replay.rebuild_error})" if replay.rebuild_error else ""
        return tr("Rebuilt through the engine: the events differ") + why + "."
    return tr("Not rebuilt (no scenario to run it through).")


class JumpSlider(QSlider):
    """A slider that goes to the point clicked, not one page towards it (assessors click
    where in the call they want to be)."""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            groove = self.style().subControlRect(
                QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
            )
            handle = self.style().subControlRect(
                QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
            )
            if not handle.contains(event.position().toPoint()):
                span = max(1, groove.width() - handle.width())
                x = int(event.position().x()) - groove.x() - handle.width() // 2
                value = QStyle.sliderValueFromPosition(
                    self.minimum(), self.maximum(), x, span, opt.upsideDown
                )
                self.setValue(value)
                self.sliderMoved.emit(value)
        super().mousePressEvent(event)


class ReplayHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        row = QHBoxLayout()
        self.back = QPushButton(tr("← &Library"))
        self.back.setAccessibleName(tr("Back to the session library"))
        self.back.setAutoDefault(True)
        self.title = QLabel("")
        self.title.setObjectName("screenTitle")
        self.title.setProperty("fontScale", 1.3)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        row.addWidget(self.back)
        row.addSpacing(10)
        row.addWidget(self.title, 1)
        col.addLayout(row)
        banners = QHBoxLayout()
        self.verified = QLabel("")
        self.verified.setAccessibleName(tr("Event log check"))
        self.scenario = QLabel("")
        self.scenario.setAccessibleName(tr("Scenario file check"))
        for label in (self.verified, self.scenario):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            banners.addWidget(label, 1)
        col.addLayout(banners)

    def _banner(self, label: QLabel, text: str, state: str) -> None:
        label.setText(text)
        label.setProperty("state", state)
        label.setObjectName("banner")
        label.style().unpolish(label)
        label.style().polish(label)

    def show_verified(self, text: str, *, good: bool) -> None:
        """Put `text` in the first banner (e.g. the central store's checks)."""
        self._banner(self.verified, text, "good" if good else "bad")

    def show_loading(self) -> None:
        self.title.setText(tr("Opening the session…"))
        self._banner(self.verified, tr("Checking the event log…"), "wait")
        self._banner(self.scenario, tr("Finding the scenario file…"), "wait")

    def show_problem(self, text: str) -> None:
        self.title.setText(text)

    def show_replay(self, replay: Replay, *, checking: bool = False) -> None:
        info = replay.session
        when = info.started_at.astimezone().strftime("%d %b %Y %H:%M")
        status = tr(" · ⚠ interrupted") if info.status == "interrupted" else ""
        self.title.setText(
            f"{info.trainee or tr('(no name)')} · {info.scenario_title} · {when} · "
            f"{info.mode}{status}"
        )
        words, good = verification_words(replay)
        self._banner(self.verified, words, "good" if good else "bad")
        if checking:
            text = tr("Finding the scenario file and rebuilding the call through the engine…")
            self._banner(self.scenario, text, "wait")
            return
        found = replay.scenario is not None or replay.scenario_path is not None
        text = scenario_words(replay.scenario_matches, info.scenario_sha256, found)
        rescored = rescore_words(replay)
        verification = replay.verification
        self._banner(
            self.scenario,
            f"{text}\n{_rebuild_words(replay)}" + (f"\n{rescored}" if rescored else ""),
            "good"
            if replay.scenario_matches
            and replay.rebuilt_equal is not False
            and (verification is None or verification.rescored is not False)
            else "warn",
        )


class Transport(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transport")
        self.updating = False  # the slider is being moved by the play head, not the user
        col = QVBoxLayout(self)
        col.setContentsMargins(10, 8, 10, 8)
        self.caption = QLabel("")
        self.caption.setObjectName("caption")
        self.caption.setProperty("fontScale", 1.15)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName(tr("Caption"))
        self.caption.setMinimumHeight(self.caption.fontMetrics().lineSpacing() * 2 + 8)
        col.addWidget(self.caption)
        row = QHBoxLayout()
        self.play = QPushButton(tr("▶ &Play"))
        self.play.setObjectName("primary")
        self.play.setAccessibleName(tr("Play"))
        self.play.setToolTip(tr("Play or pause (Ctrl+Space)"))
        self.play.setAutoDefault(True)
        self.speed = QComboBox()
        self.speed.setAccessibleName(tr("Playback speed"))
        self.speed.addItem("1×", 1.0)
        self.speed.addItem("2×", 2.0)
        self.slider = JumpSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(tr("Position in the call"))
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(10000)
        self.time = QLabel(clock_text(0))
        self.time.setObjectName("callClock")
        self.time.setAccessibleName(tr("Replay time"))
        row.addWidget(self.play)
        row.addWidget(self.speed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time)
        col.addLayout(row)
        self._duration = 0.0
        self._shown = ""
        self._caption = ""

    def set_duration(self, seconds: float) -> None:
        self._duration = seconds
        self._shown = ""
        self.updating = True
        self.slider.setRange(0, int(round(seconds * 1000)))
        self.updating = False

    def show_position(self, seconds: float) -> None:
        value = int(round(seconds * 1000))
        if value != self.slider.value():
            self.updating = True
            self.slider.setValue(value)
            self.updating = False
        shown = f"{clock_text(seconds)} / {clock_text(self._duration)}"
        if shown != self._shown:
            self._shown = shown
            self.time.setText(shown)
            self.slider.setAccessibleDescription(shown)

    def show_caption(self, text: str) -> None:
        if text != self._caption:
            self._caption = text
            self.caption.setText(text)

    def show_playing(self, playing: bool) -> None:
        self.play.setText(tr("❚❚ &Pause") if playing else tr("▶ &Play"))
        self.play.setAccessibleName(tr("Pause") if playing else tr("Play"))
