"""Layer 4: lint checks on a scenario whose references are sound.

Each check looks for something that loads and runs but is almost certainly not what the
instructor meant: a state nothing leads to, a handler another one always beats, two intents
sharing an example, a rubric where one missed question fails the call. They are warnings
(`W1xx`): the scenario still plays. `E040` is an error: a rubric that cannot work.

Every check works from the file alone (plus `audio/<id>/` for W109), never by running calls,
and errs on the side of silence: a warning here should always be worth acting on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from app.scenario import expr
from app.scenario.model import Evidence, Handler, Pos, Say, Scenario, State
from app.scenario.problems import did_you_mean
from app.scenario.reader import Reader
from app.scenario.spoilers import find_spoiler, hidden_marks, scored_after, screen_texts
from app.scenario.vocabulary import CriterionKind

LINE_TRIGGERS = ("intent", "closing_attempt", "any_line", "fallback")  # a line can fire these
MAX_SHARE = 0.15  # contract: no single non-critical criterion weighs more than 15% of the total
AUDIO_SUFFIXES = (".wav",)


def run_checks(s: Scenario, r: Reader, *, file_stem: str | None = None) -> None:
    if file_stem is not None and file_stem != s.id:
        r.warn(
            Pos(1, 1), "W107", f"scenario id '{s.id}' does not match the file name '{file_stem}'"
        )
    dead = _dead_handlers(s, r)
    reach = _reachable_states(s, r, dead)
    _dead_ends(s, r, reach, dead)
    _colliding_examples(s, r)
    _weak_patterns(s, r)
    _rubric_weights(s, r)
    _unfindable_evidence(s, r, reach, dead)
    _unused(s, r)
    _unanswered(s, r)
    _orphan_audio(s, r)
    _spoilers(s, r)
    _practice_only(s, r)


# -- W102: handlers that can never fire -----------------------------------------------------
def _describe(h: Handler) -> str:
    if h.trigger == "intent":
        names = ", ".join(f"'{i}'" for i in h.intents)
        return f"intent {names}"
    if h.trigger == "silence":
        return f"silence (after {_secs(h.after)})"
    if h.trigger in ("flag_raised", "flag_lowered"):
        return f"{h.trigger} '{h.flag}'"
    if h.trigger == "log_changed" and h.field:
        return f"log_changed '{h.field}'"
    if h.trigger == "time":
        return f"time ({time_label(h)})"
    if h.trigger in ("any_line", "any_flag"):
        return h.trigger
    return h.trigger


def time_label(h: Handler) -> str:
    """'at 60s', '20s after mark disclosure', '30s in state'."""
    if h.in_state is not None:
        return f"{_secs(h.in_state)} in state"
    if h.after_mark is not None:
        return f"{_secs(h.at)} after mark {h.after_mark}"
    return f"at {_secs(h.at)}"


def _secs(seconds: float | None) -> str:
    return f"{seconds or 0:g}s"


def _plain(h: Handler) -> bool:
    """No condition that could let a later handler through (`nth` is judged separately)."""
    return h.when is None and not h.once


def _same_trigger(a: Handler, b: Handler) -> bool:
    return (a.trigger, a.intents, a.flag, a.field) == (b.trigger, b.intents, b.flag, b.field)


def _takes_all_of(a: Handler, b: Handler, closing: frozenset[str]) -> bool:
    """Every event that could fire `b` also fires `a` (both without nth; `b` not an intent)."""
    if b.trigger == "closing_attempt":
        return a.trigger == "closing_attempt"
    if b.trigger in ("flag_raised", "flag_lowered"):
        return a.trigger == b.trigger and a.flag == b.flag
    if b.trigger == "log_changed":
        return a.trigger == "log_changed" and a.field in (None, b.field)
    if b.trigger in ("any_line", "any_flag"):
        return a.trigger == b.trigger
    return a.trigger == b.trigger == "fallback"


def _why_dead(
    b: Handler,
    before: list[Handler],
    after: list[Handler],
    outer: Iterable[Handler],
    closing: frozenset[str],
) -> str | None:
    """Why `b` can never fire, or None. `before`/`after`: the rest of its list, in file order;
    `outer`: the global handlers when `b` is a state's (they compete on silence only)."""
    if b.trigger == "closing_attempt" and not closing:
        return (
            "no intent is marked 'closing: true', so there is never a closing attempt; "
            "mark the intents that end a call with 'closing: true'"
        )
    if b.trigger == "silence":
        # the shortest `after` fires first, file order breaks ties; a state's handlers come
        # before the global ones
        b_after = b.after or 0.0
        for group, tie_wins in ((before, True), (after, False), (outer, False)):
            for a in group:
                if a.trigger != "silence" or not _plain(a) or a.nth is not None:
                    continue
                a_after = a.after or 0.0
                if a_after < b_after or (tie_wins and a_after == b_after):
                    return (
                        f"the silence handler at line {a.pos.line} (after {_secs(a.after)}, "
                        "no nth/once/when) always fires first; give it a condition, or make "
                        "this one's 'after' shorter"
                    )
        return None
    plain = [a for a in before if _plain(a)]
    advice = "move this handler above it, give that one a condition, or remove this one"
    for a in plain:
        if a.nth is not None and a.nth == b.nth and _same_trigger(a, b):
            return (
                f"the handler at line {a.pos.line} has the same trigger and 'nth: {a.nth}' and "
                f"no other condition, so it always fires first; {advice}"
            )
    plain = [a for a in plain if a.nth is None]
    if b.trigger == "intent":
        takers: dict[str, Handler] = {}
        for i in b.intents:
            for a in plain:
                if i in a.intents or (a.trigger == "closing_attempt" and i in closing):
                    takers[i] = a
                    break
        if len(takers) < len(b.intents):
            return None
        lines = sorted({a.pos.line for a in takers.values()})
        if len(lines) == 1:
            a = next(iter(takers.values()))
            if a.trigger == "closing_attempt":
                return (
                    f"the closing_attempt handler at line {a.pos.line} (no nth/once/when) takes "
                    f"every closing attempt first, and a line with {_describe(b)} is one; "
                    f"{advice}"
                )
            return (
                f"the handler at line {a.pos.line} answers the same intent with no "
                f"nth/once/when, so it always fires first; {advice}"
            )
        by = ", ".join(f"'{i}' at line {a.pos.line}" for i, a in takers.items())
        return (
            f"every intent it answers is taken first by a handler with no nth/once/when ({by}); "
            "remove this handler or give those a condition"
        )
    for a in plain:
        if _takes_all_of(a, b, closing):
            what = "fallback" if b.trigger == "fallback" else "handler"
            return (
                f"the {what} at line {a.pos.line} takes every {_describe(b)} event first "
                f"(it has no nth/once/when); {advice}"
            )
    if b.trigger == "closing_attempt":
        takers_c = {}
        for i in sorted(closing):
            taker = next((a for a in plain if a.trigger == "intent" and i in a.intents), None)
            if taker is None:
                return None
            takers_c[i] = taker
        by = ", ".join(f"'{i}' at line {a.pos.line}" for i, a in takers_c.items())
        return (
            "every closing intent is answered first by an intent handler with no "
            f"nth/once/when ({by}); {advice}"
        )
    return None


