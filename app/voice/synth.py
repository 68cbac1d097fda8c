"""Speech synthesis behind one small interface, so the rest of callsim never asks which engine.

Backends: `EspeakNgCommand` (Linux default: one `espeak-ng -w` process per line, which is
fast and has none of pyttsx3's races), `Pyttsx3Synth` (Windows SAPI5 / macOS NSSpeech, in
`pyttsx3_synth.py`), and `SilentSynth`, which writes silence of the right length so that
timing, caching and playback all work on a machine with no speech engine at all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.engine.timing import speech_seconds
from app.voice.settings import (
    VoiceSettings,
    espeak_amplitude,
    espeak_pitch,
    espeak_speed,
    espeak_voice,
)
from app.voice.wav import BadAudio, verify_wav, write_silence


class SynthError(Exception):
    """A backend could not produce audio for a line (engine missing, crashed, timed out)."""


@runtime_checkable
class Synthesiser(Protocol):
    """Renders one line of text to a WAV file. Implementations must be safe to call from a
    worker thread; they need not be re-entrant (callers render one line at a time)."""

    name: str

    def available(self) -> bool:
        """Whether this backend can work on this machine (cheap: no rendering)."""
        ...

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        """Write `text` spoken with `settings` to `out_path` as a WAV, or raise SynthError."""
        ...


def render_verified(
    synth: Synthesiser, text: str, settings: VoiceSettings, out_path: Path, retries: int = 1
) -> float:
    """Render and check the WAV, retrying once, so a flaky engine never hands over a bad file.

    Returns the duration in seconds. Raises SynthError (with the last cause) if every attempt
    fails; a bad file is removed rather than left where it might be played.
    """
    last: Exception | None = None
    for _ in range(retries + 1):
        try:
            synth.render(text, settings, out_path)
            return verify_wav(out_path)
        except (SynthError, BadAudio, OSError) as exc:
            last = exc
            with contextlib.suppress(OSError):
                out_path.unlink()
    raise SynthError(f"{synth.name}: {last}") from last


class SilentSynth:
    """Writes silence as long as the line would take to say: the headless clock's own
    estimate (`speech_seconds`), so a silent call keeps the time a headless run does.

    Used in tests and where no speech engine exists: the caller's line is still captioned
    and still "lasts" as long as speech would, so the call flows the same way.
    """

    name = "silent"

    @classmethod
    def available(cls) -> bool:
        return True

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        write_silence(out_path, speech_seconds(text, settings.rate))


def _no_console() -> int:
    """On Windows, stop each espeak-ng run from flashing a console window."""
    return getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0


class EspeakNgCommand:
    """Runs the `espeak-ng` program once per line.

    A fresh process per line costs 15-35 ms but shares no state between lines, so a hung or
    crashed render is contained and killed by the timeout. The text goes in on stdin, never
    on the command line, so a line starting with "-" cannot be read as an option.
    """

    name = "espeak-ng"

    def __init__(self, binary: str | None = None, timeout: float = 15.0) -> None:
        self.binary = binary or shutil.which("espeak-ng") or "espeak-ng"
        self.timeout = timeout

    @classmethod
    def available(cls) -> bool:
        return shutil.which("espeak-ng") is not None

    def command(self, settings: VoiceSettings, out_path: Path) -> list[str]:
        """The argument list for one render (exposed so tests can check the mapping)."""
        return [
            self.binary,
            "-w",
            os.fspath(out_path),
            "-s",
            str(espeak_speed(settings.rate)),
            "-p",
            str(espeak_pitch(settings.pitch)),
            "-a",
            str(espeak_amplitude(settings.volume)),
            "-v",
            espeak_voice(settings.gender),
            "-b",
            "1",  # input is UTF-8
            "--stdin",
        ]

    def render(self, text: str, settings: VoiceSettings, out_path: Path) -> None:
        spoken = " ".join(text.split())  # newlines would split the line into separate clauses
        try:
            done = subprocess.run(
                self.command(settings, out_path),
                input=spoken.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
                creationflags=_no_console(),
            )
        except subprocess.TimeoutExpired as exc:
            raise SynthError(f"espeak-ng took longer than {self.timeout:g} s") from exc
        except OSError as exc:  # binary vanished, not executable, ...
            raise SynthError(f"could not run {self.binary}: {exc}") from exc
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            raise SynthError(f"espeak-ng exited with {done.returncode}: {err}")
