"""Polite and indirect openings that carry no intent of their own.

"I wonder if you could tell me the postcode", "I don't suppose you noticed what they were
driving", "I'd just like to check nobody's been hurt": British call handlers wrap a question
in a frame, and the frame's words ("could you", "tell me", "I don't") are what a word-based
classifier sees most. The frame also puts a "not" in front of the question ("I don't
suppose..."), so the real question reads as negated. The frames are a small closed class of
phrases, so they are removed from the start of a clause before it is scored, in training
and in matching alike: the classifier then reads "the postcode", "what they were driving",
"nobody has been hurt". Chosen on the tune and dev sets (docs/matching.md section 5d).

Only frames that ask for information are listed; frames that tell the caller to do something
("could you go round", "I'd rather you didn't") are meaning, not politeness, and stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A question word or an auxiliary that starts the question after "do you know ...", so that
# "do you know who he is" loses its frame but "do you know him" keeps its words.
_QUESTION = (
    r"(?= (?:who|whose|what|where|when|which|how|why|if|whether|whereabouts|any|anyone|"
    r"anybody|anything|there|is|are|was|were|has|have|had|did|does|do)\b)"
)
# Each frame as normalised words (app.text.tokens: "i'd" -> "i would", "don't" -> "do not").
FRAMES: tuple[str, ...] = (
    r"i (?:was |am )?(?:just )?wonder(?:ing|ed)? (?:if|whether)",
    r"i do not suppose (?:you )?(?:would |could |might |will |can )?(?:happen to )?"
    r"(?:know|notice|noticed|remember|have seen|saw|see|have)",
    r"(?:could|can|would|will) you (?:possibly |just |please )?(?:be able to )?tell me"
    r"(?: a bit| a little| more)?(?: about)?(?: if| whether)?",
    r"you (?:could|can|might) (?:possibly |just )?tell me(?: if| whether)?",
    r"(?:do|would|did) you (?:happen to )?know" + _QUESTION,
    r"(?:do|would|did) you (?:happen to )?know (?:if|whether)",
    r"i would (?:just )?like to (?:check|know|ask)(?: you)?(?: if| whether)?",
    r"i (?:just )?(?:need|want|have|got) to (?:check|know|ask|make sure)(?: you)?"
    r"(?: if| whether| that)?",
    r"(?:can|could|may) i (?:just )?ask(?: you)?(?: if| whether)?",
    r"just so i know",
    r"would you say(?: that)?",
    r"i was going to ask(?: you)?(?: if| whether)?",
)
# Fillers that may come before a frame ("ok so I was wondering if...").
_LEAD = r"(?:(?:ok|okay|right|so|and|just|um|erm)\s+)*"
_FRAME = re.compile(r"^" + _LEAD + r"(?:(?:" + "|".join(FRAMES) + r")\s+)+")


def strip_frame(words: Sequence[str]) -> list[str]:
    """`words` without a polite opening frame; unchanged when there is none, or when the
    frame is all there is ("can I ask you" stays as it is)."""
    text = " ".join(words) + " "
    m = _FRAME.match(text)
    if m is None:
        return list(words)
    rest = text[m.end() :].split()
    return rest if rest else list(words)
