"""Normalisation of trainee text: case, punctuation, typos and text-speak.

The word replacements live in `data/textspeak.txt` (data, not code) so instructors can extend
them. Apostrophe contractions ("we'll", "can't") are expanded before punctuation is stripped,
because without the apostrophe some of them become other words ("we'll" -> "well").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\bwon't\b", "will not"),
        (r"\bcan't\b", "can not"),
        (r"\bshan't\b", "shall not"),
        (r"n't\b", " not"),
        (r"'ll\b", " will"),
        (r"'re\b", " are"),
        (r"'ve\b", " have"),
        (r"'m\b", " am"),
        (r"'d\b", " would"),
    )
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
SPELLING_RUN = 3
_LETTER_RUN = re.compile(r"([a-z])\1{2,}")  # "sooo" -> "soo": three or more of a letter


def _read_data(name: str, package: str, folder: str) -> str:
    return resources.files(package).joinpath(folder, name).read_text(encoding="utf-8")


def data_lines(name: str, package: str = "app.text", folder: str = "data") -> list[str]:
    """The non-blank, non-comment lines of a data file of `package` (in `folder`), stripped."""
    out: list[str] = []
    for raw in _read_data(name, package, folder).splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@cache
def textspeak() -> dict[str, str]:
    """The replacement table: one word (as typed) -> its replacement (one or more words)."""
    table: dict[str, str] = {}
    for line in data_lines("textspeak.txt"):
        word, sep, repl = line.partition("=")
        word, repl = word.strip(), " ".join(repl.split())
        if not sep or not word or " " in word or not repl:
            raise ValueError(f"textspeak.txt: bad line {line!r} (want: word = replacement)")
        table[word] = repl
    return table


def tokens(text: str) -> list[str]:
    """The normalised words of `text` (see `normalise`)."""
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))  # accents off: zoë -> zoe
    s = s.lower().translate(_QUOTES).replace("&", " and ")
    for pattern, repl in _CONTRACTIONS:
        s = pattern.sub(repl, s)
    s = s.replace("'", "")  # possessives and apostrophe-less contractions join up: what's -> whats
    words = [_LETTER_RUN.sub(r"\1\1", w) for w in _NON_WORD.split(s) if w]
    spelt = _spelt_out(words)
    table = textspeak()
    out: list[str] = []
    for n, word in enumerate(words):
        out.extend([word] if spelt[n] else table.get(word, word).split())
    return out


def _spelt_out(words: list[str]) -> list[bool]:
    """Which words are letters of something spelt out ("j o n e s"): three or more single
    letters in a row. Those are left alone, or "k a y" would read as "ok a why"."""
    out = [False] * len(words)
    start = 0
    while start < len(words):
        end = start
        while end < len(words) and len(words[end]) == 1 and words[end].isalpha():
            end += 1
        if end - start >= SPELLING_RUN:
            out[start:end] = [True] * (end - start)
        start = max(end, start + 1)
    return out


def normalise(text: str) -> str:
    """Lowercase, punctuation stripped, typos and text-speak fixed, whitespace collapsed.

    >>> normalise("R u OK?? wats ur adress")
    'are you ok what is your address'
    """
    return " ".join(tokens(text))
