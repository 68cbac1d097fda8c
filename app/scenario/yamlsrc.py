"""Read YAML 1.2 into positioned nodes, safely.

We only *compose* the YAML (build its node graph) and convert the nodes ourselves, so no tag
can ever construct an object: any tag other than the standard scalar/collection ones is an
error, and so is a duplicate key. Every node keeps its 1-based line and column.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from app.scenario.model import Pos
from app.scenario.problems import Problem, ScenarioError

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
MAX_NODES = 200_000  # anchors/aliases can multiply a small file; refuse absurd expansions
MAX_DEPTH = 64


@dataclass
class YNode:
    """A YAML value with its position: `value` is a dict (map), list (seq) or a scalar."""

    value: Any
    pos: Pos
    key_pos: dict[str, Pos] = field(default_factory=dict)
    quoted: bool = False  # a '...' or "..." scalar: its text starts one column after `pos`

    @property
    def text_pos(self) -> Pos:
        """Where the scalar's own text starts (after an opening quote)."""
        return Pos(self.pos.line, self.pos.col + 1) if self.quoted else self.pos

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value with positions stripped (for simple data such as log values)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _pos(node: Node) -> Pos:
    mark = node.start_mark
    return Pos(mark.line + 1, mark.column + 1)


def _tag(node: Node) -> str:
    tag = node.tag
    return str(getattr(tag, "value", tag))


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0

    def fail(self, pos: Pos, code: str, message: str) -> ScenarioError:
        return ScenarioError([Problem(self.path, pos.line, pos.col, "error", code, message)])

    def convert(self, node: Node, depth: int = 0) -> YNode:
        self.count += 1
        pos = _pos(node)
        if self.count > MAX_NODES:
            raise self.fail(pos, "E005", f"file expands to more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise self.fail(pos, "E005", f"nesting deeper than {MAX_DEPTH} levels")
        tag = _tag(node)
        if tag not in _ALLOWED_TAGS:
            raise self.fail(pos, "E004", f"YAML tag '{tag}' is not allowed in scenario files")
        if isinstance(node, MappingNode):
            out: dict[str, YNode] = {}
            key_pos: dict[str, Pos] = {}
            for knode, vnode in node.value:
                kpos = _pos(knode)
                if isinstance(knode, ScalarNode) and (
                    knode.value == "<<" or _tag(knode) == _STD + "merge"
                ):
                    raise self.fail(kpos, "E004", "YAML merge keys ('<<') are not supported")
                if isinstance(knode, ScalarNode) and _tag(knode) not in _ALLOWED_TAGS:
                    raise self.fail(
                        kpos, "E004", f"YAML tag '{_tag(knode)}' is not allowed in scenario files"
                    )
                if not isinstance(knode, ScalarNode):
                    raise self.fail(kpos, "E010", "mapping keys must be plain words")
                key = str(knode.value)
                if key in out:
                    first = key_pos[key]
                    raise self.fail(
                        kpos, "E003", f"duplicate key '{key}' (first at line {first.line})"
                    )
                key_pos[key] = kpos
                out[key] = self.convert(vnode, depth + 1)
            return YNode(out, pos, key_pos)
        if isinstance(node, SequenceNode):
            return YNode([self.convert(v, depth + 1) for v in node.value], pos)
        assert isinstance(node, ScalarNode)
        try:
            quoted = node.style in ("'", '"')
            return YNode(_scalar(tag, str(node.value), node.style), pos, quoted=quoted)
        except ValueError:  # resolved as a number but not one (`-_`, `0x_`, `._`): YAML 1.2
            return YNode(str(node.value), pos)  # core schema reads these as plain text


def _scalar(tag: str, text: str, style: str | None) -> Any:
    kind = tag[len(_STD) :]
    if kind == "int":
        cleaned = text.replace("_", "")
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if cleaned.lower().startswith(prefix):
                return int(cleaned[2:], base)
        return int(cleaned)
    if kind == "float":
        low = text.lower().replace("_", "")
        if low in (".inf", "+.inf"):
            return float("inf")
        if low == "-.inf":
            return float("-inf")
        if low == ".nan":
            return float("nan")
        return float(low)
    if kind == "bool":
        return text.lower() == "true"
    if kind == "null":
        return None
    return text


# The parsed-tree cache: pure-Python YAML with positions takes most of a scenario's load time
# (about 0.8 s for the built-in scenario), reading the same tree back as JSON about 1/40 of it.
CACHE_FORMAT = 1


def _dump(node: YNode) -> Any:
    p = node.pos
    if isinstance(node.value, dict):
        items = [
            [k, node.key_pos[k].line, node.key_pos[k].col, _dump(v)] for k, v in node.value.items()
        ]
        return ["m", p.line, p.col, items]
    if isinstance(node.value, list):
        return ["s", p.line, p.col, [_dump(v) for v in node.value]]
    return ["v", p.line, p.col, int(node.quoted), node.value]


def _undump(raw: Any) -> YNode:
    kind, line, col = raw[0], raw[1], raw[2]
    if kind == "m":
        value: dict[str, YNode] = {}
        key_pos: dict[str, Pos] = {}
        for key, kline, kcol, child in raw[3]:
            key_pos[key] = Pos(kline, kcol)
            value[key] = _undump(child)
        return YNode(value, Pos(line, col), key_pos)
    if kind == "s":
        return YNode([_undump(v) for v in raw[3]], Pos(line, col))
    if kind == "v":
        return YNode(raw[4], Pos(line, col), quoted=bool(raw[3]))
    raise ValueError(f"unknown node kind {kind!r}")


def _cache_file(cache_dir: Path, text: str) -> Path:
    key = hashlib.sha256(f"yaml-tree/{CACHE_FORMAT}\n{text}".encode()).hexdigest()
    return cache_dir / f"{key}.json"


def _cached(cache_dir: Path | None, text: str) -> YNode | None:
    if cache_dir is None:
        return None
    try:
        return _undump(json.loads(_cache_file(cache_dir, text).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, IndexError, KeyError, RecursionError):
        return None  # missing or damaged: parse the text again


def _keep(cache_dir: Path | None, text: str, tree: YNode) -> None:
    if cache_dir is None:
        return
    target = _cache_file(cache_dir, text)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(_dump(tree), f, separators=(",", ":"))
        os.replace(tmp, target)  # whole or not at all, even with two processes at once
    except (OSError, ValueError, RecursionError):
        pass  # a cache is an optimisation: never fail a load over it


def load_yaml(text: str, path: str, cache_dir: Path | None = None) -> YNode:
    """Parse `text` into a YNode tree, or raise ScenarioError with the located problem.

    `cache_dir`: where parsed trees are kept, keyed by the text's sha256 (only files that
    parse are kept; a damaged entry is parsed again). None: always parse."""
    hit = _cached(cache_dir, text)
    if hit is not None:
        return hit
    tree = _parse(text, path)
    _keep(cache_dir, text, tree)
    return tree


def _parse(text: str, path: str) -> YNode:
    yaml = YAML(typ="safe", pure=True)  # compose only; "rt" marks folds with BEL chars
    yaml.version = (1, 2)
    try:
        with warnings.catch_warnings():  # e.g. a reused anchor: legal YAML, and not our output
            warnings.simplefilter("ignore")
            nodes = list(yaml.compose_all(io.StringIO(text)))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(
            [Problem(path, line, col, "error", "E002", f"YAML syntax: {what}")]
        ) from None
    except ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        at = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else 0
        msg = f"YAML: character U+{char:04X} is not allowed in a scenario file"
        raise ScenarioError([Problem(path, line, col, "error", "E002", msg)]) from None
    except (YAMLError, ValueError, RecursionError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError([Problem(path, 1, 1, "error", "E002", f"YAML: {msg}")]) from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise ScenarioError([Problem(path, 1, 1, "error", "E011", "the file is empty")])
    if len(nodes) > 1:
        p = _pos(nodes[1])
        raise ScenarioError(
            [Problem(path, p.line, p.col, "error", "E002", "only one YAML document per file")]
        )
    try:
        return _Converter(path).convert(nodes[0])
    except (ValueError, RecursionError) as exc:
        raise ScenarioError([Problem(path, 1, 1, "error", "E002", f"YAML: {exc}")]) from None
