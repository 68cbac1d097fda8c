"""Test helper for tests/test_faults_held.py (run as a script, never imported by the app).

    python held_child.py DB

Plays the kit scenario into DB with a fake clock: a trainee line said and a log entry written
while the caller's next line is still queued. Once the recorder has handled them, prints
`HELD <session id>` and waits to be killed (SIGKILL); exits by itself if stdin closes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.services.call_session import CallSession
from app.storage import SessionStore
from tests.scenario_kit import FakeMatcher, kit_scenario


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def main(argv: list[str]) -> int:
    clock = FakeClock()
    store = SessionStore(Path(argv[0]))
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store, trainee="ana")
    s.start()
    clock.now = 5.0
    s.say("where are you")
    clock.now = 5.2
    s.say("calm down")
    clock.now = 5.5
    s.set_log("notes", "12 Hollins Road")
    if not s.flush():
        return 1
    print("HELD", s.session_id, flush=True)
    sys.stdin.read()  # the test kills us before this returns
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
