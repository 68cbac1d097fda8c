"""Polite opening frames are removed before a clause is scored (app/matching/hedges.py)."""

from __future__ import annotations

import pytest

from app.matching.hedges import strip_frame
from app.text import tokens


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("I wonder if you could tell me the postcode", "the postcode"),
        ("I was wondering whether it's still going on", "it is still going on"),
        ("I don't suppose you noticed what they were driving", "what they were driving"),
        ("I'd just like to check nobody's been hurt", "nobodys been hurt"),
        ("ok so can I just ask if anyone's been drinking", "anyones been drinking"),
        ("do you know who he is", "who he is"),
        ("would you say he's tall", "he is tall"),
    ],
)
def test_a_frame_is_removed(text: str, left: str) -> None:
    assert " ".join(strip_frame(tokens(text))) == left


@pytest.mark.parametrize(
    "text",
    [
        "do you know him",  # "know" is the question here
        "could you go round there",  # telling, not asking
        "can I ask you",  # nothing after the frame: kept whole
        "what's the address",
        "I'd rather you didn't go back in",
    ],
)
def test_other_lines_are_left_as_they_are(text: str) -> None:
    assert strip_frame(tokens(text)) == tokens(text)
