"""A usable log is read the way people write one (#10): "cop", "PC" and "pics" count."""

from __future__ import annotations

import pytest

from app.text.terms import fold, log_mentions


@pytest.mark.parametrize(
    ("log", "wanted"),
    [
        ("cop sent pics to her friend", ("officer",)),
        ("PC from the station sent her nudes", ("officer",)),
        ("PC from the station sent her nudes", ("picture",)),
        ("one of ours has been messaging her", ("officer",)),
        ("copper sent explicit photos", ("sexual",)),
        ("Officers sent", ("officer",)),
        ("mum and daughter kicking off at 14 mill lane", ("fight",)),
        ("knife in the kitchen", ("weapon",)),
        ("has a KNIFE", ("knife",)),
        ("referred to professional standards", ("misconduct",)),
    ],
)
def test_found(log: str, wanted: tuple[str, ...]) -> None:
    assert log_mentions(log, wanted)


@pytest.mark.parametrize(
    ("log", "wanted"),
    [
        ("mum and daughter fighting", ("officer",)),
        ("topical cream", ("cop",)),  # a word inside another word is not the word
        ("", ("officer",)),
        ("caller at home", ("weapon", "child")),
    ],
)
def test_not_found(log: str, wanted: tuple[str, ...]) -> None:
    assert not log_mentions(log, wanted)


def test_plurals_fold() -> None:
    assert [fold(w) for w in ("pictures", "knives", "bodies", "boxes", "glass", "bus")] == [
        "picture", "knive", "body", "box", "glass", "bus",
    ]  # fmt: skip
