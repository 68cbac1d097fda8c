"""Normalisation and clause splitting for the intent matcher."""

from __future__ import annotations

import pytest

from app.matching import normalise
from app.matching.clauses import split_clauses
from app.matching.features import stem
from app.text.normalise import textspeak


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("R u OK??", "are you ok"),
        ("wats ur adress", "what is your address"),
        ("wot happened", "what happened"),
        ("whats the addres", "what is the address"),
        ("u", "you"),
        ("thx pls plz", "thanks please please"),
        ("okay", "ok"),
        ("im here", "i am here"),
        ("I'm here", "i am here"),
        ("dont cant", "do not can not"),
        ("don't can't won't", "do not can not will not"),
        ("wer is she", "where is she"),
        ("is she hurted", "is she hurt"),
        ("We'll get officers out", "we will get officers out"),
        ("well, ok", "well ok"),  # "well" is a word: only "we'll" becomes "we will"
        ("the officer\u2019s name", "the officers name"),  # curly apostrophe, possessive
        ("  lots   of\tspace \n", "lots of space"),
        ("Sooooo sorry!!!", "soo sorry"),
        ("was he a cop", "was he a police officer"),
        ("Zo\u00eb's caf\u00e9 \ufb01ne", "zoes cafe fine"),  # accents and ligatures folded
        ("", ""),
        ("?!...", ""),
    ],
)
def test_normalise(typed: str, normalised: str) -> None:
    assert normalise(typed) == normalised


def test_spelt_out_letters_are_left_alone() -> None:
    # "k" alone is text-speak for ok, but k-a-y is a name being spelt
    assert normalise("that's K A Y") == "that is k a y"
    assert normalise("J-O-N-E-S") == "j o n e s"
    assert normalise("r u k") == "r u k"  # three single letters in a row read as spelling
    assert normalise("r u ok") == "are you ok"


def test_normalise_is_idempotent() -> None:
    for text in ["R u OK??", "wats ur adress", "don't go", "is any1 hurt", "J-O-N-E-S"]:
        once = normalise(text)
        assert normalise(once) == once


def test_textspeak_table_is_data_with_single_word_keys() -> None:
    table = textspeak()
    assert len(table) > 100
    assert table["u"] == "you" and table["adress"] == "address"
    for key, value in table.items():
        assert key == key.lower() and " " not in key and "'" not in key
        assert value.strip() == value and value


def test_stems_join_word_families() -> None:
    assert stem("injury") == stem("injuries") == stem("injured")
    assert stem("picture") == stem("pictures")
    assert stem("name") == stem("names") == stem("named")
    assert stem("investigate") == stem("investigated") == stem("investigation")
    assert stem("address") == stem("addresses")
    assert stem("bleeding") == "bleed"
    assert stem("07700900123") == stem("1990") == "#num"
    assert stem("101") == "101"


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("is anyone hurt and are you safe?", ["is anyone hurt", "are you safe"]),
        ("ok, where is she", ["ok", "where is she"]),
        ("Are you safe? Where are they now.", ["are you safe", "where are they now"]),
        ("what happened; who's there", ["what happened", "who is there"]),
        # joining words split only between two real clauses
        ("can I take your name and number", ["can i take your name and number"]),
        ("thanks and bye", ["thanks and bye"]),
        ("and then what happened", ["what happened"]),
        (
            "is she ok and is she safe but where is she",
            ["is she ok", "is she safe", "where is she"],
        ),
        ("what happened then", ["what happened"]),
        (
            "we will send someone also she should call back",
            ["we will send someone", "she should call back"],
        ),
        ("meet at 10.30 ok", ["meet at 10 30 ok"]),  # a decimal point is not a full stop
        ("right - bye", ["right", "bye"]),
        ("", []),
    ],
)
def test_split_clauses(text: str, clauses: list[str]) -> None:
    assert [" ".join(c) for c in split_clauses(text)] == clauses
