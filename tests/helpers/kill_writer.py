"""Test helper: a call writer to kill mid-call (run as a script, never imported by the app).

    python kill_writer.py          start a session, append events one by one for ever
    python kill_writer.py --hold   start a session, append 3 events, then wait for stdin to close

The database is `default_db_path()`, so the test points `CALLSIM_DATA_DIR` at a tmp dir.
Prints "session <id>", then "<seq>" after each `append_event` has returned (flushed), then,
with --hold, "holding". Exits by itself if stdout is closed, so it never outlives the test.
"""

from __future__ import annotations

import sys

from app.engine.events import Event
from app.storage import SessionStore

MAX_EVENTS = 1_000_000  # a backstop; the test kills us long before
LINES = ("'; DROP TABLE sessions;--", "<script>alert(1)</script>", "Is anyone hurt?")


def make_event(seq: int) -> Event:
    """The event the writer stores at `seq` (the test rebuilds it to check what was stored)."""
    text = f"{LINES[seq % len(LINES)]} #{seq}"
    if seq % 2:
        return Event(seq, seq * 0.75, "caller_said", {"line_id": f"l{seq}", "text": text})
    return Event(seq, seq * 0.75, "trainee_said", {"text": text, "intents": ["ask_injuries"]})


def main(argv: list[str]) -> int:
    hold = "--hold" in argv
    store = SessionStore()
    session_id = store.start_session(
        trainee="kill-test",
        scenario_id="burglary",
        scenario_sha256="0" * 64,
        scenario_title="Burglary in progress",
        mode="practice",
    )
    try:
        print("session", session_id, flush=True)
        for seq in range(3 if hold else MAX_EVENTS):
            store.append_event(session_id, make_event(seq))
            print(seq, flush=True)
        if hold:
            print("holding", flush=True)
            sys.stdin.read()  # returns when the test closes our stdin
    except BrokenPipeError:
        pass  # the test has gone; stop writing
    return 0  # deliberately never finish_session: the session must end up 'interrupted'


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
