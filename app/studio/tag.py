"""`callsim tag`: give every caller line without an `id` a readable, unique, stable one.

An id is `<state>.<first words>` (`g.` for global handlers), e.g. `opening.hello-still-there`,
with `-2`, `-3`... when it is taken. Ids are only ever added, never changed, so a second run
changes nothing and recorded voice-over keeps its name.

The file is edited in place as text, not re-dumped: ruamel.yaml's round-trip composer gives
the exact position of every line, the new `id:` is inserted there, and every other byte of the
file (comments, quoting, indentation, blank lines, line ends) stays as it was. The result is
parsed again and must equal the original data plus the new ids before anything is written.
Bare text where a line belongs (`say: "Hello?"`) becomes `{id: ..., text: "Hello?"}`.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.scenario.loader import read_source
from app.scenario.reader import LINE_ID
from app.scenario.yamlsrc import load_yaml

GLOBAL_PREFIX = "g"
ANSWERS_PREFIX = "a"  # the file's `answers:` (a state's own take the state's prefix)
SLUG_WORDS = 3
SLUG_MAX = 24
# Words that make an id longer without making it easier to recognise.
_STOP = frozenset(
    "a an the i im ive id ill me my you youre your yours we were our us he him his she her it its "
    "they them their and or but so to of in on at for is are was be been am do does did have "
    "has had that this erm um uh oh".split()
)

PathKey = tuple[str | int, ...]


class TagError(Exception):
    """The ids could not be added safely; the file is left as it was."""


@dataclass(frozen=True)
class Added:
    id: str
    line: int  # 1-based position of the line in the original file
    col: int
    text: str


@dataclass(frozen=True)
class Skipped:
    line: int
    col: int
    reason: str


@dataclass(frozen=True)
class _Site:
    node: Node
    path: PathKey  # where it sits in the plain data, e.g. ("states", "open", "say", 0)
    prefix: str


def slug(text: str) -> str:
    """The first few telling words of `text`, lowercase ASCII joined by '-' ('' if none)."""
    flat = text.replace("\u2019", "'").replace("'", "")
    flat = unicodedata.normalize("NFKD", flat).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", flat)
    keep = [w for w in words if w not in _STOP] or words
    out: list[str] = []
    for w in keep[:SLUG_WORDS]:
        w = w[:SLUG_MAX]
        if out and len("-".join([*out, w])) > SLUG_MAX:
            break
        out.append(w)
    return "-".join(out)


def _prefix(state: str) -> str:
    p = re.sub(r"[^a-z0-9_-]+", "_", state.lower()).strip("_-")
    return p if p and p[0].isalnum() else "line"


def _get(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v  # type: ignore[no-any-return]
    return None


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _say_sites(say: Node | None, path: PathKey, prefix: str) -> list[_Site]:
    """The places in a `say:` value where a line is written."""
    if say is None:
        return []
    seq = _get(say, "sequence")
    if seq is not None:
        return [_Site(n, (*path, "sequence", i), prefix) for i, n in enumerate(_items(seq))]
    if isinstance(say, SequenceNode):
        return [_Site(n, (*path, i), prefix) for i, n in enumerate(say.value)]
    return [_Site(say, path, prefix)]


def _answer_sites(answers: Node | None, path: PathKey, prefix: str) -> list[_Site]:
    """The lines of an `answers:` mapping (intent id -> what she says)."""
    if not isinstance(answers, MappingNode):
        return []
    out: list[_Site] = []
    for knode, say in answers.value:
        out += _say_sites(say, (*path, str(knode.value)), prefix)
    return out


def _line_sites(root: Node) -> list[_Site]:
    sites: list[_Site] = []
    states = _get(root, "states")
    if isinstance(states, MappingNode):
        for knode, snode in states.value:
            sid = str(knode.value)
            prefix = _prefix(sid)
            sites += _say_sites(_get(snode, "say"), ("states", sid, "say"), prefix)
            for i, h in enumerate(_items(_get(snode, "on"))):
                sites += _say_sites(_get(h, "say"), ("states", sid, "on", i, "say"), prefix)
            sites += _answer_sites(_get(snode, "answers"), ("states", sid, "answers"), prefix)
    for i, h in enumerate(_items(_get(root, "global"))):
        sites += _say_sites(_get(h, "say"), ("global", i, "say"), GLOBAL_PREFIX)
    sites += _answer_sites(_get(root, "answers"), ("answers",), ANSWERS_PREFIX)
    unique: dict[int, _Site] = {}  # an alias shares its node with the anchor: visit it once
    for site in sites:
        unique.setdefault(id(site.node), site)
    return sorted(unique.values(), key=lambda s: int(s.node.start_mark.index))


def _compose(text: str) -> Node:
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    return yaml.compose(io.StringIO(text))  # type: ignore[no-any-return]


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def tag_text(text: str, path: str = "<memory>") -> tuple[str, list[Added], list[Skipped]]:
    """The text with ids added to lines that have none, what was added, and what could not be.

    Raises ScenarioError (located) if the text is not valid scenario YAML.
    """
    plain = load_yaml(text, path).plain()  # located errors for bad YAML, tags, duplicate keys
    root = _compose(text)
    sites = _line_sites(root)
    taken: set[str] = set()
    for site in sites:
        id_node = _get(site.node, "id")
        if isinstance(id_node, ScalarNode) and id_node.value:
            taken.add(str(id_node.value))
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    added: list[Added] = []
    skipped: list[Skipped] = []
    expected: list[tuple[PathKey, str, str | None]] = []  # (path, new id, bare text or None)
    for site in sites:
        node = site.node
        line, col = _pos(node)
        if isinstance(node, MappingNode):
            if _get(node, "ref") is not None or _get(node, "id") is not None:
                continue
            words = _get(node, "text")
            if not isinstance(words, ScalarNode) or not node.value:
                continue  # not a line the loader could use either; `callsim lint` says why
            new = _new_id(site.prefix, str(words.value), taken)
            first_key = node.value[0][0]
            at = first_key.start_mark.index
            if node.flow_style:
                edits.append((at, at, f"id: {new}, "))
            else:
                pad = " " * first_key.start_mark.column
                edits.append((at, at, f"id: {new}{newline}{pad}"))
            expected.append((site.path, new, None))
            added.append(Added(new, line, col, str(words.value)))
        elif isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value.strip():
            if node.style in ("|", ">") or text[node.start_mark.index] in "&!":
                skipped.append(
                    Skipped(line, col, "write this line as {id: ..., text: ...} by hand")
                )
                continue
            new = _new_id(site.prefix, node.value, taken)
            start, end = node.start_mark.index, node.end_mark.index
            written = text[start:end] if node.style else json.dumps(node.value, ensure_ascii=False)
            edits.append((start, end, f"{{id: {new}, text: {written}}}"))
            expected.append((site.path, new, node.value))
            added.append(Added(new, line, col, node.value))
    if not edits:
        return text, [], skipped
    out = text
    for start, end, repl in sorted(edits, reverse=True):
        out = out[:start] + repl + out[end:]
    _verify(out, path, plain, expected)
    return out, added, skipped


def _new_id(prefix: str, text: str, taken: set[str]) -> str:
    base = f"{prefix}.{slug(text) or 'line'}"
    if not LINE_ID.match(base):
        base = f"{prefix}.line"
    new, n = base, 1
    while new in taken:
        n += 1
        new = f"{base}-{n}"
    taken.add(new)
    return new


def _verify(
    new_text: str, path: str, plain: Any, expected: list[tuple[PathKey, str, str | None]]
) -> None:
    """The edited text must parse to the original data plus exactly the new ids."""
    want = copy.deepcopy(plain)
    for key, new, bare in expected:
        parent = want
        for part in key[:-1]:
            parent = parent[part]
        if bare is not None:
            parent[key[-1]] = {"id": new, "text": bare}
        else:
            parent[key[-1]] = {"id": new, **parent[key[-1]]}
    got = load_yaml(new_text, path).plain()
    if got != want:
        raise TagError(
            f"{path}: adding ids here would change more than the ids (anchors or aliases?); "
            "nothing was written: add the ids by hand"
        )


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader sees the old file or the new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tag_file(path: str | Path, *, write: bool = True) -> tuple[list[Added], list[Skipped]]:
    """Add ids to the file's lines (unless `write` is False); the file is rewritten only when
    something was added. Raises ScenarioError (located) for a file that is not usable YAML."""
    p = Path(path)
    text, data = read_source(p)
    new_text, added, skipped = tag_text(text, str(path))
    if added and write:
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        write_atomically(p, bom + new_text.encode("utf-8"))
    return added, skipped
