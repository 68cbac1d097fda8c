from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest

from app.engine import events as ev
from app.engine.call import Call
from app.engine.timing import speech_seconds
from app.voice.settings import VoiceSettings, settings_for_line
from app.voice.synth import SilentSynth
from app.voice.wav import BadAudio, aiff_to_wav, is_aiff, read_wav, verify_wav, write_silence
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario


def _tone(path: Path, frames: int = 1000, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(frames)))


def test_a_good_wav_gives_its_duration(tmp_path: Path) -> None:
    _tone(tmp_path / "a.wav", frames=4000, rate=8000)
    assert verify_wav(tmp_path / "a.wav") == pytest.approx(0.5)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadAudio, match="no such file"):
        verify_wav(tmp_path / "nope.wav")


def test_truncated_file(tmp_path: Path) -> None:
    p = tmp_path / "t.wav"
    _tone(p, frames=4000)
    p.write_bytes(p.read_bytes()[:3000])  # header still promises 4000 frames
    with pytest.raises(BadAudio, match="truncated"):
        verify_wav(p)


def test_header_only_is_truncated_or_empty(tmp_path: Path) -> None:
    p = tmp_path / "h.wav"
    _tone(p)
    p.write_bytes(p.read_bytes()[:44])
    with pytest.raises(BadAudio):
        verify_wav(p)


def test_zero_frames(tmp_path: Path) -> None:
    p = tmp_path / "z.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
    with pytest.raises(BadAudio, match="no audio frames"):
        verify_wav(p)


@pytest.mark.parametrize("content", [b"", b"garbage" * 20, b"RIFF\x00\x00\x00\x00WAVEjunk"])
def test_garbage(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "g.wav"
    p.write_bytes(content)
    with pytest.raises(BadAudio):
        verify_wav(p)


def test_a_directory_is_not_audio(tmp_path: Path) -> None:
    with pytest.raises(BadAudio):
        verify_wav(tmp_path)


def test_silent_synth_output_verifies_and_follows_the_text(tmp_path: Path) -> None:
    synth = SilentSynth()
    ten_words = "one two three four five six seven eight nine ten"
    synth.render(ten_words, VoiceSettings(), tmp_path / "a.wav")
    synth.render(ten_words, VoiceSettings(rate=2.0), tmp_path / "b.wav")
    synth.render("Hm", VoiceSettings(), tmp_path / "c.wav")
    assert verify_wav(tmp_path / "a.wav") == pytest.approx(2.613, abs=0.01)  # 39 letters
    assert verify_wav(tmp_path / "b.wav") == pytest.approx(1.307, abs=0.01)
    assert verify_wav(tmp_path / "c.wav") == pytest.approx(0.5, abs=0.01)  # at least 0.5 s


def test_silence_lasts_as_long_as_the_headless_clock_says(tmp_path: Path) -> None:
    text = "I think he has gone round the back of the flats"
    for rate in (0.5, 0.85, 1.32, 2.0):
        SilentSynth().render(text, VoiceSettings(rate=rate), tmp_path / "s.wav")
        assert verify_wav(tmp_path / "s.wav") == pytest.approx(
            speech_seconds(text, rate), abs=1 / 8000
        )


def test_the_clock_and_the_voice_say_a_line_at_one_rate(tmp_path: Path) -> None:
    """A fast voice in a frantic emotion (3.0 x 3.0) is said at the voice's limit, 2.0: the
    call is busy for as long as the audio lasts, not for a ninth of the line's length."""
    text = BASE.replace(
        "caller: {name: Jo}",
        "caller: {name: Jo, voice: {rate: 3.0}, default_emotion: frantic}\n"
        "emotions: {frantic: {rate: 3.0}}",
    )
    scenario = kit_scenario(text)
    call = Call(scenario, FakeMatcher())
    call.start(0.0)
    said = next(e for e in call.events if e.kind == ev.CALLER_SAID)
    line = scenario.lines[said.data["line_id"]]
    settings = settings_for_line(scenario, line)
    assert settings.rate == 2.0
    SilentSynth().render(line.text, settings, tmp_path / "s.wav")
    assert said.data["duration"] == speech_seconds(line.text, 2.0)
    assert verify_wav(tmp_path / "s.wav") == pytest.approx(said.data["duration"], abs=1 / 8000)


def test_write_silence_never_writes_an_empty_file(tmp_path: Path) -> None:
    write_silence(tmp_path / "s.wav", 0.0)
    assert verify_wav(tmp_path / "s.wav") > 0


def _aiff(samples: list[int], rate: int = 22050, kind: bytes = b"AIFF") -> bytes:
    """A 16-bit mono AIFF (big-endian samples), as macOS NSSpeech writes."""
    exp, mant = 16383 + 63, rate
    while not mant & (1 << 63):  # normalise the 80-bit float's mantissa
        mant <<= 1
        exp -= 1
    comm = struct.pack(">hIh", 1, len(samples), 16) + struct.pack(">HQ", exp, mant)
    if kind == b"AIFC":
        comm += b"NONE\x00\x00"
    data = struct.pack(">II", 0, 0) + b"".join(struct.pack(">h", s) for s in samples)
    chunks = b"COMM" + struct.pack(">I", len(comm)) + comm
    chunks += b"SSND" + struct.pack(">I", len(data)) + data
    return b"FORM" + struct.pack(">I", 4 + len(chunks)) + kind + chunks


@pytest.mark.parametrize("kind", [b"AIFF", b"AIFC"])
def test_aiff_becomes_an_equivalent_wav(tmp_path: Path, kind: bytes) -> None:
    samples = [0, 1, -1, 1000, -1000, 32767, -32768]
    src = tmp_path / "speech.wav"  # misnamed, as NSSpeech leaves it
    src.write_bytes(_aiff(samples, kind=kind))
    assert is_aiff(src)
    aiff_to_wav(src, tmp_path / "out.wav")
    data = read_wav(tmp_path / "out.wav")
    assert data.rate == 22050 and data.channels == 1 and data.sample_width == 2
    assert list(struct.unpack(f"<{len(samples)}h", data.frames)) == samples


def test_truncated_aiff_is_bad_audio(tmp_path: Path) -> None:
    src = tmp_path / "x.aiff"
    src.write_bytes(_aiff([1, 2, 3, 4] * 100)[:-50])
    with pytest.raises(BadAudio):
        aiff_to_wav(src, tmp_path / "out.wav")
