"""The call screen: answer, talk (type + Enter), raise flags, keep the log, end the call.

A thin view over `CallSession`: every trainee action calls the session and the events it
returns are rendered; nothing here changes the call itself. Real time drives silence: a timer
calls `session.tick()` a few times a second. The caller's lines go to the voice controller,
which captions each one as it starts playing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.engine import events as ev
from app.engine.events import Event
from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.services.call_session import CallSession, Clock
from app.storage import SessionStore
from app.ui.trainee.incoming import IncomingPage
from app.ui.voice_controller import VoiceController
from app.ui.widgets.call_bar import CallBar
from app.ui.widgets.call_info import CallInfoPanel
from app.ui.widgets.criterion_card import heard_note
from app.ui.widgets.flag_panel import MAX_SHORTCUTS, FlagPanel
from app.ui.widgets.keys import ShortcutsFirst
from app.ui.widgets.log_panel import LogPanel
from app.ui.widgets.transcript import TranscriptView


@dataclass
class CallSetup:
    """Everything one call needs, handed in by the main window (tests pass fakes)."""

    scenario: Scenario
    matcher: IntentMatcher
    clock_factory: Callable[[], Clock]
    trainee: str = ""
    mode: str = "practice"  # or "assessment": nothing about scoring until the debrief
    store: SessionStore | None = None
    tick_ms: int = 250


class _Column(QScrollArea):
    """A column of widgets that scrolls up and down when the text is large, and is never
    narrower than what it holds (so a flag's label and the time beside it are never cut)."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        inner = QWidget()
        inner.setObjectName("page")  # the page's background, not the scroll area's grey
        col = QVBoxLayout(inner)
        col.setContentsMargins(0, 0, 4, 0)
        col.setSpacing(10)
        for w in widgets:
            col.addWidget(w)
        col.addStretch(1)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        hint = super().minimumSizeHint()
        if inner is None:
            return hint
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.minimumSizeHint().width() + bar, hint.height())


