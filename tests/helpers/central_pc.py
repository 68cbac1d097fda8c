"""One simulated trainee PC, as its own OS process, for tests/test_central_three_pcs.py.

    python tests/helpers/central_pc.py NAME FOLDER DSN

It keeps its SQLite store in FOLDER (its writer's host is NAME, as if on its own machine)
and obeys one command per line on stdin, answering each with one JSON line on stdout, so the
test synchronises on what it reads (no sleeps):

    record N         N finished calls            -> {"recorded": [ids]}
    start            a live call, one event      -> {"live": id}
    say ID           the live call's next event  -> {"said": seq}
    finish ID        the live call ends          -> {"finished": id}
    status ID        its status in the store     -> {"status": "active"}
    sync [K]         send what is pending; with K, pause once after the events of the K-th
                     session sent: print {"paused": backend pid}, wait for a line "go"
                                                 -> {"sent": [...], "left": n, "error": ...}
    open PATH        open another store file, as this PC, and run its start-up check
                                                 -> {"interrupted": [ids]}
    quit
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.central.outbox import Outbox
from app.engine.events import Event
from app.storage import SessionStore
from app.storage.owner import Owner, process_token

TEXT = b"id: demo\ntitle: Demo call\n# the scenario file played\n"
SHA = hashlib.sha256(TEXT).hexdigest()


def texts(scenario_id: str, sha256: str) -> bytes | None:
    return TEXT if sha256 == SHA else None


def answer(value: dict[str, Any]) -> None:
    print(json.dumps(value), flush=True)


def main() -> None:
    name, folder, dsn = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    owner = Owner(os.getpid(), process_token(os.getpid()) or "", name)
    store = SessionStore(folder / "callsim.sqlite", owner=owner)
    store.mark_interrupted()  # the PC's start-up check, as the app does
    said: dict[str, int] = {}

    def call(n: int) -> str:
        sid = store.start_session(
            trainee=f"{name}-trainee",
            scenario_id="demo",
            scenario_sha256=SHA,
            scenario_title="Demo call",
            mode="assessment",
        )
        store.append_events(
            sid,
            [Event(i, 1.5 * i, "trainee_said", {"text": f"{name} line {i}"}) for i in range(n)],
        )
        said[sid] = n
        return sid

    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "record":
            ids = []
            for i in range(int(args[0])):
                sid = call(2 + i)
                store.finish_session(sid, {"score": 60.0 + i, "passed": True})
                ids.append(sid)
            answer({"recorded": ids})
        elif cmd == "start":
            answer({"live": call(1)})
        elif cmd == "say":
            seq = said[args[0]]
            store.append_event(args[0], Event(seq, 1.5 * seq, "caller_said", {"text": "still"}))
            said[args[0]] = seq + 1
            answer({"said": seq})
        elif cmd == "finish":
            store.finish_session(args[0], {"score": 80.0, "passed": True})
            answer({"finished": args[0]})
        elif cmd == "status":
            info = store.session(args[0])
            answer({"status": None if info is None else info.status})
        elif cmd == "sync":
            answer(sync(store, dsn, name, int(args[0]) if args else None))
        elif cmd == "open":
            with SessionStore(Path(args[0]), owner=owner) as other:
                answer({"interrupted": other.mark_interrupted()})
        elif cmd == "quit":
            break
    store.close()


def sync(store: SessionStore, dsn: str, name: str, pause_at: int | None) -> dict[str, Any]:
    events_sent = [0]

    def step(step_name: str, conn: Any) -> None:
        if step_name != "events":
            return
        events_sent[0] += 1
        if events_sent[0] == pause_at:
            answer({"paused": conn.info.backend_pid})
            if sys.stdin.readline().strip() != "go":
                raise SystemExit("expected go")

    with Outbox(store, dsn, scenario_texts=texts, source=name, on_step=step) as box:
        report = box.sync()
    return {"sent": report.sent, "left": report.left, "error": report.error}


if __name__ == "__main__":
    main()
