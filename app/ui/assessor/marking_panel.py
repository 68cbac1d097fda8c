"""Marking, criterion by criterion: the automatic status with its evidence, and the assessor's
decision beside it (agree; overrule to another status with a reason; score a manual one).

The cards only ask (`sig_mark_requested`); the screen stores the mark through `Marking` and
shows what was stored with `show_review`. The automatic status on a card never changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.scenario.vocabulary import CriterionKind, allowed_statuses
from app.scoring.result import AssessorMark, CriterionResult, ReviewedResult, criterion_kind
from app.ui.assessor.words import result_words, status_words, tr
from app.ui.style import apply_font
from app.ui.widgets.criterion_card import evidence_words, status_tone

MAX_EVIDENCE = 6  # buttons per criterion; a long call can have hundreds of moments


def assessor_words(mark: AssessorMark | None) -> str:
    """The assessor's decision on a criterion, in words, signed."""
    if not mark:
        return tr("Assessor: not marked yet")
    who = f"{mark.get('assessor', '')}"
    decision = mark.get("decision")
    if decision == "agree":
        text = tr("Assessor: agrees")
    elif decision == "overrule":
        text = tr("Assessor: overruled to ") + status_words(mark.get("status"))
    else:
        text = tr("Assessor: scored ") + status_words(mark.get("status"))
    reason = str(mark.get("reason") or "")
    return f"{text} ({who})" + (f": “{reason}”" if reason else "")


