"""One trainee call as the desktop app runs it: the engine, a clock, live recording and scoring.

No Qt here. The window calls these methods and renders the events they return; it never
changes the engine itself. Time comes from an injected clock (seconds since the call
connected), so tests drive it with a fake clock and the app with a monotonic one.

Recording: every event is handed to the recorder the moment the engine produces it. The
recorder writes on a background thread (SQLite with synchronous=FULL can take milliseconds per
commit on a laptop, too long for the UI thread); `flush()` waits for it. If storage fails,
the call carries on and every event stays in memory (`events`) so nothing on screen is lost;
`recording_error` says what went wrong.

Only what was shown is stored: a caller line scheduled for later, and whatever follows it, is
handed to the recorder when its time comes; meanwhile it is journaled beside the database
(`Recorder.hold`), so what the trainee did is on disk at once even then. If the app dies, the
next store opened on the file reads the journals back (docs/integrity.md, "Calls that survive
faults").
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.engine.call import Call, CallEnded
from app.engine.events import Event
from app.engine.timing import TYPING_INTERVAL
from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.scoring.result import Result
from app.scoring.score import score_call
from app.storage import SessionStore
from app.storage.errors import DatabaseFileError, database_problem
from app.storage.journal import HELD, UNSAVED, journal_path
from app.storage.records import iso_utc, utc_now
from app.storage.store import LEASE_SECONDS

_log = logging.getLogger(__name__)

Clock = Callable[[], float]
_STOP = threading.Event()  # sentinel: the recorder thread ends when it reads this
_BEAT = threading.Event()  # sentinel: renew the session's lease (a long silence)
_UNHOLD = threading.Event()  # sentinel: nothing is held any more (the held journal may go)
BEAT_INTERVAL = LEASE_SECONDS / 4  # call seconds between lease renewals with nothing stored


class MonotonicClock:
    """Seconds since it was made, from the monotonic clock (immune to wall-clock changes)."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def __call__(self) -> float:
        return round(time.monotonic() - self._t0, 3)


def _reason(exc: BaseException, otherwise: str) -> str:
    """What went wrong with the database file, in plain words (never a traceback)."""
    if isinstance(exc, DatabaseFileError):
        return exc.reason
    problem = database_problem(exc)
    return problem[0] if problem is not None else otherwise


class _Hold:
    """Events made but not written yet (behind a caller line still queued): journal them."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events


class Recorder:
    """Writes a session's events to the store on one background thread, in order.

    A failed write (a full disk, a file gone read-only, a lock held too long) never loses an
    event: it stays in `unwritten`, is appended to a side journal beside the database (JSON
    lines, `side_file`) and is written again with the next event, at each `flush` and at the
    end. Once the database has them all, the journal is removed and `error` cleared.

    Events the session holds back (`hold`: behind a caller line not yet shown) are appended
    at once to a second journal, `held_file`, so a trainee action is never in memory only; it
    is removed once nothing is held and the database (or the side journal) has it all. Both
    are read back by the next store opened on the file if the call's writer dies
    (`SessionStore.mark_interrupted`, app/storage/journal.py).
    """

    def __init__(self, store: SessionStore, session_id: str) -> None:
        self.store = store
        self.session_id = session_id
        self.error: str | None = None
        self.unwritten: list[Event] = []
        self.side_file: Path | None = None  # set once something had to be kept beside
        self.held_file: Path | None = None  # set while held events are journaled
        self._journaled = 0  # how many of `unwritten` the side journal holds
        self._unhold_due = False  # nothing is held: drop `held_file` once all is written
        self._reason = ""
        self._lock = threading.Lock()
        self._q: queue.Queue[Event | threading.Event | _Hold] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="callsim-recorder", daemon=True)
        self._thread.start()

    def put(self, event: Event) -> None:
        self._q.put(event)

    def hold(self, events: list[Event]) -> None:
        """Journal events not written yet (they are `put` when their time comes)."""
        self._q.put(_Hold(list(events)))

    def unhold(self) -> None:
        """Nothing is held any more: every held event has been `put`."""
        self._q.put(_UNHOLD)

    def beat(self) -> None:
        """Renew the lease, so another machine sharing the file sees the call is live."""
        self._q.put(_BEAT)

    def close(self, timeout: float = 10.0) -> None:
        self._q.put(_STOP)
        self._thread.join(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event handed over so far is written (or kept aside)."""
        done = threading.Event()
        self._q.put(done)
        return done.wait(timeout)

    def keep_result(self, result: Result) -> None:
        """The database could not take the end of the call: leave its score in the side file
        with the events it lacks, and say where."""
        with self._lock:
            kept = {"session_id": self.session_id, "result": result, "kept_at": iso_utc(utc_now())}
            self._journal(kept)
            said = f"The call could not be saved to {self.store.path} ({self._reason}). "
            if self.side_file is not None:
                self.error = said + (
                    f"Everything the database lacks, with your score, is in {self.side_file}: "
                    "callsim adds it to the record the next time it starts with space on the "
                    "disk. Keep that file until then and tell your trainer"
                )
            else:
                self.error = said + (
                    "Everything the database lacks, with your score, is in this window only: "
                    "tell your trainer before you close it"
                )

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                self._retry()
                self._unhold_due = True
                self._drop_held()
                return
            if item is _UNHOLD:
                self._unhold_due = True
                self._drop_held()
                continue
            if isinstance(item, _Hold):
                self._hold(item.events)
                continue
            if item is _BEAT:
                if not self.unwritten:
                    try:
                        self.store.heartbeat(self.session_id)
                    except Exception:  # a missed beat only shortens the lease
                        _log.warning("could not renew the lease of %s", self.session_id)
                continue
            if isinstance(item, threading.Event):
                self._retry()
                item.set()
                continue
            with self._lock:
                self.unwritten.append(item)
            self._retry()

    def _retry(self) -> None:
        with self._lock:
            if not self.unwritten:
                return
            try:
                self.store.append_events(self.session_id, self.unwritten)
            except Exception as exc:  # storage must never take the call down
                self._failed(exc)
                return
            self.unwritten.clear()
            self._journaled = 0
            self.error = None
            if self.side_file is not None:
                self.side_file.unlink(missing_ok=True)  # the database has it all now
        self._drop_held()

    def _hold(self, events: list[Event]) -> None:
        path = journal_path(self.store.path, self.session_id, HELD)
        self._unhold_due = False
        for event in events:
            if not _append_line(path, event.to_json()):
                _log.warning("could not journal held events of %s in %s", self.session_id, path)
                return
        self.held_file = path

    def _drop_held(self) -> None:
        """Remove the held journal once nothing is held and all it had is stored elsewhere."""
        with self._lock:
            if not self._unhold_due or self.held_file is None:
                return
            if self._journaled < len(self.unwritten):
                return  # some of it is in memory only: keep the file
            self.held_file.unlink(missing_ok=True)
            self.held_file = None
            self._unhold_due = False

    def _failed(self, exc: Exception) -> None:
        _log.warning("could not record session %s: %s", self.session_id, exc)
        self._reason = _reason(exc, "a write failed")
        for event in self.unwritten[self._journaled :]:
            if not self._journal(event.to_json()):
                break
            self._journaled += 1
        kept = f"in {self.side_file}" if self.side_file and self._journaled else "in this window"
        self.error = (
            f"The call could not be saved to {self.store.path} ({self._reason}). The call "
            f"goes on and nothing is lost: it is kept {kept} and saved as soon as it can be"
        )

    def _journal(self, line: Mapping[str, Any]) -> bool:
        """Append one JSON line to the side journal; False if that cannot be written either."""
        path = journal_path(self.store.path, self.session_id, UNSAVED)
        if not _append_line(path, line):
            return False
        self.side_file = path
        return True


