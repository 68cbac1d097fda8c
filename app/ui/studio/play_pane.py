"""Play as you write: talk to the caller of the file being edited, in text.

Each turn shows what the trainee said, the intents heard (with scores), which handler fired
(a link to it) and what the caller answered. The conversation is a `PlaySession`: after an
edit that lints clean the window hands over the new scenario and the turns are replayed,
with a note when one now goes differently. "Save as playtest" hands the run, as playtest
data, to the window, which writes it into the file.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.engine import events as ev
from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.studio.session import Change, PlaySession, Turn

MAX_SCORES = 4
FLAG_COLUMNS = 4


class PlayPane(QWidget):
    sig_turn_played = Signal(object)
    """A step was played: the new `Turn`."""

    sig_replayed = Signal(object)
    """The turns were replayed against an edited scenario: the list of `Change`s."""

    sig_playtest_ready = Signal(object)
    """The instructor wants this run saved: a `PlaytestDraft` to write into the file."""

    sig_location_activated = Signal(int, int, bool)
    """Show this 1-based line in the editor (a handler that fired was clicked)."""

    def __init__(
        self, ask_name: Callable[[str], str | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ask_name = ask_name
        self.session: PlaySession | None = None
        self._handler_lines: dict[str, int] = {}
        self._stale = False
        layout = QVBoxLayout(self)
        self.heading = QLabel(self.tr("Open or write a scenario to talk to its caller."))
        self.heading.setObjectName("muted")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.note = QLabel()
        self.note.setObjectName("notice")
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.transcript = QTextBrowser()
        self.transcript.setAccessibleName(self.tr("Conversation"))
        self.transcript.setOpenLinks(False)
        self.transcript.anchorClicked.connect(self._link)
        layout.addWidget(self.transcript, 1)
        row = QHBoxLayout()
        self.input = QLineEdit()
        self.input.setObjectName("sayBox")
        self.input.setAccessibleName(self.tr("Say to the caller"))
        self.input.setPlaceholderText(self.tr("Say something to the caller (Enter or Ctrl+Enter)"))
        self.input.returnPressed.connect(self.send)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton(self.tr("&Send"))
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.input, self.send, Qt.ShortcutContext.WidgetShortcut)
        # a grid, not a row: with the standard log a scenario has a dozen flags and more
        self.flag_row = QGridLayout()
        self.flag_row.setHorizontalSpacing(4)
        self.flag_row.setVerticalSpacing(2)
        self.flag_buttons: dict[str, QPushButton] = {}
        layout.addLayout(self.flag_row)
        actions = QHBoxLayout()
        self.wait_button = QPushButton(self.tr("Stay &silent for"))
        self.wait_button.clicked.connect(self.wait)
        self.wait_seconds = QSpinBox()
        self.wait_seconds.setRange(1, 600)
        self.wait_seconds.setValue(15)
        self.wait_seconds.setSuffix(" s")
        self.wait_seconds.setAccessibleName(self.tr("Seconds of silence"))
        self.end_button = QPushButton(self.tr("&End call"))
        self.end_button.clicked.connect(self.end_call)
        self.restart_button = QPushButton(self.tr("&Restart"))
        self.restart_button.clicked.connect(self.restart)
        self.save_button = QPushButton(self.tr("Save as &playtest…"))
        self.save_button.clicked.connect(self.save_as_playtest)
        for w in (self.wait_button, self.wait_seconds, self.end_button, self.restart_button):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self._set_enabled(False)

    # -- the scenario -----------------------------------------------------------------------
    def set_scenario(self, scenario: Scenario, matcher: IntentMatcher) -> list[Change]:
        """Play against `scenario` from now on, replaying the turns so far."""
        self._handler_lines = {h.key: h.pos.line for h in scenario.all_handlers()}
        self._stale = False
        changes: list[Change] = []
        if self.session is None:
            self.session = PlaySession(scenario, matcher)
        else:
            changes = self.session.reload(scenario, matcher)
        self._build_flags(scenario)
        self.heading.setText(
            self.tr("Talking to {caller}, the caller in “{title}”.")
            .replace("{caller}", html.escape(scenario.caller.name))
            .replace("{title}", html.escape(scenario.title))
        )
        self._show_changes(changes)
        self._set_enabled(True)
        self._render()
        if len(self.session.turns) > 1:
            self.sig_replayed.emit(changes)
        return changes

    def set_stale(self, errors: int) -> None:
        """The file now has errors: keep playing the last version that loaded, and say so."""
        if self.session is None or self._stale:
            return
        self._stale = True
        self.note.setText(
            self.tr("The file has {n} errors: playing the last version without errors.").replace(
                "{n}", str(errors)
            )
        )
        self.note.show()

    def _build_flags(self, scenario: Scenario) -> None:
        if list(self.flag_buttons) == list(scenario.flags):
            return
        for b in self.flag_buttons.values():
            self.flag_row.removeWidget(b)
            b.deleteLater()
        self.flag_buttons = {}
        for i, (fid, flag) in enumerate(scenario.flags.items()):
            b = QPushButton(flag.label)
            b.setObjectName("flagButton")
            b.setCheckable(True)
            b.setToolTip(flag.description or fid)
            b.setAccessibleName(self.tr("Flag: ") + flag.label)
            b.clicked.connect(lambda checked, f=fid: self.flag(f, checked))
            self.flag_row.addWidget(b, i // FLAG_COLUMNS, i % FLAG_COLUMNS)
            self.flag_buttons[fid] = b

    # -- actions ----------------------------------------------------------------------------
    def send(self) -> None:
        text = self.input.text().strip()
        if not text or self.session is None:
            return
        self.input.clear()
        self._played(self.session.say(text))

    def flag(self, flag_id: str, raised: bool) -> None:
        if self.session is not None:
            self._played(self.session.flag(flag_id, raised))

    def wait(self) -> None:
        if self.session is not None:
            self._played(self.session.wait(self.wait_seconds.value()))

    def end_call(self) -> None:
        if self.session is not None and not self.session.ended:
            self._played(self.session.end_call())

    def restart(self) -> None:
        if self.session is not None:
            self.session.restart()
            self.note.hide()
            self._render()
            self.input.setFocus()

    def save_as_playtest(self) -> None:
        if self.session is None or len(self.session.turns) < 2:
            return
        name = self._ask_name(self.tr("played in the studio"))
        if name:
            self.sig_playtest_ready.emit(self.session.playtest_draft(name))

    def _played(self, turn: Turn) -> None:
        self._render()
        self.sig_turn_played.emit(turn)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.input, self.send_button, self.wait_button, self.wait_seconds,
                  self.end_button, self.restart_button, self.save_button):  # fmt: skip
            w.setEnabled(on)

    # -- showing ----------------------------------------------------------------------------
    def _show_changes(self, changes: list[Change]) -> None:
        if not changes:
            self.note.hide()
            return
        parts = []
        for c in changes[:3]:
            if c.reason == "dropped":
                parts.append(self.tr("turn {n} was dropped (its flag is gone)"))
            else:
                before = ", ".join(c.before.caller_lines) if c.before else ""
                after = ", ".join(c.after.caller_lines) if c.after else ""
                parts.append(
                    self.tr("turn {n} now goes differently (caller: {a} → {b})")
                    .replace("{a}", before or "nothing")
                    .replace("{b}", after or "nothing")
                )
            parts[-1] = parts[-1].replace("{n}", str(c.index))
        more = len(changes) - 3
        text = self.tr("After your edit: ") + "; ".join(parts)
        if more > 0:
            text += self.tr(" and {n} more").replace("{n}", str(more))
        self.note.setText(text + ".")
        self.note.show()

    def _render(self) -> None:
        s = self.session
        if s is None:
            return
        out = [self._turn_html(t) for t in s.turns]
        self.transcript.setHtml("".join(out))
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())
        for fid, b in self.flag_buttons.items():
            b.setChecked(fid in s.flags_raised)
            b.setEnabled(not s.ended)
        self.end_button.setEnabled(not s.ended)
        self.input.setEnabled(not s.ended)
        self.send_button.setEnabled(not s.ended)
        self.wait_button.setEnabled(not s.ended)
        r = s.result()
        verdict = self.tr("passes") if r["passed"] else self.tr("does not pass")
        crit = ", ".join(r["critical_failures"])
        text = self.tr("Result so far: score {score}, {verdict}").replace(
            "{score}", f"{r['score']:g}"
        )
        text = text.replace("{verdict}", verdict)
        if crit:
            text += self.tr(" (critical: {c})").replace("{c}", crit)
        if r.get("ended_by"):
            text += self.tr("; ended by the {who}").replace("{who}", str(r["ended_by"]))
        self.result_label.setText(text + ".")

    def _turn_html(self, turn: Turn) -> str:
        rows: list[str] = []
        if turn.step is None:
            rows.append(f"<b>{self.tr('Call connects')}</b>")
        for e in turn.events:
            rows.extend(self._event_html(e))
        if turn.step is not None and turn.step.kind != "say":
            rows.insert(0, self._step_html(turn))
        if turn.ignored:
            rows.append(f"<i>{self.tr('(ignored: the call had ended)')}</i>")
        head = f"<span style='color:#5f6670'>{turn.index}.</span> " if turn.index else ""
        return f"<p style='margin:4px 0 10px 0'>{head}{'<br>'.join(rows)}</p>"

    def _step_html(self, turn: Turn) -> str:
        st = turn.step
        assert st is not None
        words = {
            "flag": self.tr("You raise the flag {x}"),
            "unflag": self.tr("You lower the flag {x}"),
            "wait": self.tr("You stay silent for {x} s"),
            "end_call": self.tr("You end the call"),
        }
        x = st.text if st.kind != "wait" else f"{st.seconds:g}"
        return f"<i>{html.escape(words.get(st.kind, st.kind).replace('{x}', x))}</i>"

    def _explanation(self, text: str) -> str:
        """How the matcher decided `text`, when the matcher can say (the real one can)."""
        matcher = self.session.matcher if self.session is not None else None
        explain = getattr(matcher, "explain", None)
        if explain is None:
            return ""
        from app.matching import format_explanation

        return format_explanation(explain(text))

    def _event_html(self, e: ev.Event) -> list[str]:
        d = e.data
        if e.kind == ev.TRAINEE_SAID:
            heard = set(d["intents"])
            scores = sorted(d["scores"].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SCORES]
            shown = ", ".join(
                (f"<b>{html.escape(k)}</b>" if k in heard else html.escape(k)) + f" {v:.2f}"
                for k, v in scores
            )
            said = f"<b>{self.tr('You')}:</b> {html.escape(str(d['text']))}"
            heard_text = shown or f"<i>{self.tr('no intent (fallback)')}</i>"
            unsure = [str(i) for i in d.get("unsure", [])]
            if unsure:
                heard_text += f" <i>({self.tr('unsure')}: {html.escape(', '.join(unsure))})</i>"
            out = [said, f"<span style='color:#37414b'>{self.tr('heard')}: {heard_text}</span>"]
            why = self._explanation(str(d["text"]))
            if why:  # the same explanation as `callsim match --explain`
                out.append(f"<pre style='color:#37414b'>{html.escape(why)}</pre>")
            return out
        if e.kind == ev.HANDLER_FIRED:
            key = str(d["handler"])
            line = self._handler_lines.get(key, 0)
            link = f"<a href='line:{line}'>{html.escape(key)}</a>" if line else html.escape(key)
            where = f" ({self.tr('line')} {line})" if line else ""
            return [f"→ {self.tr('fired')} {link}{where} [{html.escape(str(d['trigger']))}]"]
        if e.kind == ev.CALLER_SAID:
            who = self.session.scenario.caller.name if self.session else "Caller"
            return [
                f"<b>{html.escape(who)}:</b> “{html.escape(str(d['text']))}” "
                f"<span style='color:#5f6670'>[{html.escape(str(d['line_id']))}]</span>"
            ]
        if e.kind == ev.STATE_CHANGED:
            return [f"<i>{self.tr('now in state')} {html.escape(str(d['to']))}</i>"]
        if e.kind == ev.MARK:
            return [f"<i>{self.tr('mark')}: {html.escape(str(d['name']))}</i>"]
        if e.kind == ev.SILENCE:
            return [f"<i>{self.tr('silence')} ({d['silent_for']:g} s)</i>"]
        if e.kind == ev.CALL_ENDED:
            return [f"<b>{self.tr('The call ended')} ({html.escape(str(d['by']))})</b>"]
        return []

    def _link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("line:"):
            self.sig_location_activated.emit(int(text[5:]), 1, True)
