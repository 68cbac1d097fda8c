from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.scenario.model import Line, Scenario
from app.voice import settings as voice_settings
from app.voice.cache import AudioCache, LineAudio, audio_hash, default_cache_dir, safe_name
from app.voice.settings import VoiceSettings, pace_fingerprint, settings_for_line
from app.voice.synth import SilentSynth, SynthError
from app.voice.wav import write_silence

S = VoiceSettings(rate=1.1, pitch=1, gender="female")


def test_layout_is_scenario_then_line_and_hash(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    path = cache.path_for("misconduct-disclosure", "open.1", "Hello?", S, "espeak-ng")
    assert path.parent == tmp_path / "misconduct-disclosure"
    assert path.name == f"open.1-{audio_hash('Hello?', S, 'espeak-ng')}.wav"
    assert len(audio_hash("Hello?", S, "espeak-ng")) == 12


def test_key_changes_with_text_voice_and_backend_and_nothing_else(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    base = cache.path_for("s", "l", "Hello?", S, "espeak-ng")
    assert (
        cache.path_for("s", "l", "Hello?", VoiceSettings(1.1, 1, 0, "female"), "espeak-ng") == base
    )
    assert AudioCache(tmp_path).path_for("s", "l", "Hello?", S, "espeak-ng") == base  # stable
    changed = [
        cache.path_for("s", "l", "Hello!", S, "espeak-ng"),
        cache.path_for("s", "l", "Hello?", VoiceSettings(1.2, 1, 0, "female"), "espeak-ng"),
        cache.path_for("s", "l", "Hello?", VoiceSettings(1.1, 2, 0, "female"), "espeak-ng"),
        cache.path_for("s", "l", "Hello?", VoiceSettings(1.1, 1, 1, "female"), "espeak-ng"),
        cache.path_for("s", "l", "Hello?", VoiceSettings(1.1, 1, 0, "male"), "espeak-ng"),
        cache.path_for("s", "l", "Hello?", S, "pyttsx3"),
    ]
    assert all(p != base for p in changed)
    assert len({p.name for p in changed}) == len(changed)


def test_key_changes_when_the_pace_is_recalibrated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same settings sound different once a rate maps to another engine speed, so a
    recalibration must re-render, never serve the old pace from the cache."""
    before = audio_hash("Hello?", S, "espeak-ng")
    try:
        with monkeypatch.context() as m:
            m.setattr(voice_settings, "ESPEAK_SPEED_AT_1", 175)
            pace_fingerprint.cache_clear()
            assert audio_hash("Hello?", S, "espeak-ng") != before
    finally:
        pace_fingerprint.cache_clear()  # forget the patched pace
    assert audio_hash("Hello?", S, "espeak-ng") == before


def test_a_render_from_before_the_pace_calibration_is_not_played(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    sc = scenario_factory()
    line = sc.lines["open.1"]
    settings = settings_for_line(sc, line)
    # Named as the cache named it before the pace was part of the key: 160 * rate to espeak.
    blob = "\x1f".join((line.text, settings.key(), "silent")).encode("utf-8")
    stale = tmp_path / sc.id / f"{line.id}-{hashlib.sha256(blob).hexdigest()[:12]}.wav"
    stale.parent.mkdir(parents=True)
    write_silence(stale, 1.0)
    audio = LineAudio(SilentSynth(), AudioCache(tmp_path), None)
    assert audio.resolve(sc, line).kind == "none"
    fresh = audio.ensure(sc, line).path
    assert fresh is not None and fresh != stale and not stale.exists()  # dropped as stale


def test_env_var_moves_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLSIM_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    assert AudioCache().root == tmp_path / "elsewhere"
    monkeypatch.delenv("CALLSIM_CACHE_DIR")
    assert "callsim" in str(default_cache_dir())


def test_ids_cannot_escape_the_cache(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    path = cache.path_for("../../etc", "a/b", "x", S, "silent")
    assert tmp_path in path.parents and path.parent.parent == tmp_path
    assert safe_name("..") != ".." and "/" not in safe_name("a/b")


def test_render_then_get(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    synth = SilentSynth()
    assert cache.get("s", "l", "Hello there", S, synth.name) is None
    path = cache.render(synth, "s", "l", "Hello there", S)
    assert cache.get("s", "l", "Hello there", S, synth.name) == path
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_get_drops_a_broken_entry(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    path = cache.path_for("s", "l", "Hi", S, "silent")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVE")
    assert cache.get("s", "l", "Hi", S, "silent") is None
    assert not path.exists()


class _Watching:
    """Writes its WAV slowly and checks, mid-write, that the final name is still absent."""

    name = "watching"

    def __init__(self, final: Path, fail: bool = False) -> None:
        self.final = final
        self.fail = fail
        self.seen_final_during_write: bool | None = None

    def available(self) -> bool:
        return True

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        assert out_path != self.final
        out_path.write_bytes(b"RIFF partial")
        self.seen_final_during_write = self.final.exists()
        if self.fail:
            raise SynthError("engine fell over")
        write_silence(out_path, 0.5)


def test_writes_are_atomic(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    final = cache.path_for("s", "l", "Hi", S, "watching")
    synth = _Watching(final)
    assert cache.render(synth, "s", "l", "Hi", S) == final
    assert synth.seen_final_during_write is False


def test_a_failed_render_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    final = cache.path_for("s", "l", "Hi", S, "watching")
    with pytest.raises(SynthError, match="fell over"):
        cache.render(_Watching(final, fail=True), "s", "l", "Hi", S)
    assert list(final.parent.iterdir()) == []


def test_concurrent_renders_of_one_line_both_succeed(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    results: list[Path] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            results.append(cache.render(SilentSynth(), "s", "l", "Hello there", S))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors and len(set(results)) == 1
    assert cache.get("s", "l", "Hello there", S, "silent") == results[0]


def test_rerender_after_an_edit_drops_the_old_file(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    old = cache.render(SilentSynth(), "s", "open.1", "Hello", S)
    other = cache.render(SilentSynth(), "s", "open.10", "Other line", S)
    new = cache.render(SilentSynth(), "s", "open.1", "Hello again", S)
    assert not old.exists() and new.exists() and other.exists()


def test_clear(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    a = cache.render(SilentSynth(), "a", "l", "Hi", S)
    b = cache.render(SilentSynth(), "b", "l", "Hi", S)
    cache.clear("a")
    assert not a.exists() and b.exists()
    cache.clear()
    assert not b.exists()


def test_recorded_voice_over_wins(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    sc = scenario_factory()
    line = sc.lines["open.1"]
    audio = LineAudio(SilentSynth(), AudioCache(tmp_path / "cache"), tmp_path / "audio")
    assert audio.resolve(sc, line).kind == "none"
    cached = audio.ensure(sc, line)
    assert cached.kind == "cached" and cached.path is not None and cached.path.exists()
    assert audio.resolve(sc, line) == cached

    recorded = tmp_path / "audio" / sc.id / "open.1.wav"
    recorded.parent.mkdir(parents=True)
    write_silence(recorded, 2.0)
    assert audio.resolve(sc, line).kind == "recorded"
    assert audio.resolve(sc, line).path == recorded
    assert audio.ensure(sc, line).path == recorded
    assert audio.resolve(sc, sc.lines["open.2"]).kind == "none"  # only that line


def test_a_broken_recording_falls_back(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    sc = scenario_factory([Line("a.1", "Hello")])
    recorded = tmp_path / "audio" / sc.id / "a.1.wav"
    recorded.parent.mkdir(parents=True)
    recorded.write_bytes(b"not a wav")
    audio = LineAudio(SilentSynth(), AudioCache(tmp_path / "cache"), tmp_path / "audio")
    assert audio.ensure(sc, sc.lines["a.1"]).kind == "cached"


def test_no_audio_root_means_no_recordings(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    sc = scenario_factory()
    audio = LineAudio(SilentSynth(), AudioCache(tmp_path), None)
    assert audio.recorded(sc.id, "open.1") is None
    assert os.listdir(tmp_path) == []


def test_playable_is_the_very_line_or_nothing(
    tmp_path: Path, scenario_factory: Callable[..., Scenario]
) -> None:
    sc = scenario_factory()
    line = sc.lines["open.1"]
    audio = LineAudio(SilentSynth(), AudioCache(tmp_path / "cache"), None)
    assert audio.playable(sc, "open.1") is None  # not rendered yet: captions only
    cached = audio.ensure(sc, line).path
    assert audio.playable(sc, "open.1") == cached
    assert audio.playable(sc, "open.1", line.text) == cached
    assert audio.playable(sc, "open.1", "what an older version said") is None
    assert audio.playable(sc, "no.such.line") is None
