"""The trainee step language (contract §2), shared by playtests and `callsim play` transcripts."""

from __future__ import annotations

from app.scenario.grammar_kinds import ENDED_BY, PERCENT
from app.scenario.grammar_rubric import EXPECT, PLAYTEST, SCORE_RANGE, STEP
from app.scenario.model import Expect, Playtest, Step
from app.scenario.problems import did_you_mean
from app.scenario.reader import LINE_ID, Reader
from app.scenario.vocabulary import STATUSES, Status
from app.scenario.yamlsrc import YNode

ACTIONS = STEP.names_of("action")
_EXPECT_INTENT_ON = STEP.key("expect_intent").applies_to


def read_step(r: Reader, node: YNode, *, assertions: bool = True) -> Step | None:
    allowed = STEP.names if assertions else ACTIONS[:-1]
    if not node.is_map:
        r.error(node.pos, "E010", 'a step must be a mapping such as {say: "..."} or {wait: 20s}')
        return None
    m = r.mapping(node, "a step", optional=allowed)
    if m is None:
        return None
    actions = [a for a in ACTIONS if a in m]
    if len(actions) != 1:
        found = f" (found {', '.join(actions)})" if actions else ""
        actions_allowed = ", ".join(a for a in allowed if a in ACTIONS)
        r.error(node.pos, "E022", "a step needs exactly one of " + actions_allowed + found)
        return None
    action = actions[0]
    val = m[action]
    expect: tuple[str, ...] = ()
    if "expect_intent" in m:
        if action not in _EXPECT_INTENT_ON:
            on = "/".join(_EXPECT_INTENT_ON)
            r.error(node.key_pos["expect_intent"], "E023", f"'expect_intent' goes on a {on} step")
        expect = tuple(
            i
            for n in r.seq(m["expect_intent"], "expect_intent", allow_single=True)
            if (i := r.ident(n, "expect_intent"))
        )
    if action == "say":
        text = r.text(val, "say", allow_empty=True)
        return None if text is None else Step("say", text=text, expect_intent=expect, pos=node.pos)
    if action == "wait":
        secs = r.duration(val, "wait")
        if secs is not None and secs > 24 * 3600:
            r.error(val.pos, "E013", "wait must be at most a day")
            return None
        return None if secs is None else Step("wait", seconds=secs, pos=node.pos)
    if action in ("flag", "unflag"):
        fid = r.ident(val, action)
        return None if fid is None else Step(action, text=fid, pos=node.pos)  # type: ignore[arg-type]
    if action == "caller":
        lid = r.ident(val, "caller", LINE_ID)
        return None if lid is None else Step("caller", text=lid, pos=node.pos)
    if action == "end_call":
        if r.boolean(val, "end_call") is not True:
            r.error(val.pos, "E013", "write 'end_call: true'")
            return None
        return Step("end_call", pos=node.pos)
    # log
    if not val.is_map or not val.value:
        r.error(val.pos, "E010", "log must be a mapping of field: text")
        return None
    pairs = []
    for field, fnode in val.value.items():
        if not r.key_ident(val, field, "log field"):
            continue
        text = r.text(fnode, f"log {field}", allow_empty=True)
        if text is not None:
            pairs.append((field, text))
    return Step("log", log=tuple(pairs), pos=node.pos)


def read_steps(r: Reader, node: YNode | None, what: str, *, assertions: bool) -> tuple[Step, ...]:
    if node is None:
        return ()
    items = r.seq(node, what)
    if node.is_seq and not items:
        r.error(node.pos, "E011", f"{what} has no steps")
    return tuple(s for n in items if (s := read_step(r, n, assertions=assertions)) is not None)


def read_expect(r: Reader, node: YNode | None) -> Expect | None:
    m = r.section(node, "expect", EXPECT)
    if m is None or node is None:
        return None
    lo = hi = None
    if "score" in m:
        s = m["score"]
        if s.is_map:
            sm = r.section(s, "score", SCORE_RANGE) or {}
            lo = r.amount(sm.get("min"), "score min", PERCENT)
            hi = r.amount(sm.get("max"), "score max", PERCENT)
        else:
            lo = hi = r.amount(s, "score", PERCENT)
    crit = None
    if "critical_failures" in m:
        crit = tuple(
            c
            for n in r.seq(m["critical_failures"], "critical_failures")
            if (c := r.ident(n, "critical failure"))
        )
    criteria = []
    cm = m.get("criteria")
    if cm is not None:
        if not cm.is_map:
            r.error(cm.pos, "E010", "criteria must map criterion ids to a status")
        else:
            for cid, snode in cm.value.items():
                st = r.text(snode, f"status of {cid}")
                if st is not None and st not in STATUSES:
                    hint = did_you_mean(st, STATUSES)
                    r.error(snode.pos, "E013", f"status must be one of {', '.join(STATUSES)}{hint}")
                elif st is not None:
                    criteria.append((cid, Status(st)))
    ended = r.text(m.get("ended_by"), "ended_by")
    if ended is not None and ended not in ENDED_BY:
        r.error(m["ended_by"].pos, "E013", f"ended_by must be {ENDED_BY.spoken()}")
    return Expect(
        passed=r.boolean(m.get("passed"), "passed"),
        score_min=lo,
        score_max=hi,
        critical_failures=crit,
        criteria=tuple(criteria),
        ended_by=ended,
        pos=node.pos,
    )


def read_playtest(r: Reader, node: YNode, what: str) -> Playtest | None:
    m = r.section(node, what, PLAYTEST)
    if m is None:
        return None
    name = r.text(m.get("name"), "playtest name")
    steps = read_steps(r, m.get("steps"), "steps", assertions=True)
    expect = read_expect(r, m.get("expect"))
    return Playtest(name, steps, expect, node.pos) if name else None
