"""SessionStore: sessions, events, listing, search, injection safety, threads."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs
import pytest

from app.engine.events import Event
from app.storage import (
    EventDataError,
    EventOrderError,
    SessionStateError,
    SessionStore,
    StorageError,
    UnknownSessionError,
    default_db_path,
)

INJECTION = "'; DROP TABLE sessions;--"
SCRIPT = "<script>alert(1)</script>"


class FakeClock:
    """Each call is one minute after the previous one."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    with SessionStore(tmp_path / "callsim.db", clock=FakeClock()) as s:
        yield s


def start(store: SessionStore, trainee: str = "ann", scenario: str = "burglary", **kw: str) -> str:
    args = {"scenario_sha256": "a" * 64, "scenario_title": "Burglary", "mode": "practice"} | kw
    return store.start_session(trainee=trainee, scenario_id=scenario, **args)


def said(seq: int, text: str, kind: str = "trainee_said") -> Event:
    data = {"text": text} if kind == "trainee_said" else {"line_id": f"c{seq}", "text": text}
    return Event(seq, seq * 1.5, kind, data)


# -- where the file lives -----------------------------------------------------------------


def test_default_path_honours_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "x"))
    assert default_db_path() == tmp_path / "x" / "callsim.db"
    monkeypatch.delenv("CALLSIM_DATA_DIR")
    assert default_db_path() == Path(platformdirs.user_data_dir("callsim")) / "callsim.db"


def test_store_without_a_path_creates_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "deep" / "er"))
    with SessionStore() as s:
        assert s.path == tmp_path / "deep" / "er" / "callsim.db"
        start(s)
    assert (tmp_path / "deep" / "er" / "callsim.db").is_file()


def test_file_is_in_wal_mode_and_writes_are_fully_synced(store: SessionStore) -> None:
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # synchronous is per connection: look at the store's own (FULL == 2).
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2


# -- sessions -----------------------------------------------------------------------------


def test_start_session_records_everything(store: SessionStore) -> None:
    sid = start(store, trainee="Ann Smith", scenario="rtc", mode="assessment")
    assert len(sid) == 32 and int(sid, 16) >= 0
    info = store.session(sid)
    assert info is not None
    assert (info.trainee, info.scenario_id, info.scenario_sha256, info.scenario_title) == (
        "Ann Smith",
        "rtc",
        "a" * 64,
        "Burglary",
    )
    assert (info.mode, info.status, info.event_count, info.ended_at) == (
        "assessment",
        "active",
        0,
        None,
    )
    assert info.started_at == datetime(2026, 1, 1, 9, 1, tzinfo=UTC)
    assert info.score is None and info.passed is None
    assert store.session("nope") is None


def test_unknown_mode_is_refused(store: SessionStore) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        start(store, mode="exam")
    assert store.list_sessions() == []


def test_finish_session_stores_the_result_in_its_own_order(store: SessionStore) -> None:
    sid = start(store)
    result = {"score": 82, "passed": True, "items": [{"id": "b", "ok": True}], "a": None}
    store.finish_session(sid, result)
    info = store.session(sid)
    assert info is not None
    assert (info.status, info.score, info.passed) == ("finished", 82.0, True)
    assert info.ended_at is not None and info.ended_at > info.started_at
    assert store.result(sid) == result
    with sqlite3.connect(store.path) as other:
        (stored,) = other.execute("SELECT result_json FROM sessions").fetchone()
    assert stored == json.dumps(result)
    assert list(json.loads(stored)) == list(result)  # criteria keep the rubric's order


def test_finish_without_result_and_twice(store: SessionStore) -> None:
    sid = start(store)
    store.finish_session(sid, None)
    assert store.result(sid) is None
    with pytest.raises(SessionStateError, match="finished"):
        store.finish_session(sid, {"score": 1})
    with pytest.raises(UnknownSessionError):
        store.finish_session("nope", None)


# -- events -------------------------------------------------------------------------------


def test_events_round_trip_exactly(store: SessionStore) -> None:
    sid = start(store)
    events = [
        Event(0, 0.0, "call_started", {}),
        said(1, "Police, what's your emergency? é ✓ 🚓"),
        said(2, "Someone is in my house", kind="caller_said"),
        Event(3, 4.25, "log_changed", {"field": "location", "value": {"street": "High St"}}),
        Event(4, 5.0, "trainee_said", {"text": "x", "intents": ["a"], "scores": {"a": 0.5}}),
    ]
    for event in events:
        store.append_event(sid, event)
    assert store.events(sid) == events
    info = store.session(sid)
    assert info is not None and info.event_count == 5


