"""Moderation in the assessor area: the replay screen's "Blind second marking" panel, the
agreement table shown after it, and the Moderation page (second markings waiting for the
signed-in assessor, asking for one, disagreements for a lead, the centre's agreement report).
The rules are app/assessor/moderation.py's; these widgets only show them and ask."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.assessor.marks import MarkError, Marking
from app.assessor.moderation import (
    REPORT_COLUMNS,
    Agreement,
    Moderation,
    SessionView,
    report_cells,
    report_csv,
    report_html,
)
from app.assessor.reviewed import reviewed_result
from app.storage import SessionStore, StorageError
from app.storage.records import iso_utc
from app.ui.assessor.exports import SaveAsker
from app.ui.assessor.exports import ask_save_path as ask_where
from app.ui.assessor.opening import Opened
from app.ui.assessor.words import tr

KEEP = ""  # the combo's first item: keep the automatic status


@dataclass
class ModeratedOpened(Opened):
    """`Opened` with what moderation says the viewer may see (`view.blind`: the first
    marks, comments and verdict have been taken out)."""

    view: SessionView | None = None
    agreement: Agreement | None = None


def moderated_glance(
    opened: Opened, store: SessionStore, moderation: Moderation, viewer: str
) -> ModeratedOpened:
    """`opened` as `viewer` may see it: blind while an open request names them (the result
    shown is the automatic one, with no marks, comments or verdict)."""
    sid = opened.replay.session.id
    try:
        view = moderation.view(sid, viewer)
    except (MarkError, StorageError, LookupError):
        view = None  # no result to moderate: shown as it is
    if view is None or not view.blind:
        agreement = None if view is None else moderation.agreement(sid)
        return ModeratedOpened(
            opened.replay, opened.reviewed, opened.comments, opened.verdict, opened.withdrawn,
            opened.signed, view, agreement,
        )  # fmt: skip
    auto = store.result(sid)
    reviewed = None if auto is None else reviewed_result(auto, {})
    return ModeratedOpened(opened.replay, reviewed, [], None, {}, opened.signed, view, None)


class BlindMarkingPanel(QWidget):
    """A status (and reason) per criterion, then Submit. Criteria left on "keep" take the
    automatic status; those the simulator did not decide must be given one."""

    sig_submit_requested = Signal(list)
    """[(criterion id, status, reason), ...] to store, then submit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        self.intro = QLabel(
            tr("Blind second marking: the first assessor's marks, comments and verdict are "
               "hidden until you submit. Give your own status where it differs from the "
               "automatic one (with a reason).")
        )  # fmt: skip
        self.intro.setWordWrap(True)
        col.addWidget(self.intro)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [tr("Criterion"), tr("Automatic"), tr("Your status"), tr("Reason")]
        )
        self.table.setAccessibleName(tr("Blind second marking"))
        self.table.horizontalHeader().setStretchLastSection(True)
        col.addWidget(self.table, 1)
        self.error = QLabel("")
        self.error.setObjectName("banner")
        self.error.setProperty("state", "bad")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()
        col.addWidget(self.error)
        self.submit = QPushButton(tr("&Submit second marking"))
        self.submit.clicked.connect(self._submit)
        col.addWidget(self.submit)
        self.combos: dict[str, QComboBox] = {}
        self.reasons: dict[str, QLineEdit] = {}
        self._saved: dict[str, tuple[str, str]] = {}

    def load(self, view: SessionView) -> None:
        self.table.setRowCount(len(view.automatic))
        self.combos, self.reasons = {}, {}
        self._saved = {c: (m.status, m.reason) for c, m in view.second.items()}
        for row, (cid, auto) in enumerate(view.automatic.items()):
            self.table.setItem(row, 0, QTableWidgetItem(cid))
            self.table.setItem(row, 1, QTableWidgetItem(auto))
            combo = QComboBox()
            combo.addItem(tr("keep automatic"), KEEP)
            for status in view.allowed.get(cid, ()):
                combo.addItem(status, status)
            combo.setAccessibleName(tr("Your status for ") + cid)
            reason = QLineEdit()
            reason.setAccessibleName(tr("Reason for ") + cid)
            saved = view.second.get(cid)
            if saved is not None:
                combo.setCurrentIndex(max(0, combo.findData(saved.status)))
                reason.setText(saved.reason)
            self.table.setCellWidget(row, 2, combo)
            self.table.setCellWidget(row, 3, reason)
            self.combos[cid], self.reasons[cid] = combo, reason
        self.error.hide()

    def choose(self, criterion_id: str, status: str, reason: str = "") -> None:
        """Set one row (what the assessor does with the combo and the reason field)."""
        combo = self.combos[criterion_id]
        combo.setCurrentIndex(combo.findData(status))
        self.reasons[criterion_id].setText(reason)

    def _submit(self) -> None:
        wanted = []
        for cid, combo in self.combos.items():
            status = str(combo.currentData() or KEEP)
            reason = self.reasons[cid].text()
            if status != KEEP and self._saved.get(cid) != (status, reason):
                wanted.append((cid, status, reason))
        self.sig_submit_requested.emit(wanted)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class AgreementTable(QTableWidget):
    """Both markings of a session, criterion by criterion, after the second is submitted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setHorizontalHeaderLabels(
            [tr("Criterion"), tr("First"), tr("Second"), tr("Agree"), tr("Resolved")]
        )
        self.setAccessibleName(tr("Agreement per criterion"))
        self.horizontalHeader().setStretchLastSection(True)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

    def show_agreement(self, agreement: Agreement | None) -> None:
        rows = [] if agreement is None else agreement.criteria
        self.setRowCount(len(rows))
        for n, c in enumerate(rows):
            agree = "-" if c.agrees is None else (tr("yes") if c.agrees else tr("NO"))
            resolved = "" if c.resolution is None else c.resolution.status
            for col, text in enumerate([c.criterion_id, c.first or "-", c.second or "-", agree,
                                        resolved]):  # fmt: skip
                self.setItem(n, col, QTableWidgetItem(text))


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.horizontalHeader().setStretchLastSection(True)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    return t


class ModerationPage(QWidget):
    """The Moderation page of the assessor area."""

    sig_session_opened = Signal(str)
    """Open this session in the replay screen (blind if it waits for the assessor)."""

    sig_back_chosen = Signal()

    def __init__(
        self,
        store: SessionStore,
        marking: Marking,
        *,
        assessor: str,
        ask_save_path: SaveAsker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.assessor = store, assessor
        self.moderation = Moderation(store, marking=marking)
        self.ask: SaveAsker = ask_save_path or ask_where
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back = QPushButton(tr("← &Library"))
        self.back.clicked.connect(self.sig_back_chosen.emit)
        title = QLabel(tr("Moderation: blind double-marking"))
        title.setObjectName("sectionTitle")
        top.addWidget(self.back)
        top.addWidget(title, 1)
        col.addLayout(top)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        col.addWidget(self.message)

        waiting = QGroupBox(tr("Waiting for your second marking"))
        wl = QVBoxLayout(waiting)
        self.waiting = QListWidget()
        self.waiting.setAccessibleName(tr("Second markings waiting for you"))
        self.waiting.itemActivated.connect(self._open_item)
        wl.addWidget(self.waiting)
        col.addWidget(waiting)

        ask = QGroupBox(tr("Ask for a blind second marking"))
        form = QFormLayout(ask)
        self.request_session = QLineEdit()
        self.request_second = QLineEdit()
        self.request_note = QLineEdit()
        form.addRow(tr("Session id"), self.request_session)
        form.addRow(tr("Second assessor"), self.request_second)
        form.addRow(tr("Note"), self.request_note)
        self.request = QPushButton(tr("&Ask"))
        self.request.clicked.connect(self._request)
        form.addRow(self.request)
        col.addWidget(ask)

        dis = QGroupBox(tr("Disagreements for a lead"))
        dl = QVBoxLayout(dis)
        self.disagreements = _table(
            [tr("Session"), tr("Trainee"), tr("Criterion"), tr("First"), tr("Second")]
        )
        self.disagreements.setAccessibleName(tr("Disagreements to resolve"))
        dl.addWidget(self.disagreements)
        row = QHBoxLayout()
        self.resolve_status = QComboBox()
        self.resolve_status.setAccessibleName(tr("Status that stands"))
        self.resolve_reason = QLineEdit()
        self.resolve_reason.setPlaceholderText(tr("Reason (required)"))
        self.resolve = QPushButton(tr("&Resolve"))
        self.resolve.clicked.connect(self._resolve)
        row.addWidget(self.resolve_status)
        row.addWidget(self.resolve_reason, 1)
        row.addWidget(self.resolve)
        dl.addLayout(row)
        self.disagreements.itemSelectionChanged.connect(self._disagreement_chosen)
        col.addWidget(dis, 1)

        rep = QGroupBox(tr("Inter-rater agreement (Cohen's kappa)"))
        rl = QVBoxLayout(rep)
        line = QHBoxLayout()
        self.since = QLineEdit()
        self.since.setPlaceholderText(tr("since YYYY-MM-DD (empty: all)"))
        self.since.setAccessibleName(tr("Report since"))
        self.refresh_report = QPushButton(tr("Show"))
        self.refresh_report.clicked.connect(self.show_report)
        self.save_csv = QPushButton(tr("Save CSV…"))
        self.save_csv.clicked.connect(lambda: self._save("csv"))
        self.save_html = QPushButton(tr("Save HTML…"))
        self.save_html.clicked.connect(lambda: self._save("html"))
        for w in (self.since, self.refresh_report, self.save_csv, self.save_html):
            line.addWidget(w)
        rl.addLayout(line)
        self.report = _table([c.replace("_", " ") for c in REPORT_COLUMNS])
        self.report.setAccessibleName(tr("Agreement report"))
        rl.addWidget(self.report)
        col.addWidget(rep, 1)
        self._found: list[tuple[str, str]] = []

    # -- showing -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.waiting.clear()
        for q in self.moderation.open_requests(self.assessor):
            item = QListWidgetItem(
                f"{q.session_id[:12]} · " + tr("asked by ") + f"{q.requested_by}"
                + (f" · {q.note}" if q.note else "")
            )  # fmt: skip
            item.setData(Qt.ItemDataRole.UserRole, q.session_id)
            self.waiting.addItem(item)
        found = self.moderation.disagreements()
        self._found = [(d.request.session_id, d.criterion.criterion_id) for d in found]
        self.disagreements.setRowCount(len(found))
        for n, d in enumerate(found):
            c = d.criterion
            cells = [d.request.session_id[:12], d.trainee, c.criterion_id, c.first or "-",
                     c.second or "-"]  # fmt: skip
            for i, text in enumerate(cells):
                self.disagreements.setItem(n, i, QTableWidgetItem(text))
        self._disagreement_chosen()
        self.show_report()

    def _since(self) -> str | None:
        from datetime import UTC, date, datetime

        text = self.since.text().strip()
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise MarkError(f"{text}: not a date (use YYYY-MM-DD)") from None
        return iso_utc(datetime(day.year, day.month, day.day, tzinfo=UTC))

    def show_report(self) -> None:
        try:
            rows = self.moderation.report(self._since())
        except MarkError as exc:
            self.message.setText(str(exc))
            return
        self.report.setRowCount(len(rows))
        for n, r in enumerate(rows):
            for i, text in enumerate(report_cells(r)):
                self.report.setItem(n, i, QTableWidgetItem(text))

    # -- acting --------------------------------------------------------------------------
    def _open_item(self, item: QListWidgetItem) -> None:
        self.sig_session_opened.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _request(self) -> None:
        from app.assessor.library import resolve_session

        try:
            sid = resolve_session(self.store, self.request_session.text().strip())
            q = self.moderation.request_second(
                sid,
                second_assessor=self.request_second.text(),
                requested_by=self.assessor,
                note=self.request_note.text(),
            )
        except (MarkError, StorageError, LookupError) as exc:
            self.message.setText(tr("Not asked: ") + str(exc.args[0] if exc.args else exc))
            return
        self.message.setText(
            tr("Asked ") + q.second_assessor + tr(" for a blind second marking of ") + sid[:12]
        )
        self.refresh()

    def _disagreement_chosen(self) -> None:
        self.resolve_status.clear()
        rows = self.disagreements.selectionModel().selectedRows()
        ok = bool(rows)
        if ok:
            sid, cid = self._found[rows[0].row()]
            view = self.moderation.view(sid, self.assessor)
            for status in view.allowed.get(cid, ()):
                self.resolve_status.addItem(status, status)
        for w in (self.resolve_status, self.resolve_reason, self.resolve):
            w.setEnabled(ok)

    def _resolve(self) -> None:
        rows = self.disagreements.selectionModel().selectedRows()
        if not rows:
            return
        sid, cid = self._found[rows[0].row()]
        try:
            self.moderation.resolve(
                sid, cid, str(self.resolve_status.currentData()),
                reason=self.resolve_reason.text(), assessor=self.assessor,
            )  # fmt: skip
        except (MarkError, StorageError) as exc:
            self.message.setText(tr("Not resolved: ") + str(exc))
            return
        self.message.setText(cid + tr(" resolved: it is the standing mark"))
        self.resolve_reason.clear()
        self.refresh()

    def _save(self, kind: str) -> None:
        from app.assessor.files import write_atomically

        try:
            since = self._since()
            rows = self.moderation.report(since)
        except MarkError as exc:
            self.message.setText(str(exc))
            return
        filt = "CSV (*.csv)" if kind == "csv" else "HTML (*.html)"
        path = self.ask(self, tr("Save the agreement report"), f"agreement.{kind}", filt)
        if path is None:
            return
        text = report_csv(rows) if kind == "csv" else report_html(rows, since=since)
        try:
            write_atomically(Path(path), text.encode("utf-8"), what="agreement report")
        except OSError as exc:
            self.message.setText(tr("Not saved: ") + str(exc))
            return
        self.message.setText(tr("Saved the agreement report: ") + str(path))
