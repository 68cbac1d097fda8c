"""The caller's voice: synthesis, the render cache and playback, each behind a small interface
with a silent stand-in, so callsim runs (captioned) on machines with no speech engine or sound.

No Qt here (an import-linter contract forbids it). Typical use, from the one place that
wires the app::

    kit = open_voice()                      # picks engine + player, says what is missing
    show(kit.status.notices)
    report = prerender(scenario, kit.synth, kit.cache, progress, cancelled,
                       audio_root=kit.audio.audio_root)         # in a worker thread
    src = kit.audio.resolve(scenario, line) # recorded | cached | none (then captions only)
    if src.path: kit.player.play(src.path, on_done)   # on_done comes on another thread
"""

from app.voice.cache import AudioCache, AudioSource, LineAudio, audio_hash, default_cache_dir
from app.voice.choice import (
    SynthChoice,
    VoiceKit,
    VoiceStatus,
    choose_synthesiser,
    default_audio_root,
    open_voice,
    select_synthesiser,
)
from app.voice.player import (
    OutputProbe,
    Player,
    PlayerChoice,
    SoundDevicePlayer,
    choose_player,
    probe_sounddevice,
)
from app.voice.prerender import RenderReport, prerender
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.settings import VoiceSettings, resolve_voice, settings_for_line
from app.voice.silent_player import ManualScheduler, SilentPlayer, ThreadingScheduler
from app.voice.synth import (
    EspeakNgCommand,
    SilentSynth,
    SynthError,
    Synthesiser,
    render_verified,
)
from app.voice.wav import BadAudio, verify_wav

__all__ = [
    "AudioCache",
    "AudioSource",
    "BadAudio",
    "EspeakNgCommand",
    "LineAudio",
    "ManualScheduler",
    "OutputProbe",
    "Player",
    "PlayerChoice",
    "Pyttsx3Synth",
    "RenderReport",
    "SilentPlayer",
    "SilentSynth",
    "SoundDevicePlayer",
    "SynthChoice",
    "SynthError",
    "Synthesiser",
    "ThreadingScheduler",
    "VoiceKit",
    "VoiceSettings",
    "VoiceStatus",
    "audio_hash",
    "choose_player",
    "choose_synthesiser",
    "default_audio_root",
    "default_cache_dir",
    "open_voice",
    "prerender",
    "probe_sounddevice",
    "render_verified",
    "resolve_voice",
    "select_synthesiser",
    "settings_for_line",
    "verify_wav",
]
