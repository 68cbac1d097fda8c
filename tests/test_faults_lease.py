"""A second process (or machine) opening the same file leaves a live call alone.

Liveness is a lease: the writer's host, pid and a heartbeat time refreshed during the call.
Another process marks a session interrupted only when its heartbeat is older than the lease,
or when the writer ran on this host and its process is gone.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.engine.events import Event
from app.storage import SessionStore
from app.storage.owner import Owner, this_host
from app.storage.store import LEASE_SECONDS


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _start(store: SessionStore) -> str:
    return store.start_session(
        trainee="T",
        scenario_id="s",
        scenario_sha256="0" * 64,
        scenario_title="S",
        mode="practice",
    )


def _event(seq: int) -> Event:
    return Event(seq=seq, t=float(seq), kind="time_passed", data={})


# A pid that is not running here: our own pid with a token that is not ours.
REMOTE = Owner(pid=os.getpid(), token="another machine's process", host="pc-at-the-desk")


def test_a_live_call_on_another_host_is_not_marked_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    clock = FakeClock()
    writer = SessionStore(path, clock=clock, lease_clock=clock, owner=REMOTE)
    reader = SessionStore(
        path, clock=clock, lease_clock=clock, owner=Owner(os.getpid(), "mine", "pc-in-the-office")
    )
    sid = _start(writer)
    writer.append_event(sid, _event(0))
    clock.advance(LEASE_SECONDS - 1)
    assert reader.mark_interrupted() == []
    writer.append_event(sid, _event(1))  # its next events are accepted
    # The heartbeat moved with the event: the lease runs from there.
    clock.advance(LEASE_SECONDS - 1)
    writer.heartbeat(sid)
    clock.advance(LEASE_SECONDS - 1)
    assert reader.mark_interrupted() == []
    writer.append_event(sid, _event(2))
    writer.finish_session(sid, None)
    info = reader.session(sid)
    assert info is not None and info.status == "finished" and info.event_count == 3
    assert reader.verify(sid).ok


def test_an_expired_lease_is_marked_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    clock = FakeClock()
    writer = SessionStore(path, clock=clock, lease_clock=clock, owner=REMOTE)
    reader = SessionStore(
        path, clock=clock, lease_clock=clock, owner=Owner(os.getpid(), "mine", "pc-in-the-office")
    )
    sid = _start(writer)
    writer.append_event(sid, _event(0))
    clock.advance(LEASE_SECONDS + 1)
    assert reader.mark_interrupted() == [sid]
    assert reader.verify(sid).ok


def test_on_this_host_a_dead_writer_is_marked_at_once(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    clock = FakeClock()
    dead_here = Owner(pid=os.getpid(), token="a process that has exited", host=this_host())
    writer = SessionStore(path, clock=clock, lease_clock=clock, owner=dead_here)
    sid = _start(writer)
    writer.append_event(sid, _event(0))
    reader = SessionStore(path, clock=clock, lease_clock=clock)
    assert reader.mark_interrupted() == [sid]  # heartbeat fresh, but the process is gone


def test_a_live_writer_on_this_host_is_left_even_after_the_lease(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    clock = FakeClock()
    writer = SessionStore(path, clock=clock, lease_clock=clock)
    sid = _start(writer)
    clock.advance(LEASE_SECONDS * 10)  # e.g. a laptop lid closed mid-call
    other = SessionStore(path, clock=clock, lease_clock=clock)
    assert other.mark_interrupted() == []
    writer.append_event(sid, _event(0))


def test_a_long_silence_still_renews_the_lease(tmp_path: Path) -> None:
    from app.services.call_session import BEAT_INTERVAL, CallSession
    from tests.scenario_kit import FakeMatcher, kit_scenario

    path = tmp_path / "sessions.db"
    wall = FakeClock()
    store = SessionStore(path, lease_clock=wall)
    t = [0.0]
    s = CallSession(kit_scenario(), FakeMatcher(), clock=lambda: t[0], store=store)
    s.start()
    s.flush()

    def beat() -> str:
        conn = sqlite3.connect(path)
        try:
            return str(conn.execute("SELECT heartbeat_at FROM sessions").fetchone()[0])
        finally:
            conn.close()

    first = beat()
    wall.advance(BEAT_INTERVAL)
    t[0] = BEAT_INTERVAL
    s.tick()  # nothing may be said (no silence handler due yet): the lease is renewed anyway
    s.flush()
    assert beat() > first
    s.close()


def test_a_heartbeat_far_in_the_future_does_not_keep_a_call_alive(tmp_path: Path) -> None:
    """A clock set wrong (or a hand edit) on the other machine cannot pin a call as live."""
    path = tmp_path / "sessions.db"
    ahead, here = FakeClock(), FakeClock()
    ahead.advance(LEASE_SECONDS * 100)
    writer = SessionStore(path, lease_clock=ahead, owner=REMOTE)
    reader = SessionStore(path, lease_clock=here, owner=Owner(os.getpid(), "mine", "office-pc"))
    sid = _start(writer)
    assert reader.mark_interrupted() == [sid]
