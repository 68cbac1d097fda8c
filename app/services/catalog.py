"""The scenarios the product knows, in one place: the folder they live in, which one is built
in, the list with each file's load error, what a user typed (an id or a path) resolved to a
file, each file loaded once per content (sha256), and one matcher per scenario.

Plain Python (no Qt) and no module-level state: `callsim` builds one `ScenarioCatalog` and the
windows get it through their services object. Safe to use from workers (the app loads, warms
and finds scenarios off the UI thread).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

from app.config import cache_dir as default_cache_dir
from app.content import shipped_path

# The matcher (numpy and its tables) is imported when one is first built, and the model (some
# thirty dataclasses) and the loader with the first load: the start screen lists the index's
# previews without them (tests/ui/test_startup_laziness.py).
if TYPE_CHECKING:
    from app.matching import Matcher
    from app.scenario.model import Scenario
    from app.scenario.shown import Shown

SCENARIOS_ENV = "CALLSIM_SCENARIOS"
PRODUCT_FILE = shipped_path("resources") / "product.toml"
CACHE_SIZE = 32

Found: TypeAlias = "tuple[Path | None, Scenario | None, bool | None]"
"""(path, scenario, matches) for a played scenario: see `ScenarioCatalog.find`."""


def matcher_cache_dir() -> Path:
    """Where trained matchers are kept (`$CALLSIM_CACHE_DIR/matchers`, else the per-user
    cache): training the built-in scenario's matcher takes seconds, reading it back a tenth."""
    return default_cache_dir() / "matchers"


def parsed_cache_dir() -> Path:
    """Where parsed scenario files are kept (JSON trees keyed by the text's sha256)."""
    return default_cache_dir() / "parsed"


def _index_file() -> Path:
    return default_cache_dir() / "catalog-index.json"


def _read_index() -> dict[str, Preview]:
    """sha256 -> preview, from the index (empty when missing or damaged: it is a cache)."""
    import json

    try:
        raw = json.loads(_index_file().read_text(encoding="utf-8"))
        out: dict[str, Preview] = {}
        for sha, d in raw.get("previews", {}).items():
            d["assessment"] = tuple(d.get("assessment") or (None, None, None))
            out[sha] = Preview(**d)
        return out
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _read_built_in(product_sha: str) -> str | None:
    """The built-in scenario's id as the index last read it from a product file with this
    content (None when unknown): the start screen selects it without importing tomllib."""
    import json

    try:
        found = json.loads(_index_file().read_text(encoding="utf-8")).get("built_in", {})
        value = found.get(product_sha) if isinstance(found, dict) else None
        return value if isinstance(value, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def _write_index(
    previews: Mapping[str, Preview] | None = None, built_in: tuple[str, str] | None = None
) -> None:
    """Update the index: the previews (replacing them) and/or the (product sha, id) read."""
    import dataclasses
    import json
    import tempfile

    target = _index_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            old = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        old = old if isinstance(old, dict) else {}
        shown = (
            {k: dataclasses.asdict(v) for k, v in previews.items()}
            if previews is not None
            else old.get("previews", {})
        )
        known = old.get("built_in") if isinstance(old.get("built_in"), dict) else {}
        if built_in is not None:
            known = {built_in[0]: built_in[1]}  # only the product file as it is now
        data = {"format": 1, "previews": shown, "built_in": known}
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, target)
    except OSError:
        pass  # a cache: the next start parses again


def build_matcher(scenario: Scenario, cache_dir: Path | None = None) -> Matcher:
    """The intent matcher for `scenario` (its intents, the library's included, its near misses
    and the library's generic negatives). The one place a matcher is made; a trained matcher
    is kept in `cache_dir` (default `matcher_cache_dir()`), keyed by everything it learnt
    from, so a changed scenario or library is trained afresh."""
    from app.matching import Matcher

    return Matcher(
        scenario.intents.values(),
        off_topic=scenario.off_topic,
        names=(scenario.caller.name,),
        people=scenario_people(scenario),
        negatives=scenario.negatives or None,  # None: the shipped generic negatives
        cache_dir=cache_dir if cache_dir is not None else matcher_cache_dir(),
    )


def scenario_people(scenario: Scenario) -> tuple[str, ...]:
    """The given names of the people in a scenario's call: the caller's and any her lines name
    (what the trainee can hear), so that a line addressed to one of them is heard as said to
    the caller's call, not to a colleague (app/matching/addressee.py)."""
    from app.matching.addressee import people_in

    texts = [
        scenario.caller.name,
        *(t for ln in scenario.lines.values() for t in (ln.text, ln.shown)),
    ]
    return tuple(sorted(people_in(texts)))


class CatalogError(LookupError):
    """No such scenario, or no scenarios at all; the message is worded for the user."""


