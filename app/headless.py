"""Run trainee steps through the engine on a virtual clock: `callsim play`, `callsim test`,
and anything else that needs a call without a window.

The clock: the call connects at 0 and the caller's opening lines play. Each step starts when
the caller has finished speaking. A `say` takes as long as saying it (see engine/timing.py)
and is handled when the trainee finishes; the time spent saying it is activity, not silence.
A flag takes 1 s, each log field 2 s, End call 1 s; `wait` moves the clock on, firing
silence handlers that fall due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine import events as ev
from app.engine.call import Call, CallEnded
from app.engine.timing import FLAG_SECONDS, LOG_SECONDS, TYPING_INTERVAL, speech_seconds
from app.matching import IntentMatcher
from app.scenario.model import Expect, Playtest, Scenario, Step
from app.scenario.problems import Problem, did_you_mean
from app.scoring.result import Result
from app.scoring.score import score_call
from app.services.catalog import build_matcher
from app.storage import SessionStore


@dataclass
class Run:
    call: Call
    result: Result = field(init=False)  # set once the steps have run
    failures: list[str] = field(default_factory=list)  # assertion failures, in step order


def record_run(store: SessionStore, run: Run, *, trainee: str, mode: str = "headless") -> str:
    """Store a finished headless run as a session, as the app would (`callsim play --record`,
    tools that seed the library); returns the session id."""
    scenario = run.call.scenario
    sid = store.start_session(
        trainee=trainee,
        scenario_id=scenario.id,
        scenario_sha256=scenario.sha256,
        scenario_title=scenario.title,
        mode=mode,
    )
    store.append_events(sid, run.call.events)
    store.finish_session(sid, run.result)
    return sid


def check_steps(scenario: Scenario, steps: tuple[Step, ...], path: str) -> list[Problem]:
    """References in a transcript (flags, log fields, lines, intents) that the scenario lacks."""
    problems = []

    def bad(step: Step, kind: str, ref: str, known: Any) -> None:
        hint = did_you_mean(ref, known)
        msg = f"unknown {kind} '{ref}' in scenario '{scenario.id}'{hint}"
        problems.append(Problem(path, step.pos.line, step.pos.col, "error", "E020", msg))

    for st in steps:
        if st.kind in ("flag", "unflag") and st.text not in scenario.flags:
            bad(st, "flag", st.text, scenario.flags)
        elif st.kind == "caller" and st.text not in scenario.lines:
            bad(st, "line", st.text, scenario.lines)
        elif st.kind == "log":
            for fid, _ in st.log:
                if fid not in scenario.log_fields:
                    bad(st, "log field", fid, scenario.log_fields)
        for i in st.expect_intent:
            if i not in scenario.intents:
                bad(st, "intent", i, scenario.intents)
    return problems


def run_steps(
    scenario: Scenario, steps: tuple[Step, ...], matcher: IntentMatcher | None = None
) -> Run:
    call = Call(scenario, matcher or build_matcher(scenario))
    call.start(0.0)
    run = Run(call)
    clock = call.st.busy_until
    heard_upto = 0  # `caller:` checks look at lines spoken since the last check

    for n, step in enumerate(steps, 1):
        where = f"step {n} (line {step.pos.line})"
        if step.kind == "caller":
            found = _find_line(call, step.text, heard_upto)
            if found is None:
                spoken = [
                    e.data["line_id"] for e in call.events[heard_upto:] if e.kind == ev.CALLER_SAID
                ]
                heard = ", ".join(spoken) or "nothing"
                run.failures.append(f"{where}: expected caller line '{step.text}', heard {heard}")
            else:
                heard_upto = found + 1
            continue
        if call.ended:
            if step.expect_intent:
                run.failures.append(f"{where}: the call had already ended")
            continue
        try:
            clock = play_step(call, step, clock, run, where)
        except CallEnded:
            if step.expect_intent:
                run.failures.append(f"{where}: the caller had hung up")
    run.result = score_call(scenario, call.events)
    return run


def _find_line(call: Call, line_id: str, start: int) -> int | None:
    for i in range(start, len(call.events)):
        e = call.events[i]
        if e.kind == ev.CALLER_SAID and e.data["line_id"] == line_id:
            return i
    return None


def play_step(call: Call, step: Step, clock: float, run: Run, where: str) -> float:
    """Do one action step at virtual time `clock`; returns the clock after it. Shared with the
    studio's play pane so a run there replays exactly as a playtest."""
    if step.kind == "say":
        t = round(clock + speech_seconds(step.text), 3)
        # Speaking is activity: as the window does while keys are pressed, tell the engine
        # every TYPING_INTERVAL seconds so a long line never counts as silence.
        k = 0
        while clock + k * TYPING_INTERVAL < t:
            call.typing(round(clock + k * TYPING_INTERVAL, 3))
            k += 1
        out = call.say(step.text, t)
        said = next(e for e in out if e.kind == ev.TRAINEE_SAID)
        heard = said.data["intents"]
        missing = [i for i in step.expect_intent if i not in heard]
        if missing:
            run.failures.append(
                f"{where}: expected intent {', '.join(missing)} in {step.text!r}, "
                f"heard {', '.join(heard) or 'nothing'}"
            )
    elif step.kind == "wait":
        t = round(clock + step.seconds, 3)
        call.advance(t)
    elif step.kind in ("flag", "unflag"):
        t = round(clock + FLAG_SECONDS, 3)
        (call.raise_flag if step.kind == "flag" else call.lower_flag)(step.text, t)
    elif step.kind == "log":
        t = clock
        for fid, value in step.log:
            t = round(t + LOG_SECONDS, 3)
            call.set_log(fid, value, t)
    else:  # end_call
        t = round(clock + FLAG_SECONDS, 3)
        call.end_call(t)
    return max(t, call.st.busy_until)


def check_expect(expect: Expect | None, result: Result) -> list[str]:
    """What the result got wrong against a playtest's `expect` block."""
    if expect is None:
        return []
    out = []
    if expect.passed is not None and result["passed"] != expect.passed:
        why = ", ".join(result["critical_failures"]) or f"score {result['score']}"
        want, got = str(expect.passed).lower(), str(result["passed"]).lower()
        out.append(f"expected passed: {want}, got {got} ({why})")
    score = result["score"]
    if expect.score_min is not None and score < expect.score_min - 1e-9:
        out.append(f"expected score >= {expect.score_min:g}, got {score}")
    if expect.score_max is not None and score > expect.score_max + 1e-9:
        out.append(f"expected score <= {expect.score_max:g}, got {score}")
    if expect.critical_failures is not None:
        failures = result["critical_failures"]
        if sorted(failures) != sorted(expect.critical_failures):
            out.append(
                f"expected critical failures [{', '.join(expect.critical_failures)}], "
                f"got [{', '.join(failures)}]"
            )
    for cid, status in expect.criteria:
        entry = result["criteria"].get(cid)
        got_status = None if entry is None else entry["status"]
        if got_status != status:
            out.append(f"expected {cid}: {status}, got {got_status}")
    if expect.ended_by is not None and result["ended_by"] != expect.ended_by:
        got_by = result["ended_by"] or "nobody (call still open)"
        out.append(f"expected ended_by: {expect.ended_by}, got {got_by}")
    return out


def run_playtest(scenario: Scenario, pt: Playtest, matcher: IntentMatcher) -> list[str]:
    """Every failure of one playtest (empty when it passes)."""
    run = run_steps(scenario, pt.steps, matcher)
    return run.failures + check_expect(pt.expect, run.result)