def _dead_handlers(s: Scenario, r: Reader) -> set[str]:
    closing = frozenset(i.id for i in s.intents.values() if i.closing)
    lists: list[tuple[tuple[Handler, ...], tuple[Handler, ...]]] = [
        (st.on, s.global_handlers) for st in s.states.values()
    ]
    lists.append((s.global_handlers, ()))
    dead: set[str] = set()
    for handlers, outer in lists:
        for n, h in enumerate(handlers):
            why = _why_dead(h, list(handlers[:n]), list(handlers[n + 1 :]), outer, closing)
            if why is not None:
                dead.add(h.key)
                r.warn(h.pos, "W102", f"this {_describe(h)} handler can never fire: {why}")
    return dead


# -- W101, W106: reachability and dead ends -------------------------------------------------
def _reachable_states(s: Scenario, r: Reader, dead: set[str]) -> set[str]:
    live_global = [h for h in s.global_handlers if h.key not in dead]
    seen = {s.start}
    todo = [s.start]
    while todo:
        state = s.states[todo.pop()]
        for h in (*state.on, *live_global):
            if h.goto and h.key not in dead and h.goto not in seen:
                seen.add(h.goto)
                todo.append(h.goto)
    for sid, state in s.states.items():
        if sid in seen:
            continue
        if any(h.goto == sid for h in s.all_handlers()):
            why = (
                f"the only handlers with 'goto: {sid}' can never fire or are in states that "
                "are never reached"
            )
        else:
            why = f"no handler has 'goto: {sid}'"
        r.warn(
            state.pos,
            "W101",
            f"state '{sid}' can never be reached: {why} (the call starts in "
            f"'{s.start}'); add a goto to it, or remove the state",
        )
    return seen


