"""The instructor studio: write, check, hear and test a scenario file in one window.

Editor on the left with the problems list under it; outline, map, play, tests and voice as
tabs on the right. The window only wires things: linting, playing, testing and voice are
plain-Python services (`app.studio`) run through small panes, and work that takes time runs
in workers. Nothing here blocks the UI thread for longer than a repaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.studio.outline import line_near
from app.studio.playtest_text import PlaytestTextError, insert_playtest
from app.studio.session import PlaytestDraft
from app.ui.studio.document import Document
from app.ui.studio.editor import CodeEditor
from app.ui.studio.file_actions import FileActions
from app.ui.studio.linting import LintOutcome, LintRunner
from app.ui.studio.map_view import MapView
from app.ui.studio.menus import build_menus
from app.ui.studio.outline_view import OutlineView
from app.ui.studio.play_pane import PlayPane
from app.ui.studio.problems import ProblemsView
from app.ui.studio.prompts import Prompts
from app.ui.studio.tests_pane import TestsPane
from app.ui.studio.voice_pane import VoicePane
from app.voice import VoiceKit

TABS = ("outline", "map", "play", "tests", "voice")


@dataclass
class StudioServices:
    voice: VoiceKit
    scenarios_dir: Path
    template: Path
    prompts: Prompts


class StudioWindow(QMainWindow):
    sig_lint_applied = Signal(object)
    """A lint finished and every pane shows it: the `LintOutcome`."""

    def __init__(self, services: StudioServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.prompts = services.prompts
        self.setObjectName("studio")
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(4)
        self.doc = Document(self)
        self.scenario: Scenario | None = None
        self.matcher: IntentMatcher | None = None
        self._tests_wanted = False
        self._last_source: QWidget | None = None
        self._build()
        self.actions_by_key = build_menus(self)
        self.lint = LintRunner(self._lint_source, self.pool, self)
        self.lint.sig_lint_finished.connect(self._apply_lint)
        self.editor.textChanged.connect(self.lint.schedule)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.resize(1320, 800)
        self.files.update_title()
        self._cursor_moved(1, 1)
        self.lint_status.setText(
            self.tr("Ctrl+N starts a scenario from the template; Ctrl+O opens one.")
        )

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.editor = CodeEditor()
        self.editor.setPlaceholderText(
            self.tr(
                "Ctrl+N: a new scenario from the template (it lints clean and its playtests "
                "pass).\nCtrl+O: open a scenario file.\n\nTab indents, Ctrl+Tab moves on."
            )
        )
        self.editor.sig_cursor_moved.connect(self._cursor_moved)
        # New, Open, Save and the changed-on-disk banner; this window is their `FileHost`.
        self.files = FileActions(
            self, self.doc, self.editor, self.prompts, template=self.services.template,
            scenarios_dir=self.services.scenarios_dir, parent=self,
        )  # fmt: skip
        self.problems = ProblemsView()
        self.problems.sig_problem_activated.connect(lambda ln, col: self.editor.go_to(ln, col))
        left_top = QWidget()
        col = QVBoxLayout(left_top)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.files.banner)
        col.addWidget(self.editor, 1)
        problems_box = QWidget()
        pcol = QVBoxLayout(problems_box)
        pcol.setContentsMargins(0, 4, 0, 0)
        self.problems_title = QLabel(self.tr("Problems"))
        self.problems_title.setObjectName("sectionTitle")
        self.problems_title.setBuddy(self.problems)
        pcol.addWidget(self.problems_title)
        pcol.addWidget(self.problems, 1)
        self.problem_detail = QLabel()  # the chosen problem in full (the list cuts it short)
        self.problem_detail.setWordWrap(True)
        self.problem_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_detail.setAccessibleName(self.tr("Problem details"))
        pcol.addWidget(self.problem_detail)
        self.problems.currentItemChanged.connect(self._show_problem)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(left_top)
        left.addWidget(problems_box)
        left.setStretchFactor(0, 4)
        left.setStretchFactor(1, 1)
        left.setSizes([590, 170])

        self.outline = OutlineView()
        self.map = MapView()
        self.play = PlayPane(lambda s: self.prompts.playtest_name(self, s))
        self.tests = TestsPane(self.pool)
        self.voice = VoicePane(self.services.voice, self.pool)
        for pane in (self.outline, self.map, self.play, self.tests):
            pane.sig_location_activated.connect(self._go)
        self.play.sig_playtest_ready.connect(self.add_playtest)
        self.tests.run_button.clicked.connect(self.run_playtests)
        map_page = QWidget()
        mcol = QVBoxLayout(map_page)
        legend = QLabel(
            self.tr(
                "Boxes are states; arrows are handlers that change state (→ ended: hangs up). "
                "↻ lists the handlers that keep the state (many intents: their count; hover "
                "for the list). Red: closing attempt. Blue: silence. Ctrl+wheel or +/− zooms, "
                "0 fits."
            )
        )
        legend.setObjectName("muted")
        legend.setWordWrap(True)
        mcol.addWidget(legend)
        mcol.addWidget(self.map, 1)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Scenario views"))
        pages = (self.outline, map_page, self.play, self.tests, self.voice)
        titles = (self.tr("Outline"), self.tr("Map"), self.tr("Play"), self.tr("Tests"),
                  self.tr("Voice"))  # fmt: skip
        for page, title in zip(pages, titles, strict=True):
            self.tabs.addTab(page, title)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(self.tabs)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([760, 560])
        self.setCentralWidget(main)
        self.lint_status = QLabel()
        self.position_label = QLabel()
        self.statusBar().addWidget(self.lint_status, 1)
        self.statusBar().addPermanentWidget(self.position_label)
        self.setStyleSheet(
            "QFrame#banner { background: #fff6d6; border: 1px solid #e0c35a; }"
            " QLabel#muted { color: #4f565e; } QLabel#sectionTitle { font-weight: 600; }"
            " QLabel#notice { background: #fff6d6; border: 1px solid #e0c35a;"
            " border-radius: 4px; padding: 6px 8px; }"
            " QPushButton#flagButton:checked { background: #8a1c1c; color: white; }"
        )

    # -- the `FileHost` side of the file actions --------------------------------------------
    def post(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def relint(self) -> None:
        self.lint.run_now()

    # -- linting ----------------------------------------------------------------------------
    def _lint_source(self) -> tuple[str, str | None]:
        path = self.doc.path or self.doc.suggested
        return self.editor.toPlainText(), str(path) if path is not None else None

    def _apply_lint(self, outcome: LintOutcome) -> None:
        r = outcome.result
        self.problems.set_problems(r.problems)
        self.editor.set_problems(r.problems)
        if r.problems:
            errors = self.tr("1 error") if r.errors == 1 else self.tr("{n} errors")
            warnings = self.tr("1 warning") if r.warnings == 1 else self.tr("{n} warnings")
            self.lint_status.setText(
                errors.replace("{n}", str(r.errors))
                + ", "
                + warnings.replace("{n}", str(r.warnings))
            )
        else:
            self.lint_status.setText(self.tr("No problems"))
        self.problems_title.setText(
            self.tr("Problems ({n})").replace("{n}", str(len(r.problems)))
            if r.problems
            else self.tr("Problems: none")
        )
        s = r.scenario
        if s is not None and outcome.matcher is not None:
            changed = self.scenario is None or self.scenario.sha256 != s.sha256
            self.scenario, self.matcher = s, outcome.matcher
            if changed:
                self.voice.set_scenario(s)
                self.outline.set_outline(outcome.outline, self.voice.audio_kind)
                if outcome.graph is not None:
                    self.map.set_graph(outcome.graph)
                self.play.set_scenario(s, outcome.matcher)
        else:
            self.play.set_stale(r.errors)
        if self._tests_wanted:
            self._tests_wanted = False
            self.run_playtests()
        self.sig_lint_applied.emit(outcome)

    def _show_problem(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            self.problem_detail.clear()
            return
        index = self.problems.indexOfTopLevelItem(item)
        if 0 <= index < len(self.problems.problems):
            p = self.problems.problems[index]
            self.problem_detail.setText(f"{p.line}:{p.col} {p.severity}[{p.code}] {p.message}")

    # -- running ----------------------------------------------------------------------------
    def run_playtests(self) -> None:
        self.show_tab("tests")
        latest = self.lint.latest
        if self.lint.pending or latest is None or latest.text != self.editor.toPlainText():
            self._tests_wanted = True  # once the current text is linted
            if not self.lint.pending:
                self.lint.run_now()
            return
        if latest.result.scenario is None or self.matcher is None:
            why = self.tr("Fix the {n} errors in the file to run its playtests.")
            self.tests.cannot_run(why.replace("{n}", str(latest.result.errors)))
            return
        self.tests.run(latest.result.scenario, self.matcher)

    def add_playtest(self, draft: PlaytestDraft) -> None:
        try:
            text, line = insert_playtest(self.editor.toPlainText(), draft)
        except PlaytestTextError as exc:
            self.prompts.error(self, self.tr("Save as playtest"), str(exc))
            return
        self.editor.replace_all(text)
        self.editor.go_to(line, 1, focus=False)
        self.lint.run_now()
        msg = self.tr("Added playtest '{n}' at line {l}; save the file to keep it.")
        self.post(msg.replace("{n}", draft.name).replace("{l}", str(line)))

    def hear_line(self) -> None:
        """Hear the line chosen where the instructor last was: the voice list, the outline,
        or the line under the editor's cursor."""
        src = self._last_source
        line_id: str | None = None
        if src is self.voice.table:
            line_id = self.voice.selected_line()
        elif src is self.outline:
            line_id = self.outline.current_line_id()
        if line_id is None and self.scenario is not None:
            found = line_near(self.scenario, self.editor.position()[0])
            line_id = found.id if found is not None else None
        self.voice.hear(line_id)

    def render_all_lines(self) -> None:
        self.show_tab("voice")
        self.voice.render_all()

    # -- focus and navigation ---------------------------------------------------------------
    def _go(self, line: int, col: int, focus: bool) -> None:
        self.editor.go_to(line, col, focus)

    def _cursor_moved(self, line: int, col: int) -> None:
        self.position_label.setText(
            self.tr("Line {l}, column {c}").replace("{l}", str(line)).replace("{c}", str(col))
        )

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new in (self.editor, self.outline, self.voice.table):
            self._last_source = new

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(key))
        page = self.tabs.currentWidget()
        target = {"play": self.play.input, "tests": self.tests.results, "voice": self.voice.table}
        (target.get(key) or page).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_editor(self) -> None:
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_problems(self) -> None:
        self.problems.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_play(self) -> None:
        self.show_tab("play")

    def cycle_panes(self, forward: bool) -> None:
        panes: list[QWidget] = [self.editor, self.problems, self.tabs.tabBar()]
        now = QApplication.focusWidget()
        at = next(
            (
                i
                for i, p in enumerate(panes)
                if now is not None and (p is now or p.isAncestorOf(now))
            ),
            -1,
        )
        panes[(at + (1 if forward else -1)) % len(panes)].setFocus(Qt.FocusReason.TabFocusReason)

    def ask_go_to_line(self) -> None:
        n, ok = QInputDialog.getInt(
            self,
            self.tr("Go to line"),
            self.tr("Line:"),
            self.editor.position()[0],
            1,
            self.editor.blockCount(),
        )
        if ok:
            self.editor.go_to(n)

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_discard():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            try:
                app.focusChanged.disconnect(self._focus_changed)
            except (RuntimeError, TypeError):
                pass
        self.lint.stop()
        self.tests.shutdown()
        self.voice.shutdown()
        self.pool.clear()
        self.pool.waitForDone(5000)
