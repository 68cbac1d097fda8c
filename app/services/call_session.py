"""One trainee call as the desktop app runs it: the engine, a clock, live recording and scoring.

No Qt here. The window calls these methods and renders the events they return; it never
changes the engine itself. Time comes from an injected clock (seconds since the call
connected), so tests drive it with a fake clock and the app with a monotonic one.

Recording: every event is handed to the recorder the moment the engine produces it. The
recorder writes on a background thread (SQLite with synchronous=FULL can take milliseconds per
commit on a laptop, too long for the UI thread); `flush()` waits for it. If storage fails,
the call carries on and every event stays in memory (`events`) so nothing on screen is lost;
`recording_error` says what went wrong.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from app.engine.call import Call, CallEnded
from app.engine.events import Event
from app.engine.timing import TYPING_INTERVAL
from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.scoring.result import Result
from app.scoring.score import score_call
from app.storage import SessionStore

Clock = Callable[[], float]
_STOP = threading.Event()  # sentinel: the recorder thread ends when it reads this


class MonotonicClock:
    """Seconds since it was made, from the monotonic clock (immune to wall-clock changes)."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def __call__(self) -> float:
        return round(time.monotonic() - self._t0, 3)


class Recorder:
    """Writes a session's events to the store on one background thread, in order."""

    def __init__(self, store: SessionStore, session_id: str) -> None:
        self.store = store
        self.session_id = session_id
        self.error: str | None = None
        self._q: queue.Queue[Event | threading.Event] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="callsim-recorder", daemon=True)
        self._thread.start()

    def put(self, event: Event) -> None:
        self._q.put(event)

    def close(self, timeout: float = 10.0) -> None:
        self._q.put(_STOP)
        self._thread.join(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event handed over so far is written (or failed)."""
        done = threading.Event()
        self._q.put(done)
        return done.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            if self.error is not None:
                continue  # keep draining; the events stay in memory in the session
            try:
                self.store.append_event(self.session_id, item)
            except Exception as exc:  # storage must never take the call down
                self.error = f"{type(exc).__name__}: {exc}"


class CallSession:
    def __init__(
        self,
        scenario: Scenario,
        matcher: IntentMatcher,
        *,
        clock: Clock,
        store: SessionStore | None = None,
        trainee: str = "",
        mode: str = "practice",
    ) -> None:
        self.scenario = scenario
        self.call = Call(scenario, matcher)
        self.clock = clock
        self.store = store
        self.trainee = trainee
        self.mode = mode
        self.session_id: str | None = None
        self._recorder: Recorder | None = None
        self._start_error: str | None = None
        self._last_typing: dict[bool, float] = {}  # by kind: the log (True) or a line
        self._result: Result | None = None

    # -- the call ------------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        return self.call.events

    @property
    def ended(self) -> bool:
        return self.call.ended

    def start(self) -> list[Event]:
        if self.store is not None:
            try:
                self.session_id = self.store.start_session(
                    trainee=self.trainee,
                    scenario_id=self.scenario.id,
                    scenario_sha256=self.scenario.sha256,
                    scenario_title=self.scenario.title,
                    mode=self.mode,
                )
                self._recorder = Recorder(self.store, self.session_id)
            except Exception as exc:
                self._start_error = f"{type(exc).__name__}: {exc}"
        return self._record(self.call.start(self.clock()))

    def say(self, text: str) -> list[Event]:
        self._last_typing.pop(False, None)
        return self._act(lambda t: self.call.say(text, t))

    def typing(self, *, log: bool = False) -> list[Event]:
        """The trainee pressed a key in the text box (or, with `log`, in the log): busy, not
        silent. Throttled here, each kind on its own, so the window may call it on every
        keystroke: at most one event of a kind per TYPING_INTERVAL reaches the engine."""
        now = self.clock()
        last = self._last_typing.get(log)
        if last is not None and now - last < TYPING_INTERVAL:
            return []
        self._last_typing[log] = now
        return self._act(lambda t: self.call.typing(t, log=log))

    def raise_flag(self, flag: str) -> list[Event]:
        return self._act(lambda t: self.call.raise_flag(flag, t))

    def lower_flag(self, flag: str) -> list[Event]:
        return self._act(lambda t: self.call.lower_flag(flag, t))

    def set_log(self, field: str, value: str) -> list[Event]:
        """Also after the call has ended: the trainee may finish writing the log."""
        if self.call.ended:
            if self._result is not None:
                return []  # already scored and stored: the debrief is showing
            return self._record(self.call.set_log(field, value, self.clock()))
        return self._act(lambda t: self.call.set_log(field, value, t))

    def end_call(self) -> list[Event]:
        return self._act(self.call.end_call)

    def tick(self) -> list[Event]:
        """Let time pass up to now: fires silence handlers that have fallen due."""
        if self.call.ended:
            return []
        return self._record(self.call.advance(self.clock()))

    def seconds_to_next_silence(self) -> float | None:
        due = self.call.next_silence()
        return None if due is None else max(0.0, due[0] - self.clock())

    # -- results and recording ------------------------------------------------------------
    def result(self) -> Result:
        """The scored result (of the call so far, if it has not ended)."""
        if self._result is not None:
            return self._result
        result = score_call(self.scenario, self.call.events)
        if self.call.ended:
            self._result = result
        return result

    def finish(self) -> Result:
        """Score the ended call and store the result beside its events."""
        result = self.result()
        if self._recorder is not None and self.store is not None and self.session_id:
            self._recorder.flush()
            if self._recorder.error is None:
                try:
                    self.store.finish_session(self.session_id, result)
                except Exception as exc:
                    self._recorder.error = f"{type(exc).__name__}: {exc}"
        return result

    def flush(self) -> bool:
        return self._recorder.flush() if self._recorder is not None else True

    def close(self) -> None:
        """Write what is pending and stop the recording thread (after `finish`)."""
        if self._recorder is not None:
            self._recorder.close()

    @property
    def recording_error(self) -> str | None:
        if self._start_error:
            return self._start_error
        return self._recorder.error if self._recorder is not None else None

    def _act(self, action: Callable[[float], list[Event]]) -> list[Event]:
        if self.call.ended:
            return []
        before = len(self.call.events)
        try:
            action(self.clock())
        except CallEnded:
            pass  # the caller hung up first (silence fell due); the events say so
        return self._record(self.call.events[before:])

    def _record(self, events: list[Event]) -> list[Event]:
        if self._recorder is not None:
            for e in events:
                self._recorder.put(e)
        return events
