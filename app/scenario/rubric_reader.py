"""Reading the rubric: criteria, their evidence trees, anchors and metrics."""

from __future__ import annotations

from app.scenario.grammar_kinds import ANCHOR_KIND, Enum, ListOf, or_list
from app.scenario.grammar_kinds import LINE_ID as LINE_ID_VALUE
from app.scenario.grammar_rubric import BUILT_IN_METRICS, CRITERION, EVIDENCE, METRIC
from app.scenario.model import Anchor, Criterion, Evidence, Metric
from app.scenario.problems import did_you_mean
from app.scenario.reader import LINE_ID, Reader
from app.scenario.vocabulary import KINDS, CriterionKind
from app.scenario.yamlsrc import YNode

EVIDENCE_KINDS = EVIDENCE.names_of("kind")
EVIDENCE_OPTIONS = EVIDENCE.names_of("option")
COMBINATORS = tuple(k.name for k in EVIDENCE.role("kind") if isinstance(k.value, ListOf))
_ANCHOR_FORMS = or_list([f"{m.name}:{m.form}" for m in ANCHOR_KIND.members])


def read_anchor(r: Reader, node: YNode | None, what: str) -> Anchor | None:
    text = r.text(node, what)
    if text is None or node is None:
        return None
    kind, sep, ref = text.partition(":")
    kind, ref = kind.strip(), ref.strip()
    if not sep or kind not in ANCHOR_KIND or not ref:
        r.error(node.pos, "E013", f"{what} must look like {_ANCHOR_FORMS}, not '{text}'")
        return None
    return Anchor(kind, ref)  # type: ignore[arg-type]


def read_evidence(r: Reader, node: YNode | None, depth: int = 0) -> Evidence | None:
    if node is None:
        return None
    m = r.section(node, "evidence", EVIDENCE)
    if m is None:
        return None
    found_kinds = [k for k in EVIDENCE_KINDS if k in m]
    if len(found_kinds) != 1:
        found = f" (found {', '.join(found_kinds)})" if found_kinds else ""
        r.error(
            node.pos, "E022", "evidence needs exactly one of " + ", ".join(EVIDENCE_KINDS) + found
        )
        return None
    kind = found_kinds[0]
    if kind == "not":
        for extra in EVIDENCE_OPTIONS:
            if extra in m:
                r.error(node.key_pos[extra], "E023", f"'{extra}' goes on the evidence inside 'not'")
        inner = read_evidence(r, m["not"], depth + 1)
        return None if inner is None else Evidence("not", children=(inner,), pos=node.pos)
    if kind in COMBINATORS:
        for extra in EVIDENCE_OPTIONS:
            if extra in m:
                r.error(node.key_pos[extra], "E023", f"'{extra}' goes on each item inside '{kind}'")
        items = r.seq(m[kind], kind)
        if not items:
            r.error(m[kind].pos, "E011", f"'{kind}' needs at least one item")
        children = tuple(c for n in items if (c := read_evidence(r, n, depth + 1)) is not None)
        return Evidence(kind, children=children, pos=node.pos)  # type: ignore[arg-type]
    value = EVIDENCE.key(kind).value
    if value is LINE_ID_VALUE:
        ref = r.ident(m[kind], kind, LINE_ID)
    elif isinstance(value, Enum):
        ref = r.text(m[kind], kind)
        if ref is not None and ref not in value:
            r.error(m[kind].pos, "E013", f"{kind} must be {value.spoken()}")
            ref = None
    else:
        ref = r.ident(m[kind], kind)
    if ref is None:
        return None
    held = bool(r.boolean(m.get("held_at_end"), "held_at_end"))
    if held:
        _only_on(r, node, kind, "held_at_end")
    contains = r.strings(m.get("contains_any"), "contains_any")
    if contains:
        _only_on(r, node, kind, "contains_any")
    after = read_anchor(r, m.get("after"), "after")
    before = read_anchor(r, m.get("before"), "before")
    within = r.duration(m.get("within"), "within")
    if within is not None and after is None:
        r.error(node.key_pos["within"], "E023", "'within' needs an 'after' anchor")
    if kind not in EVIDENCE.key("after").applies_to and (after or before):
        r.error(node.pos, "E023", f"{kind} evidence takes no anchors")
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


def _only_on(r: Reader, node: YNode, kind: str, key: str) -> None:
    applies = EVIDENCE.key(key).applies_to
    if kind not in applies:
        r.error(node.key_pos[key], "E023", f"'{key}' only applies to {'/'.join(applies)} evidence")


def read_criterion(r: Reader, node: YNode) -> Criterion | None:
    m = r.section(node, "a criterion", CRITERION)
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
        if key in BUILT_IN_METRICS:
            r.error(node.key_pos[key], "E013", f"{key} is built in; choose another name")
            continue
        m = r.section(val, f"metric '{key}'", METRIC)
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
