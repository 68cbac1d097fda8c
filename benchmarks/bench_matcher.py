"""Benchmark of the intent matcher on the built-in scenario with the standard library.

`run()` returns the figures for `make bench`; it prints nothing. Two labelled files, written
independently of the intents' examples (docs/matching.md):

- `benchmarks/data/utterances-tune.yaml`: the lines the method and its bars were chosen on;
- `benchmarks/data/utterances-dev.yaml`: a second set by a third author (who saw neither the
  examples nor the other sets), used beside the tune set to choose methods since 2026-12-02;
- `benchmarks/data/utterances-heldout2.yaml`: a held-out set by a fourth author, who saw
  none of the examples or the other sets; first reported 2026-12-02, never tuned on;
- `benchmarks/data/utterances-heldout3.yaml`: a held-out set by a fifth author, written
  2026-12-02 under the same rules, never tuned on.

The first held-out set (a second author's 491 lines), reported four times, was moved into the
training data on 2026-12-02 (library examples, generic negatives; docs/matching.md section 5e).

The intents are the library's plus the built-in scenario's own (`OWN_INTENTS`), merged as a
scenario merges them (`library.merge_intents`). A scenario example that is also a labelled
line is left out, so the figures measure phrasings the matcher has not seen. The "sparse"
copy keeps 10 examples per intent (evenly spread through each list).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from ruamel.yaml import YAML

from app.matching import Matcher, normalise
from app.scenario.library import generic_negatives, load_library, merge_intents
from app.scenario.loader import load_scenario
from app.scenario.model import Intent
from app.services.catalog import scenario_people

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "misconduct-disclosure.yaml"
DATA = ROOT / "benchmarks" / "data"
TUNE = DATA / "utterances-tune.yaml"
DEV = DATA / "utterances-dev.yaml"
HELDOUT2 = DATA / "utterances-heldout2.yaml"
HELDOUT3 = DATA / "utterances-heldout3.yaml"
HELDOUT = (HELDOUT2, HELDOUT3)  # the held-out sets, reported only
OWN_INTENTS = (
    "mention_linked_report", "confirm_officer", "ask_officer_identity", "ask_allegation_details",
    "acknowledge_seriousness", "reassure_investigation", "dismiss_allegation",
    "ask_caller_details", "ask_friend_contact", "ask_other_victims",
)  # fmt: skip
# The scenario's own intents each file's author was given to label with (beside the whole
# library): the tune, dev and held-out 2 authors wrote before the scenario had its last three.
# An intent its author did not know is left out of what the matcher heard before comparing.
FIRST_SEVEN = OWN_INTENTS[:7]
LABELLED_WITH = {"tune": FIRST_SEVEN, "dev": FIRST_SEVEN, "heldout2": FIRST_SEVEN}
SPARSE_EXAMPLES = 10
TIMING_PASSES = 3
KINDS = ("plain", "indirect", "typo", "textspeak", "multi", "near_miss", "filler", "scenario")


@dataclass(frozen=True)
class Labelled:
    text: str
    intents: frozenset[str]
    kind: str


class Table(dict[str, Any]):
    """A dict (so results.json has it all) that prints as one short cell in the table."""

    def __str__(self) -> str:
        return f"({len(self)} in results.json)"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def load_labelled(path: Path = TUNE) -> list[Labelled]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [Labelled(str(d["text"]), frozenset(d["intents"] or ()), str(d["kind"])) for d in data]


@cache
def labelled_texts() -> frozenset[str]:
    """Every labelled line, normalised (tune, dev and the held-out sets); read once."""
    return frozenset(normalise(x.text) for p in (TUNE, DEV, *HELDOUT) for x in load_labelled(p))


def unseen(lines: Iterable[str]) -> tuple[str, ...]:
    """`lines` without any that is (normalised) a labelled line: short common lines ("any
    weapons?", "is anybody injured") are both shipped training lines and labelled lines
    written independently, and the benchmark measures phrasings the matcher has not seen."""
    seen = labelled_texts()
    return tuple(t for t in lines if normalise(t) not in seen)


def builtin_intents(sparse: bool = False) -> dict[str, Intent]:
    """The built-in scenario's intents: the library's and the scenario's own, merged, without
    any example or `not` line that is also a labelled line (`unseen`)."""
    library = load_library()
    scenario = load_scenario(SCENARIO)
    own = {iid: scenario.intents[iid] for iid in OWN_INTENTS}
    intents = {
        k: replace(i, examples=unseen(i.examples), not_examples=unseen(i.not_examples))
        for k, i in merge_intents(library, own).items()
    }
    if sparse:
        intents = {k: replace(i, examples=spread(i.examples)) for k, i in intents.items()}
    return intents


def spread(items: Sequence[str], n: int = SPARSE_EXAMPLES) -> tuple[str, ...]:
    """n items evenly spread through `items` (all of them if there are no more than n)."""
    if len(items) <= n:
        return tuple(items)
    return tuple(items[(k * len(items)) // n] for k in range(n))


def build_matcher(sparse: bool = False, **kwargs: Any) -> Matcher:
    """The built-in scenario's matcher as the product makes it (`catalog.build_matcher`: the
    caller's name, the call's people, its off-topic lines and the generic negatives), over
    `builtin_intents`, with no training line that is a labelled line (`unseen`)."""
    scenario = load_scenario(SCENARIO)
    kwargs.setdefault("names", (scenario.caller.name,))
    kwargs.setdefault("people", scenario_people(scenario))
    kwargs.setdefault("off_topic", unseen(scenario.off_topic))
    kwargs.setdefault("negatives", unseen(generic_negatives()))
    return Matcher(builtin_intents(sparse).values(), **kwargs)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate(
    matcher: Matcher, labelled: Iterable[Labelled], unknown: Iterable[str] = ()
) -> dict[str, Any]:
    """Exact-set accuracy, macro F1, near-miss false matches, per-intent precision and
    recall, per-kind accuracy, and how often `unsure` was the band and was right. `unknown`:
    intents the file's author did not label with, left out of what was heard."""
    items = list(labelled)
    left_out = frozenset(unknown)
    exact = 0
    near = near_wrong = 0
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    kinds: dict[str, list[int]] = {}
    unsure_lines = unsure_right = confident_found = confident_right = 0
    unsure_found = unsure_found_right = 0
    for item in items:
        r = matcher.match(item.text)
        got = frozenset(r.intents) - left_out
        ok = got == item.intents
        exact += ok
        kinds.setdefault(item.kind, []).append(ok)
        if item.kind == "near_miss" and not item.intents:
            near += 1
            near_wrong += bool(got)
        if any(b == "unsure" for i, b in r.bands.items() if i not in left_out):
            unsure_lines += 1
            unsure_right += ok
        for iid, band in r.bands.items():
            if iid in left_out:
                continue
            right = iid in item.intents
            if band == "unsure":
                unsure_found += 1
                unsure_found_right += right
            else:
                confident_found += 1
                confident_right += right
        for i in sorted(got & item.intents):
            tp[i] = tp.get(i, 0) + 1
        for i in sorted(got - item.intents):
            fp[i] = fp.get(i, 0) + 1
        for i in sorted(item.intents - got):
            fn[i] = fn.get(i, 0) + 1
    ids = sorted({x for item in items for x in item.intents})
    per_intent = Table()
    for i in ids:
        t, p, n = tp.get(i, 0), fp.get(i, 0), fn.get(i, 0)
        per_intent[i] = {
            "precision": round(t / (t + p), 3) if t + p else None,
            "recall": round(t / (t + n), 3) if t + n else None,
            "n": t + n,
        }
    n_items = max(1, len(items))
    return {
        "exact_set_accuracy": exact / n_items,
        "macro_f1": statistics.fmean(_f1(tp.get(i, 0), fp.get(i, 0), fn.get(i, 0)) for i in ids)
        if ids
        else 0.0,
        "near_miss_false_match_rate": near_wrong / near if near else 0.0,
        "unsure_share": unsure_lines / n_items,
        "unsure_line_right": unsure_right / unsure_lines if unsure_lines else None,
        "unsure_intent_right": unsure_found_right / unsure_found if unsure_found else None,
        "confident_intent_right": confident_right / confident_found if confident_found else None,
        "by_kind": Table({k: round(statistics.fmean(v), 3) for k, v in sorted(kinds.items())}),
        "per_intent": per_intent,
        "n": len(items),
    }