@dataclass(frozen=True)
class Preview:
    """What the start screen shows of a scenario before it is loaded: kept in an index keyed
    by the file's sha256, so the list appears without parsing or checking any file."""

    id: str
    title: str
    summary: str | None
    content_note: str | None
    expected_minutes: float | None
    caller_name: str
    assessment: tuple[str | None, str | None, str | None] = (None, None, None)

    @classmethod
    def of(cls, s: Scenario) -> Preview:
        a = s.assessment
        neutral = (a.title, a.summary, a.content_note) if a is not None else (None, None, None)
        return cls(
            s.id, s.title, s.summary, s.content_note, s.expected_minutes, s.caller.name, neutral
        )

    def shown(self, mode: str) -> Shown:
        """As `Scenario.shown`: the neutral texts in assessment mode, each falling back."""
        from app.scenario.shown import Shown

        if mode != "assessment":
            return Shown(self.title, self.summary, self.content_note)
        title, summary, note = self.assessment
        return Shown(
            title or self.title,
            summary if summary is not None else self.summary,
            note if note is not None else self.content_note,
        )


@dataclass(frozen=True)
class CatalogEntry:
    """One file of the folder, as the start screen lists it: loaded (`scenario`), unusable
    (`error`), or, while the app starts, only previewed from the index (`preview`)."""

    path: Path
    scenario: Scenario | None = None
    error: str | None = None  # the first problem, located, when the file is unusable
    preview: Preview | None = None

    @property
    def available(self) -> bool:
        """Loaded and usable: a call can start."""
        return self.scenario is not None

    @property
    def listed(self) -> Preview | None:
        """What the list shows: the loaded scenario's preview, else the index's."""
        return Preview.of(self.scenario) if self.scenario is not None else self.preview

    @property
    def key(self) -> str:
        """What the app remembers as the last choice: the scenario id, else the file stem."""
        listed = self.listed
        return listed.id if listed is not None else self.path.stem


