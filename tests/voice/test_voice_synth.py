from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from app.voice.settings import VoiceSettings
from app.voice.synth import EspeakNgCommand, SilentSynth, SynthError, Synthesiser, render_verified
from app.voice.wav import read_wav, verify_wav

needs_espeak = pytest.mark.skipif(not EspeakNgCommand.available(), reason="no espeak-ng")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script")


def test_backends_satisfy_the_protocol() -> None:
    assert isinstance(SilentSynth(), Synthesiser)
    assert isinstance(EspeakNgCommand("espeak-ng"), Synthesiser)


def test_espeak_command_maps_the_settings(tmp_path: Path) -> None:
    cmd = EspeakNgCommand("/x/espeak-ng").command(
        VoiceSettings(rate=1.5, pitch=-2, volume=3, gender="male"), tmp_path / "o.wav"
    )
    args = dict(zip(cmd[1::2], cmd[2::2], strict=False))
    assert cmd[0] == "/x/espeak-ng" and cmd[-1] == "--stdin"
    assert args["-w"] == str(tmp_path / "o.wav")
    # -s: 155 * 1.5 ** 0.885, which espeak-ng is heard to say at 1.5 x 155 wpm (not -s 232)
    assert (args["-s"], args["-p"], args["-a"], args["-v"]) == ("222", "34", "136", "en+m3")


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-espeak"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@posix_only
def test_a_failing_program_is_a_synth_error(tmp_path: Path) -> None:
    synth = EspeakNgCommand(_script(tmp_path, "echo 'voice not found' >&2; exit 1"))
    with pytest.raises(SynthError, match="voice not found"):
        synth.render("Hello", VoiceSettings(), tmp_path / "o.wav")


@posix_only
def test_a_hung_program_is_killed_by_the_timeout(tmp_path: Path) -> None:
    synth = EspeakNgCommand(_script(tmp_path, "exec sleep 30"), timeout=0.3)
    with pytest.raises(SynthError, match="longer than"):
        synth.render("Hello", VoiceSettings(), tmp_path / "o.wav")


@posix_only
def test_a_program_that_writes_nothing_fails_verification(tmp_path: Path) -> None:
    synth = EspeakNgCommand(_script(tmp_path, "exit 0"))
    with pytest.raises(SynthError, match="no such file"):
        render_verified(synth, "Hello", VoiceSettings(), tmp_path / "o.wav")


def test_a_missing_program_is_a_synth_error(tmp_path: Path) -> None:
    synth = EspeakNgCommand(str(tmp_path / "no-such-espeak"))
    with pytest.raises(SynthError, match="could not run"):
        synth.render("Hello", VoiceSettings(), tmp_path / "o.wav")


@pytest.mark.tts
@needs_espeak
def test_espeak_renders_speech_that_follows_the_settings(tmp_path: Path) -> None:
    synth = EspeakNgCommand()
    text = "Please hurry, he is outside the front door and he is shouting."
    slow, fast = tmp_path / "slow.wav", tmp_path / "fast.wav"
    render_verified(synth, text, VoiceSettings(rate=0.6), slow)
    render_verified(synth, text, VoiceSettings(rate=1.8), fast)
    assert verify_wav(slow) > 2 * verify_wav(fast)
    sounds = set()
    for gender in ("female", "male", "neutral"):
        out = tmp_path / f"{gender}.wav"
        render_verified(synth, text, VoiceSettings(gender=gender), out)
        sounds.add(read_wav(out).frames)
    assert len(sounds) == 3, "the gender variant was ignored"
    assert all(max(frames) > 0 for frames in sounds)  # not silence


@pytest.mark.tts
@needs_espeak
def test_text_is_never_read_as_options(tmp_path: Path) -> None:
    out = tmp_path / "o.wav"
    render_verified(EspeakNgCommand(), "-w /tmp/evil.wav --version I’m fine", VoiceSettings(), out)
    assert verify_wav(out) > 1.0 and not os.path.exists(tmp_path / "evil.wav")
