"""Benchmark of the intent matcher on the labelled lines of the built-in scenario.

`run()` returns the figures for `make bench`; it prints nothing. The labelled lines are in
`benchmarks/data/misconduct-disclosure-utterances.yaml` and are kept disjoint from the
scenario's intent examples, so the figures measure phrasings the matcher has not seen.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from app.matching import Matcher
from app.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "misconduct-disclosure.yaml"
LABELLED = ROOT / "benchmarks" / "data" / "misconduct-disclosure-utterances.yaml"
TIMING_PASSES = 5


@dataclass(frozen=True)
class Labelled:
    text: str
    intents: frozenset[str]


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [Labelled(str(d["text"]), frozenset(d["intents"] or ())) for d in data]


def build_matcher(path: Path = SCENARIO) -> Matcher:
    return Matcher(load_scenario(path).intents.values())


def evaluate(matcher: Matcher, labelled: list[Labelled]) -> dict[str, float]:
    """Accuracy figures: exact-set accuracy, macro F1 over the labelled intents, off-topic rate."""
    exact = 0
    offtopic = offtopic_wrong = 0
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    for item in labelled:
        got = frozenset(matcher.match(item.text).intents)
        exact += got == item.intents
        if not item.intents:
            offtopic += 1
            offtopic_wrong += bool(got)
        for i in sorted(got & item.intents):
            tp[i] = tp.get(i, 0) + 1
        for i in sorted(got - item.intents):
            fp[i] = fp.get(i, 0) + 1
        for i in sorted(item.intents - got):
            fn[i] = fn.get(i, 0) + 1
    f1s = []
    for i in sorted({x for item in labelled for x in item.intents}):
        t, p, n = tp.get(i, 0), fp.get(i, 0), fn.get(i, 0)
        f1s.append(2 * t / (2 * t + p + n) if t else 0.0)
    return {
        "exact_set_accuracy": exact / len(labelled),
        "macro_f1": statistics.fmean(f1s) if f1s else 0.0,
        "offtopic_false_match_rate": offtopic_wrong / offtopic if offtopic else 0.0,
    }


def time_matches(matcher: Matcher, texts: list[str]) -> list[float]:
    """Milliseconds per `match` call, over several passes of all texts."""
    out = []
    for _ in range(TIMING_PASSES):
        for text in texts:
            start = time.perf_counter()
            matcher.match(text)
            out.append((time.perf_counter() - start) * 1000.0)
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def run() -> dict[str, float]:
    matcher = build_matcher()
    labelled = load_labelled()
    figures = evaluate(matcher, labelled)
    ms = time_matches(matcher, [item.text for item in labelled])
    return {
        "matcher_p50_ms": round(_percentile(ms, 0.50), 3),
        "matcher_p95_ms": round(_percentile(ms, 0.95), 3),
        "exact_set_accuracy": round(figures["exact_set_accuracy"], 3),
        "macro_f1": round(figures["macro_f1"], 3),
        "offtopic_false_match_rate": round(figures["offtopic_false_match_rate"], 3),
        "n_utterances": len(labelled),
    }
