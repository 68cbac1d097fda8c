"""How well a scenario's intents hear their own examples (`callsim nlu`), and the trainee lines
from recorded sessions that matched nothing (`callsim nlu --unmatched`).

Each example is matched on its own with the scenario's matcher. An example is *misheard* when
its intent is not among the intents heard (another intent took it, or nothing did). An
example is *shared* when, normalised, it is also an example of another intent.

A trained matcher hears its own examples almost always, so the real estimate is the
*cross-validation*: the examples are cut into `folds` parts, a matcher is trained without
each part and hears that part's examples as new lines. That gives each intent an accuracy,
the *collisions* (intent A's held-out examples heard as B) and the *weak* intents (few
examples, or a low accuracy), which are the ones trainees will find deaf.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, cast

from app.engine.events import TRAINEE_SAID
from app.matching import IntentMatcher, normalise
from app.scenario.model import Intent, Pos, Scenario
from app.scenario.yamlsrc import YNode

if TYPE_CHECKING:
    from app.storage import SessionStore

SaidLine = tuple[str, tuple[str, ...]]  # a trainee line and the intents heard in it


@dataclass(frozen=True)
class Misheard:
    intent: str
    example: str
    heard: tuple[str, ...]  # the intents the matcher heard instead (empty: none)
    own_score: float | None  # the example's score for its own intent (None: not scored)
    heard_score: float  # the score of the first intent heard (0 when none)
    pos: Pos


@dataclass(frozen=True)
class Shared:
    example: str  # as written at its second appearance
    intents: tuple[str, ...]  # every intent it is an example of, in file order
    pos: Pos  # of its second appearance
    first: str  # as written at its first appearance
    first_pos: Pos


@dataclass(frozen=True)
class IntentAccuracy:
    intent: str
    examples: int
    held_out: int  # examples heard by a matcher trained without them
    right: int  # ...and heard as this intent
    confused: tuple[tuple[str, int], ...]  # other intents heard instead, most first

    @property
    def accuracy(self) -> float | None:
        return self.right / self.held_out if self.held_out else None


@dataclass(frozen=True)
class Collision:
    intent: str  # whose held-out examples...
    heard_as: str  # ...were heard as this intent
    count: int


@dataclass(frozen=True)
class Weak:
    intent: str
    reason: str


COLLISIONS = 20  # listed at most
WEAK_EXAMPLES = 10  # fewer examples than this: a weak intent
WEAK_ACCURACY = 0.7  # a cross-validated accuracy below this: a weak intent
FOLDS = 5


@dataclass(frozen=True)
class NluReport:
    intents: tuple[tuple[str, int], ...]  # (intent id, number of examples), file order
    misheard: tuple[Misheard, ...]
    shared: tuple[Shared, ...]
    accuracy: tuple[IntentAccuracy, ...] = ()  # cross-validated, matcher's intent order
    collisions: tuple[Collision, ...] = ()  # most first
    weak: tuple[Weak, ...] = ()

    @property
    def examples(self) -> int:
        return sum(n for _, n in self.intents)

    @property
    def problems(self) -> int:
        return len(self.misheard) + len(self.shared)


def example_positions(root: YNode | None) -> dict[tuple[str, int], Pos]:
    """Where each example is written: (intent id, index) -> position (from the YAML tree)."""
    out: dict[tuple[str, int], Pos] = {}
    intents = root.value.get("intents") if root is not None and root.is_map else None
    if intents is None or not intents.is_map:
        return out
    for iid, node in intents.value.items():
        ex = node.value.get("examples") if node.is_map else None
        if ex is None:
            continue
        items = ex.value if ex.is_seq else [ex]
        for n, item in enumerate(items):
            out[(iid, n)] = item.pos
    return out


class RetrainableMatcher(IntentMatcher, Protocol):
    @property
    def intents(self) -> tuple[Intent, ...]: ...
    def with_intents(self, intents: Iterable[Intent]) -> IntentMatcher: ...


def cross_validate(
    matcher: RetrainableMatcher, folds: int = FOLDS, only: Collection[str] | None = None
) -> tuple[tuple[IntentAccuracy, ...], tuple[Collision, ...], tuple[Weak, ...]]:
    """Per-intent accuracy on examples held out of training, `folds` parts in turn (example
    n of an intent is in part n % folds), with the collisions and weak intents it shows.
    `only`: hold out just these intents' examples (a scenario's own: the library's are the
    library's tests' business), the others always train."""
    intents = tuple(i for i in matcher.intents if only is None or i.id in only)
    rest = tuple(i for i in matcher.intents if only is not None and i.id not in only)
    right = {i.id: 0 for i in intents}
    held = {i.id: 0 for i in intents}
    confused: dict[str, Counter[str]] = {i.id: Counter() for i in intents}
    for f in range(max(2, folds)):
        train = list(rest)
        test: list[tuple[str, str]] = []
        for i in intents:
            if len(i.examples) < 2:
                train.append(i)
                continue
            keep = tuple(e for n, e in enumerate(i.examples) if n % folds != f)
            test.extend((i.id, e) for n, e in enumerate(i.examples) if n % folds == f)
            train.append(replace(i, examples=keep))
        if not test:
            continue
        m = matcher.with_intents(train)
        for iid, ex in test:
            heard = m.match(ex).intents
            held[iid] += 1
            if iid in heard:
                right[iid] += 1
            else:
                confused[iid].update(heard[:1] or ("(nothing)",))
    acc = tuple(
        IntentAccuracy(
            i.id,
            len(i.examples),
            held[i.id],
            right[i.id],
            tuple(sorted(confused[i.id].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for i in intents
    )
    collisions = sorted(
        (Collision(a.intent, b, n) for a in acc for b, n in a.confused if b != "(nothing)"),
        key=lambda c: (-c.count, c.intent, c.heard_as),
    )
    weak: list[Weak] = []
    for a in acc:
        if a.examples < WEAK_EXAMPLES:
            weak.append(Weak(a.intent, f"only {a.examples} example{'s' * (a.examples != 1)}"))
        elif a.accuracy is not None and a.accuracy < WEAK_ACCURACY:
            weak.append(Weak(a.intent, f"{a.accuracy:.0%} of held-out examples heard"))
    return acc, tuple(collisions), tuple(weak)


def nlu_report(
    s: Scenario, matcher: IntentMatcher, root: YNode | None = None, *, folds: int = FOLDS
) -> NluReport:
    """The report. Cross-validation needs a matcher that can be retrained (`with_intents`);
    `folds=0` leaves it out."""
    where = example_positions(root)
    misheard: list[Misheard] = []
    owners: dict[str, list[tuple[str, str, Pos]]] = {}
    own = [i for i in s.intents.values() if i.origin is None]  # the file's, not the library's
    for intent in own:
        for n, ex in enumerate(intent.examples):
            pos = where.get((intent.id, n), intent.pos)
            key = normalise(ex)
            if key:
                owners.setdefault(key, []).append((intent.id, ex, pos))
            r = matcher.match(ex)
            if intent.id in r.intents:
                continue
            heard_score = r.scores.get(r.intents[0], 0.0) if r.intents else 0.0
            misheard.append(
                Misheard(
                    intent.id,
                    ex,
                    tuple(r.intents),
                    r.scores.get(intent.id),
                    heard_score,
                    pos,
                )
            )
    shared: list[Shared] = []
    for entries in owners.values():
        ids = tuple(dict.fromkeys(iid for iid, _, _ in entries))
        if len(ids) > 1:
            second = next(e for e in entries if e[0] != entries[0][0])
            shared.append(Shared(second[1], ids, second[2], entries[0][1], entries[0][2]))
    shared.sort(key=lambda x: (x.pos.line, x.pos.col))
    counts = tuple((i.id, len(i.examples)) for i in own)
    acc: tuple[IntentAccuracy, ...] = ()
    collisions: tuple[Collision, ...] = ()
    weak: tuple[Weak, ...] = ()
    if folds and hasattr(matcher, "with_intents") and hasattr(matcher, "intents"):
        retrainable = cast(RetrainableMatcher, matcher)
        acc, collisions, weak = cross_validate(retrainable, folds, {i.id for i in own})
    return NluReport(counts, tuple(misheard), tuple(shared), acc, collisions, weak)


def format_report(report: NluReport, path: str) -> str:
    out = []
    by_intent: dict[str, list[Misheard]] = {}
    for m in report.misheard:
        by_intent.setdefault(m.intent, []).append(m)
    cv = {a.intent: a for a in report.accuracy}
    for iid, n in report.intents:
        bad = by_intent.get(iid, [])
        status = "all heard" if not bad else f"{len(bad)} not heard as '{iid}'"
        a = cv.get(iid)
        if a is not None and a.accuracy is not None:
            status += f"; held out: {a.right}/{a.held_out} heard ({a.accuracy:.0%})"
        out.append(f"{iid}: {n} example{'s' * (n != 1)}, {status}")
        for m in bad:
            if m.heard:
                got = f"heard as '{m.heard[0]}' ({m.heard_score:.2f})"
                if len(m.heard) > 1:
                    got += " with " + ", ".join(f"'{h}'" for h in m.heard[1:])
            else:
                got = "heard as nothing"
            own = "no score" if m.own_score is None else f"{m.own_score:.2f}"
            out.append(f"  {path}:{m.pos.line}:{m.pos.col}: \"{m.example}\" {got}; '{iid}': {own}")
    if report.shared:
        out.append("examples under two intents:")
        for sh in report.shared:
            names = " and ".join(f"'{i}'" for i in sh.intents)
            also = f"line {sh.first_pos.line}"
            if sh.first != sh.example:
                also += f', written "{sh.first}"'
            out.append(
                f'  {path}:{sh.pos.line}:{sh.pos.col}: "{sh.example}" is under {names} ({also})'
            )
    others = [a for a in report.accuracy if a.intent not in {i for i, _ in report.intents}]
    if others:
        right = sum(a.right for a in others)
        held = sum(a.held_out for a in others)
        out.append(
            f"{len(others)} library intents: {right}/{held} held-out examples heard"
            + (f" ({right / held:.0%})" if held else "")
        )
    if report.collisions:
        out.append("collisions (held-out examples heard as another intent):")
        out.extend(
            f"  {c.intent} -> {c.heard_as}: {c.count}" for c in report.collisions[:COLLISIONS]
        )
    if report.weak:
        out.append("weak intents:")
        out.extend(f"  {w.intent}: {w.reason}" for w in report.weak)
    n_other = sum(1 for m in report.misheard if m.heard)
    n_none = len(report.misheard) - n_other
    out.append(
        f"{len(report.intents)} intents, {report.examples} examples: {n_other} heard as another "
        f"intent, {n_none} heard as nothing, {len(report.shared)} under two intents"
    )
    return "\n".join(out) + "\n"


# -- unmatched lines from recorded sessions ---------------------------------------------------
@dataclass
class Unmatched:
    sessions: int = 0
    lines: list[tuple[int, str]] = field(default_factory=list)  # (count, text), most first
    now_matched: int = 0  # distinct lines that matched nothing then but match an intent now


def unmatched_lines(said: Iterable[SaidLine], matcher: IntentMatcher, sessions: int) -> Unmatched:
    """Group the trainee lines (text, intents heard when recorded) that matched nothing, by
    normalised text; lines the current matcher now hears are counted, not listed."""
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for text, intents in said:
        key = normalise(text)
        if intents or not key:
            continue
        counts[key] += 1
        forms.setdefault(key, Counter())[" ".join(text.split())] += 1
    out = Unmatched(sessions)
    for key, n in counts.items():
        shown = min(forms[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if matcher.match(shown).intents:
            out.now_matched += 1
        else:
            out.lines.append((n, shown))
    out.lines.sort(key=lambda x: (-x[0], x[1]))
    return out


def format_unmatched(u: Unmatched, scenario_id: str) -> str:
    if not u.sessions:
        return f"no recorded sessions of {scenario_id}\n"
    plural = "s" * (u.sessions != 1)
    out = [f"trainee lines that matched nothing in {u.sessions} session{plural} of {scenario_id}:"]
    width = len(str(u.lines[0][0])) if u.lines else 1
    out.extend(f"  {n:>{width}}  {text}" for n, text in u.lines)
    total = sum(n for n, _ in u.lines)
    summary = f"{len(u.lines)} distinct lines ({total} times)"
    if u.now_matched:
        summary += f"; {u.now_matched} more now match an intent"
    out.append(summary)
    return "\n".join(out) + "\n"


def recorded_said(store: SessionStore, scenario_id: str) -> tuple[int, list[SaidLine]]:
    """(number of sessions, every trainee line in them as (text, intents heard)), oldest
    session first."""
    sessions = list(reversed(store.list_sessions(scenario_id=scenario_id)))
    said: list[SaidLine] = []
    for info in sessions:
        for e in store.events(info.id):
            if e.kind == TRAINEE_SAID and isinstance(e.data.get("text"), str):
                intents = e.data.get("intents") or ()
                said.append((e.data["text"], tuple(str(i) for i in intents)))
    return len(sessions), said
