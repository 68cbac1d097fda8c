"""Intent libraries: the call-handling moves every scenario understands without writing them.

A library is a YAML file (`format: callsim/intent-library@1`, grammar `INTENT_LIBRARY`) with
an id, a version, the caller's default `clarify:` lines (what she says when the simulator is
unsure what the trainee meant) and `intents:` written exactly as a scenario writes them.
Beside it, `generic-negatives.txt`: lines a call handler might type that express no intent,
which every matcher learns to hear as nothing.

The shipped library is `uk-call-handling` version 1 (app/content/library/; its ids are part
of the outside contract, docs/standard-intents.md). A scenario uses it unless it says
`library: none`; `merge_intents` puts a scenario's own intents beside the library's, an own
intent with a library id replacing the library's, so a file written before the library keeps
its meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from app.scenario.grammar import INTENT_LIBRARY
from app.scenario.grammar_kinds import LIBRARY_FORMAT, VERSION
from app.scenario.intent_reader import read_intents
from app.scenario.model import Intent
from app.scenario.problems import ScenarioError
from app.scenario.reader import SCENARIO_ID, Reader
from app.scenario.yamlsrc import load_yaml
from app.text import data_lines, normalise

SHIPPED_ID = "uk-call-handling"
_FILES = {SHIPPED_ID: ("uk-call-handling.yaml", "generic-negatives.txt")}


class LibraryError(ScenarioError):
    """A library file that cannot be used; `problems` say what and where."""


@dataclass(frozen=True)
class IntentLibrary:
    id: str
    version: int
    intents: dict[str, Intent]
    clarify: tuple[str, ...]
    negatives: tuple[str, ...]  # generic lines that express no intent
    sha256: str  # of the library file's bytes and its negatives file's bytes
    title: str | None = None
    path: str = "<memory>"

    @property
    def ref(self) -> str:
        """`uk-call-handling@1`: what a scenario and a session record it as."""
        return f"{self.id}@{self.version}"


def parse_library(
    text: str, path: str, negatives: tuple[str, ...] = (), sha256: str = ""
) -> IntentLibrary:
    """A library from its text; raises LibraryError with every problem located."""
    r = Reader(path)
    top = r.section(load_yaml(text, path), "the intent library", INTENT_LIBRARY)
    if top is None:
        raise LibraryError(r.problems)
    fmt = r.text(top.get("format"), "format")
    if fmt is not None and fmt != LIBRARY_FORMAT:
        r.error(top["format"].pos, "E013", f"format must be '{LIBRARY_FORMAT}', not '{fmt}'")
    lid = r.ident(top.get("id"), "library id", SCENARIO_ID)
    version = r.amount(top.get("version"), "version", VERSION)
    origin = f"{lid}@{int(version)}" if lid and version is not None else None
    intents = read_intents(r, top.get("intents"), origin=origin)
    clarify = tuple(" ".join(t.split()) for t in r.strings(top.get("clarify"), "clarify"))
    if r.has_errors or lid is None or version is None:
        raise LibraryError(r.problems)
    return IntentLibrary(
        id=lid,
        version=int(version),
        intents=intents,
        clarify=clarify,
        negatives=negatives,
        sha256=sha256,
        title=r.text(top.get("title"), "title"),
        path=path,
    )


def known_libraries() -> tuple[str, ...]:
    return tuple(_FILES)


@cache
def shipped_library(library_id: str = SHIPPED_ID) -> IntentLibrary:
    """A library that ships with callsim, read once per process. KeyError: no such library."""
    name, negatives_name = _FILES[library_id]
    folder = resources.files("app.content").joinpath("library")
    data = folder.joinpath(name).read_bytes()
    negatives = folder.joinpath(negatives_name).read_bytes()
    sha = hashlib.sha256(data + b"\0" + negatives).hexdigest()
    lines = tuple(data_lines(negatives_name, "app.content", folder="library"))
    return parse_library(data.decode("utf-8"), f"<callsim>/library/{name}", lines, sha)


def merge_intents(
    library: IntentLibrary,
    own: Mapping[str, Intent],
    *,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> dict[str, Intent]:
    """The library's intents (narrowed by `only`/`exclude`), then the scenario's own; an own
    intent with a library id takes the library intent's place (and its position).

    The scenario's own phrasings win: a library example written the same as one of the
    scenario's own examples (once normalised) is left out, so a file written before the
    library ("where are you" under its own `ask_location`) keeps its meaning rather than
    losing the line to a library intent (`ask_caller_location`) it has no handler for."""
    claimed = {normalise(ex) for intent in own.values() for ex in intent.examples}
    out: dict[str, Intent] = {}
    for iid, intent in library.intents.items():
        if (only is None or iid in only) and iid not in exclude:
            if iid in own:
                out[iid] = own[iid]
                continue
            kept = tuple(ex for ex in intent.examples if normalise(ex) not in claimed)
            out[iid] = (
                intent if len(kept) == len(intent.examples) else replace(intent, examples=kept)
            )
    for iid, intent in own.items():
        out.setdefault(iid, intent)
    return out
