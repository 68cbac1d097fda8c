"""Load a scenario file into the typed model, in layers: YAML syntax, shape (keys and types),
then references and expressions (`references.py`), then the lint checks (`checks.py`).

`load_scenario` raises `ScenarioError` listing every error with its position; warnings are
returned by `lint_file` and kept on the error for reporting. Nothing is ever evaluated.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from app.scenario import expr
from app.scenario.call_info import read_call_info
from app.scenario.grammar import (
    ASSESSMENT,
    CALLER,
    COMPUTED,
    EMOTION,
    EVENT,
    HANDLER,
    LIBRARY_USE,
    LINE,
    LINE_REF,
    SCENARIO,
    SEQUENCE,
    STANDARD_LOG_USE,
    STATE,
    TRIGGER_KEYS,
    VARIABLE,
    VOICE,
    find_trigger,
)
from app.scenario.grammar_kinds import (
    FORMAT,
    GENDER,
    LEVEL,
    MINUTES,
    NTH,
    PERCENT,
    RATE,
    REPLIES,
    SILENCE_COUNTS,
    VARIABLE_TYPE,
    WHOLE,
    Number,
    or_list,
)
from app.scenario.grammar_rubric import DEBRIEF, RUBRIC
from app.scenario.intent_reader import named, read_intents
from app.scenario.library import (
    SHIPPED_ID,
    IntentLibrary,
    known_libraries,
    merge_intents,
    shipped_library,
)
from app.scenario.model import (
    Answer,
    Assessment,
    Caller,
    Computed,
    Criterion,
    Debrief,
    Emotion,
    Handler,
    Intent,
    Line,
    Pos,
    Replies,
    Rubric,
    Say,
    Scenario,
    SetValue,
    State,
    Variable,
    Voice,
)
from app.scenario.problems import Problem, ScenarioError, did_you_mean
from app.scenario.reader import LINE_ID, MAX_NUMBER, SCENARIO_ID, Reader
from app.scenario.rubric_reader import read_criterion, read_metrics
from app.scenario.standard_log import (
    SHIPPED_LOG,
    StandardLog,
    known_standard_logs,
    narrowed,
    read_flags,
    read_log_fields,
    shipped_standard_log,
)
from app.scenario.steps import read_playtest
from app.scenario.yamlsrc import YNode, load_yaml

MAX_FILE_BYTES = 2_000_000
# what a trigger that needs a key says when it is missing (by default: "event X needs 'key'")
_NEEDS = {"after": "a silence handler needs 'after' (e.g. after: 15s)"}


def read_source(path: str | Path) -> tuple[str, bytes]:
    """The file's text and bytes, or a located ScenarioError (missing, too big, not UTF-8)."""
    p = Path(path)
    name = str(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(name, 1, 1, "error", "E001", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(name, 1, 1, "error", "E001", "is a directory")]) from None
    except OSError as exc:
        msg = f"cannot read: {exc.strerror}"
        raise ScenarioError([Problem(name, 1, 1, "error", "E001", msg)]) from None
    if len(data) > MAX_FILE_BYTES:
        msg = f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB"
        raise ScenarioError([Problem(name, 1, 1, "error", "E001", msg)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            [Problem(name, line, col, "error", "E002", "the file is not valid UTF-8 text")]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ScenarioError(
            [Problem(name, line, 1, "error", "E002", "the file contains NUL bytes")]
        )
    return text, data


def load_scenario(
    path: str | Path, *, check: bool = True, cache_dir: Path | None = None
) -> Scenario:
    """Load and validate a scenario file. Raises ScenarioError if it has any error.
    `cache_dir`: where the parsed YAML may be kept between runs (`load_yaml`)."""
    scenario, problems = _load(path, check=check, cache_dir=cache_dir)
    if scenario is None or any(p.is_error for p in problems):
        raise ScenarioError(problems)
    return scenario


def lint_file(path: str | Path) -> list[Problem]:
    """Every problem in the file (errors and warnings), sorted by position."""
    try:
        _, problems = _load(path, check=True)
    except ScenarioError as exc:
        problems = exc.problems
    return sorted(problems, key=lambda p: (p.line, p.col, p.code))


def load_scenario_text(text: str, path: str = "<memory>") -> Scenario:
    """Load from text (tests, the studio's unsaved buffer)."""
    scenario, problems = _build(text, text.encode(), path, check=True)
    if scenario is None or any(p.is_error for p in problems):
        raise ScenarioError(problems)
    return scenario


def _load(
    path: str | Path, *, check: bool, cache_dir: Path | None = None
) -> tuple[Scenario | None, list[Problem]]:
    text, data = read_source(path)
    return _build(
        text, data, str(path), check=check, file_stem=Path(path).stem, cache_dir=cache_dir
    )


def _build(
    text: str,
    data: bytes,
    path: str,
    *,
    check: bool,
    file_stem: str | None = None,
    cache_dir: Path | None = None,
) -> tuple[Scenario | None, list[Problem]]:
    root = load_yaml(text, path, cache_dir)
    builder = _Builder(path, cache_dir)
    scenario = builder.build(root)
    if scenario is not None:
        scenario = replace(scenario, path=path, sha256=hashlib.sha256(data).hexdigest())
    r = builder.r
    if scenario is not None and not r.has_errors:
        from app.scenario.references import check_references

        check_references(scenario, r)
    if scenario is not None and not r.has_errors and check:
        from app.scenario.checks import run_checks

        run_checks(scenario, r, file_stem=file_stem)
    return scenario, r.problems


class _Builder:
    def __init__(self, path: str, cache_dir: Path | None = None) -> None:
        self.r = Reader(path)
        self.cache_dir = cache_dir  # for the parsed library too
        self.lines: dict[str, Line] = {}
        self.refs: dict[int, tuple[str, Pos]] = {}  # placeholder line object id -> (ref, pos)

    # -- top level -------------------------------------------------------------------------
    def build(self, root: YNode) -> Scenario | None:
        r = self.r
        top = r.section(root, "the scenario", SCENARIO)
        if top is None:
            return None
        fmt = r.text(top.get("format"), "format")
        if fmt is not None and fmt != FORMAT:
            r.error(top["format"].pos, "E013", f"format must be '{FORMAT}', not '{fmt}'")
        sid = r.ident(top.get("id"), "scenario id", SCENARIO_ID)
        title = r.text(top.get("title"), "title")
        start = r.ident(top.get("start"), "start")
        caller = self.caller(top.get("caller"))
        emotions = self.emotions(top.get("emotions"))
        variables = self.variables(top.get("variables"))
        standard = self.standard_log(top.get("standard_log"))
        flags = read_flags(r, top.get("flags"), standard.flags if standard else None)
        log_fields = read_log_fields(
            r, top.get("log_fields"), standard.log_fields if standard else None
        )
        own_intents = self.intents(top.get("intents"))
        library, intents = self.library(top.get("library"), own_intents)
        off_topic = tuple(" ".join(t.split()) for t in r.strings(top.get("off_topic"), "off_topic"))
        states = self.states(top.get("states"))
        global_handlers = self.handlers(top.get("global"), "global")
        answers = self.answers(top.get("answers"), "answers")
        replies = self.replies(top.get("replies"))
        clarify = self.clarify(top.get("caller"), library)  # after the states: lines in order
        criteria, metrics, pass_mark = self.rubric(top.get("rubric"))
        debrief = self.debrief(top.get("debrief"))
        assessment = self.assessment(top.get("assessment"))
        call_info = read_call_info(r, top.get("call_info"))
        playtests = tuple(
            pt
            for i, node in enumerate(r.seq(top.get("playtests"), "playtests"))
            if (pt := read_playtest(r, node, f"playtest {i + 1}")) is not None
        )
        expected = r.amount(top.get("expected_minutes"), "expected_minutes", MINUTES)
        # checked here, not in references.py, because only here do we know where they are
        states_node, emotions_node = top.get("states"), top.get("emotions")
        if start is not None and states_node is not None and states_node.is_map:
            self._known(top["start"], "start state", start, states_node.value)
        caller_node = top.get("caller")
        if caller is not None and caller.default_emotion and caller_node is not None:
            known = (
                emotions_node.value if emotions_node is not None and emotions_node.is_map else {}
            )
            node = caller_node.value["default_emotion"]
            self._known(node, "default_emotion", caller.default_emotion, known)
        if None in (sid, title, start, caller, pass_mark) or r.has_errors:
            return None
        assert sid and title and start and caller and pass_mark is not None
        states = {k: self.resolve_state(s) for k, s in states.items()}
        global_handlers = tuple(self.resolve_handler(h) for h in global_handlers)
        answers = {k: self.resolve_answer(a) for k, a in answers.items()}
        return Scenario(
            id=sid,
            title=title.strip(),
            start=start,
            caller=caller,
            intents=intents,
            states=states,
            rubric=Rubric(pass_mark, tuple(criteria), tuple(metrics)),
            global_handlers=global_handlers,
            summary=r.text(top.get("summary"), "summary"),
            expected_minutes=expected,
            content_note=r.text(top.get("content_note"), "content_note"),
            source=r.text(top.get("source"), "source"),
            emotions=emotions,
            variables=variables,
            flags=flags,
            log_fields=log_fields,
            debrief=debrief,
            playtests=playtests,
            lines=dict(self.lines),
            clarify=clarify,
            library=library.ref if library is not None else None,
            library_sha256=library.sha256 if library is not None else "",
            off_topic=off_topic,
            negatives=library.negatives if library is not None else (),
            assessment=assessment,
            standard_log=standard.ref if standard is not None else None,
            call_info=call_info,
            answers=answers,
            answers_pos=root.key_pos["answers"] if "answers" in top else None,
            replies=replies,
        )

    def library(
        self, node: YNode | None, own: dict[str, Intent]
    ) -> tuple[IntentLibrary | None, dict[str, Intent]]:
        """The library the scenario uses (the shipped one unless it says `library: none`) and
        its intents with the scenario's own beside them."""
        r = self.r
        only: tuple[str, ...] | None = None
        exclude: tuple[str, ...] = ()
        lid: str | None = SHIPPED_ID
        where = node
        if node is not None and node.is_map:
            m = r.section(node, "library", LIBRARY_USE)
            if m is None:
                return None, own
            lid = r.ident(m.get("id"), "library id", SCENARIO_ID)
            where = m.get("id")
            if "only" in m:
                only = r.strings(m.get("only"), "only")
            exclude = r.strings(m.get("except"), "except")
            if only is not None and exclude:
                r.error(m["except"].pos, "E013", "use 'only' or 'except', not both")
        elif node is not None:
            word = r.text(node, "library")
            lid = None if word in (None, "none") else word
        if lid is None:
            return None, own
        if lid not in known_libraries():
            hint = did_you_mean(lid, known_libraries())
            pos = where.pos if where is not None else Pos(1, 1)
            r.error(
                pos,
                "E020",
                f"unknown intent library '{lid}'{hint} (shipped: {', '.join(known_libraries())})",
            )
            return None, own
        library = shipped_library(lid, self.cache_dir)
        if node is not None and node.is_map:
            for key in ("only", "except"):
                for item in r.seq(node.value.get(key), key, allow_single=True):
                    iid = item.value if isinstance(item.value, str) else None
                    if iid is not None and iid not in library.intents:
                        hint = did_you_mean(iid, library.intents)
                        r.error(
                            item.pos, "E020", f"'{iid}' is not an intent of {library.ref}{hint}"
                        )
        known = library.intents
        only = None if only is None else tuple(i for i in only if i in known)  # errors above
        exclude = tuple(i for i in exclude if i in known)
        return library, merge_intents(library, own, only=only, exclude=exclude)

    def standard_log(self, node: YNode | None) -> StandardLog | None:
        """The standard flags and log fields the trainee has: the shipped ones unless the file
        says `standard_log: none`, narrowed by `only` or `except`."""
        r = self.r
        only: tuple[str, ...] | None = None
        exclude: tuple[str, ...] = ()
        lid: str | None = SHIPPED_LOG
        where = node
        if node is not None and node.is_map:
            m = r.section(node, "standard_log", STANDARD_LOG_USE)
            if m is None:
                return None
            lid = r.ident(m.get("id"), "standard log id", SCENARIO_ID)
            where = m.get("id")
            if "only" in m:
                only = r.strings(m.get("only"), "only")
            exclude = r.strings(m.get("except"), "except")
            if only is not None and exclude:
                r.error(m["except"].pos, "E013", "use 'only' or 'except', not both")
        elif node is not None:
            word = r.text(node, "standard_log")
            lid = None if word in (None, "none") else word
        if lid is None:
            return None
        if lid not in known_standard_logs():
            hint = did_you_mean(lid, known_standard_logs())
            shipped = ", ".join(known_standard_logs())
            pos = where.pos if where is not None else Pos(1, 1)
            r.error(pos, "E020", f"unknown standard log '{lid}'{hint} (shipped: {shipped})")
            return None
        log = shipped_standard_log(lid)
        if node is not None and node.is_map:
            for key in ("only", "except"):
                for item in r.seq(node.value.get(key), key, allow_single=True):
                    iid = item.value if isinstance(item.value, str) else None
                    if iid is not None and iid not in log.ids:
                        hint = did_you_mean(iid, log.ids)
                        msg = f"'{iid}' is not a flag or log field of {log.ref}{hint}"
                        r.error(item.pos, "E020", msg)
        return narrowed(log, only, exclude)

    def clarify(self, caller: YNode | None, library: IntentLibrary | None) -> Say | None:
        """The caller's own `clarify:` lines, else the library's (as lines `library.clarify.N`)."""
        node = caller.value.get("clarify") if caller is not None and caller.is_map else None
        if node is not None:
            items = self.r.seq(node, "clarify")
            lines = tuple(ln for item in items if (ln := self.line(item, "a clarify line")))
            return Say(lines, sequence=True, pos=node.pos) if lines else None
        if library is None or not library.clarify:
            return None
        lines = tuple(
            Line(id=f"library.clarify.{n}", text=text) for n, text in enumerate(library.clarify, 1)
        )
        for line in lines:
            self.lines.setdefault(line.id, line)
        return Say(lines, sequence=True)

    def _known(self, node: YNode, kind: str, ref: str, known: dict[str, YNode]) -> None:
        if ref not in known:
            hint = did_you_mean(ref, known)
            self.r.error(node.pos, "E020", f"unknown {kind} '{ref}'{hint}")

    # -- simple sections -------------------------------------------------------------------
    def caller(self, node: YNode | None) -> Caller | None:
        m = self.r.section(node, "caller", CALLER)
        if m is None:
            return None
        name = self.r.text(m.get("name"), "caller name")
        voice = Voice()
        vm = self.r.section(m.get("voice"), "voice", VOICE)
        if vm is not None:
            gender = self.r.text(vm.get("gender"), "gender")
            if gender is not None and gender not in GENDER:
                self.r.error(vm["gender"].pos, "E013", f"gender must be {GENDER.spoken()}")
                gender = None
            voice = Voice(
                rate=self._num(vm.get("rate"), "rate", RATE, 1.0),
                pitch=int(self._num(vm.get("pitch"), "pitch", LEVEL, 0)),
                volume=int(self._num(vm.get("volume"), "volume", LEVEL, 0)),
                gender=gender or "neutral",  # type: ignore[arg-type]
            )
        emotion = self.r.ident(m.get("default_emotion"), "default_emotion")
        return Caller(name, voice, emotion) if name else None

    def assessment(self, node: YNode | None) -> Assessment | None:
        m = self.r.section(node, "assessment", ASSESSMENT)
        if m is None or node is None:
            return None

        def text(key: str) -> str | None:
            t = self.r.text(m.get(key), f"assessment {key}")
            return " ".join(t.split()) if t is not None else None

        spoilers = self.r.strings(m.get("spoilers"), "spoilers")
        return Assessment(
            title=text("title"),
            summary=text("summary"),
            content_note=text("content_note"),
            spoilers=tuple(" ".join(w.lower().split()) for w in spoilers),
            pos=node.pos,
            key_pos={k: m[k].pos for k in m},
        )

    def _num(self, node: YNode | None, what: str, kind: Number, default: float) -> float:
        v = self.r.amount(node, what, kind)
        return default if v is None else v

    def emotions(self, node: YNode | None) -> dict[str, Emotion]:
        out: dict[str, Emotion] = {}
        m = self.r.mapping(
            node, "emotions", optional=node.value.keys() if node and node.is_map else ()
        )
        for key, val in (m or {}).items():
            assert node is not None
            if not self.r.key_ident(node, key, "emotion"):
                continue
            em = self.r.section(val, f"emotion '{key}'", EMOTION)
            if em is not None:
                out[key] = Emotion(
                    rate=self._num(em.get("rate"), "rate", RATE, 1.0),
                    pitch=int(self._num(em.get("pitch"), "pitch", LEVEL, 0)),
                    volume=int(self._num(em.get("volume"), "volume", LEVEL, 0)),
                )
        return out

    def _named(self, node: YNode | None, what: str) -> list[tuple[str, YNode, Pos]]:
        return named(self.r, node, what)

    def variables(self, node: YNode | None) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        for key, val, pos in self._named(node, "variables"):
            m = self.r.section(val, f"variable '{key}'", VARIABLE)
            if m is None:
                continue
            vtype = self.r.text(m.get("type"), "type")
            if vtype is None or vtype not in VARIABLE_TYPE:
                if vtype is not None:
                    msg = f"variable type must be {VARIABLE_TYPE.spoken()}"
                    self.r.error(m["type"].pos, "E013", msg)
                continue
            zero: dict[str, bool | int | str] = {"bool": False, "int": 0, "str": ""}
            default = m["default"].value if "default" in m else zero[vtype]
            ok = {
                "bool": isinstance(default, bool),
                "int": isinstance(default, int) and not isinstance(default, bool),
                "str": isinstance(default, str),
            }[vtype]
            if not ok:
                self.r.error(m["default"].pos, "E010", f"default of '{key}' must be a {vtype}")
                continue
            if vtype == "int" and abs(int(default)) > MAX_NUMBER:  # keeps float maths finite
                self.r.error(m["default"].pos, "E013", f"default of '{key}' is too large")
                continue
            out[key] = Variable(key, vtype, default, pos)  # type: ignore[arg-type]
        return out

    def intents(self, node: YNode | None) -> dict[str, Intent]:
        return read_intents(self.r, node)

    # -- lines -----------------------------------------------------------------------------
    def line(self, node: YNode, what: str) -> Line | None:
        r = self.r
        if node.is_map and "ref" in node.value:
            m = r.section(node, "line reference", LINE_REF)
            ref = r.ident(m.get("ref") if m else None, "ref", LINE_ID)
            if ref is None:
                return None
            placeholder = Line(id=ref, text="", pos=node.pos)
            self.refs[id(placeholder)] = (ref, node.value["ref"].pos)
            return placeholder
        tag_hint = "run `callsim tag` on this file to give every line a stable id"
        if isinstance(node.value, str):
            msg = f"{what} must be {{id: ..., text: ...}}, not bare text ({tag_hint})"
            r.error(node.pos, "E010", msg)
            return None
        # a missing id gets its own message, with the way to add one
        required = tuple(k for k in LINE.required if k != "id")
        m = r.mapping(node, what, required=required, optional=LINE.names)
        if m is None:
            return None
        if "id" not in m:
            r.error(node.pos, "E011", f"{what} is missing required key 'id' ({tag_hint})")
        lid = r.ident(m.get("id"), "line id", LINE_ID)
        text = r.text(m.get("text"), "line text")
        if lid is None or text is None:
            return None
        caption = r.text(m.get("caption"), "caption")
        line = Line(
            id=lid,
            text=" ".join(text.split()),
            emotion=r.ident(m.get("emotion"), "emotion"),
            note=r.text(m.get("note"), "note"),
            pause_before=r.duration(m.get("pause_before"), "pause_before") or 0.0,
            pos=m["id"].pos,
            caption=None if caption is None else " ".join(caption.split()),
            voice=r.boolean(m.get("voice"), "voice") is not False,
        )
        if lid in self.lines:
            first = self.lines[lid].pos
            r.error(line.pos, "E021", f"line id '{lid}' is already used at line {first.line}")
            return None
        self.lines[lid] = line
        return line

    def say(self, node: YNode | None) -> Say | None:
        if node is None:
            return None
        sequence = False
        items: list[YNode]
        if node.is_map and "sequence" in node.value:
            m = self.r.section(node, "say", SEQUENCE)
            items = self.r.seq(m.get("sequence") if m else None, "sequence")
            sequence = True
        else:
            items = self.r.seq(node, "say", allow_single=True)
        lines = tuple(ln for item in items if (ln := self.line(item, "a line")) is not None)
        if not items:
            self.r.error(node.pos, "E011", "say needs at least one line")
        return Say(lines, sequence, node.pos) if lines else None

    def _resolve_line(self, line: Line) -> Line:
        ref = self.refs.get(id(line))
        if ref is None:
            return line
        target = self.lines.get(ref[0])
        if target is None:
            hint = did_you_mean(ref[0], self.lines)
            self.r.error(ref[1], "E020", f"ref to unknown line '{ref[0]}'{hint}")
            return line
        return target

    def _resolve_say(self, say: Say | None) -> Say | None:
        if say is None:
            return None
        return replace(say, lines=tuple(self._resolve_line(ln) for ln in say.lines))

    def resolve_state(self, state: State) -> State:
        return replace(
            state,
            say=self._resolve_say(state.say),
            on=tuple(self.resolve_handler(h) for h in state.on),
            answers={k: self.resolve_answer(a) for k, a in state.answers.items()},
        )

    def resolve_answer(self, a: Answer) -> Answer:
        say = self._resolve_say(a.say)
        return a if say is None else replace(a, say=say)

    def resolve_handler(self, h: Handler) -> Handler:
        return replace(h, say=self._resolve_say(h.say))

    # -- states and handlers ---------------------------------------------------------------
    def states(self, node: YNode | None) -> dict[str, State]:
        out: dict[str, State] = {}
        for key, val, pos in self._named(node, "states"):
            m = self.r.section(val, f"state '{key}'", STATE)
            if m is None:
                continue
            out[key] = State(
                id=key,
                say=self.say(m.get("say")),
                on=self.handlers(m.get("on"), f"states.{key}.on"),
                description=self.r.text(m.get("description"), "description"),
                pos=pos,
                answers=self.answers(m.get("answers"), f"states.{key}.answers"),
            )
        if node is not None and node.is_map and not out and not self.r.has_errors:
            self.r.error(node.pos, "E011", "a scenario needs at least one state")
        return out

    def answers(self, node: YNode | None, where: str) -> dict[str, Answer]:
        """`answers:`: intent id -> what she says (a line, lines, or a sequence)."""
        out: dict[str, Answer] = {}
        for iid, val, pos in self._named(node, "answers"):
            say = self.say(val)
            if say is not None:
                out[iid] = Answer(iid, say, f"{where}.{iid}", pos)
        return out

    def replies(self, node: YNode | None) -> Replies:
        word = self.r.text(node, "replies")
        if word is None or node is None:
            return "first"
        if word not in REPLIES:
            hint = did_you_mean(word, REPLIES.names)
            self.r.error(node.pos, "E013", f"replies must be {REPLIES.spoken()}{hint}")
            return "first"
        return "each" if word == "each" else "first"

    def handlers(self, node: YNode | None, where: str) -> tuple[Handler, ...]:
        out = []
        for i, hnode in enumerate(self.r.seq(node, where)):
            h = self.handler(hnode, f"{where}[{i}]")
            if h is not None:
                out.append(h)
        return tuple(out)

    def handler(self, node: YNode, key: str) -> Handler | None:
        r = self.r
        m = r.section(node, "a handler", HANDLER)
        if m is None:
            return None
        key_pos = {k: (v.text_pos if k in ("when",) else node.key_pos[k]) for k, v in m.items()}
        triggers = [t for t in TRIGGER_KEYS if t in m]
        if len(triggers) != 1:
            msg = "a handler needs exactly one of " + or_list([f"'{k}'" for k in TRIGGER_KEYS])
            if triggers:
                msg += f" (found {', '.join(triggers)})"
            r.error(node.pos, "E022", msg)
            return None
        intents: tuple[str, ...] = ()
        trigger: str
        if "intent" in m:
            trigger = "intent"
            ids = [r.ident(n, "intent") for n in r.seq(m["intent"], "intent", allow_single=True)]
            intents = tuple(i for i in ids if i)
            if not ids:
                r.error(m["intent"].pos, "E011", "'intent' needs at least one intent id")
            if not intents:
                return None
        elif "fallback" in m:
            trigger = "fallback"
            if r.boolean(m["fallback"], "fallback") is not True:
                r.error(m["fallback"].pos, "E013", "write 'fallback: true'")
        else:
            ev = r.text(m["event"], "event")
            if ev is None or ev not in EVENT:
                if ev is not None:
                    hint = did_you_mean(ev, EVENT.names)
                    r.error(m["event"].pos, "E013", f"unknown event '{ev}'{hint}")
                return None
            trigger = ev
        after = r.duration(m.get("after"), "after")
        self._trigger_option(node, m, trigger, "after")
        flag = r.ident(m.get("flag"), "flag")
        self._trigger_option(node, m, trigger, "flag")
        field = r.ident(m.get("field"), "field")
        self._trigger_option(node, m, trigger, "field")
        counts = r.text(m.get("counts"), "counts")
        self._trigger_option(node, m, trigger, "counts")
        if counts is not None and counts not in SILENCE_COUNTS:
            hint = did_you_mean(counts, SILENCE_COUNTS.names)
            r.error(m["counts"].pos, "E013", f"counts must be {SILENCE_COUNTS.spoken()}{hint}")
            counts = None
        at = r.duration(m.get("at"), "at")
        self._trigger_option(node, m, trigger, "at")
        in_state = r.duration(m.get("in_state"), "in_state")
        self._trigger_option(node, m, trigger, "in_state")
        after_mark = r.ident(m.get("after_mark"), "after_mark")
        self._trigger_option(node, m, trigger, "after_mark")
        if trigger == "time":
            self._time_options(node, m)
        nth = r.amount(m.get("nth"), "nth", NTH)
        when = self._expr(m.get("when"), "when")
        sets: list[tuple[str, SetValue]] = []
        for vname, vnode in (
            r.mapping(m.get("set"), "set", optional=_keys(m.get("set"))) or {}
        ).items():
            value = self._set_value(vname, vnode)
            if value is not None:
                sets.append((vname, value))
        adds: list[tuple[str, int]] = []
        for vname, vnode in (
            r.mapping(m.get("add"), "add", optional=_keys(m.get("add"))) or {}
        ).items():
            n = r.amount(vnode, f"add {vname}", WHOLE)
            if n is not None:
                adds.append((vname, int(n)))
        return Handler(
            key=key,
            trigger=trigger,  # type: ignore[arg-type]
            intents=intents,
            flag=flag,
            field=field,
            after=after,
            counts="speech" if counts == "speech" else "any_input",
            at=at,
            in_state=in_state,
            after_mark=after_mark,
            nth=int(nth) if nth is not None else None,
            once=bool(r.boolean(m.get("once"), "once")),
            when=when,
            say=self.say(m.get("say")),
            set=tuple(sets),
            add=tuple(adds),
            goto=r.ident(m.get("goto"), "goto"),
            mark=r.ident(m.get("mark"), "mark"),
            hang_up=bool(r.boolean(m.get("hang_up"), "hang_up")),
            pos=node.pos,
            key_pos=key_pos,
        )

    def _expr(self, node: YNode | None, what: str) -> expr.Expr | None:
        """An expression, parsed; a problem in it is located at its column in the file."""
        src = self.r.text(node, what)
        if src is None or node is None:
            return None
        try:
            return expr.parse(src)
        except expr.ExprError as exc:
            p = node.text_pos
            self.r.error(Pos(p.line, p.col + exc.offset), "E030", exc.message)
            return None

    def _set_value(self, name: str, node: YNode) -> SetValue | None:
        """`set: {name: VALUE}` or `set: {name: {expr: EXPR}}`."""
        r = self.r
        value = node.value
        if node.is_map:
            m = r.section(node, f"set {name}", COMPUTED)
            if m is None or "expr" not in m:
                return None
            e = self._expr(m["expr"], "expr")
            return None if e is None else Computed(e, str(m["expr"].value), m["expr"].text_pos)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            r.error(node.pos, "E013", f"set {name}: the number is too large (at most 1e9)")
            return None
        if isinstance(value, bool | int | str) and not isinstance(value, float):
            return value
        r.error(
            node.pos,
            "E010",
            f"set {name}: value must be true/false, a whole number, text or {{expr: ...}}",
        )
        return None

    def _time_options(self, node: YNode, m: dict[str, YNode]) -> None:
        """A timed handler: `at` or `in_state` (one of them), `after_mark` only with `at`, and
        no `nth` (it fires once)."""
        r = self.r
        if "at" in m and "in_state" in m:
            r.error(
                node.key_pos["in_state"],
                "E022",
                "a time handler takes 'at' or 'in_state', not both",
            )
        elif "at" not in m and "in_state" not in m:
            r.error(
                node.pos,
                "E011",
                "a time handler needs 'at' (call time, e.g. at: 60s) or 'in_state' (time in the "
                "current state, e.g. in_state: 30s)",
            )
        if "after_mark" in m and "in_state" in m:
            r.error(
                node.key_pos["after_mark"],
                "E023",
                "'after_mark' goes with 'at' (e.g. after_mark: disclosure, at: 20s)",
            )
        if "nth" in m:
            r.error(
                node.key_pos["nth"], "E023", "'nth' does not apply to event: time (it fires once)"
            )

    def _trigger_option(self, node: YNode, m: dict[str, YNode], trigger: str, key: str) -> None:
        """A key that goes with some triggers only: refused on others, required by those that
        need it (see HANDLER and TRIGGERS in grammar.py)."""
        applies = HANDLER.key(key).applies_to
        if key in m and trigger not in applies:
            where = f"event: {applies[0]}" if len(applies) == 1 else "/".join(applies)
            self.r.error(node.key_pos[key], "E023", f"'{key}' only applies to {where}")
        if key not in m and key in find_trigger(trigger).needs:
            msg = _NEEDS.get(key, f"event {trigger} needs '{key}'")
            self.r.error(node.pos, "E011", msg)

    # -- rubric and debrief ----------------------------------------------------------------
    def rubric(self, node: YNode | None) -> tuple[list[Criterion], list, float | None]:  # type: ignore[type-arg]
        r = self.r
        m = r.section(node, "rubric", RUBRIC)
        if m is None:
            return [], [], None
        pass_mark = r.amount(m.get("pass_mark"), "pass_mark", PERCENT)
        criteria = []
        seen: dict[str, Pos] = {}
        for cnode in r.seq(m.get("criteria"), "criteria"):
            c = read_criterion(r, cnode)
            if c is None:
                continue
            if c.id in seen:
                r.error(
                    c.pos,
                    "E021",
                    f"criterion '{c.id}' is already defined at line {seen[c.id].line}",
                )
                continue
            seen[c.id] = c.pos
            criteria.append(c)
        if m.get("criteria") is not None and not criteria and not r.has_errors:
            r.error(m["criteria"].pos, "E011", "the rubric needs at least one criterion")
        metrics = read_metrics(r, m.get("metrics"))
        return criteria, metrics, pass_mark

    def debrief(self, node: YNode | None) -> Debrief:
        m = self.r.section(node, "debrief", DEBRIEF)
        if m is None:
            return Debrief()
        return Debrief(
            summary=self.r.text(m.get("summary"), "summary"),
            questions=self.r.strings(m.get("questions"), "questions"),
            learning_points=self.r.strings(m.get("learning_points"), "learning_points"),
        )


def _keys(node: YNode | None) -> list[str]:
    return list(node.value.keys()) if node is not None and node.is_map else []
