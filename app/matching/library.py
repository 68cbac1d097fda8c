"""Intent libraries: the standard call-handling moves every scenario can use.

A library is a YAML file (`format: callsim/intent-library@1`) with an `id`, a `version`, the
`clarify:` lines a caller says when the matcher is unsure, and `intents:` written exactly as a
scenario writes them (`description`, `examples`, `not`, `patterns`, `closing`, `threshold`).
Beside it, a plain-text list of *generic negatives*: lines a call handler might type that
express no intent at all, which every matcher learns to hear as nothing.

The shipped library is `uk-call-handling` (docs/matching.md; its ids are a contract:
design/standard-intents.md). `merge_intents` combines a library with a scenario's own intents:
an own intent with a library id replaces the library's.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from app.scenario.model import Intent, Pattern, Pos
from app.scenario.problems import Problem, ScenarioError
from app.scenario.reader import SCENARIO_ID, Reader
from app.scenario.yamlsrc import YNode, load_yaml

LIBRARY_FORMAT = "callsim/intent-library@1"
SHIPPED_LIBRARY = "uk-call-handling.yaml"
SHIPPED_NEGATIVES = "generic-negatives.txt"
TOP_REQUIRED = ("format", "id", "version", "intents")
TOP_OPTIONAL = ("title", "source", "clarify")
INTENT_KEYS = ("examples", "patterns", "not", "closing", "description", "threshold")
PATTERN_KEYS = ("any", "all", "ordered", "near")
MAX_NEAR = 50


class LibraryError(ScenarioError):
    """A library (or negatives) file that cannot be used; `problems` say what and where."""


@dataclass(frozen=True)
class IntentLibrary:
    id: str
    version: int
    intents: dict[str, Intent]
    clarify: tuple[str, ...]
    sha256: str  # of the library file's bytes and its negatives file's bytes
    negatives: tuple[str, ...] = ()  # generic lines that express no intent
    title: str | None = None
    source: str | None = None
    path: str = "<memory>"


def _shipped(name: str) -> bytes:
    return resources.files("app.matching").joinpath("library", name).read_bytes()


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LibraryError(
            [Problem(path, line, col, "error", "E001", "the file is not UTF-8 text")]
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise LibraryError(
            [Problem(str(path), 1, 1, "error", "E001", f"cannot read: {why}")]
        ) from None


def parse_negatives(text: str) -> tuple[str, ...]:
    """The lines of a negatives file: one phrase a line, `#` starts a comment, blanks skipped."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return tuple(out)


def read_pattern(r: Reader, node: YNode) -> Pattern | None:
    """One `patterns:` entry: `{any: [...]}`, `{all: [...], ordered: true, near: 4}`."""
    m = r.mapping(node, "pattern", optional=PATTERN_KEYS)
    if m is None:
        return None
    any_ = r.strings(m.get("any"), "any")
    all_ = r.strings(m.get("all"), "all")
    ordered = bool(r.boolean(m.get("ordered"), "ordered"))
    near_f = r.number(m.get("near"), "near", minimum=1, maximum=MAX_NEAR, integer=True)
    near = int(near_f) if near_f is not None else None
    if not any_ and not all_:
        r.error(node.pos, "E011", "a pattern needs 'any' or 'all' words")
    if (ordered or near is not None) and len(all_) < 2:
        where = m["ordered"].pos if "ordered" in m else m["near"].pos
        r.error(where, "E013", "'ordered' and 'near' need at least two 'all' phrases")
    return Pattern(any=any_, all=all_, pos=node.pos, ordered=ordered, near=near)


