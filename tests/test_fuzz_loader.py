"""Property-based tests: mutated scenario files (deleted keys, wrong types, broken references,
truncated YAML, random bytes, stray tags), random transcripts and random conditions only ever
give the loader's own located errors, never another exception.

Runs are derandomized so CI is deterministic. A shipped scenario takes ~0.2 s to load, so the
shipped ones share 40 examples a test; the small base scenario gets the full 300.
"""

from __future__ import annotations

import copy
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from app.scenario import expr
from app.scenario.loader import load_scenario, load_scenario_text
from app.scenario.model import Scenario, Step
from app.scenario.problems import ScenarioError
from app.scenario.transcript import load_transcript
from tests.test_loader_errors import MINIMAL

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
CODE = re.compile(r"^[EW]\d{3}$")

FULL = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FULL, max_examples=40)  # the shipped scenarios, taken in turn: ~0.3 s an example

# keys whose value names something defined elsewhere in the file
REF_KEYS = {
    "start", "goto", "intent", "ref", "flag", "field", "mark", "emotion", "default_emotion",
    "after", "before", "at", "from", "to", "line", "log", "caller", "unflag", "expect_intent",
}  # fmt: skip
ODD_TEXT = [
    "", " ", "é", "日本語", "\u202e", "🙂", "-1", "0", "1e309", "nan", ".inf", "~", "null", "yes",
    "0x1F", "20s", "-5s", "99999999999m", "mark:", ":", "intent:", "line:nope", "a" * 300,
    "__import__('os')", "count.", "<<", "!foo", "*a", "&a", "{", "[", "#", "'", '"', "\\",
]  # fmt: skip
TAGS = [
    "!foo ", "!!python/object/apply:os.system ", "!!python/name:os.system ", "!!binary ",
    "!!set ", "!!omap ", "!!timestamp ", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ",
    "!!map ", "!!seq ", "!<tag:yaml.org,2002:str> ", "&x ", "*x ", "? ", "<<: ", "%YAML 1.1\n",
    "---\n", "...\n", "|\n", ">-\n",
]  # fmt: skip

_safe = YAML(typ="safe", pure=True)
_safe.default_flow_style = False
_safe.width = 4096


def _plain(text: str) -> Any:
    return _safe.load(text)


def _dump(data: Any) -> str:
    buf = io.StringIO()
    _safe.dump(data, buf)
    return buf.getvalue()


SOURCES: dict[str, str] = {"minimal": MINIMAL, **{p.stem: p.read_text("utf-8") for p in SHIPPED}}
PLAIN: dict[str, Any] = {name: _plain(text) for name, text in SOURCES.items()}
SHIPPED_NAMES = [p.stem for p in SHIPPED]


def test_the_built_in_scenario_is_among_those_fuzzed() -> None:
    assert "misconduct-disclosure" in SHIPPED_NAMES


