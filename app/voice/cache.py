"""Where a line's audio comes from: recorded voice-over, else the render cache.

Rendered lines are kept in the user's cache directory so a scenario is synthesised once per
machine, not once per call. The key covers everything that changes the sound (text, voice
settings, backend), so editing a line or its emotion re-renders just that line, and nothing
else ever invalidates it. Files are written to a temporary name and moved into place with
`os.replace`, so a crash or a concurrent reader never sees half a WAV.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.scenario.model import Line, Scenario
from app.voice.settings import VoiceSettings, pace_fingerprint, settings_for_line
from app.voice.synth import Synthesiser, render_verified
from app.voice.wav import BadAudio, verify_wav

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def default_cache_dir() -> Path:
    """`cache_dir` of the configuration, else the per-user cache folder (`app.config`)."""
    from app.config import cache_dir

    return cache_dir()


def safe_name(part: str) -> str:
    """A scenario or line id made safe as one path component (ids come from user files)."""
    cleaned = _UNSAFE.sub("_", part)
    return cleaned if cleaned.strip(".") else "_" + cleaned


def audio_hash(text: str, settings: VoiceSettings, backend: str) -> str:
    """The 12 hex digits that change whenever the sound of a line would: its text, settings
    and backend, and how those settings are rendered (the pace calibration)."""
    blob = "\x1f".join((text, settings.key(), backend, pace_fingerprint())).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:12]


class AudioCache:
    """Rendered lines at `<root>/<scenario-id>/<line-id>-<hash12>.wav`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path_for(
        self, scenario_id: str, line_id: str, text: str, settings: VoiceSettings, backend: str
    ) -> Path:
        name = f"{safe_name(line_id)}-{audio_hash(text, settings, backend)}.wav"
        return self.root / safe_name(scenario_id) / name

    def get(
        self, scenario_id: str, line_id: str, text: str, settings: VoiceSettings, backend: str
    ) -> Path | None:
        """The cached file if it exists and is a complete WAV; a bad one is removed."""
        path = self.path_for(scenario_id, line_id, text, settings, backend)
        try:
            verify_wav(path)
        except BadAudio:
            if path.exists():
                with contextlib.suppress(OSError):
                    path.unlink()
            return None
        return path

    def render(
        self,
        synth: Synthesiser,
        scenario_id: str,
        line_id: str,
        text: str,
        settings: VoiceSettings,
    ) -> Path:
        """Render (verified, one retry) into the cache atomically; raises SynthError."""
        final = self.path_for(scenario_id, line_id, text, settings, synth.name)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            render_verified(synth, text, settings, tmp)
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._drop_stale(final)
        return final

    def _drop_stale(self, keep: Path) -> None:
        """Remove older renders of the same line (its text or voice changed since)."""
        line_part = keep.name[: -len("-000000000000.wav")]
        pattern = re.compile(re.escape(line_part) + r"-[0-9a-f]{12}\.wav")
        with contextlib.suppress(OSError):
            for other in keep.parent.iterdir():
                if other != keep and pattern.fullmatch(other.name):
                    with contextlib.suppress(OSError):
                        other.unlink()

    def clear(self, scenario_id: str | None = None) -> None:
        """Forget cached renders (of one scenario, or all)."""
        dirs = [self.root / safe_name(scenario_id)] if scenario_id else [self.root]
        for d in dirs:
            if d.is_dir():
                for f in d.rglob("*"):
                    if f.suffix in (".wav", ".tmp"):  # .tmp: left by a crash mid-render
                        with contextlib.suppress(OSError):
                            f.unlink()


@dataclass(frozen=True)
class AudioSource:
    """What to play for a line: a recorded file, a cached render, or nothing (yet)."""

    kind: Literal["recorded", "cached", "none"]
    path: Path | None = None


class LineAudio:
    """Finds, and on request renders, the audio for a scenario's lines.

    Recorded voice-over at `<audio_root>/<scenario-id>/<line-id>.wav` wins over synthesis,
    so instructors can replace the robot voice line by line.
    """

    def __init__(self, synth: Synthesiser, cache: AudioCache, audio_root: Path | None) -> None:
        self.synth = synth
        self.cache = cache
        self.audio_root = audio_root

    def recorded(self, scenario_id: str, line_id: str) -> Path | None:
        """A usable voice-over file for the line, if one exists."""
        if self.audio_root is None:
            return None
        path = self.audio_root / safe_name(scenario_id) / f"{safe_name(line_id)}.wav"
        try:
            verify_wav(path)
        except BadAudio:
            return None
        return path

    def resolve(self, scenario: Scenario, line: Line) -> AudioSource:
        """Where the line's audio is now, without rendering anything (cheap: UI thread ok).
        A line with `voice: false` has none, ever."""
        if not line.voice:
            return AudioSource("none")
        recorded = self.recorded(scenario.id, line.id)
        if recorded is not None:
            return AudioSource("recorded", recorded)
        settings = settings_for_line(scenario, line)
        cached = self.cache.get(scenario.id, line.id, line.text, settings, self.synth.name)
        if cached is not None:
            return AudioSource("cached", cached)
        return AudioSource("none")

    def playable(self, scenario: Scenario, line_id: str, text: str | None = None) -> Path | None:
        """The audio to play now for the spoken line `line_id`, or None (captions only): the
        scenario has no such line, or shows it otherwise than `text` (a replay of an older
        version must not sound a different line), or it is not spoken (`voice: false`), or
        it has no usable audio yet."""
        line = scenario.lines.get(line_id)
        if line is None or not line.voice or (text is not None and line.shown != text):
            return None
        try:
            return self.resolve(scenario, line).path
        except Exception:  # an unreadable file is a missing file
            return None

    def ensure(self, scenario: Scenario, line: Line) -> AudioSource:
        """Like `resolve`, rendering on a miss (slow: call from a worker). Raises SynthError.
        A line that is not spoken is never rendered."""
        found = self.resolve(scenario, line)
        if found.kind != "none" or not line.voice:
            return found
        settings = settings_for_line(scenario, line)
        path = self.cache.render(self.synth, scenario.id, line.id, line.text, settings)
        return AudioSource("cached", path)
