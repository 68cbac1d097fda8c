"""How long speech takes on the virtual clock (headless runs, silence estimates).

150 words a minute is a typical conversational rate; a line never takes less than a second.
The GUI uses real time and real audio lengths instead; these figures only make headless runs
deterministic and plausible.
"""

from __future__ import annotations

WORDS_PER_SECOND = 2.5
MIN_SECONDS = 1.0
FLAG_SECONDS = 1.0  # a click on a flag button
LOG_SECONDS = 2.0  # an entry in the incident log (per step)
TYPING_INTERVAL = 2.0  # how often composing a line is reported as activity


def speech_seconds(text: str, rate: float = 1.0, pause_before: float = 0.0) -> float:
    words = len(text.split())
    return round(max(MIN_SECONDS, words / WORDS_PER_SECOND) / max(rate, 0.1) + pause_before, 3)
