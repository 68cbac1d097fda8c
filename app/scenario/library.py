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
from pathlib import Path

from app.scenario.grammar import INTENT_LIBRARY
from app.scenario.grammar_kinds import LIBRARY_FORMAT, VERSION
from app.scenario.intent_reader import read_intents
from app.scenario.model import Intent
from app.scenario.problems import Problem, ScenarioError
from app.scenario.reader import SCENARIO_ID, Reader
from app.scenario.yamlsrc import load_yaml
from app.text import normalise

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
    text: str,
    path: str,
    negatives: tuple[str, ...] = (),
    sha256: str = "",
    cache_dir: Path | None = None,
) -> IntentLibrary:
    """A library from its text; raises LibraryError with every problem located.
    `cache_dir`: where the parsed YAML may be kept (`load_yaml`)."""
    r = Reader(path)
    try:
        root = load_yaml(text, path, cache_dir)
    except ScenarioError as exc:  # YAML syntax, duplicate keys: located already
        raise LibraryError(exc.problems) from None
    top = r.section(root, "the intent library", INTENT_LIBRARY)
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


def _negative_lines(text: str) -> tuple[str, ...]:
    """One line each; blank lines and `#` comments are left out."""
    out = (raw.split("#", 1)[0].strip() for raw in text.splitlines())
    return tuple(" ".join(line.split()) for line in out if line)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise LibraryError(
            [Problem(str(path), 1, 1, "error", "E001", f"cannot read: {why}")]
        ) from None


def _text(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LibraryError(
            [Problem(path, line, col, "error", "E002", "the file is not UTF-8 text")]
        ) from None


def _shipped_bytes(name: str) -> bytes:
    return resources.files("app.content").joinpath("library", name).read_bytes()


def load_library(
    path: str | Path | None = None,
    *,
    negatives: str | Path | None = None,
    cache_dir: Path | None = None,
) -> IntentLibrary:
    """A library file (None: the shipped `uk-call-handling`) with its generic negatives (None:
    the shipped ones, which any English call-handling library can share). LibraryError, with
    `path:line:col`, for anything wrong in either file."""
    name, negatives_name = _FILES[SHIPPED_ID]
    if path is None:
        data, where = _shipped_bytes(name), f"<callsim>/library/{name}"
    else:
        data, where = _read(Path(path)), str(path)
    if negatives is None:
        neg, neg_where = _shipped_bytes(negatives_name), f"<callsim>/library/{negatives_name}"
    else:
        neg, neg_where = _read(Path(negatives)), str(negatives)
    sha = hashlib.sha256(data + b"\0" + neg).hexdigest()
    lines = _negative_lines(_text(neg, neg_where))
    return parse_library(_text(data, where), where, lines, sha, cache_dir)


@cache
def shipped_library(library_id: str = SHIPPED_ID, cache_dir: Path | None = None) -> IntentLibrary:
    """A library that ships with callsim, read once per process (`cache_dir`: where its parsed
    YAML may be kept between processes). KeyError: no such library."""
    if library_id not in _FILES:
        raise KeyError(library_id)
    return load_library(cache_dir=cache_dir)


@cache
def generic_negatives() -> tuple[str, ...]:
    """The shipped generic negatives (without parsing the library)."""
    name = _FILES[SHIPPED_ID][1]
    return _negative_lines(_text(_shipped_bytes(name), name))


def merge_intents(
    library: IntentLibrary | None,
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
    if library is None:
        return dict(own)
    unknown = sorted({*(only or ()), *exclude} - set(library.intents))
    if unknown:  # the loader reports these located; a caller in code gets told plainly
        raise ValueError(f"not in {library.id}: {', '.join(unknown)}")
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