def _dead_ends(s: Scenario, r: Reader, reach: set[str], dead: set[str]) -> None:
    if s.answers or any(
        h.trigger in LINE_TRIGGERS and h.key not in dead for h in s.global_handlers
    ):
        return
    for sid in sorted(reach, key=lambda k: s.states[k].pos.line):
        state = s.states[sid]
        if state.answers or any(h.trigger in LINE_TRIGGERS and h.key not in dead for h in state.on):
            continue
        entries = [h for h in s.all_handlers() if h.goto == sid and h.key not in dead]
        if sid != s.start and entries and all(h.hang_up for h in entries):
            continue  # the caller hangs up on the way in: nobody talks in this state
        r.warn(
            state.pos,
            "W106",
            f"state '{sid}' is a dead end: nothing the trainee says gets an answer here (no "
            "intent, closing_attempt or fallback handler in it or in 'global', and no "
            "answers); add handlers, or at least a 'fallback: true' one",
        )


# -- W103: intents whose examples collide ---------------------------------------------------
def _colliding_examples(s: Scenario, r: Reader) -> None:
    from app.text import normalise

    owner: dict[str, tuple[str, str]] = {}  # normalised example -> (intent, example as written)
    # The library's own intents come first; a collision is reported at the file's intent (a
    # library is checked by its own tests, and its positions are not in this file).
    ordered = sorted(s.intents.values(), key=lambda i: i.origin is None)
    for intent in ordered:
        mine: set[str] = set()
        for ex in intent.examples:
            key = normalise(ex)
            if not key or key in mine:
                continue
            mine.add(key)
            if key in owner and intent.origin is None:
                other, written = owner[key]
                same = "" if written == ex else f" (written '{written}' there)"
                where = s.intents[other]
                at = f"the library {where.origin}" if where.origin else f"line {where.pos.line}"
                r.warn(
                    intent.pos,
                    "W103",
                    f"example '{ex}' of intent '{intent.id}' is also an example of intent "
                    f"'{other}' ({at}){same}: the matcher cannot tell them apart; keep it under "
                    "one intent",
                )
            elif key not in owner:
                owner[key] = (intent.id, ex)
        if intent.origin is not None:
            continue
        for ex in intent.not_examples:
            key = normalise(ex)
            if key and key in mine:
                r.warn(
                    intent.pos,
                    "W103",
                    f"'{ex}' is both an example of intent '{intent.id}' and in its 'not' list; "
                    "remove it from one of them",
                )