def assert_only_own_errors(load: Callable[[], object], expect: type = Scenario) -> None:
    """`load()` returns an `expect` or raises a ScenarioError of located problems, and warns
    nothing (a Python warning would be a second, unlocated line on the command's stderr)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nor may it print Python warnings
            result = load()
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError with no problems"
        assert exc.errors, "a ScenarioError with only warnings"
        for p in exc.problems:
            assert p.line >= 1 and p.col >= 1, str(p)
            assert CODE.match(p.code), str(p)
            assert p.message.strip(), str(p)
            assert "\n" not in str(p), f"a problem must print on one line: {str(p)!r}"
        return
    assert isinstance(result, expect)


# -- structural mutations -----------------------------------------------------------------
def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if not isinstance(node, dict | list):
        return []
    out: list[tuple[Any, ...]] = []
    for k, v in node.items() if isinstance(node, dict) else enumerate(node):
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        root = root[k]
    return root


def _is_ref(path: tuple[Any, ...]) -> bool:
    keys = [k for k in path if isinstance(k, str)]
    return bool(keys) and keys[-1] in REF_KEYS


scalars = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([10**400, -(10**400), 2**63, 0, -1, 1.5, 1e308, -0.0]),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    st.sampled_from(ODD_TEXT),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(ODD_TEXT)), scalars, max_size=3),
    st.just("x" * 5000),
)


def _mutate(data: st.DataObject, root: Any) -> Any:
    paths = _paths(root)
    if not paths:
        return data.draw(values)
    kind = data.draw(st.sampled_from(["delete", "replace", "rename", "duplicate"]), label="kind")
    if kind == "rename":
        refs = [p for p in paths if _is_ref(p) and isinstance(_get(root, p), str)]
        if refs:
            path = data.draw(st.sampled_from(refs), label="ref")
            old = _get(root, path)
            new = data.draw(
                st.one_of(
                    st.text(max_size=20),
                    st.sampled_from(ODD_TEXT),
                    st.just(old[:-1]),
                    st.just(old + "x"),
                    st.just(old.upper()),
                )
            )
            _get(root, path[:-1])[path[-1]] = new
            return root
        kind = "replace"
    if kind == "duplicate":
        lists = [p for p in paths if isinstance(_get(root, p), list) and _get(root, p)]
        if lists:
            path = data.draw(st.sampled_from(lists), label="list")
            items = _get(root, path)
            i = data.draw(st.integers(0, len(items) - 1))
            items.insert(data.draw(st.integers(0, len(items))), copy.deepcopy(items[i]))
            return root
        kind = "delete"
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _get(root, path[:-1])
    if kind == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(values, label="value")
    return root


def _structural(source: str) -> Callable[[st.DataObject], None]:
    def run(data: st.DataObject) -> None:
        root = copy.deepcopy(PLAIN[source])
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            root = _mutate(data, root)
        text = _dump(root)
        assert_only_own_errors(lambda: load_scenario_text(text, "fuzz.yaml"))

    return run


@FULL
@given(st.data())
def test_structural_mutations_of_the_minimal_scenario(data: st.DataObject) -> None:
    _structural("minimal")(data)


@FEW
@given(st.data())
def test_structural_mutations_of_shipped_scenarios(data: st.DataObject) -> None:
    _structural(data.draw(st.sampled_from(SHIPPED_NAMES), label="scenario"))(data)


# -- text and byte mutations --------------------------------------------------------------
def _text_mutation(data: st.DataObject, raw: bytes) -> bytes:
    kind = data.draw(st.sampled_from(["truncate", "splice", "tag"]), label="kind")
    rnd = data.draw(st.randoms(use_true_random=False), label="rnd")  # uniform over the file
    at = rnd.randint(0, len(raw))
    if kind == "truncate":
        return raw[:at]
    if kind == "splice":
        cut = data.draw(st.integers(0, 8), label="cut")
        return raw[:at] + data.draw(st.binary(max_size=12), label="bytes") + raw[at + cut :]
    # a tag (or anchor, alias, directive...) after a random "key: " or "- "
    spots = [m.end() for m in re.finditer(rb": |- ", raw)] or [0]
    spot = rnd.choice(spots)
    tag = data.draw(st.sampled_from(TAGS), label="tag").encode()
    return raw[:spot] + tag + raw[spot:]


def _bytes_run(source: str, folder: Path) -> Callable[[st.DataObject], None]:
    def run(data: st.DataObject) -> None:
        raw = SOURCES[source].encode("utf-8")
        for _ in range(data.draw(st.integers(1, 2), label="mutations")):
            raw = _text_mutation(data, raw)
        path = folder / "fuzz.yaml"
        path.write_bytes(raw)
        assert_only_own_errors(lambda: load_scenario(path))

    return run


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_text_mutations_of_the_minimal_scenario(fuzz_dir: Path) -> None:
    given(st.data())(FULL(_bytes_run("minimal", fuzz_dir)))()


@FEW
@given(data=st.data())
def test_text_mutations_of_shipped_scenarios(data: st.DataObject, fuzz_dir: Path) -> None:
    _bytes_run(data.draw(st.sampled_from(SHIPPED_NAMES), label="scenario"), fuzz_dir)(data)


@FULL
@given(st.text(max_size=300))
def test_random_text_is_never_more_than_a_located_error(text: str) -> None:
    assert_only_own_errors(lambda: load_scenario_text(text, "fuzz.yaml"))


# -- transcripts --------------------------------------------------------------------------
STEP_KEYS = ["say", "wait", "flag", "unflag", "log", "end_call", "caller", "expect_intent"]
steps = st.one_of(
    st.dictionaries(st.sampled_from(STEP_KEYS), values, min_size=1, max_size=3),
    st.fixed_dictionaries({"say": st.text(max_size=40)}),
    st.fixed_dictionaries({"wait": st.one_of(st.sampled_from(ODD_TEXT), st.floats())}),
    st.fixed_dictionaries({"log": values}),
    values,
)
transcripts = st.one_of(
    st.lists(steps, max_size=6),
    st.fixed_dictionaries({"steps": st.lists(steps, max_size=4)}),
    st.dictionaries(st.sampled_from(["steps", "name", "expect", "other"]), values, max_size=3),
    values,
)


def _transcript_ok(load: Callable[[], tuple[Step, ...]]) -> None:
    def checked() -> tuple[Step, ...]:
        result = load()
        assert all(isinstance(s, Step) for s in result)
        return result

    assert_only_own_errors(checked, expect=tuple)


@FULL
@given(transcript=transcripts)
def test_random_transcripts(transcript: Any, fuzz_dir: Path) -> None:
    path = fuzz_dir / "transcript.yaml"
    path.write_text(_dump(transcript), "utf-8")
    _transcript_ok(lambda: load_transcript(path))


@FULL
@given(raw=st.binary(max_size=200))
def test_random_transcript_bytes(raw: bytes, fuzz_dir: Path) -> None:
    path = fuzz_dir / "transcript.yaml"
    path.write_bytes(raw)
    _transcript_ok(lambda: load_transcript(path))


# -- conditions ---------------------------------------------------------------------------
TOKENS = [
    "told", "count.bye", "asked.x", "flags.risk", "log.notes", "marked.m", "elapsed", "state",
    "and", "or", "not", "==", "!=", "<", "<=", ">", ">=", "(", ")", "1", "-2.5", '"s"', "true",
    "false", "None", ".", "+", "*", "[", "]", "{", "}", ":", ",", "lambda", "__import__",
    "import", "os", "'", "if", "else", "for", "in", "is", "yield", "await", "@", "~", "**",
]  # fmt: skip
conditions = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda op, n, end: op * n + end,
        st.sampled_from(["~", "-", "+", "not ", "(", "[", "-(", "not not "]),
        st.integers(0, 260),
        st.sampled_from(TOKENS),
    ),
    st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
)
lookups = st.one_of(st.booleans(), st.integers(-5, 5), st.floats(), st.text(max_size=3))


@FULL
@given(source=conditions, value=lookups)
def test_conditions_parse_or_raise_expr_error(source: str, value: expr.Value) -> None:
    try:
        tree = expr.parse(source)
    except expr.ExprError as exc:
        assert exc.message and isinstance(exc.offset, int) and exc.offset >= 0
        return
    # a condition that parses evaluates to a plain value whatever the names hold
    result = expr.evaluate(tree, lambda name: value)
    assert isinstance(result, bool | int | float | str)
