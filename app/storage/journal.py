"""The side journals a call's recorder keeps beside the database, and reading them back.

Two append-only files of JSON lines, one of each per session, beside `callsim.db`:

- `callsim.db.unsaved-<session id>.jsonl`: events the database refused (a full disk, a file
  gone read-only), each a line `{"seq", "t", "kind", "data"}`, and, if the call ended while the
  disk was still full, a line `{"session_id", "result", "kept_at"}` with the debrief's score.
  Every event in it was shown to the trainee.
- `callsim.db.held-<session id>.jsonl`: events made but not yet written because a caller line
  scheduled for later comes before them in the log (the trainee's line said while a reply is
  still queued, and the queued reply itself). Each line is `{"seq", "t", "kind", "data"}`.

When the call's writer has died, `recovery_plan` works out what to add to its record: the
events the database lacks, in order, of which only what was shown. Shown: every unsaved event,
every trainee action (`INPUT_KINDS`), and anything the engine made no later than the last of
those; a queued caller line timed after that was never on screen and is left out (the events
after it are renumbered so the log stays gapless: `app/assessor/verify.py` rebuilds the same).

A torn last line (the writer died mid-write) is ignored; a torn line in the middle is reported
and skipped, and the events stop at the first gap it leaves. No Qt, no SQL here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.engine.events import INPUT_KINDS, Event

UNSAVED = "unsaved"
HELD = "held"


def journal_path(db_path: Path, session_id: str, which: str = UNSAVED) -> Path:
    """The side journal `which` (UNSAVED or HELD) of one session, beside the database."""
    return db_path.with_name(f"{db_path.name}.{which}-{session_id}.jsonl")


def journal_sessions(db_path: Path) -> dict[str, list[Path]]:
    """Session id -> its side journals found beside the database."""
    found: dict[str, list[Path]] = {}
    for which in (UNSAVED, HELD):
        prefix = f"{db_path.name}.{which}-"
        for path in sorted(db_path.parent.glob(f"{prefix}*.jsonl")):
            sid = path.name[len(prefix) : -len(".jsonl")]
            if sid:
                found.setdefault(sid, []).append(path)
    return found


@dataclass
class Journal:
    """What one journal file holds: its events by seq, a kept result, the problems found."""

    path: Path
    held: bool = False  # a HELD journal (else UNSAVED: everything in it was shown)
    events: dict[int, Event] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    kept_at: str | None = None
    problems: list[str] = field(default_factory=list)


def read_journal(path: Path) -> Journal:
    """Every whole line of `path`; a torn last line is ignored, one in the middle reported."""
    journal = Journal(path, held=f".{HELD}-" in path.name)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        journal.problems.append(f"{path.name} cannot be read ({exc.strerror or exc})")
        return journal
    lines = text.split("\n")
    last = len(lines) - 1  # after the final newline: "" when the last line is whole
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
            if "result" in obj:
                result = obj["result"]
                if not isinstance(result, dict):
                    raise ValueError("the result is not an object")
                journal.result = result
                journal.kept_at = str(obj["kept_at"]) if obj.get("kept_at") else None
            else:
                event = Event.from_json(obj)
                journal.events.setdefault(event.seq, event)
        except (ValueError, KeyError, TypeError):
            if number - 1 == last:
                continue  # torn while being written: the writer died mid-line
            journal.problems.append(f"{path.name} line {number} is damaged and was skipped")
    return journal


@dataclass(frozen=True)
class RecoveryPlan:
    """What to add to a dead session's record from its side journals."""

    events: list[Event]  # to append, numbered on from the database's count
    result: dict[str, Any] | None  # the debrief's score kept aside, if any
    kept_at: str | None
    unshown: int  # queued caller lines left out: never on screen
    problems: list[str]
    complete: bool  # every event the journals hold is accounted for (the files may go)


def recovery_plan(
    journals: list[Journal], stored_count: int, stored_last_t: float | None
) -> RecoveryPlan:
    """The events the database (`stored_count` events, the last shown at `stored_last_t`)
    lacks, from the unsaved and held journals, in engine order, only those shown."""
    shown: dict[int, Event] = {}
    held: dict[int, Event] = {}
    result: dict[str, Any] | None = None
    kept_at: str | None = None
    problems: list[str] = []
    for journal in journals:
        problems.extend(journal.problems)
        (held if journal.held else shown).update(journal.events)
        if journal.result is not None:
            result, kept_at = journal.result, journal.kept_at
    chain: list[tuple[Event, bool]] = []
    seq = stored_count
    while seq in shown or seq in held:
        event = shown.get(seq) or held[seq]
        chain.append((event, seq in shown or event.kind in INPUT_KINDS))
        seq += 1
    beyond = [s for s in (*shown, *held) if s >= seq]
    complete = not beyond
    if beyond:
        problems.append(f"events from seq {min(beyond)} on follow a gap and were not added")
    times = [e.t for e, certain in chain if certain]
    if stored_last_t is not None:
        times.append(stored_last_t)
    upto = max(times, default=None)
    kept = [e for e, certain in chain if certain or (upto is not None and e.t <= upto)]
    events = [Event(stored_count + i, e.t, e.kind, e.data) for i, e in enumerate(kept)]
    return RecoveryPlan(events, result, kept_at, len(chain) - len(kept), problems, complete)