K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A small least-recently-used map with a lock (workers share the catalog)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _sorted(entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """By title, unusable files last."""

    def key(e: CatalogEntry) -> tuple[bool, str]:
        listed = e.listed
        return (listed is None, listed.title if listed is not None else e.path.name)

    return sorted(entries, key=key)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ScenarioCatalog:
    def __init__(
        self,
        folder: Path,
        *,
        shipped: Path | None = None,
        product_file: Path | None = PRODUCT_FILE,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        """`folder`: the scenarios folder (where new scenarios go). `shipped`: the install's
        own scenarios when `folder` is an instructor's or a shared folder: they are listed
        too, and an id that both have means the shipped one (the built-in scenario can never
        be replaced by a file in someone's folder)."""
        self.folder = folder
        self.shipped = shipped if shipped is not None and shipped != folder else None
        self._product_file = product_file
        # (path as given, content sha256, lint checks run) -> the loaded scenario
        self._scenarios: _Lru[tuple[str, str, bool], Scenario] = _Lru(cache_size)
        self._matchers: _Lru[tuple[str, str], Matcher] = _Lru(cache_size)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ScenarioCatalog:
        """`scenarios_dir` of the configuration (machine file, user file or
        `$CALLSIM_SCENARIOS`), else the shipped scenarios (the install's copy, or the
        checkout's `scenarios/`)."""
        from app.config import load_config

        folder = load_config(environ=environ).path("scenarios_dir")
        shipped = shipped_path("scenarios")
        return cls(shipped) if folder is None else cls(folder, shipped=shipped)

    # -- the folder ---------------------------------------------------------------------------
    def paths(self) -> list[Path]:
        """Every scenario file: the shipped ones (if separate), then the folder's, by name."""
        own = sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []
        if self.shipped is None:
            return own
        return sorted(self.shipped.glob("*.yaml")) + own

    def ids(self) -> list[str]:
        """The id each file is named for (its stem), each once."""
        return list(dict.fromkeys(p.stem for p in self.paths()))

    def built_in(self) -> str | None:
        """The scenario the app starts on, named in resources/product.toml (data, not code);
        without that file, the first in the folder; None when the folder has none."""
        if self._product_file is not None:
            try:
                raw = self._product_file.read_bytes()
            except OSError:
                raw = None
            if raw is not None:
                sha = hashlib.sha256(raw).hexdigest()
                known = _read_built_in(sha)
                if known is not None:
                    return known
                import tomllib  # the index had not seen this file: parse it (and remember)

                try:
                    found = str(tomllib.loads(raw.decode("utf-8"))["built_in_scenario"])
                except (UnicodeDecodeError, KeyError, tomllib.TOMLDecodeError):
                    found = None
                if found is not None:
                    _write_index(built_in=(sha, found))
                    return found
        ids = self.ids()
        return ids[0] if ids else None

    def resolve(self, ref: str) -> Path:
        """A scenario file path as given, or the file of a scenario id in the folder."""
        p = Path(ref)
        if p.suffix in (".yaml", ".yml") or p.exists() or os.sep in ref or "/" in ref:
            return p
        for where in (self.shipped, self.folder):  # a shipped id means the shipped file
            if where is not None and (where / f"{ref}.yaml").exists():
                return where / f"{ref}.yaml"
        from app.scenario.problems import did_you_mean

        ids = self.ids()
        raise CatalogError(
            f"{ref}: unknown scenario id{did_you_mean(ref, ids)} (shipped: {', '.join(ids)})"
        )

    # -- loading ------------------------------------------------------------------------------
    def load(self, path: Path, *, check: bool = True) -> Scenario:
        """The scenario in `path`, loaded once per file content (raises `ScenarioError`).

        `check=False` skips the lint checks: tools that also help with a file that has
        warnings, and replays, which need the scenario as it is."""
        sha = _sha256(path)
        if sha is not None:
            hit = self._scenarios.get((str(path), sha, check))
            if hit is not None:
                return hit
        # Looked up when called, not imported once: tests count the loads by replacing it.
        from app.scenario import loader

        scenario = loader.load_scenario(path, check=check, cache_dir=parsed_cache_dir())
        self._scenarios.put((str(path), scenario.sha256, check), scenario)
        return scenario

    def entries(self) -> list[CatalogEntry]:
        """Every file in the folder, loaded and checked, sorted by title (unusable files last,
        each with its first error). One bad file never hides the others."""
        from app.scenario.problems import ScenarioError

        entries: list[CatalogEntry] = []
        for path in self.paths():
            try:
                entries.append(CatalogEntry(path, scenario=self.load(path)))
            except ScenarioError as exc:
                problems = exc.errors or exc.problems
                error = str(problems[0]) if problems else str(exc)
                entries.append(CatalogEntry(path, error=error))
            except Exception as exc:  # a loader bug on one odd file must not empty the list
                entries.append(CatalogEntry(path, error=f"{path}: {type(exc).__name__}: {exc}"))
        index = _read_index()
        fresh = {e.scenario.sha256: Preview.of(e.scenario) for e in entries if e.scenario}
        if any(index.get(sha) != preview for sha, preview in fresh.items()):
            _write_index({**index, **fresh})
        return _sorted(entries)

    def previews(self) -> list[CatalogEntry] | None:
        """The list as the index last saw it, without loading any file: every file's preview,
        or None when any file is new or changed (then load with `entries`)."""
        index = _read_index()
        out: list[CatalogEntry] = []
        for path in self.paths():
            preview = index.get(_sha256(path) or "")
            if preview is None:
                return None
            out.append(CatalogEntry(path, preview=preview))
        return _sorted(out)

    def _load_as_is(self, path: Path) -> Scenario | None:
        from app.scenario.problems import ScenarioError

        try:
            return self.load(path, check=False)
        except ScenarioError:
            return None

    def warm(self) -> int:
        """Load every file ahead of the first replay (e.g. in a worker when the assessor area
        opens), so opening one costs only the replay; returns how many loaded."""
        return sum(self._load_as_is(p) is not None for p in self.paths())

    def find(self, scenario_id: str, sha256: str) -> Found:
        """(path, scenario, matches) for the played scenario `scenario_id`: the file with the
        played content if there is one, else the one with that id (matches False), else
        (None, None, None). A file with that id that no longer loads gives (path, None, False).
        Loaded without the lint checks."""
        paths = self.paths()
        hashes = {p: _sha256(p) for p in paths}
        for p in paths:
            if hashes[p] == sha256:
                loaded = self._load_as_is(p)
                if loaded is not None and loaded.id == scenario_id:
                    return p, loaded, True
        # The played content is gone: the file that now has this id. Try the likely name first.
        paths.sort(key=lambda p: p.stem != scenario_id)
        broken: Path | None = None
        for p in paths:
            sha = hashes[p]
            if sha is None or sha == sha256:
                continue
            loaded = self._load_as_is(p)
            if loaded is not None and loaded.id == scenario_id:
                return p, loaded, False
            if loaded is None and p.stem == scenario_id:
                broken = p
        if broken is not None:
            return broken, None, False
        return None, None, None

    # -- matching -----------------------------------------------------------------------------
    def matcher(self, scenario: Scenario) -> Matcher:
        """The scenario's matcher, built once per scenario content (building takes a while:
        call it from a worker). A scenario made from text (no sha256) is not kept."""
        key = (scenario.id, scenario.sha256)
        hit = self._matchers.get(key) if scenario.sha256 else None
        if hit is not None:
            return hit
        matcher = build_matcher(scenario)
        if scenario.sha256:
            self._matchers.put(key, matcher)
        return matcher

    def clear(self) -> None:
        """Forget every loaded scenario and matcher (the next use loads again)."""
        self._scenarios.clear()
        self._matchers.clear()