def _append_line(path: Path, line: Mapping[str, Any]) -> bool:
    """Append one JSON line to a journal, on disk before returning; False if it cannot be."""
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=True, allow_nan=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
    except (OSError, TypeError, ValueError):
        return False
    return True


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
        # Engine failures during this call (a scenario the checks let through, a bug): the
        # call goes on, each is logged with its traceback and kept here for the window.
        self.engine_errors: list[str] = []
        self._last_typing: dict[bool, float] = {}  # by kind: the log (True) or a line
        self._result: Result | None = None
        self._last_beat = 0.0  # call time of the last lease renewal
        # Events made but not yet shown: a caller line scheduled for later (and, to keep the
        # log in order, whatever came after it). Handed to the recorder when their time comes,
        # so a killed call's record holds only what the trainee saw; journaled at once
        # meanwhile (`Recorder.hold`), so what the trainee did is never in memory only.
        self._unshown: list[Event] = []
        self._holding = False  # the recorder holds a journal of `_unshown`

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
                _log.warning("could not start recording the call: %s", exc)
                reason = _reason(exc, "it failed")
                self._start_error = (
                    f"This call could not be saved to {self.store.path} ({reason}). The call "
                    "goes on, but it is kept in this window only"
                )
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
        self._release()
        now = self.clock()
        if self._recorder is not None and now - self._last_beat >= BEAT_INTERVAL:
            self._last_beat = now
            self._recorder.beat()
        return self._record(self.call.advance(now))

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
            self._release()
            self._recorder.flush()
            stored = False
            if not self._recorder.unwritten:
                try:
                    self.store.finish_session(self.session_id, result)
                    stored = True
                except Exception as exc:
                    _log.warning("could not store the result of %s: %s", self.session_id, exc)
            if not stored:
                self._recorder.keep_result(result)
        return result

    @property
    def side_file(self) -> Path | None:
        """The file beside the database holding what it could not take (None: none needed)."""
        return self._recorder.side_file if self._recorder is not None else None

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
        except Exception as exc:  # never take the call down: the trainee carries on
            _log.exception("engine error in scenario %s; the call goes on", self.scenario.id)
            self.engine_errors.append(f"{type(exc).__name__}: {exc}")
        return self._record(self.call.events[before:])

    def _record(self, events: list[Event]) -> list[Event]:
        if self._recorder is not None:
            self._unshown.extend(events)
            self._release()
            new = min(len(events), len(self._unshown))  # of these, the ones still held
            if new:
                self._recorder.hold(self._unshown[-new:])
                self._holding = True
        return events

    def _release(self) -> None:
        """Record the events whose time has come; once the call has ended, all of them (the
        finished record is the engine's whole call, which `verify` rebuilds)."""
        if self._recorder is None or not self._unshown:
            return
        if self.call.ended:
            due = len(self._unshown)
        else:
            now = self.clock()
            due = 0
            while due < len(self._unshown) and self._unshown[due].t <= now:
                due += 1
        for e in self._unshown[:due]:
            self._recorder.put(e)
        del self._unshown[:due]
        if self._holding and not self._unshown:
            self._recorder.unhold()
            self._holding = False
