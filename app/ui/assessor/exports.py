"""Reports and exports from the assessor screens: a session's HTML or PDF report, and a CSV
of results. The file is chosen on the UI thread (through an injectable `SaveAsker`, so tests
need no dialog); the report is made and written in a worker, and the outcome comes back as a
signal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app.assessor.export import export_csv
from app.assessor.files import OutputFileError, write_atomically
from app.assessor.marks import Marking
from app.assessor.report import AREA, Generated, pdf_footer, report_html
from app.assessor.verify import ScenarioFinder
from app.storage import SessionInfo, SessionStore
from app.ui.assessor.words import tr
from app.ui.reports.pdf import html_to_pdf
from app.ui.workers import TaskState, run_task

SaveAsker = Callable[[QWidget, str, str, str], Path | None]
"""(parent, caption, suggested file name, name filter) -> the chosen path, or None."""

FILTERS = {
    "html": "HTML report (*.html)",
    "pdf": "PDF report (*.pdf)",
    "csv": "CSV results (*.csv)",
}


def ask_save_path(parent: QWidget, caption: str, suggested: str, name_filter: str) -> Path | None:
    """The platform's Save dialog (the default `SaveAsker`)."""
    path, _chosen = QFileDialog.getSaveFileName(parent, caption, suggested, name_filter)
    return Path(path) if path else None


def _with_suffix(path: Path, kind: str) -> Path:
    return path if path.suffix.lower() == f".{kind}" else path.with_name(f"{path.name}.{kind}")


class Exporter(QObject):
    sig_export_finished = Signal(str, object)
    """An export was written: its kind ("html", "pdf" or "csv") and its Path."""

    sig_export_failed = Signal(str)
    """An export could not be made or written; the text says why."""

    def __init__(
        self,
        store: SessionStore,
        marking: Marking,
        pool: QThreadPool,
        ask: SaveAsker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.marking = marking
        self.pool = pool
        self.ask: SaveAsker = ask or ask_save_path
        self.folder = Path.home()
        self.last_html: str | None = None  # what the last report was made from (tests, PDF)

    def _choose(self, parent: QWidget, kind: str, suggested: str) -> Path | None:
        chosen = self.ask(parent, tr("Save as"), str(self.folder / suggested), FILTERS[kind])
        if chosen is None:
            return None
        chosen = _with_suffix(Path(chosen), kind)
        self.folder = chosen.parent
        return chosen

    def export_report(
        self,
        parent: QWidget,
        session_id: str,
        kind: str,
        suggested: str,
        *,
        assessor: str | None = None,
        scenarios: ScenarioFinder | None = None,
    ) -> None:
        """Ask where, then write the session's report as `kind` ("html" or "pdf"), made by
        `assessor` (signed in to the area), verified and rebuilt with `scenarios`."""
        out = self._choose(parent, kind, f"{suggested}.{kind}")
        if out is None:
            return
        make = self._report

        def work(_state: TaskState) -> tuple[Path, str]:
            generated = Generated(assessor=assessor, via=AREA)
            html, info = make(session_id, scenarios, generated)
            if kind == "pdf":
                footer = pdf_footer(info, generated) if info is not None else ""
                html_to_pdf(html, out, title=suggested, footer=footer)
            else:
                write_atomically(out, html.encode("utf-8"), what="report")
            return out, html

        def done(result: tuple[Path, str]) -> None:
            self.last_html = result[1]
            self.sig_export_finished.emit(kind, result[0])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=self._failed)

    def export_results(
        self,
        parent: QWidget,
        *,
        trainee: str | None,
        scenario_id: str | None,
        since: datetime | None,
        suggested: str = "callsim-results",
    ) -> None:
        """Ask where, then write the CSV of results for these filters."""
        out = self._choose(parent, "csv", f"{suggested}.csv")
        if out is None:
            return
        write = self._results

        def work(_state: TaskState) -> Path:
            write(out, trainee, scenario_id, since)
            return out

        run_task(
            self.pool,
            work,
            parent=self,
            on_done=lambda path: self.sig_export_finished.emit("csv", path),
            on_failed=self._failed,
        )

    # -- what a report and a results file are made from (a subclass may read elsewhere) --------
    def _report(
        self, session_id: str, scenarios: ScenarioFinder | None, generated: Generated
    ) -> tuple[str, SessionInfo | None]:
        """The report's HTML and the session it is about (run in a worker)."""
        html = report_html(
            self.store, session_id, marking=self.marking, scenarios=scenarios, generated=generated
        )
        return html, self.store.session(session_id)

    def _results(
        self, out: Path, trainee: str | None, scenario_id: str | None, since: datetime | None
    ) -> None:
        """Write the CSV of results for these filters to `out` (run in a worker)."""
        export_csv(
            self.store, out, marking=self.marking, trainee=trainee, scenario_id=scenario_id,
            since=since,
        )  # fmt: skip

    def _failed(self, message: str) -> None:
        # A located OutputFileError says it all ("FILE: cannot write ... nothing was written.
        # What to do"); its type name would only be noise.
        located = OutputFileError.__name__ + ": "
        if message.startswith(located):
            message = message[len(located) :]
        self.sig_export_failed.emit(tr("The export failed: ") + message)
