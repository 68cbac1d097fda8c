"""How long speech takes on the virtual clock (headless runs, and the silent voice's stand-in
for speech, which lasts as long as this estimate).

150 words a minute is a typical conversational rate; a line never takes less than a second
(docs/scenario-format.md, "Timing in headless runs"). The GUI uses real time and real audio
lengths instead (a rendered WAV's own duration: `app.voice.wav.verify_wav`); these figures
only make headless runs deterministic and plausible.
"""

from __future__ import annotations

WORDS_PER_SECOND = 2.5
MIN_SECONDS = 1.0
RATE_MIN, RATE_MAX = 0.5, 2.0  # the combined rate a line is said at; beyond 2x is gabble
FLAG_SECONDS = 1.0  # a click on a flag button
LOG_SECONDS = 2.0  # an entry in the incident log (per step)
TYPING_INTERVAL = 2.0  # how often composing a line is reported as activity


def speaking_rate(voice_rate: float, emotion_rate: float = 1.0) -> float:
    """The rate a line is said at: the caller's voice rate times the emotion's, clamped to
    what a voice can say and rounded to three places. The voice renders at this rate and the
    clock estimates with it, so the two never disagree (1.1 * 1.2 and 1.32 are one rate)."""
    return round(max(RATE_MIN, min(RATE_MAX, voice_rate * emotion_rate)), 3)


def speech_seconds(text: str, rate: float = 1.0) -> float:
    """The estimated time to say `text` at `rate` (a multiplier of 150 wpm), to the ms."""
    words = len(text.split())
    return round(max(MIN_SECONDS, words / WORDS_PER_SECOND) / max(rate, 0.1), 3)
