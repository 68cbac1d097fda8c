"""Captions distinct from what the voice says (`caption:`), and lines that are shown but never
spoken (`voice: false`): the engine's events, the result, and the voice layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import events as ev
from app.engine.call import Call
from app.engine.timing import speech_seconds
from app.scenario.loader import load_scenario_text
from app.scenario.model import Scenario
from app.scoring.score import score_call
from app.voice.cache import AudioCache, LineAudio
from app.voice.prerender import prerender
from tests.scenario_kit import FakeMatcher
from tests.test_loader_errors import at, problems_of
from tests.voice.test_voice_prerender import CountingSynth

CAPTIONED = """\
format: callsim/scenario@1
id: captioned
title: Captioned
library: none
start: open
caller: {name: Jo}
intents:
  where: {examples: [where are you]}
states:
  open:
    say:
      - {id: open.cough, text: "(one cough)", voice: false}
      - {id: open.hi, text: "Hello? Police?"}
    on:
      - intent: where
        say: {id: open.where, text: "Fourteen Mill Lane.", caption: "14 Mill Lane."}
global:
  - fallback: true
    say: {id: g.fb, text: "Sorry?", voice: true}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario_text(CAPTIONED, "captioned.yaml")


def caller_said(call: Call) -> list[dict[str, object]]:
    return [e.data for e in call.events if e.kind == ev.CALLER_SAID]


def test_the_event_shows_the_caption_and_says_what_is_spoken(scenario: Scenario) -> None:
    call = Call(scenario, FakeMatcher({"where are you": ("where",)}))
    call.start(0.0)
    call.say("where are you", 5.0)
    cough, hi, where = caller_said(call)
    assert cough == {
        "line_id": "open.cough",
        "text": "(one cough)",
        "emotion": None,
        "duration": speech_seconds("(one cough)"),  # timed as shown: it is never spoken
        "voice": False,
    }
    assert "voice" not in hi and "spoken" not in hi
    assert where["text"] == "14 Mill Lane." and where["spoken"] == "Fourteen Mill Lane."
    assert where["duration"] == speech_seconds("Fourteen Mill Lane.")  # the spoken words
    turns = score_call(scenario, call.events)["turns"]
    assert [t["text"] for t in turns if t["speaker"] == "caller"] == [
        "(one cough)",
        "Hello? Police?",
        "14 Mill Lane.",
    ]


def test_the_voice_never_speaks_a_line_that_is_not_spoken(
    tmp_path: Path, scenario: Scenario
) -> None:
    synth = CountingSynth()
    report = prerender(scenario, synth, AudioCache(tmp_path))
    assert synth.said == ["Hello? Police?", "Fourteen Mill Lane.", "Sorry?"]  # what is spoken
    assert (report.total, report.rendered, report.unspoken, report.done) == (4, 3, 1, 4)
    assert report.ok
    audio = LineAudio(synth, AudioCache(tmp_path), None)
    cough = scenario.lines["open.cough"]
    assert audio.resolve(scenario, cough).kind == "none"
    assert audio.ensure(scenario, cough).path is None
    assert synth.said == ["Hello? Police?", "Fourteen Mill Lane.", "Sorry?"]  # still
    assert audio.playable(scenario, "open.cough") is None
    # a captioned line plays its audio; replays match it by what was shown
    assert audio.playable(scenario, "open.where", "14 Mill Lane.") is not None
    assert audio.playable(scenario, "open.where", "an older caption") is None


@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("voice: false}", "voice: no}", "E010", "no}", "voice must be true or false"),
        ('caption: "14 Mill Lane."', 'caption: " "', "E013", '" "', "caption must not be empty"),
        ('caption: "14 Mill Lane."', 'captoin: "14 Mill Lane."', "E012", "captoin",
         "unknown key 'captoin' in a line (did you mean 'caption'?)"),
    ],
)  # fmt: skip
def test_bad_line_keys_are_located(old: str, new: str, code: str, where: str, message: str) -> None:
    text = CAPTIONED.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, where)
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_the_schema_takes_caption_and_voice() -> None:
    from tests.test_studio_schema import errors

    assert errors(CAPTIONED) == []
    assert errors(CAPTIONED.replace("voice: false}", "voice: no}")) != []