# -- W110: a pattern that is one common word ------------------------------------------------
def _weak_patterns(s: Scenario, r: Reader) -> None:
    from app.text import data_lines, tokens

    common = frozenset(data_lines("common_words.txt"))
    for intent in (i for i in s.intents.values() if i.origin is None):
        for pattern in intent.patterns:
            for phrase in pattern.any:
                words = tokens(phrase)
                if len(words) == 1 and words[0] in common:
                    r.warn(
                        pattern.pos,
                        "W110",
                        f"pattern '{phrase}' of intent '{intent.id}' is one common word: it "
                        "turns up in lines that mean something else, so it is weak evidence; "
                        "use a phrase (e.g. 'your name' rather than 'name')",
                    )


# -- W104, E040: the weights of the rubric --------------------------------------------------
def _rubric_weights(s: Scenario, r: Reader) -> None:
    criteria = s.rubric.criteria
    auto = [c for c in criteria if c.kind != CriterionKind.MANUAL]
    total = sum(c.weight for c in auto)
    if not auto or total <= 0:
        if criteria:
            r.error(
                criteria[0].pos,
                "E040",
                "the rubric has only manual criteria, so the automatic score is always 0; add "
                "at least one required or prohibited criterion",
            )
        return
    pass_mark = s.rubric.pass_mark
    for c in auto:
        if c.critical:
            continue
        best = round(100.0 * (total - c.weight) / total, 1)
        share = c.weight / total
        if best < pass_mark:
            r.warn(
                c.pos,
                "W104",
                f"missing only '{c.id}' fails a trainee: without its weight {c.weight:g} the "
                f"best score is {best:g}, below the pass mark {pass_mark:g}; lower its weight, "
                "or make it critical if missing it should fail the call",
            )
        elif share > MAX_SHARE:
            r.warn(
                c.pos,
                "W104",
                f"criterion '{c.id}' weighs {c.weight:g} of {total:g} ({100 * share:.0f}% of "
                f"the automatic total); a non-critical criterion should weigh at most "
                f"{100 * MAX_SHARE:.0f}%, so lower it or raise the others",
            )


# -- W108, E040: evidence that can never be found ------------------------------------------
def _say_lines(say: Say | None) -> Iterator[str]:
    if say is not None:
        yield from (ln.id for ln in say.lines)


def _blockers(ev: Evidence, lines: set[str], marks: set[str]) -> list[str]:
    """What makes the evidence impossible to find (empty if it can be found)."""
    if ev.kind == "all":
        for child in ev.children:
            if found := _blockers(child, lines, marks):
                return found
        return []
    if ev.kind == "any":
        each = [_blockers(child, lines, marks) for child in ev.children]
        return [b for bs in each for b in bs] if each and all(each) else []
    if ev.kind == "not":
        return []  # something that can never happen is never found, so `not` of it always is
    out = []
    if ev.kind == "line" and ev.ref not in lines:
        out.append(f"line '{ev.ref}' is never spoken")
    if ev.kind == "mark" and ev.ref not in marks:
        out.append(f"mark '{ev.ref}' is never set")
    if ev.after is not None:
        a = ev.after
        if (a.kind == "line" and a.ref not in lines) or (a.kind == "mark" and a.ref not in marks):
            out.append(f"it is anchored after {a}, which never happens")
    return out


def _unfindable_evidence(s: Scenario, r: Reader, reach: set[str], dead: set[str]) -> None:
    states: list[State] = [s.states[k] for k in reach]
    live = [h for st in states for h in st.on if h.key not in dead]
    live.extend(h for h in s.global_handlers if h.key not in dead)
    lines = {ln for st in states for ln in _say_lines(st.say)}
    lines.update(ln for h in live for ln in _say_lines(h.say))
    answers = [*s.answers.values(), *(a for st in states for a in st.answers.values())]
    lines.update(ln for a in answers for ln in _say_lines(a.say))
    marks = {h.mark for h in live if h.mark}
    why_never = "only handlers that can never fire, or in states never reached, produce it"
    for c in s.rubric.criteria:
        if c.evidence is None or c.kind == CriterionKind.MANUAL:
            continue
        blockers = _blockers(c.evidence, lines, marks)
        if not blockers:
            continue
        reason = "; ".join(dict.fromkeys(blockers))
        if c.kind == CriterionKind.PROHIBITED:
            r.warn(
                c.pos,
                "W108",
                f"criterion '{c.id}' can never be violated: {reason} ({why_never})",
            )
        elif c.critical:
            r.error(
                c.pos,
                "E040",
                f"critical criterion '{c.id}' can never be met, so every call fails: {reason} "
                f"({why_never}); fix the handler, or the evidence",
            )
        else:
            r.warn(
                c.pos,
                "W108",
                f"criterion '{c.id}' can never be met, so every trainee loses its weight: "
                f"{reason} ({why_never})",
            )