def time_matches(matcher: Matcher, texts: list[str], passes: int = TIMING_PASSES) -> list[float]:
    """Milliseconds per `match` call, over several passes of all texts."""
    out = []
    for _ in range(passes):
        for text in texts:
            start = time.perf_counter()
            matcher.match(text)
            out.append((time.perf_counter() - start) * 1000.0)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


_COLD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from tempfile import mkdtemp
from app.scenario.loader import load_scenario
from app.services.catalog import build_matcher
cache = Path(sys.argv[1]) if sys.argv[1] else None
parsed = cache / "parsed" if cache else None  # as the scenario catalog keeps parsed YAML
scenario = load_scenario(sys.argv[2], cache_dir=parsed)
m = build_matcher(scenario, cache_dir=cache or Path(mkdtemp()))  # as the product makes it
m.match("is anyone hurt")
print(time.perf_counter() - t0, m.from_cache)
"""


def cold_build(cache: Path | None) -> tuple[float, bool]:
    """Seconds from a fresh process's first import of the matcher to its first match: the
    scenario and library read, the matcher built (from `cache` when it has it)."""
    code = _COLD
    out = subprocess.run(
        [sys.executable, "-c", code, str(cache) if cache else "", str(SCENARIO)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    seconds, cached = out.stdout.split()
    return float(seconds), cached == "True"


def figures(matcher: Matcher, sets: Mapping[str, list[Labelled]], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, items in sets.items():
        unknown = set(OWN_INTENTS) - set(LABELLED_WITH.get(name, OWN_INTENTS))
        ev = evaluate(matcher, items, unknown)
        p = f"{prefix}{name}_"
        for key in ("exact_set_accuracy", "macro_f1", "near_miss_false_match_rate", "unsure_share"):
            out[p + key] = round(ev[key], 3)
        for key in ("unsure_intent_right", "confident_intent_right"):
            out[p + key] = None if ev[key] is None else round(ev[key], 3)
        out[p + "by_kind"] = ev["by_kind"]
        out[p + "per_intent"] = ev["per_intent"]
    return out


def run() -> dict[str, Any]:
    sets = {
        "tune": load_labelled(TUNE),
        "dev": load_labelled(DEV),
        "heldout2": load_labelled(HELDOUT2),
        "heldout3": load_labelled(HELDOUT3),
    }
    matcher = build_matcher()
    out: dict[str, Any] = figures(matcher, sets, "")
    ms = time_matches(matcher, [x.text for x in sets["heldout2"] + sets["heldout3"]])
    out["matcher_p50_ms"] = round(percentile(ms, 0.50), 3)
    out["matcher_p95_ms"] = round(percentile(ms, 0.95), 3)
    with TemporaryDirectory() as tmp:
        no_cache, _ = cold_build(None)
        cold_build(Path(tmp))  # fills the cache
        cached, hit = cold_build(Path(tmp))
    out["cold_build_no_cache_s"] = round(no_cache, 2)
    out["cold_build_s"] = round(cached, 2) if hit else None
    out.update(figures(build_matcher(sparse=True), sets, "sparse_"))
    out["n_tune"] = len(sets["tune"])
    out["n_dev"] = len(sets["dev"])
    out["n_heldout2"] = len(sets["heldout2"])
    out["n_heldout3"] = len(sets["heldout3"])
    return out
