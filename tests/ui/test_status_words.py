"""Every criterion status has words on the trainee's and the assessor's screens (a status added
to the vocabulary must be given words here, not shown as its id)."""

from __future__ import annotations

import pytest

from app.scenario.vocabulary import STATUSES, Status
from app.ui.assessor import words
from app.ui.style import STYLE
from app.ui.widgets import criterion_card


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_is_said_in_words(status: Status) -> None:
    for say in (criterion_card.status_words, words.status_words):
        text = say(status)
        assert text and text != str(status)
        assert say(str(status)) == text  # the same words for the id read back from a result


def test_the_colour_follows_good_bad_or_not_decided() -> None:
    tones = {s: criterion_card.status_tone(s) for s in STATUSES}
    assert tones == {
        "met": "good",
        "not_violated": "good",
        "missed": "bad",
        "violated": "bad",
        "manual": "open",
        "check": "open",
    }
    assert all(f'[tone="{t}"]' in STYLE for t in set(tones.values()))
