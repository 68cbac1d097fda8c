from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.scenario.model import Line, Scenario
from app.voice.cache import AudioCache
from app.voice.prerender import prerender
from app.voice.settings import VoiceSettings
from app.voice.synth import SilentSynth
from app.voice.wav import write_silence


class CountingSynth(SilentSynth):
    """Silent, but remembers what it was asked to say, and can fail on cue."""

    def __init__(self, bad_files: dict[str, int] | None = None) -> None:
        self.said: list[str] = []
        self.bad_files = dict(bad_files or {})

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        self.said.append(text)
        if self.bad_files.get(text, 0) > 0:
            self.bad_files[text] -= 1
            out_path.write_bytes(b"RIFF half a file")  # "succeeds" with a bad file
            return
        super().render(text, settings, out_path)


def _progress() -> tuple[list[tuple[int, int]], Callable[[int, int], None]]:
    seen: list[tuple[int, int]] = []
    return seen, lambda done, total: seen.append((done, total))


def test_renders_every_line_in_order_with_progress(tmp_path: Path, scenario: Scenario) -> None:
    synth = CountingSynth()
    seen, progress = _progress()
    report = prerender(scenario, synth, AudioCache(tmp_path), progress)
    assert synth.said == [line.text for line in scenario.lines.values()]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert (report.total, report.rendered, report.cached, report.failed) == (3, 3, 0, [])
    assert report.ok and not report.cancelled


def test_second_run_skips_cached_lines(tmp_path: Path, scenario: Scenario) -> None:
    cache = AudioCache(tmp_path)
    prerender(scenario, CountingSynth(), cache)
    synth = CountingSynth()
    seen, progress = _progress()
    report = prerender(scenario, synth, cache, progress)
    assert synth.said == []
    assert (report.rendered, report.cached) == (0, 3)
    assert seen[-1] == (3, 3)


def test_an_edited_line_is_rendered_again(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    cache = AudioCache(tmp_path)
    prerender(scenario_factory([Line("a", "One."), Line("b", "Two.")]), CountingSynth(), cache)
    synth = CountingSynth()
    report = prerender(scenario_factory([Line("a", "One."), Line("b", "Two!")]), synth, cache)
    assert synth.said == ["Two!"] and report.rendered == 1 and report.cached == 1


def test_lines_with_voice_over_are_skipped(tmp_path: Path, scenario: Scenario) -> None:
    audio_root = tmp_path / "audio"
    (audio_root / scenario.id).mkdir(parents=True)
    write_silence(audio_root / scenario.id / "open.2.wav", 1.0)
    synth = CountingSynth()
    report = prerender(scenario, synth, AudioCache(tmp_path / "c"), audio_root=audio_root)
    assert scenario.lines["open.2"].text not in synth.said
    assert (report.recorded, report.rendered) == (1, 2)


def test_cancel_stops_before_the_next_line(tmp_path: Path, scenario: Scenario) -> None:
    synth = CountingSynth()
    seen, progress = _progress()
    report = prerender(
        scenario, synth, AudioCache(tmp_path), progress, cancelled=lambda: len(synth.said) >= 1
    )
    assert report.cancelled and not report.ok
    assert len(synth.said) == 1 and report.rendered == 1
    assert seen == [(0, 3), (1, 3)]


def test_cancel_before_start_renders_nothing(tmp_path: Path, scenario: Scenario) -> None:
    synth = CountingSynth()
    report = prerender(scenario, synth, AudioCache(tmp_path), cancelled=lambda: True)
    assert report.cancelled and synth.said == []


def test_a_bad_file_is_retried_once(tmp_path: Path, scenario: Scenario) -> None:
    text = scenario.lines["open.1"].text
    synth = CountingSynth(bad_files={text: 1})
    report = prerender(scenario, synth, AudioCache(tmp_path))
    assert synth.said.count(text) == 2 and report.ok and report.rendered == 3


def test_a_line_that_never_renders_is_reported_not_raised(
    tmp_path: Path, scenario: Scenario
) -> None:
    text = scenario.lines["open.1"].text
    synth = CountingSynth(bad_files={text: 5})
    report = prerender(scenario, synth, AudioCache(tmp_path))
    assert synth.said.count(text) == 2  # first try + one retry, then move on
    assert [line_id for line_id, _ in report.failed] == ["open.1"]
    assert report.rendered == 2 and not report.ok
    assert list((tmp_path / scenario.id).glob("open.1-*")) == []
