"""The debrief: passed or not, the score against the pass mark, critical failures first, then
every criterion with its feedback and evidence (each piece of evidence shows its turn in the
transcript beside it), the timing, and the scenario's summary, questions and learning points.

Renders the scored result (contract §3) as given; it computes nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.scenario.model import Scenario
from app.scenario.vocabulary import BAD, GOOD, STATUSES
from app.scoring.result import CriterionResult, Result, Turn
from app.ui.widgets.criterion_card import CriterionCard, heard_note
from app.ui.widgets.transcript import TranscriptView, clock_text


def metric_words(metric_id: str, value: Any, tr: Any) -> tuple[str, str]:
    """A metric id and value in words: `*_s` are durations, `*_t` moments in the call."""
    if metric_id == "duration_s":
        name = tr("Call length")
    else:
        stem = metric_id.removesuffix("_s").removesuffix("_t").replace("_", " ")
        name = stem[:1].upper() + stem[1:]
        if metric_id.endswith("_t"):
            name += tr(" (time in the call)")
    if value is None:
        return name, tr("did not happen")
    if metric_id.endswith("_t") or metric_id == "duration_s":
        return name, clock_text(float(value))
    if metric_id.endswith("_s"):
        return name, tr("{n} seconds").replace("{n}", f"{float(value):g}")
    return name, str(value)


class DebriefScreen(QWidget):
    sig_try_again_chosen = Signal()
    """The trainee wants the same scenario again."""

    sig_back_chosen = Signal()
    """The trainee wants the scenario list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(10)

        head = QFrame()
        head.setObjectName("verdictBar")
        head_row = QHBoxLayout(head)
        head_row.setContentsMargins(16, 10, 16, 10)
        self.verdict = QLabel("")
        self.verdict.setObjectName("verdict")
        self.verdict.setProperty("fontScale", 1.7)
        self.verdict.setAccessibleName(self.tr("Result"))
        self.score = QLabel("")
        self.score.setObjectName("score")
        self.score.setProperty("fontScale", 1.25)
        self.summary_line = QLabel("")
        self.summary_line.setObjectName("muted")
        self.summary_line.setWordWrap(True)
        head_row.addWidget(self.verdict)
        head_row.addSpacing(24)
        head_row.addWidget(self.score)
        head_row.addSpacing(24)
        head_row.addWidget(self.summary_line, 1)
        outer.addWidget(head)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.criteria_scroll = QScrollArea()
        self.criteria_scroll.setWidgetResizable(True)
        self.criteria_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.criteria_scroll.setAccessibleName(self.tr("How you did"))
        self.body = QWidget()
        self.body.setObjectName("page")
        self.criteria_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_col = QVBoxLayout(self.body)
        self.body_col.setContentsMargins(0, 0, 10, 0)
        self.body_col.setSpacing(8)
        self.criteria_scroll.setWidget(self.body)
        split.addWidget(self.criteria_scroll)
        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(10, 0, 0, 0)
        label = QLabel(self.tr("Transcript (choose a piece of evidence to see it here)"))
        label.setObjectName("sectionTitle")
        label.setWordWrap(True)
        self.transcript = TranscriptView()
        label.setBuddy(self.transcript)
        right_col.addWidget(label)
        right_col.addWidget(self.transcript, 1)
        split.addWidget(right)
        self.criteria_scroll.setMinimumWidth(380)
        right.setMinimumWidth(360)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([620, 600])
        split.setChildrenCollapsible(False)
        outer.addWidget(split, 1)

        buttons = QHBoxLayout()
        self.back = QPushButton(self.tr("&Back to scenarios"))
        self.back.setAccessibleName(self.tr("Back to scenarios"))
        self.back.setAutoDefault(True)  # Enter presses it when it has the focus
        self.back.clicked.connect(self.sig_back_chosen.emit)
        self.again = QPushButton(self.tr("&Try again"))
        self.again.setObjectName("primary")
        self.again.setAccessibleName(self.tr("Try this scenario again"))
        self.again.setAutoDefault(True)  # Enter presses it when it has the focus
        self.again.clicked.connect(self.sig_try_again_chosen.emit)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.again)
        outer.addLayout(buttons)
        self.cards: list[CriterionCard] = []
        self._turns: list[Turn] = []
        self.setFocusProxy(self.again)

    # -- filling ------------------------------------------------------------------------------
    def show_result(self, result: Result, scenario: Scenario, notice: str | None = None) -> None:
        passed = bool(result.get("passed"))
        checks = list(result.get("checks") or [])
        verdict = self.tr("Passed") if passed else self.tr("Not passed")
        if checks:  # the simulator was unsure of some lines: an assessor has the last word
            verdict = (
                self.tr("{verdict} for now: an assessor will check {n} part(s)")
                .replace("{verdict}", verdict)
                .replace("{n}", str(len(checks)))
            )
        self.verdict.setText(verdict)
        self.verdict.setProperty("passed", passed)
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)
        self.score.setText(
            self.tr("Score {score} (pass mark {mark})")
            .replace("{score}", f"{result.get('score', 0):g}")
            .replace("{mark}", f"{result.get('pass_mark', 0):g}")
        )
        ended_by = result.get("ended_by")
        who = {
            "trainee": self.tr("you ended the call"),
            "caller": self.tr("the caller ended the call"),
        }.get(str(ended_by), self.tr("the call did not end"))
        length = clock_text(float(result.get("metrics", {}).get("duration_s") or 0.0))
        line = f"{scenario.title} · {length} · {who}"
        if notice:
            line += f"\n{notice}"
        self.summary_line.setText(line)
        self._turns = list(result.get("turns", []))
        self._fill_transcript(result, scenario)
        self._fill_body(result, scenario)
        self.criteria_scroll.verticalScrollBar().setValue(0)

    def _fill_transcript(self, result: Result, scenario: Scenario) -> None:
        self.transcript.clear_turns()
        for turn in result.get("turns", []):
            if turn.get("speaker") == "caller":
                self.transcript.add_turn(scenario.caller.name, "caller", turn["t"], turn["text"])
            else:
                note = heard_note(scenario, turn.get("intents") or [])
                self.transcript.add_turn(self.tr("You"), "trainee", turn["t"], turn["text"], note)
        self.transcript.scroll_to_end()

    def _fill_body(self, result: Result, scenario: Scenario) -> None:
        while self.body_col.count():
            item = self.body_col.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cards = []
        criteria = result.get("criteria", {})
        critical = [c for c in result.get("critical_failures", []) if c in criteria]
        if critical:
            self._section(self.tr("Critical failures: these fail the call whatever the score"))
            for cid in critical:
                self._card(cid, criteria[cid])
        rest = [cid for cid in criteria if cid not in critical]
        if rest:
            self._section(self.tr("Each part of the call"))
            # what went wrong first, then what went well, then what is left to the assessor
            order = {s: 0 if s in BAD else 1 if s in GOOD else 2 for s in STATUSES}
            for cid in sorted(rest, key=lambda c: order.get(criteria[c].get("status"), 3)):
                self._card(cid, criteria[cid])
        metrics = result.get("metrics", {})
        if metrics:
            self._section(self.tr("Timing"))
            rows = [metric_words(k, v, self.tr) for k, v in metrics.items()]
            self._text("\n".join(f"{name}: {value}" for name, value in rows))
        debrief = scenario.debrief
        if debrief.summary:
            self._section(self.tr("About this call"))
            self._text(debrief.summary)
        if debrief.questions:
            self._section(self.tr("Questions to reflect on"))
            self._text("\n".join(f"• {q}" for q in debrief.questions))
        if debrief.learning_points:
            self._section(self.tr("Learning points"))
            self._text("\n".join(f"• {p}" for p in debrief.learning_points))
        self.body_col.addStretch(1)

    def _section(self, title: str) -> None:
        label = QLabel(title)
        label.setObjectName("sectionTitle")
        label.setWordWrap(True)
        self.body_col.addSpacing(6)
        self.body_col.addWidget(label)

    def _text(self, text: str) -> None:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body_col.addWidget(label)

    def _card(self, cid: str, entry: CriterionResult) -> None:
        card = CriterionCard(cid, entry)
        card.sig_evidence_chosen.connect(self.show_evidence)
        self.body_col.addWidget(card)
        self.cards.append(card)

    def show_evidence(self, item: dict[str, Any]) -> None:
        """Highlight the evidence's turn (or, for a flag or the end, the turn just before)."""
        turn = item.get("turn")
        if not isinstance(turn, int):
            t = float(item.get("t", 0.0))
            earlier = [i for i, u in enumerate(self._turns) if float(u.get("t", 0.0)) <= t]
            turn = earlier[-1] if earlier else 0
        self.transcript.highlight(turn)