def read_intent(r: Reader, key: str, node: YNode, pos: Pos) -> Intent | None:
    """One entry of an `intents:` mapping (a library's or a scenario's), problems into `r`."""
    m = r.mapping(node, f"intent '{key}'", optional=INTENT_KEYS)
    if m is None:
        return None
    patterns = []
    for pnode in r.seq(m.get("patterns"), "patterns"):
        p = read_pattern(r, pnode)
        if p is not None:
            patterns.append(p)
    examples = r.strings(m.get("examples"), "examples")
    if not examples and not patterns:
        r.error(pos, "E011", f"intent '{key}' needs examples or patterns")
    threshold = r.number(m.get("threshold"), "threshold", minimum=0.01, maximum=0.99)
    return Intent(
        id=key,
        examples=examples,
        patterns=tuple(patterns),
        not_examples=r.strings(m.get("not"), "not"),
        closing=bool(r.boolean(m.get("closing"), "closing")),
        description=r.text(m.get("description"), "description"),
        pos=pos,
        threshold=threshold,
    )


def read_intents(r: Reader, node: YNode | None) -> dict[str, Intent]:
    """An `intents:` mapping of snake_case ids, problems into `r`."""
    out: dict[str, Intent] = {}
    if node is None:
        return out
    if not node.is_map:
        r.error(node.pos, "E010", "intents must be a mapping of ids")
        return out
    for key, val in node.value.items():
        if not r.key_ident(node, key, "intent"):
            continue
        intent = read_intent(r, key, val, node.key_pos[key])
        if intent is not None:
            out[key] = intent
    return out