# -- W105: intents and variables nothing uses -----------------------------------------------
def _evidence_intents(ev: Evidence) -> Iterator[str]:
    if ev.kind == "intent":
        yield ev.ref
    for a in (ev.after, ev.before):
        if a is not None and a.kind == "intent":
            yield a.ref
    for child in ev.children:
        yield from _evidence_intents(child)


def _unused(s: Scenario, r: Reader) -> None:
    handlers = s.all_handlers()
    names = [n for h in handlers if h.when is not None for n in expr.names(h.when)]
    used = {i for h in handlers for i in h.intents}
    used.update(a.intent for a in s.all_answers())
    used.update(n.name for n in names if n.namespace in ("count", "asked"))
    if any(h.trigger == "closing_attempt" for h in handlers) or "closing_attempt" in used:
        used.update(i.id for i in s.intents.values() if i.closing)
    for c in s.rubric.criteria:
        if c.evidence is not None:
            used.update(_evidence_intents(c.evidence))
    for m in s.rubric.metrics:
        used.update(a.ref for a in (m.at, m.start, m.end) if a is not None and a.kind == "intent")
    for intent in s.intents.values():
        if intent.id not in used and intent.origin is None:  # a library intent may go unused
            r.warn(
                intent.pos,
                "W105",
                f"intent '{intent.id}' is not used: no handler, criterion, metric or condition "
                "refers to it, so a line carrying it gets the fallback; use it, or remove it",
            )
    read = {n.name for n in names if n.namespace is None}
    written = {v for h in handlers for v, _ in (*h.set, *h.add)}
    for var in s.variables.values():
        if var.id in read:
            continue
        what = "set but never read" if var.id in written else "never set or read"
        r.warn(
            var.pos,
            "W105",
            f"variable '{var.id}' is {what} by any 'when:' condition; use it in a condition, "
            "or remove it",
        )


# -- W111: library intents the caller understands but never answers ------------------------
def answered_intents(s: Scenario) -> set[str]:
    """The intents some handler or answer replies to (a fallback does not count)."""
    handlers = s.all_handlers()
    out = {i for h in handlers if h.trigger == "intent" for i in h.intents}
    if any(h.trigger == "closing_attempt" for h in handlers):
        out.update(i.id for i in s.intents.values() if i.closing)
    out.update(a.intent for a in s.all_answers())
    return out


def _unanswered(s: Scenario, r: Reader) -> None:
    """Once a file says how its caller answers (`answers:`), every library intent she
    understands should have an answer: a question with none gets the fallback ("Sorry?"),
    which no real caller says to a plain question. Reported at the `answers:` key."""
    if s.answers_pos is None:
        return
    answered = answered_intents(s)
    for intent in s.intents.values():
        if intent.origin is None or intent.id in answered:
            continue
        r.warn(
            s.answers_pos,
            "W111",
            f"library intent '{intent.id}' ({intent.origin}) is never answered: no handler or "
            "answer replies to it, so a trainee who asks it gets the fallback; add "
            f"'{intent.id}:' to 'answers:' (in character, even \"I don't know, sorry\"), or "
            "leave the intent out with 'library: {id: ..., except: [...]}'",
        )


