"""WAV files: checking them, reading them for playback, writing silence.

Speech engines can leave a file missing, empty or half written (pyttsx3 on Linux returns
before the file exists; a killed espeak-ng leaves a placeholder header), so nothing is played
or cached until `verify_wav` has read every frame the header promises.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

SILENCE_RATE = 8000  # Hz: plenty for "nothing"; a line of silence costs 16 KB a second


class BadAudio(Exception):
    """A WAV file that is missing, unreadable, truncated or has no frames."""


@dataclass(frozen=True)
class WavData:
    """Raw PCM frames and the format needed to play them."""

    frames: bytes
    channels: int
    sample_width: int  # bytes per sample
    rate: int

    @property
    def frame_size(self) -> int:
        return self.channels * self.sample_width

    @property
    def nframes(self) -> int:
        return len(self.frames) // self.frame_size

    @property
    def duration(self) -> float:
        return self.nframes / self.rate


def read_wav(path: Path | str) -> WavData:
    """Read a whole PCM WAV, or raise `BadAudio` saying why it cannot be used."""
    p = Path(path)
    if not p.is_file():
        raise BadAudio(f"{p}: no such file")
    try:
        with wave.open(str(p), "rb") as w:
            channels, width, rate, nframes = (
                w.getnchannels(),
                w.getsampwidth(),
                w.getframerate(),
                w.getnframes(),
            )
            frames = w.readframes(nframes)
    except (wave.Error, EOFError, OSError, ValueError) as exc:
        raise BadAudio(f"{p}: not a readable WAV ({exc})") from exc
    if channels < 1 or width < 1 or rate < 1:
        raise BadAudio(f"{p}: nonsensical format ({channels} ch, {width} B, {rate} Hz)")
    if nframes == 0:
        raise BadAudio(f"{p}: no audio frames")
    if len(frames) < nframes * channels * width:
        got = len(frames) // (channels * width)
        raise BadAudio(f"{p}: truncated ({got} of {nframes} frames)")
    return WavData(frames=frames, channels=channels, sample_width=width, rate=rate)


def verify_wav(path: Path | str) -> float:
    """Return the duration in seconds of a complete, non-empty WAV, else raise `BadAudio`."""
    return read_wav(path).duration


def write_silence(path: Path | str, seconds: float, rate: int = SILENCE_RATE) -> None:
    """Write a mono 16-bit WAV of `seconds` of silence (at least one frame)."""
    nframes = max(1, round(seconds * rate))
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * nframes)


def is_aiff(path: Path | str) -> bool:
    """Whether a file is AIFF/AIFF-C: macOS NSSpeech writes AIFF whatever the file is named."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")


def _extended_to_float(raw: bytes) -> float:
    """An 80-bit IEEE 754 extended float (AIFF's sample rate) as a Python float."""
    exponent = int.from_bytes(raw[:2], "big")
    mantissa = int.from_bytes(raw[2:10], "big")
    sign = -1.0 if exponent & 0x8000 else 1.0
    exponent &= 0x7FFF
    if exponent == 0 and mantissa == 0:
        return 0.0
    return sign * mantissa * 2.0 ** (exponent - 16383 - 63)


def aiff_to_wav(src: Path | str, dst: Path | str) -> None:
    """Convert uncompressed AIFF / AIFF-C ('NONE' or 'sowt') PCM to a WAV, or raise BadAudio.

    The standard library's `aifc` is deprecated (gone in Python 3.13), and this is all that
    is needed: big-endian samples become little-endian, 8-bit signed becomes unsigned.
    """
    data = Path(src).read_bytes()
    if data[:4] != b"FORM" or data[8:12] not in (b"AIFF", b"AIFC"):
        raise BadAudio(f"{src}: not an AIFF file")
    comm: bytes | None = None
    ssnd: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"COMM":
            comm = body
        elif cid == b"SSND":
            ssnd = body
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    if comm is None or ssnd is None or len(comm) < 18 or len(ssnd) < 8:
        raise BadAudio(f"{src}: AIFF without COMM/SSND chunks (still being written?)")
    channels = int.from_bytes(comm[0:2], "big")
    nframes = int.from_bytes(comm[2:6], "big")
    bits = int.from_bytes(comm[6:8], "big")
    rate = round(_extended_to_float(comm[8:18]))
    compression = comm[18:22] if data[8:12] == b"AIFC" and len(comm) >= 22 else b"NONE"
    if compression not in (b"NONE", b"sowt"):
        raise BadAudio(f"{src}: compressed AIFF ({compression!r}) is not supported")
    width = (bits + 7) // 8
    offset = int.from_bytes(ssnd[0:4], "big")
    want = nframes * channels * width
    samples = ssnd[8 + offset : 8 + offset + want]
    if nframes == 0 or len(samples) < want or channels < 1 or width < 1 or rate < 1:
        raise BadAudio(f"{src}: truncated or empty AIFF")
    out = bytearray(samples)
    if compression == b"NONE" and width > 1:  # big-endian: reverse the bytes of each sample
        for i in range(width):
            out[i::width] = samples[width - 1 - i :: width]
    if width == 1:  # AIFF 8-bit is signed, WAV 8-bit is unsigned
        out = bytearray((b + 128) & 0xFF for b in out)
    with wave.open(os.fspath(dst), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes(out))
