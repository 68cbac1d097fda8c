"""How long speech takes on the virtual clock (headless runs, the silent voice's stand-in for
speech, and when the caller is busy in a call), and the speaking rate a line is said at.

The pace is the voice's own: at rate 1.0 the caller speaks about 155 words a minute (people on
the phone speak at 150-170), and every speech engine is mapped onto that pace
(`app.voice.settings`). The estimate is a pure function of the text and the rate, so headless
runs are byte-identical on every machine; it was fitted to espeak-ng's audio of the shipped
scenarios' lines (silence included: the caller is busy for it), and `benchmarks/bench_voice.py`
measures how close it stays (docs/scenario-format.md, "Timing in headless runs").

The estimate counts what takes time to say: letters (a digit or a spelled-out abbreviation
such as "OK" or "KM4" takes longer than a letter of a word), and the pauses at the end of
each sentence and at each comma, semicolon, colon or dash. Words alone are a poor measure:
"OK." and "Unfortunately." are a word each and nothing alike in length, and a line of short
sentences takes far longer than its words suggest.
"""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 155  # the caller's pace at rate 1.0, on conversational lines
LETTER_SECONDS = 0.067  # per letter said; 15 letters a second is about 155 words a minute
SENTENCE_PAUSE = 0.48  # after . ? ! or an ellipsis (the last one: the audio's trailing silence)
CLAUSE_PAUSE = 0.38  # at , ; : or a dash between words
SPELLED_LETTER = 2  # a letter said by name ("O K") takes about as long as two in a word
DIGIT = 3  # a digit of a number ("14" is "fourteen") takes about three
MIN_SECONDS = 0.5  # even "Hm" takes this long
RATE_MIN, RATE_MAX = 0.5, 2.0  # the combined rate a line is said at; beyond 2x is gabble
FLAG_SECONDS = 1.0  # a click on a flag button
LOG_SECONDS = 2.0  # an entry in the incident log (per step)
TYPING_INTERVAL = 2.0  # how often composing a line is reported as activity

_CLOSER = "\"'\u2019\u201d)\\]"  # what may follow the mark before the space: quotes, brackets
_SENTENCE_END = re.compile(rf"[.?!\u2026]+(?=[{_CLOSER}]*(?:\s|$))")
_CLAUSE_BREAK = re.compile(rf"[,;:]+(?=[{_CLOSER}]*(?:\s|$))|\s[-\u2013\u2014]+\s")
_TOKEN = re.compile(r"[^\W_]+")


def spoken_letters(text: str) -> int:
    """How many letters `text` takes to say: letters, with digits and short all-capital
    abbreviations (said letter by letter) weighted by how long they take."""
    total = 0
    for token in _TOKEN.findall(text):
        letters = sum(c.isalpha() for c in token)
        digits = sum(c.isdigit() for c in token)
        spelled = digits > 0 or (token.isupper() and 2 <= letters <= 4)
        total += SPELLED_LETTER * letters + DIGIT * digits if spelled else letters
    return total


def speaking_rate(voice_rate: float, emotion_rate: float = 1.0) -> float:
    """The rate a line is said at: the caller's voice rate times the emotion's, clamped to
    what a voice can say and rounded to three places. The voice renders at this rate and the
    clock estimates with it, so the two never disagree (1.1 * 1.2 and 1.32 are one rate)."""
    return round(max(RATE_MIN, min(RATE_MAX, voice_rate * emotion_rate)), 3)


def speech_seconds(text: str, rate: float = 1.0) -> float:
    """The estimated time to say `text` at `rate` (a multiplier of the pace), to the ms."""
    seconds = (
        spoken_letters(text) * LETTER_SECONDS
        + len(_SENTENCE_END.findall(text)) * SENTENCE_PAUSE
        + len(_CLAUSE_BREAK.findall(text)) * CLAUSE_PAUSE
    )
    return round(max(MIN_SECONDS, seconds) / max(rate, 0.1), 3)