class CallScreen(QWidget):
    sig_call_finished = Signal(object)
    """The call is over and the trainee moves on; the argument is the ended CallSession."""

    sig_status_posted = Signal(str)
    """A message for the status bar (recording trouble, voice notices)."""

    def __init__(
        self, setup: CallSetup, voice: VoiceController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setup = setup
        self.voice = voice
        self.session: CallSession | None = None
        self._log_burst = False  # keys typed in the log since its last commit were reported
        self._reported_error: str | None = None
        self._finished = False
        scenario = setup.scenario
        self.caller_name = scenario.caller.name

        title = scenario.shown(setup.mode).title  # neutral in assessment mode
        self.bar = CallBar(self.caller_name, title)
        self.bar.end_button.clicked.connect(self.end_call)
        self.bar.end_button.setEnabled(False)
        mode_text = (
            self.tr("Practice: after each of your turns you will see what the caller heard.")
            if setup.mode == "practice"
            else self.tr("Assessment: your score is shown after the call.")
        )
        self.incoming = IncomingPage(title, mode_text)
        self.incoming.answer.clicked.connect(self.answer)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.incoming)
        self.pages.addWidget(self._build_call_page(scenario))

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.bar)
        col.addWidget(self.pages, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(setup.tick_ms)
        self.timer.timeout.connect(self._tick)
        self._shortcuts()
        voice.sig_line_started.connect(self._caption)
        voice.sig_speaking_changed.connect(self.bar.set_speaking)
        self.setFocusProxy(self.incoming)

    # -- building -------------------------------------------------------------------------
    def _build_call_page(self, scenario: Scenario) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(16, 10, 16, 12)
        outer.setSpacing(8)
        info = scenario.call_info
        self.call_info = CallInfoPanel(info) if info is not None else None
        if self.call_info is not None:
            outer.addWidget(self.call_info)
        row = QHBoxLayout()
        row.setSpacing(14)
        outer.addLayout(row, 1)

        left = QVBoxLayout()
        left.setSpacing(6)
        self.transcript = TranscriptView()
        left.addWidget(self.transcript, 1)
        self.ended_banner = QLabel("")
        self.ended_banner.setObjectName("endedBanner")
        self.ended_banner.setWordWrap(True)
        self.ended_banner.hide()
        left.addWidget(self.ended_banner)
        self.debrief_button = QPushButton(self.tr("See how you did"))
        self.debrief_button.setAccessibleName(self.tr("See the debrief"))
        self.debrief_button.clicked.connect(self._finish)
        self.debrief_button.hide()
        left.addWidget(self.debrief_button, 0, Qt.AlignmentFlag.AlignLeft)
        say_label = QLabel(self.tr("&What you say (Enter sends, Ctrl+T to come back here)"))
        say_label.setObjectName("muted")
        self.input = QLineEdit()
        self.input.setObjectName("sayBox")
        self.input.setAccessibleName(self.tr("What you say to the caller"))
        self.input.setPlaceholderText(self.tr("Type what you would say, then press Enter"))
        self.input.returnPressed.connect(self.send)
        self.input.textEdited.connect(self._typing)
        say_label.setBuddy(self.input)
        send = QPushButton(self.tr("Send"))
        send.setAccessibleName(self.tr("Send what you typed"))
        send.setAutoDefault(True)  # Enter presses it when it has the focus
        send.clicked.connect(self.send)
        self.send_button = send
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addWidget(send)
        left.addWidget(say_label)
        left.addLayout(input_row)
        row.addLayout(left, 5)

        # Three columns under the call's details, as a control room's screen has them: the
        # conversation, the incident qualifiers, the incident log. Assessment mode leaves off
        # the practice-only flags and fields (they would name what the call tests).
        self.flags = FlagPanel(scenario.flags_shown(self.setup.mode))
        self.flags.sig_flag_requested.connect(self.set_flag)
        self.flags.sig_find_done.connect(self.focus_input)
        keys = QLabel(
            self.tr(
                "Keys: Ctrl+1–9 or Ctrl+F flags · Ctrl+L log · Ctrl+T type · Ctrl+E or F12 end call"
            )
        )
        keys.setObjectName("muted")
        keys.setWordWrap(True)
        row.addWidget(_Column(self.flags), 0)
        self.log = LogPanel(scenario.log_fields_shown(self.setup.mode))
        self.log.sig_field_committed.connect(self.set_log)
        self.log.sig_field_edited.connect(self._log_typing)
        row.addWidget(_Column(self.log, keys), 3)
        return page

    def _shortcuts(self) -> None:
        keys: list[str] = []

        def add(sequence: str, slot: Callable[[], None]) -> None:
            sc = QShortcut(QKeySequence(sequence), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            keys.append(sequence)

        add("Ctrl+E", self.end_call)
        add("F12", self.end_call)
        add("Ctrl+T", self.focus_input)
        add("Ctrl+L", self.focus_log)
        add("Ctrl+F", self.flags.focus_find)
        for i, fid in enumerate(self.flags.flag_ids()[:MAX_SHORTCUTS]):
            add(f"Ctrl+{i + 1}", partial(self.toggle_flag, fid))
        self._keys_first = ShortcutsFirst(keys, self)
        for editor in (self.input, self.flags.find_box, *self.log.editors.values()):
            self._keys_first.watch(editor)

    # -- actions (each asks the session, then renders what happened) ------------------------
    @property
    def connected(self) -> bool:
        return self.session is not None and not self.session.ended

    def answer(self) -> None:
        if self.session is not None:
            return
        s = self.setup
        self.session = CallSession(
            s.scenario,
            s.matcher,
            clock=s.clock_factory(),
            store=s.store,
            trainee=s.trainee,
            mode=s.mode,
        )
        self.voice.begin_call(s.scenario)
        self.pages.setCurrentIndex(1)
        self.bar.set_state(self.tr("Connected"))
        self.bar.end_button.setEnabled(True)
        self.setFocusProxy(self.input)
        self.input.setFocus()
        self._render(self.session.start())
        self.timer.start()

    def send(self) -> None:
        text = self.input.text().strip()
        if not text or not self.connected:
            return
        assert self.session is not None
        self.input.clear()
        self._render(self.session.say(text))

    def set_flag(self, flag_id: str, raised: bool) -> None:
        if not self.connected:
            self.flags.resync(flag_id)
            return
        assert self.session is not None
        act = self.session.raise_flag if raised else self.session.lower_flag
        self._render(act(flag_id))
        self.flags.resync(flag_id)

    def toggle_flag(self, flag_id: str) -> None:
        self.set_flag(flag_id, not self.flags.is_raised(flag_id))

    def set_log(self, field_id: str, value: str) -> None:
        # Also once the caller has hung up: the trainee may finish writing the log.
        self._log_burst = False  # committed: the next key starts a new burst
        if self.session is not None and not self._finished:
            self._render(self.session.set_log(field_id, value))

    def _typing(self) -> None:
        """Keys in the text box: the trainee is composing a line, so silence waits."""
        if self.connected:
            assert self.session is not None
            self._render(self.session.typing())

    def _log_typing(self) -> None:
        """Keys in the log: busy, but not speaking to her (`counts: speech` silence). The
        text typed so far is saved with it (at most every TYPING_INTERVAL, as the session
        throttles), so a crash mid-sentence loses at most a couple of seconds of typing."""
        if self.connected:
            assert self.session is not None
            reported = self.session.typing(log=True)
            self._render(reported)
            if reported and self._log_burst:  # not the first key of a burst: save the text
                self.log.commit_all()
            self._log_burst = self._log_burst or bool(reported)

    def end_call(self) -> None:
        """Hang up at once: commit the log as typed, silence the caller, end the call."""
        if not self.connected:
            if self.session is not None and self.session.ended:
                self._finish()
            return
        assert self.session is not None
        self.log.commit_all()
        self.voice.stop()
        if self.session.ended:  # a log change made the caller hang up
            self._finish()
            return
        self._render(self.session.end_call())

    def focus_input(self) -> None:
        self.input.setFocus()

    def focus_log(self) -> None:
        self.log.focus_first()

    # -- rendering --------------------------------------------------------------------------
    def _render(self, events: list[Event]) -> None:
        for e in events:
            if e.kind == ev.CALLER_SAID:
                self.voice.enqueue(e)
            elif e.kind == ev.TRAINEE_SAID:
                intents = [str(i) for i in e.data.get("intents", [])]
                practice = self.setup.mode == "practice"
                note = heard_note(self.setup.scenario, intents) if practice else None
                self.transcript.add_turn(self.tr("You"), "trainee", e.t, e.data["text"], note)
            elif e.kind in (ev.FLAG_RAISED, ev.FLAG_LOWERED):
                self.flags.show_flag(e.data["flag"], e.kind == ev.FLAG_RAISED, e.t)
            elif e.kind == ev.CALL_ENDED:
                self._ended(str(e.data.get("by", "")))
        self._check_recording()

    def _caption(self, e: Event) -> None:
        self.transcript.add_turn(self.caller_name, "caller", e.t, e.data["text"], announce=True)

    def _tick(self) -> None:
        if self.session is None:
            return
        self.bar.set_clock(self.session.clock())
        if not self.session.ended:
            self._render(self.session.tick())

    def _ended(self, by: str) -> None:
        self.timer.stop()
        assert self.session is not None
        self.bar.set_clock(self.session.clock())
        self.bar.end_button.setEnabled(False)
        self.input.setEnabled(False)
        self.send_button.setEnabled(False)
        self.log.set_editable(by == "caller")  # after a hang-up the log can still be written
        self.flags.set_enabled(False)
        if by == "caller":
            # She hung up: let her last words play out, say so, and let the trainee move on.
            self.bar.set_state(self.tr("The caller hung up"))
            self.ended_banner.setText(
                self.tr("{name} ended the call.").replace("{name}", self.caller_name)
            )
            self.ended_banner.show()
            self.debrief_button.show()
            self.setFocusProxy(self.debrief_button)
            self.debrief_button.setFocus()
        else:
            self.bar.set_state(self.tr("Call ended"))
            self._finish()

    def _finish(self) -> None:
        self.voice.stop()
        self.timer.stop()
        if self.session is not None and self.session.ended and not self._finished:
            self.log.commit_all()  # what was typed after a hang-up goes in before scoring
            self._finished = True
            self.sig_call_finished.emit(self.session)

    def _check_recording(self) -> None:
        error = self.session.recording_error if self.session is not None else None
        if error and error != self._reported_error:
            self._reported_error = error
            self.sig_status_posted.emit(error)  # plain words, naming the file (CallSession)

    def shutdown(self) -> None:
        """Stop the timer and the voice (the window is closing or moving on)."""
        self.timer.stop()
        self.voice.stop()
        try:
            self.voice.sig_line_started.disconnect(self._caption)
            self.voice.sig_speaking_changed.disconnect(self.bar.set_speaking)
        except (RuntimeError, TypeError):
            pass
