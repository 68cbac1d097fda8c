"""Odd text is stored faithfully and shown literally (issue #12): a lone surrogate, NUL and
control characters never reach the record; bidirectional controls are kept but shown
written out, never applied."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from app.engine import events as ev
from app.engine.call import Call
from app.storage import SessionStore
from app.text.clean import clean, shown
from tests.scenario_kit import FakeMatcher, kit_scenario

RLO = "\u202e"


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    assert clean("14 Mill\ud800 Lane") == "14 Mill\ufffd Lane"
    clean("x\udfff").encode("utf-8")  # storable


def test_nul_and_controls_are_removed_tabs_and_log_lines_kept() -> None:
    assert clean("a\x00b\x07c\x1bd\te") == "abcd\te"
    assert clean("one\r\ntwo\rthree\nfour", multiline=True) == "one\ntwo\nthree\nfour"
    assert clean("one\ntwo") == "onetwo"  # a spoken line is one line


def test_text_is_stored_composed() -> None:
    assert clean("Jose\u0301") == "Jos\u00e9"


def test_bidi_controls_are_kept_and_shown_written_out() -> None:
    typed = f"{RLO}enal lliM 41"
    assert clean(typed) == typed
    assert shown(typed) == "<U+202E>enal lliM 41"
    assert shown("plain text") == "plain text"


@given(st.text())
def test_clean_is_idempotent_storable_and_never_grows_controls(text: str) -> None:
    once = clean(text, multiline=True)
    assert clean(once, multiline=True) == once  # replaying stored input changes nothing
    once.encode("utf-8")
    assert "\x00" not in once


def test_the_call_records_clean_text(tmp_path: object) -> None:
    call = Call(kit_scenario(), FakeMatcher())
    call.start(0.0)
    call.say("where\x00 are\ud800 you", 2.0)
    field = next(iter(call.scenario.log_fields))
    call.set_log(field, "line one\r\nline\x07 two", 3.0)
    said = next(e for e in call.events if e.kind == ev.TRAINEE_SAID)
    logged = next(e for e in call.events if e.kind == ev.LOG_CHANGED)
    assert said.data["text"] == "where are\ufffd you"
    assert logged.data["value"] == "line one\nline two"
    json.dumps([e.data for e in call.events], ensure_ascii=False).encode("utf-8")


def test_the_trainee_name_is_stored_clean(tmp_path: object) -> None:
    from pathlib import Path

    store = SessionStore(Path(str(tmp_path)) / "s.db")
    sid = store.start_session(
        trainee="Ana\x00 Khan\ud800", scenario_id="x", scenario_sha256="0" * 64,
        scenario_title="X", mode="practice",
    )  # fmt: skip
    info = store.session(sid)
    assert info is not None and info.trainee == "Ana Khan\ufffd"
    store.close()
