"""Why the matcher heard what it heard: per clause, the candidates with their probabilities,
bars and bands, and what held an intent back (docs/matching.md, *Reading an explanation*).

Plain data and plain text, for `callsim match --explain` and the studio's Play tab.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Nearest:
    """A reference line near the clause: what it is, whose, and how similar (0..1)."""

    kind: str  # "example", "pattern phrase", "not line", "generic negative", "off-topic line"
    intent: str | None  # whose example or `not` line; None for negatives and off-topic lines
    text: str
    similarity: float


@dataclass(frozen=True)
class Candidate:
    intent: str
    probability: float
    threshold: float  # this intent's lower bar
    status: str  # "taken", "below threshold", "below none", "function words only", "vetoed",
    # "blocked", "not top"
    band: str | None  # "confident" / "unsure" when taken
    nearest: Nearest | None  # its nearest example
    blocker: Nearest | None  # the `not` line or negative that blocked it, or came closest
    patterns: bool  # one of its patterns matched (evidence, weighed like any feature)


@dataclass(frozen=True)
class ClauseExplanation:
    text: str  # the clause's words as the matcher read them (typos fixed)
    none: float  # probability that the clause expresses no intent
    candidates: tuple[Candidate, ...]  # best first
    taken: tuple[str, ...]
    nearest_negative: Nearest | None  # the closest generic negative or off-topic line
    note: str = ""  # e.g. "split at 'and'", "unsplit: no part matched"


@dataclass(frozen=True)
class Explanation:
    text: str
    intents: tuple[str, ...]
    bands: dict[str, str]
    unsure: bool
    clauses: tuple[ClauseExplanation, ...]


def _near(n: Nearest | None) -> str:
    if n is None:
        return "-"
    who = f" of {n.intent}" if n.intent else ""
    return f'{n.kind}{who} "{n.text}" ({n.similarity:.2f})'


def format_explanation(e: Explanation) -> str:
    """The explanation as plain text, one block per clause."""
    out = [f"line: {e.text!r}"]
    if e.intents:
        heard = ", ".join(f"{i} ({e.bands.get(i, '?')})" for i in e.intents)
        out.append(f"heard: {heard}" + ("  -- unsure: the caller asks what was meant" * e.unsure))
    else:
        out.append("heard: nothing")
    for n, c in enumerate(e.clauses, 1):
        note = f"  [{c.note}]" if c.note else ""
        out.append(f"clause {n}: {c.text!r}  none {c.none:.2f}{note}")
        for cand in c.candidates:
            band = f", {cand.band}" if cand.band else ""
            pat = ", pattern hit" if cand.patterns else ""
            out.append(
                f"  {cand.intent:<26} {cand.probability:5.2f}  bar {cand.threshold:.2f}"
                f"  {cand.status}{band}{pat}"
            )
            out.append(f"      nearest: {_near(cand.nearest)}")
            if cand.blocker is not None:
                verb = "blocked by" if cand.status == "blocked" else "closest negative"
                out.append(f"      {verb}: {_near(cand.blocker)}")
        if c.nearest_negative is not None:
            out.append(f"  nearest negative: {_near(c.nearest_negative)}")
    return "\n".join(out) + "\n"
