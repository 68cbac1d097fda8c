"""One rubric criterion in the debrief: its status in words (not colour alone), its title,
the feedback, and the evidence as buttons that show the turn in the transcript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.scenario.model import Scenario
from app.scenario.vocabulary import BAD, GOOD, Status
from app.scoring.result import CriterionResult
from app.ui.widgets.transcript import clock_text


def heard_note(scenario: Scenario, intents: list[str]) -> str:
    """The discreet line under a trainee turn: which intents the caller heard, in words."""
    tr = QCoreApplication.translate
    if not intents:
        return tr("call", "Heard: nothing the caller recognised")
    words = []
    for i in intents:
        spec = scenario.intents.get(i)
        text = spec.description if spec is not None and spec.description else i.replace("_", " ")
        words.append(text[:1].lower() + text[1:])
    return tr("call", "Heard: ") + "; ".join(words)


def status_words(status: str) -> str:
    """The trainee-facing words for a criterion status id."""
    tr = QCoreApplication.translate
    words: dict[str, str] = {
        Status.MET: tr("debrief", "✓ Met"),
        Status.NOT_VIOLATED: tr("debrief", "✓ Avoided"),
        Status.MISSED: tr("debrief", "✗ Missed"),
        Status.VIOLATED: tr("debrief", "✗ Happened"),
        Status.MANUAL: tr("debrief", "? For your assessor"),
        Status.CHECK: tr("debrief", "? Unsure: your assessor decides"),
    }
    return words.get(status, status)


def status_tone(status: str) -> str:
    """`good`, `bad` or `open` (not decided yet): the card's colour, which the words repeat."""
    return "good" if status in GOOD else "bad" if status in BAD else "open"


def evidence_words(item: Mapping[str, Any]) -> str:
    tr = QCoreApplication.translate
    when = clock_text(float(item.get("t", 0.0)))
    if item.get("text"):
        text = str(item["text"]).replace("\n", " ")
        if len(text) > 64:
            text = text[:61].rstrip() + "…"
        return f"{when}  “{text}”"
    if "flag" in item:
        return f"{when}  " + tr("debrief", "flag raised")
    if "ended_by" in item:
        return f"{when}  " + tr("debrief", "call ended")
    return when


class CriterionCard(QFrame):
    sig_evidence_chosen = Signal(dict)
    """The trainee asked to see this piece of evidence (`{t, turn?, text?}`) in the transcript."""

    def __init__(self, cid: str, entry: CriterionResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion_id = cid
        self.status = str(entry.get("status", ""))
        self.setObjectName("criterion")
        self.setProperty("tone", status_tone(self.status))
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 8, 12, 8)
        col.setSpacing(4)

        head = QHBoxLayout()
        head.setSpacing(10)
        self.badge = QLabel(status_words(self.status))
        self.badge.setObjectName("badge")
        self.badge.setProperty("tone", status_tone(self.status))
        title = QLabel(str(entry.get("title", cid)))
        title.setObjectName("criterionTitle")
        title.setWordWrap(True)
        head.addWidget(self.badge)
        head.addWidget(title, 1)
        if entry.get("critical"):
            critical = QLabel(self.tr("critical"))
            critical.setObjectName("criticalTag")
            head.addWidget(critical)
        col.addLayout(head)
        self.setAccessibleName(f"{status_words(self.status)}: {entry.get('title', cid)}")

        feedback = entry.get("feedback")
        if feedback:
            text = QLabel(str(feedback))
            text.setWordWrap(True)
            text.setObjectName("feedback")
            col.addWidget(text)
        self.evidence_buttons: list[QPushButton] = []
        for item in entry.get("evidence", []) or []:
            button = QPushButton(evidence_words(item))
            button.setObjectName("evidence")
            button.setFlat(True)
            button.setAutoDefault(True)  # Enter presses it when it has the focus
            button.setAccessibleName(self.tr("Show in transcript: ") + evidence_words(item))
            button.setToolTip(self.tr("Show this moment in the transcript"))
            # Never wider than the column: a long quote is cut, not scrolled sideways.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, it=dict(item): self.sig_evidence_chosen.emit(it))
            col.addWidget(button)
            self.evidence_buttons.append(button)
