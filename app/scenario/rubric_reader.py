"""Reading the rubric: criteria, their evidence trees, anchors and metrics."""

from __future__ import annotations

from app.scenario.model import Anchor, Criterion, Evidence, Metric
from app.scenario.problems import did_you_mean
from app.scenario.reader import LINE_ID, Reader
from app.scenario.vocabulary import KINDS, CriterionKind
from app.scenario.yamlsrc import YNode

EVIDENCE_LEAVES = ("intent", "flag", "log", "line", "mark", "ended_by")
EVIDENCE_KEYS = (
    *EVIDENCE_LEAVES, "all", "any", "held_at_end", "contains_any", "after", "before", "within",
)  # fmt: skip
ANCHOR_KINDS = ("line", "mark", "flag", "intent")
CRITERION_KEYS = ("kind", "critical", "evidence", "feedback_met", "feedback_missed")


def read_anchor(r: Reader, node: YNode | None, what: str) -> Anchor | None:
    text = r.text(node, what)
    if text is None or node is None:
        return None
    kind, sep, ref = text.partition(":")
    kind, ref = kind.strip(), ref.strip()
    if not sep or kind not in ANCHOR_KINDS or not ref:
        r.error(
            node.pos,
            "E013",
            f"{what} must look like line:ID, mark:NAME, flag:ID or intent:ID, not '{text}'",
        )
        return None
    return Anchor(kind, ref)  # type: ignore[arg-type]


def read_evidence(r: Reader, node: YNode | None, depth: int = 0) -> Evidence | None:
    if node is None:
        return None
    m = r.mapping(node, "evidence", optional=EVIDENCE_KEYS)
    if m is None:
        return None
    kinds = [k for k in (*EVIDENCE_LEAVES, "all", "any") if k in m]
    if len(kinds) != 1:
        found = f" (found {', '.join(kinds)})" if kinds else ""
        r.error(
            node.pos,
            "E022",
            "evidence needs exactly one of intent, flag, log, line, mark, ended_by, all, any"
            + found,
        )
        return None
    kind = kinds[0]
    if kind in ("all", "any"):
        for extra in ("held_at_end", "contains_any", "after", "before", "within"):
            if extra in m:
                r.error(node.key_pos[extra], "E023", f"'{extra}' goes on each item inside '{kind}'")
        items = r.seq(m[kind], kind)
        if not items:
            r.error(m[kind].pos, "E011", f"'{kind}' needs at least one item")
        children = tuple(c for n in items if (c := read_evidence(r, n, depth + 1)) is not None)
        return Evidence(kind, children=children, pos=node.pos)  # type: ignore[arg-type]
    if kind == "line":
        ref = r.ident(m[kind], "line", LINE_ID)
    elif kind == "ended_by":
        ref = r.text(m[kind], "ended_by")
        if ref is not None and ref not in ("trainee", "caller"):
            r.error(m[kind].pos, "E013", "ended_by must be trainee or caller")
            ref = None
    else:
        ref = r.ident(m[kind], kind)
    if ref is None:
        return None
    held = bool(r.boolean(m.get("held_at_end"), "held_at_end"))
    if held and kind != "flag":
        r.error(node.key_pos["held_at_end"], "E023", "'held_at_end' only applies to flag evidence")
    contains = r.strings(m.get("contains_any"), "contains_any")
    if contains and kind != "log":
        r.error(node.key_pos["contains_any"], "E023", "'contains_any' only applies to log evidence")
    after = read_anchor(r, m.get("after"), "after")
    before = read_anchor(r, m.get("before"), "before")
    within = r.duration(m.get("within"), "within")
    if within is not None and after is None:
        r.error(node.key_pos["within"], "E023", "'within' needs an 'after' anchor")
    if kind == "ended_by" and (after or before):
        r.error(node.pos, "E023", "ended_by evidence takes no anchors")
    return Evidence(
        kind,  # type: ignore[arg-type]
        ref=ref,
        held_at_end=held,
        contains_any=tuple(w.lower() for w in contains),
        after=after,
        before=before,
        within=within,
        pos=node.pos,
    )


def read_criterion(r: Reader, node: YNode) -> Criterion | None:
    m = r.mapping(node, "a criterion", required=("id", "title", "weight"), optional=CRITERION_KEYS)
    if m is None:
        return None
    cid = r.ident(m.get("id"), "criterion id")
    title = r.text(m.get("title"), "title")
    weight = r.number(m.get("weight"), "weight", minimum=0)
    kind_text = r.text(m.get("kind"), "kind") or CriterionKind.REQUIRED
    if kind_text not in KINDS:
        hint = did_you_mean(kind_text, KINDS)
        choices = ", ".join(KINDS[:-1]) + f" or {KINDS[-1]}"
        r.error(m["kind"].pos, "E013", f"kind must be {choices}{hint}")
        return None
    kind = CriterionKind(kind_text)
    if weight is not None and weight <= 0:
        r.error(m["weight"].pos, "E013", "weight must be greater than 0")
        return None
    evidence = read_evidence(r, m.get("evidence"))
    if kind != CriterionKind.MANUAL and "evidence" not in m:
        r.error(node.pos, "E011", f"a {kind} criterion needs 'evidence'")
    critical = bool(r.boolean(m.get("critical"), "critical"))
    if critical and kind == CriterionKind.MANUAL:
        r.error(m["critical"].pos, "E023", "a manual criterion cannot be critical")
    if cid is None or title is None or weight is None:
        return None
    return Criterion(
        id=cid,
        title=title,
        weight=weight,
        evidence=evidence,
        kind=kind,
        critical=critical,
        feedback_met=r.text(m.get("feedback_met"), "feedback_met"),
        feedback_missed=r.text(m.get("feedback_missed"), "feedback_missed"),
        pos=m["id"].pos,
    )


def read_metrics(r: Reader, node: YNode | None) -> list[Metric]:
    out: list[Metric] = []
    if node is None:
        return out
    if not node.is_map:
        r.error(node.pos, "E010", "metrics must be a mapping of names")
        return out
    for key, val in node.value.items():
        if not r.key_ident(node, key, "metric"):
            continue
        if key == "duration_s":
            r.error(node.key_pos[key], "E013", "duration_s is built in; choose another name")
            continue
        m = r.mapping(val, f"metric '{key}'", optional=("at", "from", "to"))
        if m is None:
            continue
        at = read_anchor(r, m.get("at"), "at")
        start = read_anchor(r, m.get("from"), "from")
        end = read_anchor(r, m.get("to"), "to")
        if not ((at and not start and not end) or (start and end and not at)):
            r.error(val.pos, "E022", f"metric '{key}' needs either 'at' or both 'from' and 'to'")
            continue
        out.append(Metric(key, at, start, end, pos=val.pos))
    return out