def parse_library(
    text: str, path: str, *, negatives: tuple[str, ...] = (), sha256: str = ""
) -> IntentLibrary:
    """A library from its YAML text; raises LibraryError listing every problem, located."""
    try:
        root = load_yaml(text, path)
    except ScenarioError as exc:
        raise LibraryError(exc.problems) from None
    r = Reader(path)
    top = r.mapping(root, "the library", required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if top is None:
        raise LibraryError(r.problems)
    fmt = r.text(top.get("format"), "format")
    if fmt is not None and fmt != LIBRARY_FORMAT:
        r.error(top["format"].pos, "E013", f"format must be '{LIBRARY_FORMAT}', not '{fmt}'")
    lib_id = r.ident(top.get("id"), "library id", SCENARIO_ID)
    version = r.number(top.get("version"), "version", minimum=1, integer=True)
    intents = read_intents(r, top.get("intents"))
    if "intents" in top and not intents and not r.has_errors:
        r.error(top["intents"].pos, "E011", "a library needs at least one intent")
    clarify = r.strings(top.get("clarify"), "clarify")
    if r.has_errors or lib_id is None or version is None:
        raise LibraryError(r.problems)
    return IntentLibrary(
        id=lib_id,
        version=int(version),
        intents=intents,
        clarify=clarify,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        negatives=negatives,
        title=r.text(top.get("title"), "title"),
        source=r.text(top.get("source"), "source"),
        path=path,
    )


def load_library(
    path: str | Path | None = None,
    *,
    negatives: str | Path | None = None,
    cache_dir: Path | None = None,
) -> IntentLibrary:
    """A library file (None: the shipped `uk-call-handling`), with its generic negatives.

    The negatives are read from `negatives` if given, otherwise the shipped generic negatives
    are used (they are generic: any English call-handling library can share them). Raises
    LibraryError with `path:line:col` for anything wrong in the file.

    Parsing YAML in pure Python takes a few tenths of a second for the shipped library; with
    a `cache_dir` the parsed library is kept there as JSON, keyed by the files' sha256, and
    read back in milliseconds.
    """
    if path is None:
        data, name = _shipped(SHIPPED_LIBRARY), f"app/matching/library/{SHIPPED_LIBRARY}"
    else:
        data, name = _read_bytes(Path(path)), str(path)
    if negatives is None:
        neg_data = _shipped(SHIPPED_NEGATIVES)
        neg_name = f"app/matching/library/{SHIPPED_NEGATIVES}"
    else:
        neg_data, neg_name = _read_bytes(Path(negatives)), str(negatives)
    digest = hashlib.sha256()
    digest.update(data)
    digest.update(b"\0")
    digest.update(neg_data)
    sha = digest.hexdigest()
    cached = _cache_file(cache_dir, sha)
    if cached is not None:
        lib = _read_cached(cached, name)
        if lib is not None:
            return lib
    lib = parse_library(
        _decode(data, name),
        name,
        negatives=parse_negatives(_decode(neg_data, neg_name)),
        sha256=sha,
    )
    if cached is not None:
        _write_cached(cached, lib)
    return lib


_CACHE_FORMAT = 1


def _cache_file(cache_dir: Path | None, sha: str) -> Path | None:
    return None if cache_dir is None else Path(cache_dir) / f"library-{_CACHE_FORMAT}-{sha}.json"


def _pos(p: Pos) -> list[int]:
    return [p.line, p.col]


def _write_cached(file: Path, lib: IntentLibrary) -> None:
    def intent(i: Intent) -> dict[str, object]:
        return {
            "id": i.id,
            "examples": list(i.examples),
            "not": list(i.not_examples),
            "patterns": [
                {"any": list(p.any), "all": list(p.all), "ordered": p.ordered, "near": p.near,
                 "pos": _pos(p.pos)}
                for p in i.patterns
            ],
            "closing": i.closing,
            "description": i.description,
            "threshold": i.threshold,
            "pos": _pos(i.pos),
        }  # fmt: skip

    doc = {
        "id": lib.id, "version": lib.version, "clarify": list(lib.clarify), "sha256": lib.sha256,
        "negatives": list(lib.negatives), "title": lib.title, "source": lib.source,
        "intents": [intent(i) for i in lib.intents.values()],
    }  # fmt: skip
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, file)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _read_cached(file: Path, name: str) -> IntentLibrary | None:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        intents = {}
        for d in doc["intents"]:
            intents[d["id"]] = Intent(
                id=d["id"],
                examples=tuple(d["examples"]),
                patterns=tuple(
                    Pattern(tuple(p["any"]), tuple(p["all"]), Pos(*p["pos"]), p["ordered"],
                            p["near"])
                    for p in d["patterns"]
                ),
                not_examples=tuple(d["not"]),
                closing=d["closing"],
                description=d["description"],
                pos=Pos(*d["pos"]),
                threshold=d["threshold"],
            )  # fmt: skip
        return IntentLibrary(
            id=doc["id"], version=doc["version"], intents=intents, clarify=tuple(doc["clarify"]),
            sha256=doc["sha256"], negatives=tuple(doc["negatives"]), title=doc["title"],
            source=doc["source"], path=name,
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: parse the file instead


@cache
def shipped_library() -> IntentLibrary:
    """The shipped library, read once per process."""
    return load_library()


@cache
def generic_negatives() -> tuple[str, ...]:
    """The shipped generic negatives (read without parsing the library)."""
    return parse_negatives(_decode(_shipped(SHIPPED_NEGATIVES), SHIPPED_NEGATIVES))


def merge_intents(
    library: IntentLibrary | None,
    own: Mapping[str, Intent],
    *,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> dict[str, Intent]:
    """The intents a scenario matches: the library's (all, or `only` those, less `exclude`)
    in library order, each replaced by the scenario's own intent of the same id, then the
    scenario's other intents in their order. `only` and `exclude` name library intents;
    an id the library does not have is an error (ValueError)."""
    lib = library.intents if library is not None else {}
    unknown = sorted({*(only or ()), *exclude} - set(lib))
    if unknown:
        name = library.id if library is not None else "no library"
        raise ValueError(f"not in {name}: {', '.join(unknown)}")
    keep = set(lib) if only is None else set(only)
    keep -= set(exclude)
    out: dict[str, Intent] = {}
    for iid, intent in lib.items():
        if iid in keep or iid in own:
            out[iid] = own.get(iid, intent)
    for iid, intent in own.items():
        out.setdefault(iid, intent)
    return out