def test_append_is_visible_to_another_connection_at_once(store: SessionStore) -> None:
    sid = start(store)
    store.append_event(sid, said(0, "hello"))
    with SessionStore(store.path) as reader:
        assert reader.events(sid) == [said(0, "hello")]


def test_seq_gap_and_duplicate_are_refused(store: SessionStore) -> None:
    sid = start(store)
    with pytest.raises(EventOrderError, match="expected event seq 0, got 1"):
        store.append_event(sid, said(1, "skipped zero"))
    store.append_event(sid, said(0, "first"))
    with pytest.raises(EventOrderError, match="duplicate"):
        store.append_event(sid, said(0, "again"))
    with pytest.raises(EventOrderError, match="gap"):
        store.append_event(sid, said(5, "far ahead"))
    assert store.events(sid) == [said(0, "first")]


def test_append_events_is_all_or_nothing(store: SessionStore) -> None:
    sid = start(store)
    store.append_events(sid, [said(0, "a"), said(1, "b")])
    with pytest.raises(EventOrderError):
        store.append_events(sid, [said(2, "c"), said(3, "d"), said(5, "gap")])
    assert [e.seq for e in store.events(sid)] == [0, 1]
    assert store.search("c") == []  # the text index was rolled back with the events
    store.append_events(sid, [])
    assert store.verify(sid).ok


def test_bad_event_data_is_refused_before_writing(store: SessionStore) -> None:
    sid = start(store)
    with pytest.raises(EventDataError, match="not plain JSON"):
        store.append_event(sid, Event(0, 0.0, "mark", {"x": float("nan")}))
    with pytest.raises(EventDataError, match="not plain JSON"):
        store.append_event(sid, Event(0, 0.0, "mark", {"x": object()}))
    with pytest.raises(EventDataError, match="seq"):
        store.append_event(sid, Event(-1, 0.0, "mark", {}))
    with pytest.raises(EventDataError, match="t must be finite"):
        store.append_event(sid, Event(0, float("inf"), "mark", {}))
    assert store.events(sid) == []


def test_int_times_and_tuples_are_stored_as_they_read_back(store: SessionStore) -> None:
    sid = start(store)
    store.append_event(sid, Event(0, 3, "mark", {"pair": (1, 2)}))
    (event,) = store.events(sid)
    assert event == Event(0, 3.0, "mark", {"pair": [1, 2]}) and isinstance(event.t, float)
    assert store.verify(sid).ok


def test_lone_surrogate_in_text_does_not_lose_the_event(store: SessionStore) -> None:
    sid = start(store)
    store.append_event(sid, said(0, "bad \ud800 char"))
    assert store.events(sid) == [said(0, "bad \ud800 char")]
    assert store.verify(sid).ok
    assert store.search("char") == [(sid, 0)]


def test_appending_to_unknown_or_closed_sessions_fails(store: SessionStore) -> None:
    with pytest.raises(UnknownSessionError, match="nope"):
        store.append_event("nope", said(0, "x"))
    with pytest.raises(UnknownSessionError):
        store.events("nope")
    sid = start(store)
    store.finish_session(sid, None)
    with pytest.raises(SessionStateError, match="cannot append to"):
        store.append_event(sid, said(0, "late"))


def test_events_cannot_be_updated_in_place(store: SessionStore) -> None:
    sid = start(store)
    store.append_event(sid, said(0, "hello"))
    with sqlite3.connect(store.path) as other, pytest.raises(sqlite3.IntegrityError):
        other.execute("UPDATE events SET data_json = '{}'")


# -- hostile text -------------------------------------------------------------------------