class MarkCard(QFrame):
    sig_evidence_chosen = Signal(dict)
    """Show this piece of evidence (`{t, turn?, ...}`) in the replay."""

    sig_mark_requested = Signal(str, str, object, str)
    """Store a mark: criterion id, decision, status (None to agree), reason."""

    def __init__(self, cid: str, entry: CriterionResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion_id = cid
        self.kind = criterion_kind(entry)
        self.auto_status = str(entry.get("status", ""))
        self.title = str(entry.get("title", cid))
        self.setObjectName("criterion")
        self.setProperty("tone", status_tone(self.auto_status))
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 8, 12, 8)
        col.setSpacing(4)
        head = QHBoxLayout()
        title = QLabel(self.title)
        title.setObjectName("criterionTitle")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        if entry.get("critical"):
            critical = QLabel(tr("critical"))
            critical.setObjectName("criticalTag")
            head.addWidget(critical)
        col.addLayout(head)
        self.auto = QLabel(tr("Automatic: ") + status_words(self.auto_status))
        self.auto.setObjectName("badge")
        self.auto.setProperty("tone", status_tone(self.auto_status))
        col.addWidget(self.auto)
        self.evidence_buttons: list[QPushButton] = []
        evidence = list(entry.get("evidence", []) or [])
        for item in evidence[:MAX_EVIDENCE]:
            button = QPushButton(evidence_words(item))
            button.setObjectName("evidence")
            button.setFlat(True)
            button.setAutoDefault(True)
            button.setAccessibleName(tr("Go to this moment: ") + evidence_words(item))
            button.setToolTip(tr("Move the replay to this moment"))
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, it=dict(item): self.sig_evidence_chosen.emit(it))
            col.addWidget(button)
            self.evidence_buttons.append(button)
        if len(evidence) > MAX_EVIDENCE:
            more = QLabel(
                tr("… and {n} more moments (all are in the report)").replace(
                    "{n}", str(len(evidence) - MAX_EVIDENCE)
                )
            )
            more.setObjectName("muted")
            col.addWidget(more)
        self.assessor = QLabel(assessor_words(None))
        self.assessor.setWordWrap(True)
        self.assessor.setObjectName("assessorMark")
        self.assessor.setTextFormat(Qt.TextFormat.PlainText)  # reasons are typed text
        self.assessor.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.assessor)

        actions = QHBoxLayout()
        self.agree = QPushButton(tr("Agree"))
        self.agree.setAccessibleName(tr("Agree with the automatic status: ") + self.title)
        self.agree.clicked.connect(lambda: self.sig_mark_requested.emit(cid, "agree", None, ""))
        manual = self.kind == CriterionKind.MANUAL
        self.change = QPushButton(tr("Score…") if manual else tr("Overrule…"))
        self.change.setAccessibleName((tr("Score: ") if manual else tr("Overrule: ")) + self.title)
        self.change.clicked.connect(self.open_form)
        for button in (self.agree, self.change):
            button.setAutoDefault(True)
        self.agree.setVisible(not manual)
        actions.addWidget(self.agree)
        actions.addWidget(self.change)
        actions.addStretch(1)
        col.addLayout(actions)

        self.form = QFrame()
        form = QVBoxLayout(self.form)
        form.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.status = QComboBox()
        self.status.setAccessibleName(tr("Assessor's status for ") + self.title)
        for status in allowed_statuses(self.kind):
            if manual or status != self.auto_status:
                self.status.addItem(status_words(status), status.value)
        status_label = QLabel(tr("S&tatus"))
        status_label.setBuddy(self.status)
        row.addWidget(status_label)
        row.addWidget(self.status, 1)
        form.addLayout(row)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(tr("Reason for this mark"))
        self.reason.setPlaceholderText(
            tr("why (optional)") if manual else tr("why (required to overrule)")
        )
        self.reason.returnPressed.connect(self.submit)
        form.addWidget(self.reason)
        buttons = QHBoxLayout()
        self.save = QPushButton(tr("Save mark"))
        self.save.setAccessibleName(tr("Save this mark"))
        self.save.setAutoDefault(True)
        self.save.clicked.connect(self.submit)
        self.cancel = QPushButton(tr("Cancel"))
        self.cancel.setAutoDefault(True)
        self.cancel.clicked.connect(self.close_form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        buttons.addWidget(self.save)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.error, 1)
        form.addLayout(buttons)
        self.form.hide()
        col.addWidget(self.form)
        self.setAccessibleName(
            f"{self.title}: " + tr("Automatic: ") + status_words(self.auto_status)
        )

    def open_form(self) -> None:
        self.form.show()
        self.error.setText("")
        self.status.setFocus()

    def close_form(self) -> None:
        self.form.hide()
        self.error.setText("")
        self.change.setFocus()

    def submit(self) -> None:
        decision = "score" if self.kind == CriterionKind.MANUAL else "overrule"
        reason = self.reason.text().strip()
        if decision == "overrule" and not reason:
            self.show_error(tr("Give a reason: an overrule needs one."))
            self.reason.setFocus()
            return
        self.sig_mark_requested.emit(self.criterion_id, decision, self.status.currentData(), reason)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def set_locked(self, locked: bool) -> None:
        """A signed-off session: no marking (the evidence can still be followed)."""
        for widget in (self.agree, self.change, self.save, self.status, self.reason):
            widget.setEnabled(not locked)
        if locked:
            self.form.hide()

    def show_mark(self, mark: AssessorMark | None) -> None:
        """Show the assessor's current mark (as stored) and close the form."""
        self.assessor.setText(assessor_words(mark))
        self.setAccessibleName(f"{self.title}: {self.auto.text()}. {self.assessor.text()}")
        if mark is not None and self.form.isVisible():
            self.form.hide()
            self.reason.clear()
            self.change.setFocus()


