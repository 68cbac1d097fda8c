from __future__ import annotations

from pathlib import Path

import pytest

from app.voice import choice
from app.voice.choice import choose_synthesiser, open_voice, select_synthesiser
from app.voice.player import OutputProbe, SoundDevicePlayer
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.silent_player import ManualScheduler, SilentPlayer
from app.voice.synth import EspeakNgCommand, SilentSynth


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Pretend-installed engines: flip the flags to change what the machine has."""
    have = {"espeak": True, "pyttsx3": True}
    monkeypatch.setattr(EspeakNgCommand, "available", classmethod(lambda c: have["espeak"]))
    monkeypatch.setattr(Pyttsx3Synth, "available", classmethod(lambda c: have["pyttsx3"]))
    return have


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("linux", EspeakNgCommand), ("win32", Pyttsx3Synth), ("darwin", Pyttsx3Synth)],
)
def test_platform_defaults(engines: dict[str, bool], platform: str, expected: type) -> None:
    chosen = select_synthesiser(platform=platform)
    assert isinstance(chosen.synth, expected) and chosen.notice is None


def test_linux_without_the_program_uses_pyttsx3(engines: dict[str, bool]) -> None:
    engines["espeak"] = False
    assert isinstance(select_synthesiser(platform="linux").synth, Pyttsx3Synth)


def test_nothing_installed_is_silent_with_a_hint(engines: dict[str, bool]) -> None:
    engines.update(espeak=False, pyttsx3=False)
    chosen = select_synthesiser(platform="linux")
    assert isinstance(chosen.synth, SilentSynth) and chosen.issue == "no_engine"
    assert chosen.notice and "apt-get install espeak-ng" in chosen.notice


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pyttsx3", Pyttsx3Synth),
        ("espeak", EspeakNgCommand),
        ("ESPEAK-NG", EspeakNgCommand),
        ("silent", SilentSynth),
    ],
)
def test_env_var_overrides(
    engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch, value: str, expected: type
) -> None:
    monkeypatch.setenv("CALLSIM_TTS", value)
    assert isinstance(choose_synthesiser(), expected)
    assert isinstance(select_synthesiser(platform="win32").synth, expected)


def test_explicit_preference_beats_the_env_var(
    engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSIM_TTS", "silent")
    assert isinstance(choose_synthesiser("espeak"), EspeakNgCommand)


def test_asking_for_a_missing_engine_falls_back_and_says_so(
    engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    engines["pyttsx3"] = False
    monkeypatch.setenv("CALLSIM_TTS", "pyttsx3")
    chosen = select_synthesiser(platform="linux")
    assert isinstance(chosen.synth, EspeakNgCommand)
    assert chosen.issue == "engine_unavailable" and "pyttsx3" in (chosen.notice or "")


def test_unknown_engine_name(engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSIM_TTS", "festival")
    chosen = select_synthesiser(platform="linux")
    assert isinstance(chosen.synth, EspeakNgCommand) and chosen.issue == "unknown_engine"


def test_open_voice_without_sound_or_speech(
    engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engines.update(espeak=False, pyttsx3=False)
    monkeypatch.setattr(choice, "choose_player", _no_output)
    kit = open_voice(cache_dir=tmp_path / "c", audio_root=tmp_path / "a")
    assert kit.status.synthesiser == "silent" and kit.status.player == "silent"
    assert not kit.status.speech and not kit.status.sound
    assert set(kit.status.issues) == {"no_engine", "no_output"} and len(kit.status.notices) == 2
    assert "captions only" in kit.status.summary()
    assert kit.cache.root == tmp_path / "c" and kit.audio.audio_root == tmp_path / "a"
    kit.close()


def test_open_voice_with_everything(
    engines: dict[str, bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(choice, "choose_player", _with_output)
    kit = open_voice(preference="espeak", cache_dir=tmp_path)
    assert kit.status.synthesiser == "espeak-ng" and kit.status.sound
    assert kit.status.issues == () and kit.status.notices == ()
    assert kit.audio.audio_root is not None and kit.audio.audio_root.name == "audio"
    kit.close()


def _no_output(*_: object) -> tuple[SilentPlayer, str]:
    return SilentPlayer(ManualScheduler()), "No sound output found: captions only."


def _with_output(*_: object) -> tuple[SoundDevicePlayer, None]:
    return SoundDevicePlayer(probe=lambda: OutputProbe(True)), None
