"""The standard incident log: the flags (incident qualifiers) and log fields of a control room,
shipped as data so every scenario's call screen has the same ones.

A standard log is a YAML file (`format: callsim/standard-log@1`, grammar `STANDARD_LOG`) with
an id, a version, `flags:` and `log_fields:` written as a scenario writes them, each with a
label. The shipped one is `uk-control-room` version 1 (app/content/library/; its ids are
listed in docs/standard-log.md). A scenario has it unless it says `standard_log: none`:
`read_flags` and `read_log_fields` put the scenario's own entries beside the standard ones, an
own entry with a standard id refining that one in its place (the keys it writes replace the
standard's), so a file written before the standard log keeps every flag and field it had.

Why: a call screen whose flags are the scenario's own names what the call tests ("Misconduct
allegation" from the first second); a dozen standard qualifiers name nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from app.scenario.grammar import FLAG, LOG_FIELD, STANDARD_LOG
from app.scenario.grammar_kinds import STANDARD_LOG_FORMAT, VERSION
from app.scenario.intent_reader import named
from app.scenario.model import Flag, LogField
from app.scenario.problems import Problem, ScenarioError, did_you_mean
from app.scenario.reader import SCENARIO_ID, Reader
from app.scenario.yamlsrc import YNode, load_yaml

SHIPPED_LOG = "uk-control-room"
_FILES = {SHIPPED_LOG: "uk-control-room.yaml"}


class StandardLogError(ScenarioError):
    """A standard log file that cannot be used; `problems` say what and where."""


@dataclass(frozen=True)
class StandardLog:
    id: str
    version: int
    flags: dict[str, Flag]
    log_fields: dict[str, LogField]
    title: str | None = None
    path: str = "<memory>"
    sha256: str = ""

    @property
    def ref(self) -> str:
        """`uk-control-room@1`: what a scenario records it as."""
        return f"{self.id}@{self.version}"

    @property
    def ids(self) -> tuple[str, ...]:
        return (*self.flags, *self.log_fields)


def read_flags(
    r: Reader, node: YNode | None, standard: dict[str, Flag] | None = None
) -> dict[str, Flag]:
    """The standard flags, then the file's own; an own flag with a standard id refines it."""
    out = dict(standard or {})
    for key, val, pos in named(r, node, "flags"):
        m = r.section(val, f"flag '{key}'", FLAG)
        if m is None:
            continue
        base = out.get(key) if standard is not None and key in standard else None
        label = r.text(m.get("label"), "label")
        description = r.text(m.get("description"), "description")
        practice_only = r.boolean(m.get("practice_only"), "practice_only")
        if base is None and label is None:
            if "label" not in m:
                r.error(val.pos, "E011", _needs_label("flag", key, standard))
            continue
        written = {k: v.pos for k, v in m.items()}
        if base is None:
            out[key] = Flag(
                key,
                label or "",
                description,
                practice_only=bool(practice_only),
                pos=pos,
                key_pos=written,
            )
            continue
        out[key] = replace(
            base,
            label=label or base.label,
            description=description if "description" in m else base.description,
            practice_only=base.practice_only if practice_only is None else practice_only,
            pos=pos,
            key_pos=written,
        )
    return out


def read_log_fields(
    r: Reader, node: YNode | None, standard: dict[str, LogField] | None = None
) -> dict[str, LogField]:
    """The standard log fields, then the file's own; one with a standard id refines it."""
    out = dict(standard or {})
    for key, val, pos in named(r, node, "log_fields"):
        m = r.section(val, f"log field '{key}'", LOG_FIELD)
        if m is None:
            continue
        base = out.get(key) if standard is not None and key in standard else None
        label = r.text(m.get("label"), "label")
        multiline = r.boolean(m.get("multiline"), "multiline")
        practice_only = r.boolean(m.get("practice_only"), "practice_only")
        if base is None and label is None:
            if "label" not in m:
                r.error(val.pos, "E011", _needs_label("log field", key, standard))
            continue
        written = {k: v.pos for k, v in m.items()}
        if base is None:
            out[key] = LogField(
                key,
                label or "",
                bool(multiline),
                practice_only=bool(practice_only),
                pos=pos,
                key_pos=written,
            )
            continue
        out[key] = replace(
            base,
            label=label or base.label,
            multiline=base.multiline if multiline is None else multiline,
            practice_only=base.practice_only if practice_only is None else practice_only,
            pos=pos,
            key_pos=written,
        )
    return out


def _needs_label(
    what: str, key: str, standard: dict[str, Flag] | dict[str, LogField] | None
) -> str:
    msg = f"{what} '{key}' is missing required key 'label'"
    if standard is None:
        return msg
    hint = did_you_mean(key, standard).replace(" (did you mean", "; did you mean the standard")
    return f"{msg} (only a standard {what} may leave it out{hint.rstrip(')')})"


def parse_standard_log(text: str, path: str, sha256: str = "") -> StandardLog:
    """A standard log from its text; raises StandardLogError with every problem located."""
    r = Reader(path)
    try:
        root = load_yaml(text, path)
    except ScenarioError as exc:
        raise StandardLogError(exc.problems) from None
    top = r.section(root, "the standard log", STANDARD_LOG)
    if top is None:
        raise StandardLogError(r.problems)
    fmt = r.text(top.get("format"), "format")
    if fmt is not None and fmt != STANDARD_LOG_FORMAT:
        msg = f"format must be '{STANDARD_LOG_FORMAT}', not '{fmt}'"
        r.error(top["format"].pos, "E013", msg)
    lid = r.ident(top.get("id"), "standard log id", SCENARIO_ID)
    version = r.amount(top.get("version"), "version", VERSION)
    flags = read_flags(r, top.get("flags"))
    fields = read_log_fields(r, top.get("log_fields"))
    origin = f"{lid}@{int(version)}" if lid and version is not None else None
    flags = {k: replace(f, origin=origin, key_pos={}) for k, f in flags.items()}
    fields = {k: replace(f, origin=origin, key_pos={}) for k, f in fields.items()}
    for fid in set(flags) & set(fields):
        node = top["log_fields"]
        r.error(node.key_pos.get(fid, node.pos), "E021", f"'{fid}' is both a flag and a log field")
    if r.has_errors or lid is None or version is None:
        raise StandardLogError(r.problems)
    return StandardLog(
        id=lid,
        version=int(version),
        flags=flags,
        log_fields=fields,
        title=r.text(top.get("title"), "title"),
        path=path,
        sha256=sha256,
    )


def known_standard_logs() -> tuple[str, ...]:
    return tuple(_FILES)


@cache
def shipped_standard_log(log_id: str = SHIPPED_LOG) -> StandardLog:
    """A standard log that ships with callsim, read once per process. KeyError: none such."""
    name = _FILES[log_id]
    data = resources.files("app.content").joinpath("library", name).read_bytes()
    where = f"<callsim>/library/{name}"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StandardLogError(
            [Problem(where, 1, 1, "error", "E002", "the file is not UTF-8 text")]
        ) from None
    return parse_standard_log(text, where, hashlib.sha256(data).hexdigest())


def narrowed(
    log: StandardLog, only: tuple[str, ...] | None, exclude: tuple[str, ...]
) -> StandardLog:
    """The log with just `only` (None: all) of its flags and fields, less `exclude`."""

    def keep(i: str) -> bool:
        return (only is None or i in only) and i not in exclude

    return replace(
        log,
        flags={k: v for k, v in log.flags.items() if keep(k)},
        log_fields={k: v for k, v in log.log_fields.items() if keep(k)},
    )