# -- W109: recorded voice-over for lines that no longer exist ------------------------------
def _orphan_audio(s: Scenario, r: Reader) -> None:
    path = Path(s.path)
    if not path.is_file():
        return
    folder = path.resolve().parent.parent / "audio" / s.id
    if not folder.is_dir():
        return
    try:
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in AUDIO_SUFFIXES)
    except OSError:
        return
    for f in files:
        if f.stem in s.lines:
            continue
        hint = did_you_mean(f.stem, s.lines)
        r.warn(
            Pos(1, 1),
            "W109",
            f"recorded voice-over audio/{s.id}/{f.name} belongs to no line: there is no line "
            f"'{f.stem}' in this scenario{hint}; rename the file to its line's id, or delete it",
        )


__all__ = ["run_checks"]


# -- W120, W121: what assessment mode shows before the debrief ----------------------------
def _spoilers(s: Scenario, r: Reader) -> None:
    hidden = hidden_marks(s)
    a = s.assessment
    if hidden and a is None:
        mark, h = next(iter(hidden.items()))
        criterion = scored_after(s)[mark]
        r.warn(
            h.where("mark"),
            "W120",
            f"mark '{mark}' is a moment the trainee has to notice (criterion '{criterion}' "
            "scores what they do after it), but the scenario has no `assessment:` texts: in "
            "assessment mode its title, summary and content note are shown as they are and may "
            "give it away; add `assessment: {title, summary, content_note, spoilers}`",
        )
    if a is None:
        return
    if hidden and not a.spoilers:
        names = ", ".join(f"'{m}'" for m in hidden)
        r.warn(
            a.pos,
            "W120",
            f"`assessment:` names no `spoilers`, so nothing checks that the screens before the "
            f"debrief keep the hidden moment ({names}) quiet; list the words that would give "
            "it away",
        )
    for t in screen_texts(s, "assessment"):
        word = find_spoiler(t.text, a.spoilers)
        if word is None:
            continue
        fix = (
            "reword it"
            if t.where.startswith("assessment")
            else "write a neutral one in `assessment:`"
        )
        r.warn(
            t.pos,
            "W121",
            f"{t.where} says '{word}', one of the `assessment: spoilers`, and assessment mode "
            f"shows it before the debrief; {fix}",
        )


# -- W122: a criterion that needs what assessment mode does not show -----------------------
def _practice_only_needs(ev: Evidence, s: Scenario) -> list[str]:
    """What the evidence needs that assessment mode leaves off the screen (empty: nothing)."""
    if ev.kind in ("all", "any"):
        each = [_practice_only_needs(c, s) for c in ev.children]
        if ev.kind == "all":
            return [b for bs in each for b in bs]
        return [b for bs in each for b in bs] if each and all(each) else []
    out = []
    flag = s.flags.get(ev.ref) if ev.kind == "flag" else None
    field = s.log_fields.get(ev.ref) if ev.kind == "log" else None
    if (flag is not None and flag.practice_only) or (field is not None and field.practice_only):
        out.append(f"{'flag' if flag else 'log field'} '{ev.ref}' is practice-only")
    for a in (ev.after, ev.before):
        if a is not None and a.kind == "flag" and (f := s.flags.get(a.ref)) and f.practice_only:
            out.append(f"its anchor flag '{a.ref}' is practice-only")
    return out


def _practice_only(s: Scenario, r: Reader) -> None:
    for c in s.rubric.criteria:
        if c.evidence is None or c.kind == CriterionKind.MANUAL:
            continue
        needs = _practice_only_needs(c.evidence, s)
        if needs:
            verb = "violated" if c.kind == CriterionKind.PROHIBITED else "met"
            r.warn(
                c.pos,
                "W122",
                f"criterion '{c.id}' can never be {verb} in assessment mode: "
                + "; ".join(dict.fromkeys(needs))
                + " (assessment mode leaves it off the call screen); give the evidence an "
                "alternative with `any:`, or drop `practice_only`",
            )
