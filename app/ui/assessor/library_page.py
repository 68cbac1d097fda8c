"""The session library: every recorded call, filtered, sorted and searched by the words said.

Filters and the search box ask for a new query (the search box after a short pause in
typing); the query runs in a worker and only the newest one's rows are shown. The chosen
row's trainee gets a progress chart. Enter or a double click opens the replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.assessor.export import ProgressPoint, progress
from app.assessor.library import REVIEW_STATES, LibraryRow, query_sessions
from app.scenario.vocabulary import STATUSES as CRITERION_STATUSES
from app.storage import SessionStore
from app.storage.library_repo import LibraryRepo
from app.storage.reader import LibraryReader
from app.ui.assessor.library_model import COLUMNS, LibraryModel
from app.ui.assessor.progress_chart import ProgressChart
from app.ui.assessor.words import review_words, session_status_words, status_words, tr
from app.ui.workers import TaskHandle, TaskState, run_task

SEARCH_PAUSE_MS = 300
PERIODS = (("Any time", None), ("Last 7 days", 7), ("Last 30 days", 30), ("Last year", 365))
MODE_CHOICES = (
    ("Any mode", None),
    ("Practice", "practice"),
    ("Assessment", "assessment"),
    ("Headless (scripted)", "headless"),
)
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
# The sort choices for the keyboard (a header click does the same with the mouse).
SORTS = (
    ("Newest first", "date", DESC),
    ("Oldest first", "date", ASC),
    ("Trainee A–Z", "trainee", ASC),
    ("Scenario A–Z", "scenario", ASC),
    ("Score, lowest first", "result", ASC),
    ("Score, highest first", "result", DESC),
    ("Longest first", "duration", DESC),
    ("Review state", "review", ASC),
    ("Status", "status", ASC),
)


@dataclass(frozen=True)
class LibraryFilter:
    text: str | None = None
    trainee: str | None = None
    scenario_id: str | None = None
    status: str | None = None
    review: str | None = None
    since: datetime | None = None
    mode: str | None = None
    criterion: tuple[str, str] | None = None  # (criterion id, the status that stands)


@dataclass
class LibraryAnswer:
    rows: list[LibraryRow]
    trainees: list[str] | None  # the choices for the filters, when asked for
    scenarios: list[tuple[str, str]] | None
    criteria: list[tuple[str, str]] | None = None  # (id, title)


class LibraryPage(QWidget):
    sig_library_loaded = Signal(int)
    """The table now shows the answer to the latest query: this many sessions."""

    sig_session_opened = Signal(str)
    """The assessor asked to replay the session with this id."""

    sig_csv_requested = Signal(object)
    """Export the results matching the current filters (a LibraryFilter) as CSV."""

    sig_progress_shown = Signal(str)
    """The progress chart now shows this trainee's attempts."""

    def __init__(
        self,
        store: SessionStore | LibraryReader,
        pool: QThreadPool,
        parent: QWidget | None = None,
    ):
        """`store`: this PC's file, or the central store (`LibraryReader`: no marks there,
        so no criterion filter, and the progress chart shows the automatic scores)."""
        super().__init__(parent)
        self.store = store
        self.pool = pool
        self._query: TaskHandle | None = None
        self._progress: TaskHandle | None = None
        self._progress_of: str | None = None
        self._loaded_choices = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 10, 16, 10)
        outer.setSpacing(8)

        filters = QGridLayout()
        filters.setHorizontalSpacing(10)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("words said in the call, e.g. officer pictures"))
        self.search.setAccessibleName(tr("Search the words said in calls"))
        self.search.setClearButtonEnabled(True)
        self.trainee = self._combo(tr("Trainee filter"), [(tr("All trainees"), None)])
        self.scenario = self._combo(tr("Scenario filter"), [(tr("All scenarios"), None)])
        self.status = self._combo(
            tr("Status filter"),
            [(tr("Any status"), None)]
            + [(session_status_words(s), s) for s in ("finished", "interrupted", "active")],
        )
        self.review = self._combo(
            tr("Review filter"),
            [(tr("Any review state"), None)] + [(review_words(s), s) for s in REVIEW_STATES],
        )
        self.mode = self._combo(tr("Mode filter"), [(tr(t), m) for t, m in MODE_CHOICES])
        # A criterion's status, as `callsim sessions list --criterion ID=STATUS`: the status
        # that stands (the assessor's where marked). The status box waits for a criterion.
        self.criterion = self._combo(tr("Criterion filter"), [(tr("Any criterion"), None)])
        self.criterion_status = self._combo(
            tr("Criterion status filter"),
            [(status_words(str(s)), str(s)) for s in CRITERION_STATUSES],
        )
        self.criterion_status.setEnabled(False)
        if not isinstance(store, SessionStore):
            self.criterion.setEnabled(False)
            self.criterion.setToolTip(tr("The central store holds no marks to filter on"))
        self.period = self._combo(tr("Date filter"), [(tr(t), d) for t, d in PERIODS])
        self.sort = self._combo(tr("Sort by"), [(tr(t), n) for n, (t, _c, _o) in enumerate(SORTS)])
        # Two rows of five, so the search box keeps room for its words at 1366 px and at
        # large text sizes: what to look for first, then the finer filters.
        rows = (
            (
                (tr("&Search"), self.search),
                (tr("&Trainee"), self.trainee),
                (tr("Sc&enario"), self.scenario),
                (tr("&When"), self.period),
                (tr("S&ort"), self.sort),
            ),
            (
                (tr("Stat&us"), self.status),
                (tr("Re&view"), self.review),
                (tr("&Mode"), self.mode),
                (tr("C&riterion"), self.criterion),
                (tr("Criterion st&atus"), self.criterion_status),
            ),
        )
        for block, pairs in enumerate(rows):
            for col, (text, widget) in enumerate(pairs):
                label = QLabel(text)
                label.setBuddy(widget)
                filters.addWidget(label, 2 * block, col)
                filters.addWidget(widget, 2 * block + 1, col)
        filters.setColumnStretch(0, 3)
        for col in range(1, 5):
            filters.setColumnStretch(col, 1)
        outer.addLayout(filters)

        self.model = LibraryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Sessions"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("date"), Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)  # sized from the first rows: fast at 10,000
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("scenario"), QHeaderView.ResizeMode.Stretch)
        header.sortIndicatorChanged.connect(self._sorted)
        self.sort.currentIndexChanged.connect(self._sort_chosen)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.activated.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.chart = ProgressChart()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        outer.addWidget(split, 1)

        row = QHBoxLayout()
        self.count = QLabel("")
        self.count.setObjectName("muted")
        self.count.setAccessibleName(tr("Number of sessions shown"))
        self.csv = QPushButton(tr("Export results as &CSV…"))
        self.csv.setAccessibleName(tr("Export results as CSV"))
        self.csv.setToolTip(
            tr("Every session of the chosen trainee and scenario in the chosen period, with "
               "the automatic and the reviewed result (search, status, review and criterion "
               "filters do not apply)")
        )  # fmt: skip
        self.csv.clicked.connect(lambda: self.sig_csv_requested.emit(self.current_filter()))
        self.open = QPushButton(tr("&Open replay"))
        self.open.setObjectName("primary")
        self.open.setAccessibleName(tr("Open the chosen session's replay"))
        self.open.setEnabled(False)
        self.open.clicked.connect(self.open_selected)
        row.addWidget(self.count, 1)
        row.addWidget(self.csv)
        row.addWidget(self.open)
        outer.addLayout(row)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_PAUSE_MS)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.refresh)
        for combo in (
            self.trainee, self.scenario, self.status, self.review, self.mode, self.period,
            self.criterion_status,
        ):  # fmt: skip
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.criterion.currentIndexChanged.connect(self._criterion_chosen)
        self.setFocusProxy(self.table)

    def sort_by(self, column: str, order: Qt.SortOrder) -> None:
        """Choose the Sort box's entry for this column and order (as the keyboard would)."""
        found = next((n for n, (_t, c, o) in enumerate(SORTS) if (c, o) == (column, order)), 0)
        self.sort.setCurrentIndex(found)

    def _sort_chosen(self, _index: int) -> None:
        _text, column, order = SORTS[int(self.sort.currentData())]
        self.table.sortByColumn(COLUMNS.index(column), order)

    def _sorted(self, section: int, order: Qt.SortOrder) -> None:
        """Show a header click's sort in the Sort box, when it is one of its choices."""
        found = next(
            (n for n, (_t, c, o) in enumerate(SORTS) if (c, o) == (COLUMNS[section], order)), -1
        )
        self.sort.blockSignals(True)
        if found >= 0:
            self.sort.setCurrentIndex(found)
        self.sort.blockSignals(False)

    def _criterion_chosen(self, _index: int) -> None:
        self.criterion_status.setEnabled(self.criterion.currentData() is not None)
        self.refresh()

    def _combo(self, name: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for text, value in items:
            combo.addItem(text, value)
        return combo

    # -- querying -----------------------------------------------------------------------------
    def current_filter(self) -> LibraryFilter:
        text = self.search.text().strip() or None
        days = self.period.currentData()
        since = datetime.now(UTC) - timedelta(days=int(days)) if days else None
        cid = self.criterion.currentData()
        return LibraryFilter(
            text=text,
            trainee=self.trainee.currentData(),
            scenario_id=self.scenario.currentData(),
            status=self.status.currentData(),
            review=self.review.currentData(),
            since=since,
            mode=self.mode.currentData(),
            criterion=(str(cid), str(self.criterion_status.currentData())) if cid else None,
        )

    def refresh(self) -> None:
        """Run the query for the current filters (in a worker); a newer one supersedes it."""
        self._debounce.stop()
        if self._query is not None:
            self._query.cancel()
        wanted = self.current_filter()
        want_choices = not self._loaded_choices
        store = self.store

        def work(_state: TaskState) -> LibraryAnswer:
            rows = query_sessions(
                store,
                text=wanted.text,
                trainee=wanted.trainee,
                scenario_id=wanted.scenario_id,
                status=wanted.status,
                review=wanted.review,
                mode=wanted.mode,
                criterion=wanted.criterion,
            )
            if wanted.since is not None:
                rows = [r for r in rows if r.started_at >= wanted.since]
            if not want_choices:
                return LibraryAnswer(rows, None, None)
            every = rows if wanted == LibraryFilter() else query_sessions(store)
            trainees = sorted({r.trainee for r in every}, key=str.casefold)
            scenarios = sorted({(r.scenario_id, r.scenario_title) for r in every})
            criteria = LibraryRepo(store).criteria() if isinstance(store, SessionStore) else []
            return LibraryAnswer(rows, trainees, scenarios, criteria)

        self._query = run_task(
            self.pool, work, parent=self, on_done=self._answered, on_failed=self._failed
        )

    def _answered(self, answer: LibraryAnswer) -> None:
        self._query = None
        if answer.trainees is not None and answer.scenarios is not None:
            self._fill_choices(answer.trainees, answer.scenarios, answer.criteria or [])
        chosen = self.selected_row()
        self.model.set_rows(answer.rows)
        self.count.setText(
            (
                tr("1 session")
                if len(answer.rows) == 1
                else tr("{n} sessions").replace("{n}", str(len(answer.rows)))
            )
            if answer.rows
            else tr("No sessions match these filters")
        )
        if chosen is not None:
            self.select_session(chosen.id)
        self.open.setEnabled(self.selected_row() is not None)
        self.sig_library_loaded.emit(len(answer.rows))

    def _failed(self, message: str) -> None:
        self._query = None
        self.count.setText(tr("The sessions could not be read: ") + message)
        self.sig_library_loaded.emit(-1)

    def _fill_choices(
        self,
        trainees: list[str],
        scenarios: list[tuple[str, str]],
        criteria: list[tuple[str, str]],
    ) -> None:
        self._loaded_choices = True
        for combo, items in (
            (self.trainee, [(t or tr("(no name)"), t) for t in trainees]),
            (self.scenario, [(f"{title} ({sid})", sid) for sid, title in scenarios]),
            (self.criterion, [(f"{title} ({cid})", cid) for cid, title in criteria]),
        ):
            keep = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, value in items:
                combo.addItem(text, value)
            found = combo.findData(keep) if keep is not None else 0
            combo.setCurrentIndex(max(0, found))
            combo.blockSignals(False)
        self.criterion_status.setEnabled(self.criterion.currentData() is not None)
        self.criterion.setEnabled(isinstance(self.store, SessionStore))

    def reload(self) -> None:
        """Fetch everything again, the filter choices too (e.g. back from a replay)."""
        self._loaded_choices = False
        self._progress_of = None  # reviewed scores may have changed too
        self.refresh()

    # -- choosing -----------------------------------------------------------------------------
    def selected_row(self) -> LibraryRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_session(self, session_id: str) -> bool:
        for n, row in enumerate(self.model.rows):
            if row.id == session_id:
                self.table.selectRow(n)
                self.table.scrollTo(self.model.index(n, 0))
                return True
        return False

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.sig_session_opened.emit(row.id)

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        row = self.selected_row()
        self.open.setEnabled(row is not None)
        if row is not None and row.trainee != self._progress_of:
            self.show_progress(row.trainee)

    def show_progress(self, trainee: str) -> None:
        """Draw the trainee's scored attempts (read in a worker)."""
        if self._progress is not None:
            self._progress.cancel()
        self._progress_of = trainee
        store = self.store

        def work(_state: TaskState) -> tuple[list[Any], float | None]:
            points = (
                progress(store, trainee)
                if isinstance(store, SessionStore)
                else (_automatic_progress(store, trainee))
            )
            mark = None
            if points:
                result = store.result(points[-1].session_id) or {}
                value = result.get("pass_mark")
                mark = float(value) if isinstance(value, int | float) else None
            return points, mark

        def done(answer: tuple[list[Any], float | None]) -> None:
            self._progress = None
            title = tr("Progress of {name}: score per attempt").replace("{name}", trainee)
            self.chart.set_points(title, answer[0], answer[1])
            self.sig_progress_shown.emit(trainee)

        self._progress = run_task(self.pool, work, parent=self, on_done=done)

    def shutdown(self) -> None:
        self._debounce.stop()
        for handle in (self._query, self._progress):
            if handle is not None:
                handle.cancel()


def _automatic_progress(store: LibraryReader, trainee: str) -> list[ProgressPoint]:
    """The trainee's scored attempts in a store without marks (the central store): the
    automatic scores only, oldest first."""
    rows = query_sessions(store, trainee=trainee, status="finished", sort="date", descending=False)
    return [
        ProgressPoint(r.id, r.started_at, r.scenario_id, r.score, r.passed, None)
        for r in rows
        if r.score is not None
    ]
