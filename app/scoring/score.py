"""Rubric scoring: a scenario and a call's events in, the result object (contract §3) out.

Scoring is a pure function of its inputs, so the same call always gets the same score. Every
criterion lists the evidence that decided it; a criterion anchored `after` a moment that
never happened is missed, because nothing can come after it.
"""

from __future__ import annotations

from app.engine import events as ev
from app.engine.events import Event
from app.scenario.model import Anchor, Evidence, Scenario
from app.scenario.vocabulary import DECIDED, GOOD, CriterionKind, Status, automatic_status
from app.scoring.record import CallRecord, Occurrence
from app.scoring.result import Counted, CriterionResult, Result, tally
from app.text.terms import log_mentions

RESULT_VERSION = 2  # 2: the `check` status and the `checks` list


def _anchored(rec: CallRecord, ev: Evidence, occs: list[Occurrence]) -> list[Occurrence]:
    out = occs
    if ev.after is not None:
        a = rec.first(ev.after.kind, ev.after.ref)
        if a is None:
            return []
        out = [o for o in out if o.seq > a.seq]
        if ev.within is not None:
            out = [o for o in out if o.t - a.t <= ev.within + 1e-9]
    if ev.before is not None:
        b = rec.first(ev.before.kind, ev.before.ref)
        if b is not None:  # before something that never happened: anything counts
            out = [o for o in out if o.seq < b.seq]
    return out


def find(rec: CallRecord, ev: Evidence) -> tuple[bool, list[Occurrence]]:
    """Whether the evidence is present, and the occurrences that show it."""
    if ev.kind in ("all", "any"):
        results = [find(rec, c) for c in ev.children]
        found = [r for r in results if r[0]]
        ok = len(found) == len(results) if ev.kind == "all" else bool(found)
        shown = results if ev.kind == "all" else found
        occs = sorted({o for _, os in shown for o in os}, key=lambda o: o.seq)
        return ok, occs if ok else []
    if ev.kind == "intent":
        occs = _anchored(rec, ev, rec.intents.get(ev.ref, []))
        return bool(occs), occs
    if ev.kind == "line":
        occs = _anchored(rec, ev, rec.lines.get(ev.ref, []))
        return bool(occs), occs
    if ev.kind == "mark":
        occs = _anchored(rec, ev, rec.marks.get(ev.ref, []))
        return bool(occs), occs
    if ev.kind == "flag":
        occs = _anchored(rec, ev, rec.flag_raises.get(ev.ref, []))
        if ev.held_at_end:
            # The last raise must count and must not have been lowered since.
            last = rec.flag_raises.get(ev.ref, [])[-1:]
            held = ev.ref in rec.flags_at_end and bool(last) and last[0] in occs
            return held, last if held else []
        return bool(occs), occs
    if ev.kind == "log":
        changes = rec.log_changes.get(ev.ref, [])
        final = rec.log_at_end.get(ev.ref, "")
        if not final.strip() or not changes:
            return False, []
        if ev.contains_any and not _contains_any(final, ev.contains_any):
            return False, []
        occs = _anchored(rec, ev, changes[-1:])
        return bool(occs), occs
    if ev.kind == "not":
        # met when the evidence inside is not found: nothing happened, so no turn to show
        return not find(rec, ev.children[0])[0], []
    # ended_by
    if rec.ended_by != ev.ref or rec.ended is None:
        return False, []
    occs = _anchored(rec, ev, [rec.ended])
    return bool(occs), occs


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    """The log says one of `words`, as a person reads it: synonyms ("cop" for officer, "pics"
    for pictures), plurals and text-speak included (`app.text.terms`)."""
    return log_mentions(text, words)


def _anchor_time(rec: CallRecord, a: Anchor | None) -> Occurrence | None:
    return rec.first(a.kind, a.ref) if a is not None else None


def _metrics(s: Scenario, rec: CallRecord) -> dict[str, float | None]:
    out: dict[str, float | None] = {"duration_s": round(rec.end_t, 1)}
    for m in s.rubric.metrics:
        if m.at is not None:
            occ = _anchor_time(rec, m.at)
            out[m.id] = round(occ.t, 1) if occ else None
            continue
        start = _anchor_time(rec, m.start)
        end = None
        if start is not None and m.end is not None:
            # the first `to` that comes after `from` (a flag raised before a disclosure
            # says nothing about how fast the disclosure was captured)
            table = {
                "line": rec.lines,
                "mark": rec.marks,
                "flag": rec.flag_raises,
                "intent": rec.intents,
            }
            later = [o for o in table[m.end.kind].get(m.end.ref, []) if o.seq > start.seq]
            end = later[0] if later else None
        out[m.id] = round(end.t - start.t, 1) if start and end else None
    return out


def score_call(s: Scenario, events: list[Event]) -> Result:
    rec = CallRecord.from_events(events)
    unsure = any(e.kind == ev.TRAINEE_SAID and e.data.get("unsure") for e in events)
    sure = CallRecord.from_events(events, sure_only=True) if unsure else rec
    criteria: dict[str, CriterionResult] = {}
    counted: dict[str, Counted] = {}
    for c in s.rubric.criteria:
        found, occs = (False, []) if c.evidence is None else find(rec, c.evidence)
        status = automatic_status(c.kind, found)
        if c.evidence is not None and sure is not rec:
            # Judged again on the confident hearings alone: if that changes the outcome, it
            # rests on a line the matcher was unsure of, and an assessor decides (`check`),
            # never the simulator's guess (and never a critical failure).
            if automatic_status(c.kind, find(sure, c.evidence)[0]) != status:
                status = Status.CHECK
        feedback = c.feedback_met if status in GOOD else c.feedback_missed
        entry: CriterionResult = {
            "status": status,
            "weight": c.weight,
            "critical": c.critical,
            "kind": c.kind,
            "title": c.title,
            "evidence": [o.evidence() for o in occs] if c.kind != CriterionKind.MANUAL else [],
        }
        if feedback and status in DECIDED:
            entry["feedback"] = feedback
        criteria[c.id] = entry
        counted[c.id] = Counted(status, c.weight, c.critical, c.kind)
    t = tally(counted, s.rubric.pass_mark)
    return {
        "scenario": s.id,
        "scenario_sha256": s.sha256,
        "result_version": RESULT_VERSION,
        "passed": t.passed,
        "score": t.score,
        "pass_mark": s.rubric.pass_mark,
        "critical_failures": t.critical_failures,
        "criteria": criteria,
        "ended_by": rec.ended_by,
        "turns": rec.turns,
        "flags": rec.flag_events,
        "log": dict(sorted(rec.log_at_end.items())),
        "closing_attempts": [o.t for o in rec.closing_attempts],
        "metrics": _metrics(s, rec),
        "checks": t.checks,
    }
