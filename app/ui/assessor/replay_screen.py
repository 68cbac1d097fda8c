"""The replay of one recorded call, with the assessor's marking beside it.

Left: whether the event log verified and whether the scenario file is still the one played
(both in banners across the top), the timeline, the caption of the line at the play head and
the transport (play/pause, 1x/2x, a scrubber in milliseconds). Right: the automatic result
and the assessor's side by side, then tabs for the criteria, comments and the verdict. Under
the header, the sign-off bar: "Signed off by X on D" (every marking control disabled while
locked) or not, with Sign off… / Reopen… (each asks in a dialog). A withdrawn comment stays in
the Comments tab, struck through with who withdrew it, when and why; the timeline (the
current state) leaves it out.

Everything that reads or writes the database runs in a worker (`run_task`); marks, comments
and verdicts go through `Marking` only, so the automatic result is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.assessor.marks import Comment, Marking, Retraction, SignOff, Verdict
from app.assessor.moderation import Moderation, SessionView
from app.assessor.replay import Replay, ScenarioFinder, TimelineItem, complete_replay
from app.scoring.result import ReviewedResult
from app.storage import SessionStore
from app.ui.assessor.exports import Exporter
from app.ui.assessor.marking_panel import MarkingPanel, ResultComparison
from app.ui.assessor.moderation_page import (
    AgreementTable,
    BlindMarkingPanel,
    ModeratedOpened,
    moderated_glance,
)
from app.ui.assessor.opening import Opened, comment_item, glance
from app.ui.assessor.playback import ReplayPlayer
from app.ui.assessor.review_panels import CommentsPanel, VerdictPanel
from app.ui.assessor.signoff_bar import SignOffBar
from app.ui.assessor.timeline import TimelineView
from app.ui.assessor.transport import ReplayHeader, Transport, caption_for
from app.ui.assessor.words import tr
from app.ui.voice_controller import VoiceController
from app.ui.workers import TaskState, run_task
from app.voice import VoiceKit


class ReplayScreen(QWidget):
    sig_replay_previewed = Signal(str)
    """The session with this id is on screen; its scenario checks are still running."""

    sig_replay_shown = Signal(str)
    """The session with this id is on screen, checked against its scenario and rebuilt."""

    sig_replay_failed = Signal(str)
    """The session could not be opened; the text says why."""

    sig_back_chosen = Signal()
    """The assessor wants the library again."""

    sig_moment_shown = Signal(float)
    """The replay moved to a moment the assessor chose (evidence, a row, a comment)."""

    sig_mark_saved = Signal(str)
    """A mark on this criterion id was stored (and is now shown)."""

    sig_comment_saved = Signal(float)
    """A comment pinned at this many seconds was stored (and is on the timeline)."""

    sig_verdict_saved = Signal(str)
    """The verdict was stored: "pass", "fail" or "refer"."""

    sig_comment_withdrawn = Signal(int)
    """The comment with this id was withdrawn (the retraction is stored and shown)."""

    sig_signed_off = Signal(str)
    """The session with this id was signed off (and is shown locked)."""

    sig_reopened = Signal(str)
    """The session with this id was reopened (and is shown unlocked)."""

    sig_second_marking_submitted = Signal(str)
    """A blind second marking of this session was submitted (both markings now shown)."""

    sig_second_marking_refused = Signal(str)
    """The blind second marking was not submitted: why (shown in its panel)."""

    sig_status_posted = Signal(str)
    """A notice for the status bar."""

    def __init__(
        self,
        store: SessionStore,
        marking: Marking,
        pool: QThreadPool,
        exporter: Exporter,
        *,
        assessor: str,
        clock: Callable[[], float],
        tick_ms: int = 40,
        voice: VoiceKit | None = None,
        voice_controller: VoiceController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.marking, self.pool, self.exporter = store, marking, pool, exporter
        self.assessor = assessor
        self.voice, self.voice_controller = voice, voice_controller
        self._clock, self._tick_ms = clock, tick_ms
        self.replay: Replay | None = None
        self.session_id = ""
        self._scenarios: ScenarioFinder | None = None  # where the last session's was found
        self._comment_list: list[Comment] = []
        self._withdrawn: dict[int, Retraction] = {}
        self._loading = 0  # which load() the workers' answers belong to
        self._after_paint: Callable[[], None] | None = None  # runs once the timeline painted
        self._paint_wait = QTimer(self)  # ... or after this, if it is not painted (hidden)
        self._paint_wait.setSingleShot(True)
        self._paint_wait.setInterval(250)
        self._paint_wait.timeout.connect(self._painted)
        self.player = ReplayPlayer(0.0, clock, tick_ms=tick_ms, parent=self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 8, 14, 10)
        outer.setSpacing(6)
        self.header = ReplayHeader()
        self.header.back.clicked.connect(self.sig_back_chosen.emit)
        outer.addWidget(self.header)
        self.signoff = SignOffBar()
        outer.addWidget(self.signoff)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 8, 0)
        label = QLabel(tr("&Timeline (Enter on a row moves the replay there)"))
        label.setObjectName("sectionTitle")
        self.timeline = TimelineView()
        label.setBuddy(self.timeline)
        self.timeline.sig_item_chosen.connect(self._item_chosen)
        left_col.addWidget(label)
        left_col.addWidget(self.timeline, 1)
        self.transport = Transport()
        left_col.addWidget(self.transport)
        split.addWidget(left)

        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(8, 0, 0, 0)
        self.comparison = ResultComparison()
        right_col.addWidget(self.comparison)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Marking"))
        self.marking_panel = MarkingPanel()
        self.comments = CommentsPanel()
        self.verdict = VerdictPanel()
        self.tabs.addTab(self.marking_panel, tr("&Criteria"))
        self.tabs.addTab(self.comments, tr("Co&mments"))
        self.tabs.addTab(self.verdict, tr("&Verdict and report"))
        # Moderation: the blind second marking while it is open, the agreement after it.
        self.moderation = Moderation(store, marking=marking)
        self.blind_view: SessionView | None = None
        self.blind_banner = QLabel(
            tr("Blind second marking: the first assessor's marks, comments and verdict are "
               "hidden until you submit yours.")
        )  # fmt: skip
        self.blind_banner.setObjectName("banner")
        self.blind_banner.setProperty("state", "warn")
        self.blind_banner.setWordWrap(True)
        self.blind_banner.hide()
        right_col.addWidget(self.blind_banner)
        self.blind = BlindMarkingPanel()
        self.blind.sig_submit_requested.connect(self._second_marking_submitted)
        self.tabs.addTab(self.blind, tr("&Blind second marking"))
        self.agreement = AgreementTable()
        self.tabs.addTab(self.agreement, tr("A&greement"))
        self.tabs.setTabVisible(self.tabs.indexOf(self.blind), False)
        self.tabs.setTabVisible(self.tabs.indexOf(self.agreement), False)
        right_col.addWidget(self.tabs, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        left.setMinimumWidth(420)
        right.setMinimumWidth(380)
        outer.addWidget(split, 1)

        t = self.transport
        t.play.clicked.connect(self.player.toggle)
        t.speed.currentIndexChanged.connect(
            lambda _i: self.player.set_speed(float(t.speed.currentData()))
        )
        t.slider.valueChanged.connect(self._scrubbed)
        self.player.sig_position_changed.connect(self._moved)
        self.player.sig_playing_changed.connect(t.show_playing)
        self.player.sig_notice_posted.connect(self.sig_status_posted.emit)
        toggle = QShortcut(QKeySequence("Ctrl+Space"), self)
        toggle.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        toggle.activated.connect(self.player.toggle)
        self.marking_panel.sig_evidence_chosen.connect(self.show_evidence)
        self.marking_panel.sig_mark_requested.connect(self._mark_requested)
        self.comments.sig_comment_requested.connect(self._comment_requested)
        self.comments.sig_moment_chosen.connect(self.go_to)
        self.comments.sig_withdraw_requested.connect(self._withdraw_requested)
        self.signoff.sig_sign_off_requested.connect(self._sign_off_requested)
        self.signoff.sig_reopen_requested.connect(self._reopen_requested)
        self.verdict.sig_verdict_requested.connect(self._verdict_requested)
        self.verdict.sig_report_requested.connect(self._report_requested)
        self.setFocusProxy(self.timeline)
        self.timeline.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._after_paint is not None and event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self, self._painted)  # after this paint, not during it
        return False

    def _painted(self) -> None:
        then, self._after_paint = self._after_paint, None
        self._paint_wait.stop()
        if then is not None:
            then()

    # -- opening ------------------------------------------------------------------------------
    def load(self, session_id: str, scenarios: ScenarioFinder) -> None:
        """Open the session in two steps, both in workers: the stored call and its hash check
        first (`sig_replay_previewed`), then the scenario file found and the call rebuilt
        through the engine (`sig_replay_shown`)."""
        self.player.pause()
        self._loading += 1
        token = self._loading
        self.session_id = session_id
        self._scenarios = scenarios
        self.header.show_loading()
        store, marking = self.store, self.marking
        moderation, viewer = self.moderation, self.assessor

        def failed(message: str) -> None:
            if token == self._loading:
                self.header.show_problem(tr("This session could not be opened: ") + message)
                self.sig_replay_failed.emit(message)

        def previewed(opened: Opened) -> None:
            if token != self._loading:
                return  # another session was asked for meanwhile
            self.show_opened(opened, complete=False)
            # The rebuild is CPU-bound Python: start it once this view is painted, so the
            # two do not take turns at the interpreter lock while the assessor waits.
            self._after_paint = lambda: rebuild(opened.replay)
            self._paint_wait.start()

        def rebuild(partial: Replay) -> None:
            if token != self._loading:
                return
            run_task(
                self.pool,
                lambda _s: complete_replay(partial, scenarios=scenarios, store=store),
                parent=self,
                on_done=lambda replay: self._completed(token, replay),
                on_failed=failed,
            )

        run_task(
            self.pool,
            lambda _s: moderated_glance(glance(store, marking, session_id), store, moderation,
                                        viewer),
            parent=self,
            on_done=previewed, on_failed=failed,
        )  # fmt: skip

    def show_opened(self, opened: Opened, *, complete: bool = True) -> None:
        """Show a session: its timeline, marks, comments and verdict (`complete`: with the
        scenario found and the rebuild done, else those checks are still running)."""
        replay = opened.replay
        self.replay = replay
        self.session_id = replay.session.id
        self.header.show_replay(replay, checking=not complete)
        standing = [c for c in opened.comments if c.id not in opened.withdrawn]
        items = list(replay.items) + [comment_item(c) for c in standing]
        self.timeline.timeline.set_items(items, replay.scenario)
        self.timeline.doItemsLayout()  # now, not on a later pass of the event loop
        self.player.duration = replay.duration
        self.player.set_voice(None, None, items)  # silent until the scenario is checked
        self.transport.set_duration(replay.duration)
        self.marking_panel.load(opened.reviewed)
        self.comparison.show_result(opened.reviewed)
        self._comment_list = list(opened.comments)
        self._withdrawn = dict(opened.withdrawn)
        self.comments.show_comments(self._comment_list, self._withdrawn)
        self.verdict.show_verdict(opened.verdict)
        self.show_signed(opened.signed)
        self.show_moderation(opened)
        self.player.seek(0.0)
        self._moved(0.0)
        if complete:
            self._completed(self._loading, replay)
        else:
            self.sig_replay_previewed.emit(self.session_id)

    def _completed(self, token: int, replay: Replay) -> None:
        """The scenario is found (or not) and the rebuild done: say so, and use the scenario
        for the intents' words and the caller's voice."""
        if token != self._loading or replay.session.id != self.session_id:
            return
        self.replay = replay
        self.header.show_replay(replay)
        scenario = replay.scenario
        self.timeline.timeline.set_scenario(scenario)
        self._moved(self.player.position)
        matching = scenario if replay.scenario_matches else None
        self.player.set_voice(self.voice, matching, self.timeline.timeline.items)
        if matching is not None and self.voice_controller is not None:
            self.voice_controller.prepare(matching)  # renders missing lines in the background
        self.sig_replay_shown.emit(self.session_id)

    # -- moving -------------------------------------------------------------------------------
    def _scrubbed(self, value: int) -> None:
        if not self.transport.updating:
            self.player.seek(value / 1000.0)

    def _moved(self, seconds: float) -> None:
        # Called on every tick while playing: each part updates only what changed.
        self.transport.show_position(seconds)
        self.timeline.follow_head(seconds)
        self.comments.set_moment(seconds)
        model = self.timeline.timeline
        caption = caption_for(model.items, model.row_at(seconds), seconds, self._caller_name())
        self.transport.show_caption(caption)

    def _caller_name(self) -> str:
        scenario = self.replay.scenario if self.replay is not None else None
        return scenario.caller.name if scenario is not None else tr("Caller")

    def go_to(self, seconds: float, row: int | None = None) -> None:
        """Move the replay to `seconds` and highlight `row` (default: the row there)."""
        self.player.seek(seconds)
        self._moved(self.player.position)
        model = self.timeline.timeline
        self.timeline.choose_row(model.row_at(seconds) if row is None else row)
        self.sig_moment_shown.emit(seconds)

    def show_evidence(self, evidence: dict[str, Any]) -> None:
        """Jump to a criterion's piece of evidence: the scrubber and the highlighted row."""
        row = self.timeline.timeline.find_evidence(evidence)
        if row < 0:
            return
        self.go_to(self.timeline.timeline.items[row].t, row)

    def _item_chosen(self, item: TimelineItem) -> None:
        self.player.seek(item.t)
        self._moved(self.player.position)
        self.sig_moment_shown.emit(item.t)

    def seek_to_mark(self, name: str) -> bool:
        """Move to the moment the scenario marked `name` (e.g. "disclosure")."""
        model = self.timeline.timeline
        for row, item in enumerate(model.items):
            if item.kind == "mark" and item.text == name:
                self.go_to(item.t, row)
                return True
        return False

    # -- marking ------------------------------------------------------------------------------
    def _mark_requested(self, cid: str, decision: str, status: object, reason: str) -> None:
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> ReviewedResult | None:
            marking.mark(
                sid,
                cid,
                decision,
                status=status if isinstance(status, str) else None,
                reason=reason,
                assessor=who,
            )
            return marking.reviewed(sid)

        def done(reviewed: ReviewedResult | None) -> None:
            self.marking_panel.show_review(reviewed)
            self.comparison.show_result(reviewed)
            card = self.marking_panel.cards.get(cid)
            self.sig_status_posted.emit(tr("Mark saved: ") + (card.title if card else cid))
            self.sig_mark_saved.emit(cid)

        def failed(message: str) -> None:
            card = self.marking_panel.cards.get(cid)
            text = message.split(": ", 1)[-1]
            if card is not None:
                card.show_error(text)
            self.sig_status_posted.emit(tr("The mark was not saved: ") + text)

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _comment_requested(self, text: str) -> None:
        t = self.player.position
        model = self.timeline.timeline
        row = model.row_at(t)
        at_row = model.items[row] if row >= 0 else None
        seq = at_row.seq if at_row is not None and at_row.kind != "comment" else None
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> Comment:
            return marking.comment(sid, t, text, assessor=who, seq=seq)

        def done(comment: Comment) -> None:
            self.comments.comment_saved()
            row = self.timeline.timeline.insert_item(comment_item(comment))
            self.timeline.choose_row(row)
            self._comment_list = sorted([*self._comment_list, comment], key=lambda c: (c.t, c.id))
            self.comments.show_comments(self._comment_list, self._withdrawn)
            self.sig_comment_saved.emit(comment.t)

        def failed(message: str) -> None:
            self.comments.show_error(message.split(": ", 1)[-1])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _verdict_requested(self, verdict: str, reason: str) -> None:
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> Verdict:
            return marking.set_verdict(sid, verdict, reason=reason, assessor=who)

        def done(saved: Verdict) -> None:
            self.verdict.show_verdict(saved)
            self.sig_status_posted.emit(tr("Verdict saved"))
            self.sig_verdict_saved.emit(saved.verdict)

        def failed(message: str) -> None:
            self.verdict.show_error(message.split(": ", 1)[-1])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    # -- withdrawing and signing off ------------------------------------------------------
    def show_signed(self, signed: SignOff | None) -> None:
        """Show whether the session is locked: the bar, and every marking control."""
        self.signoff.show_state(signed)
        locked = signed is not None
        self.marking_panel.set_locked(locked)
        self.comments.set_locked(locked)
        self.verdict.set_locked(locked)

    # -- moderation ---------------------------------------------------------------------------
    def show_moderation(self, opened: Opened) -> None:
        """Blind second marking mode while an open request names the signed-in assessor:
        only the call, the automatic result and its evidence are shown, every first-marking
        control is locked and the Comments and Verdict tabs are hidden. After submission, the
        Agreement tab shows both markings."""
        view = opened.view if isinstance(opened, ModeratedOpened) else None
        agreement = opened.agreement if isinstance(opened, ModeratedOpened) else None
        blind = view is not None and view.blind
        self.blind_view = view if blind else None
        self.blind_banner.setVisible(blind)
        self.signoff.setVisible(not blind)
        for tab in (self.comments, self.verdict):
            self.tabs.setTabVisible(self.tabs.indexOf(tab), not blind)
        self.tabs.setTabVisible(self.tabs.indexOf(self.blind), blind)
        self.tabs.setTabVisible(self.tabs.indexOf(self.agreement), agreement is not None)
        self.agreement.show_agreement(agreement)
        if blind and view is not None:
            for panel in (self.marking_panel, self.comments, self.verdict):
                panel.set_locked(True)
            self.blind.load(view)
            self.tabs.setCurrentWidget(self.blind)

    def _second_marking_submitted(self, wanted: list[tuple[str, str, str]]) -> None:
        """Store the statuses given, then submit, in a worker; a refusal is shown in the
        panel (what was stored before it stays stored) and the screen stays blind."""
        sid, who, moderation = self.session_id, self.assessor, self.moderation
        self.blind.submit.setEnabled(False)

        def work(_state: TaskState) -> str:
            for cid, status, reason in wanted:
                moderation.second_mark(sid, cid, status, reason=reason, assessor=who)
            moderation.submit(sid, assessor=who)
            return sid

        def done(_sid: str) -> None:
            self.blind.submit.setEnabled(True)
            self.sig_status_posted.emit(tr("Second marking submitted: both markings are shown"))
            self.sig_second_marking_submitted.emit(sid)
            if self._scenarios is not None and sid == self.session_id:
                self.load(sid, self._scenarios)

        def failed(message: str) -> None:
            self.blind.submit.setEnabled(True)
            text = message.split(": ", 1)[-1]
            if sid == self.session_id:
                self.blind.load(moderation.view(sid, who))  # what was stored, shown again
                for cid, status, reason in wanted:  # and what was typed, not lost
                    self.blind.choose(cid, status, reason)
                self.blind.show_error(text)
            self.sig_status_posted.emit(tr("The second marking was not submitted: ") + text)
            self.sig_second_marking_refused.emit(text)

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _withdraw_requested(self, comment_id: int, reason: str) -> None:
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> Retraction:
            return marking.retract_comment(sid, comment_id, reason=reason, assessor=who)

        def done(r: Retraction) -> None:
            self._withdrawn[r.comment_id] = r
            self.timeline.timeline.remove_comment(r.comment_id)
            self.comments.show_comments(self._comment_list, self._withdrawn)
            self.sig_status_posted.emit(tr("Comment withdrawn"))
            self.sig_comment_withdrawn.emit(r.comment_id)

        def failed(message: str) -> None:
            self.comments.show_error(message.split(": ", 1)[-1])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _sign_off_requested(self, note: str) -> None:
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> SignOff:
            return marking.sign_off(sid, assessor=who, note=note)

        def done(signed: SignOff) -> None:
            self.show_signed(signed)
            self.sig_status_posted.emit(tr("Session signed off: it is locked"))
            self.sig_signed_off.emit(signed.session_id)

        def failed(message: str) -> None:
            self.signoff.show_error(message.split(": ", 1)[-1])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _reopen_requested(self, reason: str) -> None:
        sid, marking, who = self.session_id, self.marking, self.assessor

        def work(_state: TaskState) -> SignOff:
            return marking.reopen(sid, reason=reason, assessor=who)

        def done(opened: SignOff) -> None:
            self.show_signed(None)
            self.sig_status_posted.emit(tr("Session reopened"))
            self.sig_reopened.emit(opened.session_id)

        def failed(message: str) -> None:
            self.signoff.show_error(message.split(": ", 1)[-1])

        run_task(self.pool, work, parent=self, on_done=done, on_failed=failed)

    def _report_requested(self, kind: str) -> None:
        if self.replay is None:
            return
        info = self.replay.session
        who = "".join(c if c.isalnum() else "-" for c in info.trainee).strip("-") or "trainee"
        name = f"callsim-{who}-{info.started_at.strftime('%Y%m%d-%H%M')}"
        self.exporter.export_report(
            self, self.session_id, kind, name, assessor=self.assessor, scenarios=self._scenarios
        )

    def shutdown(self) -> None:
        self._after_paint = None
        self._paint_wait.stop()
        self.player.shutdown()
