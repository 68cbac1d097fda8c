"""A recorded session, ready to replay: its events, a timeline for the screen, and the checks
an assessor needs before trusting it.

- `verified`: the stored event chain (app/storage/chain.py).
- `verification`: every check `callsim verify` makes (app/assessor/verify.py): the header,
  events, result, seal, audit trail and ledger, the rebuild and the re-score. The banner
  shows its first problem.
- `scenario_matches`: whether the scenario file found today is byte for byte the one played
  (sha256); None when no file with that scenario id is found.
- `rebuilt_equal`: the input events replayed through the same engine, with the scenario's
  matcher, give exactly the stored events (for a session that did not finish, the stored
  events must be the start of the rebuilt ones). None when there is no scenario to replay.
  A scenario file that has changed since is still replayed, to show how it now differs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.assessor.verify import ScenarioFinder, Verification, shown_part, verify_session
from app.engine import events as ev
from app.engine.call import RecordedMatcher, replay
from app.engine.events import Event
from app.scenario.model import Scenario
from app.storage import SessionInfo, SessionStore, UnknownSessionError, VerifyResult

__all__ = ["Replay", "ScenarioFinder", "TimelineItem", "complete_replay", "open_replay", "timeline"]

TIMELINE_KINDS = {
    ev.CALLER_SAID: "caller",
    ev.TRAINEE_SAID: "trainee",
    ev.FLAG_RAISED: "flag_raised",
    ev.FLAG_LOWERED: "flag_lowered",
    ev.LOG_CHANGED: "log",
    ev.CLOSING_ATTEMPT: "closing_attempt",
    ev.MARK: "mark",
    ev.SILENCE: "silence",
    ev.CALL_ENDED: "ended",
}


@dataclass(frozen=True)
class TimelineItem:
    t: float  # seconds since the call connected
    seq: int  # the event it shows
    kind: str  # a value of TIMELINE_KINDS
    text: str  # what was said, the flag, "field: value", the mark's name, ...
    detail: dict[str, Any]  # the event's data
    turn: int | None  # index into the result's `turns` (caller and trainee lines)


@dataclass(frozen=True)
class Replay:
    session: SessionInfo
    events: list[Event]
    items: list[TimelineItem]
    duration: float
    scenario: Scenario | None
    scenario_matches: bool | None
    verified: VerifyResult
    rebuilt_equal: bool | None
    scenario_path: Path | None = None
    rebuild_error: str | None = None  # why the rebuild could not run, when it could not
    verification: Verification | None = None  # None until checked

    def index_at(self, t: float) -> int:
        """The index of the last item at or before `t` (-1 before the first)."""
        return bisect.bisect_right([i.t for i in self.items], t + 1e-9) - 1

    def index_of_seq(self, seq: int) -> int | None:
        """The index of the item showing event `seq` (or the first one after it)."""
        pos = bisect.bisect_left([i.seq for i in self.items], seq)
        return pos if pos < len(self.items) else None

    def index_of_turn(self, turn: int) -> int | None:
        return next((n for n, i in enumerate(self.items) if i.turn == turn), None)

    def first_mark(self, name: str) -> TimelineItem | None:
        """The moment the scenario marked `name` (e.g. a disclosure), if it did."""
        return next((i for i in self.items if i.kind == "mark" and i.text == name), None)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def timeline(events: Iterable[Event]) -> tuple[list[TimelineItem], float]:
    """The items to show for `events`, and the call's duration (when the last thing ended,
    a caller line's speaking time included). Tolerates malformed data."""
    items: list[TimelineItem] = []
    turn = 0
    duration = 0.0
    for e in events:
        d = e.data
        duration = max(duration, e.t)
        kind = TIMELINE_KINDS.get(e.kind)
        if kind is None:
            continue
        this_turn: int | None = None
        if kind in ("caller", "trainee"):
            text = _str(d.get("text"))
            this_turn, turn = turn, turn + 1
            if kind == "caller":
                spoken = d.get("duration")
                if isinstance(spoken, int | float) and not isinstance(spoken, bool):
                    duration = max(duration, e.t + float(spoken))
        elif kind in ("flag_raised", "flag_lowered"):
            text = _str(d.get("flag"))
        elif kind == "log":
            text = f"{_str(d.get('field'))}: {_str(d.get('value'))}"
        elif kind == "closing_attempt":
            text = f"closing attempt {_str(d.get('n'))}"
        elif kind == "mark":
            text = _str(d.get("name"))
        elif kind == "silence":
            text = f"silence ({_str(d.get('silent_for'))} s)"
        else:
            text = f"call ended by {_str(d.get('by'))}"
        items.append(TimelineItem(e.t, e.seq, kind, text, dict(d), this_turn))
    return items, round(duration, 3)


# -- finding the scenario -------------------------------------------------------------------
def _rebuild(scenario: Scenario, events: list[Event], finished: bool) -> tuple[bool, str | None]:
    """Do the stored reactions follow, through the engine, from the stored actions? The lines
    are answered with the intents heard at the time (RecordedMatcher): this checks the engine
    and the log, and costs engine time only (no re-matching of every line)."""
    inputs = [e for e in events if e.kind in ev.INPUT_KINDS]
    try:
        again = replay(scenario, RecordedMatcher(inputs), inputs).events
    except Exception as exc:  # malformed stored data must not take the replay screen down
        return False, f"{type(exc).__name__}: {exc}"
    stored = [e.canonical() for e in events]
    rebuilt = [e.canonical() for e in (again if finished else shown_part(again, events))]
    if not finished:
        rebuilt = rebuilt[: len(stored)]
    return stored == rebuilt, None


def complete_replay(
    partial: Replay, *, scenarios: ScenarioFinder, store: SessionStore | None = None
) -> Replay:
    """`partial` (the stored call, already read and verified) with its scenario found and the
    call rebuilt: the second step of opening a replay, without reading the events again.
    With `store`, the full verification too (`verify_session`, as `callsim verify`)."""
    info, events = partial.session, partial.events
    path, scenario, matches = scenarios.find(info.scenario_id, info.scenario_sha256)
    verification = None if store is None else verify_session(store, info.id, scenarios=scenarios)
    rebuilt: bool | None = None
    error: str | None = None
    if verification is not None and verification.rebuilt is not None:
        rebuilt, error = verification.rebuilt, verification.rebuild_error
    elif scenario is not None:
        rebuilt, error = _rebuild(scenario, events, info.status == "finished")
    return replace(
        partial,
        scenario=scenario,
        scenario_matches=matches,
        rebuilt_equal=rebuilt,
        scenario_path=path,
        rebuild_error=error,
        verification=verification if verification is not None else partial.verification,
    )


def open_replay(store: SessionStore, session_id: str, *, scenarios: ScenarioFinder) -> Replay:
    """Everything the replay screen shows for one session, verified as `callsim verify`
    does (raises `UnknownSessionError`).

    `scenarios`: where to look for the scenario played (the app's `ScenarioCatalog`, which
    loads each file once per content)."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    events = store.events(session_id)
    verified = store.verify(session_id)
    items, duration = timeline(events)
    partial = Replay(info, events, items, duration, None, None, verified, None)
    return complete_replay(partial, scenarios=scenarios, store=store)