class ResultComparison(QFrame):
    """The automatic result and the assessor's, side by side (the automatic one never moves)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBar")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 6, 12, 6)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        for col, text in ((1, tr("Automatic")), (2, tr("After the assessor's marks"))):
            head = QLabel(text)
            head.setObjectName("criterionTitle")
            grid.addWidget(head, 0, col)
        self.auto = QLabel("")
        self.auto.setAccessibleName(tr("Automatic result"))
        self.reviewed = QLabel("")
        self.reviewed.setAccessibleName(tr("Result after the assessor's marks"))
        self.auto_critical = QLabel("")
        self.reviewed_critical = QLabel("")
        self.unscored = QLabel("")
        self.unscored.setObjectName("muted")
        for row, text in ((1, tr("Result")), (2, tr("Critical failures"))):
            grid.addWidget(QLabel(text), row, 0)
        for label, row, col in (
            (self.auto, 1, 1),
            (self.reviewed, 1, 2),
            (self.auto_critical, 2, 1),
            (self.reviewed_critical, 2, 2),
        ):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, row, col)
        self.unscored.setWordWrap(True)
        self.unscored.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(self.unscored, 3, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def show_result(self, reviewed: ReviewedResult | None) -> None:
        if reviewed is None:
            self.auto.setText(tr("none (the call did not finish)"))
            self.reviewed.setText(tr("nothing to mark"))
            for label in (self.auto_critical, self.reviewed_critical, self.unscored):
                label.setText("")
            return
        self.auto.setText(result_words(reviewed.get("score"), reviewed.get("passed")))
        self.reviewed.setText(
            result_words(reviewed.get("reviewed_score"), reviewed.get("reviewed_passed"))
        )
        self.auto_critical.setText(", ".join(reviewed.get("critical_failures") or []) or tr("none"))
        self.reviewed_critical.setText(
            ", ".join(reviewed.get("reviewed_critical_failures") or []) or tr("none")
        )
        unscored = reviewed.get("unscored_manual") or []
        self.unscored.setText(tr("Not scored yet: ") + ", ".join(unscored) if unscored else "")
        self.unscored.setVisible(bool(unscored))


class MarkingPanel(QScrollArea):
    sig_evidence_chosen = Signal(dict)
    """Show this piece of evidence in the replay."""

    sig_mark_requested = Signal(str, str, object, str)
    """Store a mark: criterion id, decision, status (None to agree), reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName(tr("Criteria and marks"))
        self.body = QWidget()
        self.body.setObjectName("page")
        self.col = QVBoxLayout(self.body)
        self.col.setContentsMargins(0, 0, 8, 0)
        self.col.setSpacing(8)
        self.setWidget(self.body)
        self.cards: dict[str, MarkCard] = {}
        self.locked = False
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.col.addWidget(self.note)
        self.col.addStretch(1)

    def load(self, reviewed: ReviewedResult | None) -> None:
        """Build a card per criterion of the stored result (once per session)."""
        for card in self.cards.values():
            card.deleteLater()
        self.cards = {}
        if reviewed is None:
            self.note.setText(
                tr("This call has no automatic result (it did not finish), so there is nothing "
                   "to mark. Comments and a verdict can still be given.")
            )  # fmt: skip
            return
        self.note.setText("")
        criteria = reviewed.get("criteria", {})
        critical = [c for c in reviewed.get("critical_failures", []) if c in criteria]
        order = critical + [c for c in criteria if c not in critical]
        for n, cid in enumerate(order):
            card = MarkCard(cid, criteria[cid])
            card.sig_evidence_chosen.connect(self.sig_evidence_chosen.emit)
            card.sig_mark_requested.connect(self.sig_mark_requested.emit)
            self.col.insertWidget(1 + n, card)
            apply_font(card, self.font().pointSize())  # the text size the assessor chose
            card.show()  # now, not when the event loop next runs (the layout would defer it)
            card.set_locked(self.locked)
            self.cards[cid] = card
        self.show_review(reviewed)

    def set_locked(self, locked: bool) -> None:
        """A signed-off session: every card's marking controls disabled."""
        self.locked = locked
        for card in self.cards.values():
            card.set_locked(locked)

    def show_review(self, reviewed: ReviewedResult | None) -> None:
        """Show the current marks (from `reviewed_result`) on the cards."""
        if reviewed is None:
            return
        for cid, entry in reviewed.get("criteria", {}).items():
            card = self.cards.get(cid)
            if card is not None:
                card.show_mark(entry.get("assessor"))
