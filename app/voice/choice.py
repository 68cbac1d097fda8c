"""Picking the speech engine and player for this machine, and saying what is missing.

The one place that wires the app calls `open_voice()` and shows `kit.status` to the user;
everything else receives the synthesiser, cache and player it needs. On a machine without
an engine or a sound card the kit still works (silently, with captions), and the notices
say what to install.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from app.voice.cache import AudioCache, LineAudio
from app.voice.player import Player, StreamFactory, choose_player
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.silent_player import Scheduler
from app.voice.synth import EspeakNgCommand, SilentSynth, Synthesiser

ENV_TTS = "CALLSIM_TTS"
_ALIASES = {
    "pyttsx3": "pyttsx3",
    "espeak": "espeak",
    "espeak-ng": "espeak",
    "silent": "silent",
    "none": "silent",
    "off": "silent",
}


class SynthChoice(NamedTuple):
    synth: Synthesiser
    notice: str | None  # for the user, or None when all is well
    issue: str | None  # a stable id for the same, for code and translations


def _engine_hint(platform: str) -> str:
    if platform.startswith("linux"):
        return "On Debian/Ubuntu: sudo apt-get install espeak-ng"
    return "Install pyttsx3 (pip install pyttsx3) or espeak-ng"


def select_synthesiser(preference: str | None = None, platform: str | None = None) -> SynthChoice:
    """The synthesiser to use, with a notice when it is not the one wanted or there is none.

    Order: `preference`, else the configured `voice` (machine file, user file or
    `$CALLSIM_TTS`: pyttsx3 | espeak | silent | auto); then pyttsx3 on
    Windows/macOS (SAPI5, NSSpeech), the espeak-ng program on Linux; then the other one;
    then silence. pyttsx3 comes second on Linux because it drives the same espeak-ng, only
    less reliably.
    """
    platform = platform or sys.platform
    if preference is None:
        from app.config import load_config

        preference = load_config().get("voice")
    raw = "" if preference.strip().lower() == "auto" else preference
    wanted = _ALIASES.get(raw.strip().lower()) if raw.strip() else None
    notice: str | None = None
    issue: str | None = None
    if raw.strip() and wanted is None:
        notice = f"Unknown speech engine {raw!r} (use pyttsx3, espeak or silent)."
        issue = "unknown_engine"
    elif wanted == "silent":
        return SynthChoice(SilentSynth(), "Speech is switched off: captions only.", "speech_off")
    elif wanted is not None:
        cls = Pyttsx3Synth if wanted == "pyttsx3" else EspeakNgCommand
        if cls.available():
            return SynthChoice(cls(), None, None)
        notice, issue = f"{wanted} is not available here.", "engine_unavailable"

    windows_or_mac = platform in ("win32", "darwin")
    order: list[type[Pyttsx3Synth] | type[EspeakNgCommand]] = (
        [Pyttsx3Synth, EspeakNgCommand] if windows_or_mac else [EspeakNgCommand, Pyttsx3Synth]
    )
    for cls in order:
        if cls.available():
            return SynthChoice(cls(), notice, issue)
    missing = f"No speech engine: captions only. {_engine_hint(platform)}"
    return SynthChoice(SilentSynth(), f"{notice} {missing}" if notice else missing, "no_engine")


def choose_synthesiser(preference: str | None = None) -> Synthesiser:
    """The synthesiser `select_synthesiser` picks, without the notice."""
    return select_synthesiser(preference).synth


def default_audio_root() -> Path:
    """The project's `audio/` folder of recorded voice-over (next to `scenarios/`)."""
    return Path(__file__).resolve().parents[2] / "audio"


@dataclass(frozen=True)
class VoiceStatus:
    """What the voice can do here, for the UI's status line and the about box."""

    synthesiser: str  # backend name: "pyttsx3", "espeak-ng" or "silent"
    player: str  # "sounddevice" or "silent"
    issues: tuple[str, ...] = ()  # stable ids: no_engine, no_output, speech_off, ...
    notices: tuple[str, ...] = ()  # the same in words, with what to install

    @property
    def speech(self) -> bool:
        return self.synthesiser != "silent"

    @property
    def sound(self) -> bool:
        return self.player != "silent"

    def summary(self) -> str:
        voice = self.synthesiser if self.speech else "none"
        sound = "on" if self.sound else "off (captions only)"
        return f"Speech: {voice}; sound: {sound}"


@dataclass
class VoiceKit:
    """Everything the app needs for the caller's voice, wired once."""

    synth: Synthesiser
    cache: AudioCache
    audio: LineAudio
    player: Player
    status: VoiceStatus

    def close(self) -> None:
        """Stop playback and the speech worker (if any). Call on app exit."""
        self.player.stop()
        for part in (self.player, self.synth):
            close = getattr(part, "close", None)
            if callable(close):
                close()


def open_voice(
    *,
    preference: str | None = None,
    cache_dir: Path | None = None,
    audio_root: Path | None = None,
    stream_factory: StreamFactory | None = None,
    scheduler: Scheduler | None = None,
) -> VoiceKit:
    """Choose an engine and a player for this machine and wire them to the cache."""
    synth, synth_notice, synth_issue = select_synthesiser(preference)
    player, player_notice = choose_player(stream_factory, scheduler)
    cache = AudioCache(cache_dir)
    audio = LineAudio(synth, cache, audio_root if audio_root is not None else default_audio_root())
    issues = tuple(i for i in (synth_issue, "no_output" if player_notice else None) if i)
    notices = tuple(n for n in (synth_notice, player_notice) if n)
    status = VoiceStatus(
        synthesiser=synth.name,
        player="silent" if player_notice else "sounddevice",
        issues=issues,
        notices=notices,
    )
    return VoiceKit(synth, cache, audio, player, status)