def test_injection_and_markup_are_stored_literally(store: SessionStore) -> None:
    sid = start(store, trainee=INJECTION, scenario=SCRIPT, scenario_title=f"{SCRIPT}{INJECTION}")
    store.append_events(sid, [said(0, INJECTION), said(1, SCRIPT, kind="caller_said")])
    info = store.session(sid)
    assert info is not None
    assert (info.trainee, info.scenario_id, info.scenario_title) == (
        INJECTION,
        SCRIPT,
        SCRIPT + INJECTION,
    )
    assert [e.data["text"] for e in store.events(sid)] == [INJECTION, SCRIPT]
    assert [s.id for s in store.list_sessions(trainee=INJECTION)] == [sid]
    assert [s.id for s in store.list_sessions(scenario_id=SCRIPT)] == [sid]
    assert store.search(INJECTION) == [(sid, 0)]
    assert store.search(SCRIPT) == [(sid, 1)]
    assert store.result(sid) is None
    store.finish_session(sid, {"note": INJECTION})
    assert store.result(sid) == {"note": INJECTION}
    with sqlite3.connect(store.path) as other:
        tables = {r[0] for r in other.execute("SELECT name FROM sqlite_master")}
    assert {"sessions", "events", "event_text"} <= tables


# -- listing ------------------------------------------------------------------------------


def test_list_sessions_newest_first_with_filters(store: SessionStore) -> None:
    a1 = start(store, trainee="ann", scenario="burglary")
    b1 = start(store, trainee="bob", scenario="burglary")
    a2 = start(store, trainee="ann", scenario="rtc")
    store.finish_session(a1, {"score": 50, "passed": False})
    assert [s.id for s in store.list_sessions()] == [a2, b1, a1]
    assert [s.id for s in store.list_sessions(trainee="ann")] == [a2, a1]
    assert [s.id for s in store.list_sessions(scenario_id="burglary")] == [b1, a1]
    assert [s.id for s in store.list_sessions(status="active")] == [a2, b1]
    assert [s.id for s in store.list_sessions(trainee="ann", status="finished")] == [a1]
    assert store.list_sessions(trainee="ann", scenario_id="rtc", status="finished") == []
    assert [s.id for s in store.list_sessions(limit=2)] == [a2, b1]
    assert store.list_sessions(trainee="nobody") == []
    with pytest.raises(ValueError, match="status must be one of"):
        store.list_sessions(status="done")


def test_sessions_started_in_the_same_instant_keep_insertion_order(tmp_path: Path) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with SessionStore(tmp_path / "c.db", clock=lambda: moment) as s:
        ids = [start(s) for _ in range(3)]
        assert [x.id for x in s.list_sessions()] == ids[::-1]


# -- search -------------------------------------------------------------------------------


def test_search_finds_spoken_lines_only(store: SessionStore) -> None:
    one, two = start(store), start(store)
    store.append_events(
        one,
        [
            said(0, "Where are you calling from?"),
            said(1, "I'm at the Café on High Street", kind="caller_said"),
            Event(2, 3.0, "log_changed", {"field": "location", "text": "High Street"}),
        ],
    )
    store.append_events(two, [said(0, "Is the street safe?")])
    assert store.search("high street") == [(one, 1)]
    assert store.search("STREET") == [(one, 1), (two, 0)]
    assert store.search("cafe") == [(one, 1)]  # diacritics folded
    assert store.search("street nowhere") == []
    assert store.search("calling") == [(one, 0)]


@pytest.mark.parametrize(
    ("query", "hit"),
    [
        ('"', False),
        ("AND OR NOT", True),
        ("NEAR(a x)", True),
        ("NEAR(a b)", False),
        ("a*", True),
        ("col:x", True),
        ("'; --", False),
        ("   ", False),
        ("", False),
    ],
)
def test_search_text_is_never_query_syntax(store: SessionStore, query: str, hit: bool) -> None:
    sid = start(store)
    store.append_event(sid, said(0, "AND OR NOT near a col x"))
    assert store.search(query) == ([(sid, 0)] if hit else [])


# -- lifetime and threads -----------------------------------------------------------------


def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    s = SessionStore(tmp_path / "c.db")
    s.close()
    s.close()
    with pytest.raises(StorageError, match="closed"):
        s.list_sessions()
    with pytest.raises(StorageError, match="closed"):
        start(s)


def test_one_store_shared_by_threads(store: SessionStore) -> None:
    ids = [start(store, trainee=f"t{i}") for i in range(4)]
    errors: list[BaseException] = []

    def write(sid: str) -> None:
        try:
            for seq in range(50):
                store.append_event(sid, said(seq, f"line {seq}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(sid,)) for sid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for sid in ids:
        assert [e.seq for e in store.events(sid)] == list(range(50))
        assert store.verify(sid).ok
