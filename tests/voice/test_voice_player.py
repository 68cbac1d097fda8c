from __future__ import annotations

import struct
import threading
import wave
from pathlib import Path
from typing import Any

import pytest

from app.voice import player as player_mod
from app.voice.player import OutputProbe, SoundDevicePlayer, choose_player, probe_sounddevice
from app.voice.silent_player import ManualScheduler, SilentPlayer, ThreadingScheduler
from app.voice.wav import write_silence


class Done:
    def __init__(self) -> None:
        self.count = 0
        self.event = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self.event.set()


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    """0.5 s at 8 kHz: 4000 frames of a known ramp."""
    path = tmp_path / "line.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", i % 3000) for i in range(4000)))
    return path


# --- SilentPlayer, driven by a fake clock -------------------------------------------------


def test_silent_player_finishes_when_the_audio_would(wav: Path) -> None:
    clock = ManualScheduler()
    player, done = SilentPlayer(clock), Done()
    player.play(wav, done)
    assert player.playing
    clock.advance(0.49)
    assert done.count == 0
    clock.advance(0.02)
    assert done.count == 1 and not player.playing
    clock.advance(10)
    assert done.count == 1


def test_silent_player_stop_never_fires_on_done(wav: Path) -> None:
    clock = ManualScheduler()
    player, done = SilentPlayer(clock), Done()
    player.play(wav, done)
    clock.advance(0.2)
    player.stop()
    clock.advance(10)
    assert done.count == 0 and clock.pending == 0


def test_silent_player_new_play_supersedes_the_old(wav: Path, tmp_path: Path) -> None:
    clock = ManualScheduler()
    player, first, second = SilentPlayer(clock), Done(), Done()
    long = tmp_path / "long.wav"
    write_silence(long, 3.0)
    player.play(long, first)
    player.play(wav, second)
    clock.advance(5)
    assert (first.count, second.count) == (0, 1)


def test_silent_player_bad_file_is_done_at_once(tmp_path: Path) -> None:
    clock = ManualScheduler()
    player, done = SilentPlayer(clock), Done()
    player.play(tmp_path / "missing.wav", done)
    clock.advance(0)
    assert done.count == 1


def test_silent_player_with_a_scheduler_that_runs_at_once(wav: Path) -> None:
    class Immediate:
        def call_later(self, delay: float, fn: object) -> ManualScheduler:
            fn()  # type: ignore[operator]
            return ManualScheduler()

    done = Done()
    SilentPlayer(Immediate()).play(wav, done)  # type: ignore[arg-type]
    assert done.count == 1


def test_threading_scheduler_really_fires() -> None:
    fired = threading.Event()
    ThreadingScheduler().call_later(0.0, fired.set)
    assert fired.wait(5)


# --- SoundDevicePlayer without a device ----------------------------------------------------


def test_no_device_reports_unavailable_and_does_not_raise(wav: Path) -> None:
    clock = ManualScheduler()
    none = OutputProbe(False, "no sound output device", None)
    player, done = SoundDevicePlayer(probe=lambda: none, scheduler=clock), Done()
    assert not player.available()
    player.play(wav, done)  # keeps silent time instead
    clock.advance(0.6)
    assert done.count == 1
    player.stop()


def test_real_probe_never_raises_and_matches_this_machine() -> None:
    state = probe_sounddevice()
    assert isinstance(state.ok, bool)
    if not state.ok:
        assert state.reason
        player = SoundDevicePlayer(scheduler=ManualScheduler())
        assert not player.available()


def test_real_sounddevice_player_on_this_machine_never_raises(wav: Path) -> None:
    clock = ManualScheduler()
    player, done = SoundDevicePlayer(scheduler=clock), Done()
    player.play(wav, done)
    if not player.available():  # the usual case on CI: no sound card
        clock.advance(1)
        assert done.count == 1
    player.stop()


def test_choose_player_without_output_says_it_plainly_and_logs_the_details(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    jargon = OutputProbe(False, "no sound output device (Error querying device -1)", None)
    monkeypatch.setattr(player_mod, "probe_sounddevice", lambda: jargon)
    with caplog.at_level("WARNING", logger="app.voice.player"):
        chosen = choose_player()
    assert isinstance(chosen.player, SilentPlayer)
    assert chosen.notice == "No speakers found: the caller will be shown as captions."
    assert "Error querying device -1" in caplog.text  # for whoever supports the machine
    missing = OutputProbe(False, "PortAudio is not installed", "sudo apt-get install libportaudio2")
    with caplog.at_level("WARNING", logger="app.voice.player"):
        assert choose_player(probe=lambda: missing).notice == chosen.notice
    assert "libportaudio2" in caplog.text
    monkeypatch.setattr(player_mod, "probe_sounddevice", lambda: OutputProbe(True))
    chosen = choose_player()
    assert isinstance(chosen.player, SoundDevicePlayer) and chosen.notice is None


# --- SoundDevicePlayer with a hand-cranked stream ---------------------------------------------


def test_plays_every_frame_then_fires_on_done_once(wav: Path, streams: Any) -> None:
    player, done = SoundDevicePlayer(streams), Done()
    player.play(wav, done)
    stream = streams.last
    assert stream.kwargs["samplerate"] == 8000 and stream.kwargs["dtype"] == "int16"
    assert stream.active and done.count == 0
    stream.pump(blocks=100)
    assert done.count == 1 and not player.playing
    audio = wave.open(str(wav)).readframes(4000)
    assert bytes(stream.written[: len(audio)]) == audio
    assert set(stream.written[len(audio) :]) <= {0}  # padded with silence


def test_stop_interrupts_and_never_fires_on_done(wav: Path, streams: Any) -> None:
    player, done = SoundDevicePlayer(streams), Done()
    player.play(wav, done)
    streams.last.pump(blocks=2)
    player.stop()  # abort() runs finished_callback, as PortAudio does
    assert streams.last.closed and not streams.last.active
    assert done.count == 0


def test_play_stops_the_previous_line_silently(wav: Path, streams: Any) -> None:
    player, first, second = SoundDevicePlayer(streams), Done(), Done()
    player.play(wav, first)
    player.play(wav, second)
    streams.last.pump(blocks=100)
    assert streams.streams[0].closed
    assert (first.count, second.count) == (0, 1)


def test_stream_failure_falls_back_to_silent_time(wav: Path, stream_recorder: Any) -> None:
    import sounddevice as sd

    clock = ManualScheduler()
    failing = stream_recorder(fail_with=sd.PortAudioError("Error opening RawOutputStream"))
    player, done = SoundDevicePlayer(failing, scheduler=clock), Done()
    player.play(wav, done)
    assert not player.available() and player.last_error
    clock.advance(0.6)
    assert done.count == 1


def test_unplayable_file_is_done_at_once(tmp_path: Path, streams: Any) -> None:
    clock = ManualScheduler()
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF nonsense")
    player, done = SoundDevicePlayer(streams, scheduler=clock), Done()
    player.play(bad, done)
    clock.advance(0)
    assert done.count == 1 and streams.streams == []


def test_eight_bit_audio_pads_with_unsigned_silence(tmp_path: Path, streams: Any) -> None:
    path = tmp_path / "u8.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes([200] * 100))
    player, done = SoundDevicePlayer(streams), Done()
    player.play(path, done)
    streams.last.pump(blocks=1, frames=256)
    assert streams.last.kwargs["dtype"] == "uint8"
    assert bytes(streams.last.written) == bytes([200] * 100 + [128] * 156)
    assert done.count == 1
