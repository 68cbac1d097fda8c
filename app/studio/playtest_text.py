"""Write a playtest into a scenario's text, keeping every other byte (comments, layout).

The playtest is added as the last item of the top-level `playtests:` list (created at the end
of the file when there is none, and `playtests: []` becomes a block list). Only text is
inserted: nothing else in the file is re-emitted, so comments and quoting stay as written.
Strings are written as JSON strings, which YAML reads back unchanged.
"""

from __future__ import annotations

import json
import re

from app.scenario.model import Step
from app.studio.session import PlaytestDraft

_KEY = re.compile(r"^playtests[ \t]*:[ \t]*(?P<rest>[^#\n]*?)[ \t]*(?:#.*)?$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)-(?:[ \t]|$)")


class PlaytestTextError(ValueError):
    """The file's `playtests:` is written in a way we do not edit (e.g. a non-empty flow list)."""


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def step_text(step: Step) -> str:
    """One step as a YAML flow mapping, as the template writes them."""
    if step.kind == "say":
        return f"{{say: {_q(step.text)}}}"
    if step.kind == "wait":
        return f"{{wait: {step.seconds:g}s}}"
    if step.kind in ("flag", "unflag", "caller"):
        return f"{{{step.kind}: {step.text}}}"
    if step.kind == "end_call":
        return "{end_call: true}"
    if step.kind == "log":
        fields = ", ".join(f"{k}: {_q(v)}" for k, v in step.log)
        return f"{{log: {{{fields}}}}}"
    raise ValueError(f"unknown step kind {step.kind!r}")


def render_playtest(draft: PlaytestDraft, indent: str = "  ") -> list[str]:
    """The playtest as lines (with newlines), its `-` at `indent`."""
    inner = indent + "  "
    out = [f"{indent}- name: {_q(draft.name)}\n", f"{inner}steps:\n"]
    out += [f"{inner}  - {step_text(s)}\n" for s in draft.steps]
    expect = []
    if draft.passed is not None:
        expect.append(f"{inner}  passed: {'true' if draft.passed else 'false'}\n")
    if draft.ended_by:
        expect.append(f"{inner}  ended_by: {draft.ended_by}\n")
    if expect:
        out += [f"{inner}expect:\n", *expect]
    return out


def insert_playtest(text: str, draft: PlaytestDraft) -> tuple[str, int]:
    """`text` with the playtest added; and the 1-based line where its `- name:` is."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    key = next((i for i, ln in enumerate(lines) if _KEY.match(ln.rstrip("\r\n"))), None)
    if key is None:  # no playtests yet: a new section at the end
        item = render_playtest(draft)
        head = ["\n"] if lines and lines[-1].strip() else []
        new = [*lines, *head, "playtests:\n", *item]
        return "".join(new), len(lines) + len(head) + 2
    m = _KEY.match(lines[key].rstrip("\r\n"))
    assert m is not None
    rest = m.group("rest")
    if rest not in ("", "[]"):
        raise PlaytestTextError(
            f"line {key + 1}: write 'playtests:' as a list of '- name: ...' items "
            "to add playtests from the studio"
        )
    if rest == "[]":
        lines[key] = "playtests:\n"
    end = _block_end(lines, key)
    last = end  # after the last line of content (trailing blanks and comments stay put)
    while last > key + 1 and (not lines[last - 1].strip() or lines[last - 1].startswith("#")):
        last -= 1
    indent = "  "
    for ln in lines[key + 1 : last]:
        if im := _ITEM.match(ln):
            indent = im.group("indent")
            break
    item = render_playtest(draft, indent)
    sep = ["\n"] if last > key + 1 else []
    new = lines[:last] + sep + item + lines[last:]
    return "".join(new), last + len(sep) + 1


def _block_end(lines: list[str], key: int) -> int:
    """The index after the last line belonging to the top-level key at `key`."""
    i = key + 1
    while i < len(lines):
        ln = lines[i]
        if ln.strip() and not ln[0].isspace() and not ln.startswith("#") and not _ITEM.match(ln):
            break
        i += 1
    return i
