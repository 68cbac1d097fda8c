"""What an assessment-mode call must not give away before the debrief.

A scenario's *hidden moments* are the marks its rubric scores the trainee's response to
(a criterion's evidence anchored `after: mark:X`): a late disclosure, a remark made in
passing. The trainee has to notice them, so no title, summary, content note, flag, log field
or call detail shown before the debrief may name them. The scenario says which words would
(`assessment: spoilers:`); lint checks its own screen texts against them (W121) and warns when
a scenario with a hidden moment has no neutral texts (W120).

Plain data in, plain data out: the checks (`checks.py`) and the window's tests use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.scenario.model import NOWHERE, Evidence, Handler, Line, Pos, Scenario


@dataclass(frozen=True)
class ScreenText:
    """A text of the scenario's own that a screen shows before the debrief."""

    where: str  # e.g. "assessment title", "the summary (no assessment summary)"
    text: str
    pos: Pos = NOWHERE


def _anchored_marks(ev: Evidence) -> Iterator[str]:
    if ev.after is not None and ev.after.kind == "mark":
        yield ev.after.ref
    for child in ev.children:
        yield from _anchored_marks(child)


def scored_after(s: Scenario) -> dict[str, str]:
    """Marks the rubric is anchored after, each with the first criterion anchored on it."""
    out: dict[str, str] = {}
    for c in s.rubric.criteria:
        for m in _anchored_marks(c.evidence) if c.evidence is not None else ():
            out.setdefault(m, c.id)
    return out


def hidden_marks(s: Scenario) -> dict[str, Handler]:
    """The hidden moments, each with the first handler (file order) that sets it."""
    anchored = scored_after(s)
    out: dict[str, Handler] = {}
    for h in s.all_handlers():
        if h.mark is not None and h.mark in anchored and h.mark not in out:
            out[h.mark] = h
    return out


def hidden_lines(s: Scenario) -> list[Line]:
    """What the caller says at the hidden moments (the lines of the handlers that set them)."""
    marks = set(hidden_marks(s))
    return [
        line
        for h in s.all_handlers()
        if h.mark in marks and h.say is not None
        for line in h.say.lines
    ]


def _pattern(word: str) -> re.Pattern[str]:
    """A word or phrase as whole words, case-insensitive, with an optional plural `s`."""
    parts = [re.escape(w) for w in word.lower().split()]
    return re.compile(r"(?<![\w])" + r"\W+".join(parts) + r"s?(?![\w])", re.IGNORECASE)


def find_spoiler(text: str, words: tuple[str, ...] | list[str]) -> str | None:
    """The first of `words` that `text` contains (as a whole word or phrase), else None."""
    for word in words:
        if word.strip() and _pattern(word).search(text):
            return word
    return None


def screen_texts(s: Scenario, mode: str = "assessment") -> list[ScreenText]:
    """The scenario's own texts the screens show before the debrief in `mode`: the title,
    summary and content note shown (a text the `assessment:` block leaves out falls back to
    the full one, located at the block), the labels and descriptions the file writes for the
    flags and log fields on screen (the standard ones are the same in every call, so they give
    nothing away), and the call information."""
    a = s.assessment if mode == "assessment" else None
    block = a.pos if a is not None else NOWHERE
    shown = s.shown(mode)
    out: list[ScreenText] = []
    for key, text in (
        ("title", shown.title),
        ("summary", shown.summary),
        ("content_note", shown.content_note),
    ):
        if not text:
            continue
        if a is not None and key in a.key_pos:
            out.append(ScreenText(f"assessment {key}", text, a.key_pos[key]))
        else:
            out.append(ScreenText(f"the {key} (no assessment {key})", text, block))
    for f in s.flags_shown(mode).values():
        for key, text in (("label", f.label), ("description", f.description)):
            if key in f.key_pos and text:  # written by the file: a standard one says nothing
                out.append(ScreenText(f"flag '{f.id}' {key}", text, f.key_pos[key]))
    for lf in s.log_fields_shown(mode).values():
        if "label" in lf.key_pos:
            out.append(ScreenText(f"log field '{lf.id}' label", lf.label, lf.key_pos["label"]))
    info = s.call_info
    if info is not None:
        for key, text in (
            ("number", info.number),
            ("location", info.location),
            ("previous_incidents", "; ".join(info.previous_incidents or ())),
            ("time", info.time),
        ):
            if text:
                out.append(ScreenText(f"call_info {key}", text, info.key_pos[key]))
    return out
