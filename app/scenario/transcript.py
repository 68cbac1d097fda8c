"""`callsim play` transcripts: a file of trainee steps (contract §2), read with the loader's
file checks and the playtests' step reader. Its own module so that neither of those two
imports the other."""

from __future__ import annotations

from pathlib import Path

from app.scenario.grammar_rubric import TRANSCRIPT
from app.scenario.loader import read_source
from app.scenario.model import Step
from app.scenario.problems import ScenarioError
from app.scenario.reader import Reader
from app.scenario.steps import read_steps
from app.scenario.yamlsrc import YNode, load_yaml


def load_transcript(path: str | Path) -> tuple[Step, ...]:
    """A `callsim play` transcript: a list of steps, or a mapping with a `steps:` list."""
    text, _ = read_source(path)
    root = load_yaml(text, str(path))
    r = Reader(str(path))
    node: YNode | None = root
    if root.is_map:
        m = r.section(root, "the transcript", TRANSCRIPT)
        node = m.get("steps") if m else None
    elif not root.is_seq:
        r.error(root.pos, "E010", "a transcript is a list of steps (or a mapping with 'steps:')")
        node = None
    steps = read_steps(r, node, "the transcript", assertions=True)
    if r.has_errors:
        raise ScenarioError(r.problems)
    return steps
