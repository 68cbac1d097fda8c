"""Is this record the one callsim wrote? `callsim verify` and the replay screen's banner.

A session is checked fact by fact, and the first fact that differs is named:

1. the database file: SQLite's integrity check and the full-text index's own check;
2. the header (trainee, mode, scenario, start, callsim version) against the copy the ledger
   took when the session started, and against its hash;
3. the event log against its hash chain and recorded head;
4. the search index's lines against the events they came from;
5. the rebuild: the recorded inputs replayed through the engine, with the scenario version
   played (found by its sha256), must give exactly the stored events;
6. the stored result against the library's columns and against a re-score of the rebuilt
   call with the recorded intents (the engine and the rubric are deterministic);
7. the seal written when the session stopped being active (its end, event head and result);
8. the assessor's audit trail: its chain, its head on the session and in the ledger, and
   every mark, comment, verdict, retraction and sign-off row against its entry (and every
   entry against its row: a sign-off removed to unlock a session is named);
9. the ledger: its chain and head, and every session it recorded still present;
10. the assessor passphrase record against the ledger.

What this proves, and what it cannot, is said in `PROVES` and `CANNOT` (printed by `callsim
verify`). Messages never quote what an assessor wrote (marks, comments, verdicts): `verify`
needs no passphrase.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app import __version__
from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.engine import events as ev
from app.engine.call import RecordedMatcher, replay
from app.engine.events import Event
from app.scenario.model import Scenario
from app.scoring.score import RESULT_VERSION, score_call
from app.storage import SessionStore, UnknownSessionError, VerifyResult
from app.storage.chain import header_hash, seal_hash
from app.storage.ledger import (
    ARCHIVE,
    AUDIT,
    RECOVERED,
    SEAL,
    SESSION,
    LedgerRepo,
    LedgerRow,
    verify_ledger,
)
from app.storage.records import SessionRecord, result_fields
from app.storage.schema import searched_text

PROVES = (
    "This proves: the session's header, events, result, marks, comments, verdicts, "
    "retractions, sign-offs and audit trail are the ones callsim wrote, and the database "
    "ledger still holds every session it recorded, unless every chain, seal and the ledger "
    "were rewritten consistently; where the played scenario version is available, that the "
    "events and the result follow from the trainee's recorded actions through this "
    "callsim's engine and rubric."
)
CANNOT = (
    "It cannot rule out: a complete, consistent rewrite by someone holding the database file "
    "and callsim's code (the hashes have no secret key); the newest entries removed with "
    "every head moved back, unless a ledger head noted earlier is given (--expect-head: every "
    "report prints it); changes made before a session was sealed at an upgrade; what the "
    "trainee heard if the scenario version is not available. Heads signed with the centre's "
    "key and published earlier close the first two: `callsim verify --heads FILE` (`callsim "
    "heads publish`)."
)
WITH_HEADS = (
    "Checked against signed heads: a rewrite of the chains (even a complete, consistent one "
    "with callsim's code), or the newest entries removed with every head moved back, before "
    "the heads were published now fails, unless the centre's private key was also taken. "
    "What was written after the newest heads given is covered only by the hash chains. It "
    "still cannot rule out: changes made before a session was sealed at an upgrade; what the "
    "trainee heard if the scenario version is not available."
)


class ScenarioFinder(Protocol):
    """Where the played scenario is looked for: `app.services.catalog.ScenarioCatalog`."""

    def find(
        self, scenario_id: str, sha256: str
    ) -> tuple[Path | None, Scenario | None, bool | None]:
        """(path, scenario, matches): the file with the played content (matches True), else
        the one with that id (False), else (None, None, None); (path, None, False) when the
        file with that id no longer loads."""
        ...


def fmt_t(t: float) -> str:
    """Call time as m:ss.s."""
    minutes, seconds = divmod(max(0.0, float(t)), 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


CHECKS = (
    "database",
    "header",
    "event log",
    "search index",
    "rebuild",
    "result",
    "seal",
    "audit trail",
    "ledger",
    "passphrase",
)


@dataclass(frozen=True)
class Check:
    """One fact checked: `ok` None when it could not be checked (`detail` says why)."""

    name: str  # one of CHECKS
    ok: bool | None
    detail: str

    def line(self) -> str:
        mark = {True: "ok", False: "ALTERED", None: "n/a"}[self.ok]
        return f"{mark:<8} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    """Every check on one session, in the order of the module docstring."""

    session_id: str
    checks: tuple[Check, ...]
    rebuilt: bool | None = None  # the rebuild gave the stored events (None: not rebuilt)
    rescored: bool | None = None  # the re-score gave the stored result (None: not re-scored)
    rebuild_error: str | None = None

    @property
    def ok(self) -> bool:
        """Nothing differs (checks that could not run do not count against it)."""
        return all(c.ok is not False for c in self.checks)

    @property
    def problem(self) -> Check | None:
        """The first fact that differs."""
        return next((c for c in self.checks if c.ok is False), None)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def headline(self) -> str:
        """One line: verified, and what could not be checked; or ALTERED and the first fact
        that differs."""
        short = self.session_id[:12]
        problem = self.problem
        if problem is not None:
            return f"ALTERED: session {short}: {problem.name}: {problem.detail}"
        done = sum(1 for c in self.checks if c.ok)
        rebuilt = "; rebuilt and re-scored: the same" if self.rescored else ""
        if self.rebuilt and not self.rescored:
            rebuilt = "; rebuilt: the same events"
        missing = [c.name for c in self.checks if c.ok is None]
        skipped = f"; not checked: {', '.join(missing)}" if missing else ""
        return f"verified: session {short}: nothing differs ({done} checks{rebuilt}){skipped}"

    def lines(self) -> list[str]:
        return [self.headline(), *("  " + c.line() for c in self.checks)]


@dataclass(frozen=True)
class DatabaseReport:
    """The checks that concern the whole file, made once for any number of sessions."""

    integrity: Check | None  # None: not run (the replay's first, quick look)
    ledger: Check
    passphrase: Check
    rows: list[LedgerRow] = field(default_factory=list)
    deleted: list[LedgerRow] = field(default_factory=list)  # sessions recorded, now gone
    upgraded_in_memory: int | None = None  # the file's schema, when older than this callsim
    head: tuple[int, str] | None = None  # the ledger's (entry count, last hash)
    archived: list[LedgerRow] = field(default_factory=list)  # removed by retention, recorded

    def of_session(self, session_id: str) -> list[LedgerRow]:
        return [r for r in self.rows if r.session_id == session_id]

    def checks(self) -> list[Check]:
        return [c for c in (self.integrity, self.ledger, self.passphrase) if c is not None]

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks())


_REASONS = {
    "missing": "it is missing",
    "link": "it is not linked to the one before it",
    "hash": "its content does not match its hash",
    "unreadable": "its data cannot be read",
    "truncated": "it and those after it are missing",
    "extra": "it was added after the head was recorded",
    "head": "it is not the last one recorded",
    "no head": "the ledger's head row is missing",
    "noted head": "the head noted earlier is gone",
    "mismatch": "its row no longer says what its audit entry recorded",
    "unaudited": "a row has no audit entry (added outside callsim)",
}
# Audit actions as written in verify's messages.
_ACTION_WORDS = {
    "mark": "mark",
    "comment": "comment",
    "verdict": "verdict",
    "retract": "retraction",
    "sign_off": "sign-off",
    "reopen": "reopening",
    "moderation_request": "second-marking request",
    "second_mark": "second mark",
    "second_submit": "second-marking submission",
    "moderation_resolve": "moderation resolution",
}
_FIELD_WORDS = {
    "id": "the session id",
    "trainee": "the trainee's name",
    "scenario_id": "the scenario id",
    "scenario_sha256": "the scenario version (sha256)",
    "scenario_title": "the scenario title",
    "mode": "the mode",
    "started_at": "the start time",
    "callsim_version": "the callsim version that recorded it",
}


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _upgrade_note(schema: int | None) -> str:
    return (
        f"this file is from an older callsim (database schema {schema}), read as upgraded in "
        "memory: it holds no seals to check"
    )


# -- the database -----------------------------------------------------------------------------
def check_database(
    store: SessionStore, *, integrity: bool = True, expect_head: str | None = None
) -> DatabaseReport:
    """The file's integrity, the ledger and the passphrase record (`integrity` False skips
    SQLite's and the search index's own checks, which read the whole file).

    `expect_head`: a ledger head noted earlier (printed on every report, and by `callsim
    verify`); the ledger must still hold it. Without it, removing the newest entries and
    moving the head back needs no hashing and cannot be told."""
    integrity_check: Check | None = None
    if integrity:
        problems = store.integrity_problems()
        index = store.search_index_problem()
        if problems:
            integrity_check = Check(
                "database", False, f"SQLite's integrity check: {'; '.join(problems[:3])}"
            )
        elif index is not None:
            integrity_check = Check("database", False, f"the search index is damaged: {index}")
        else:
            integrity_check = Check(
                "database", True, "SQLite's integrity check and the search index's are clean"
            )
    state = LedgerRepo(store).read()
    if store.upgraded_in_memory is not None:
        note = _upgrade_note(store.upgraded_in_memory)
        return DatabaseReport(
            integrity_check,
            Check("ledger", None, note),
            Check("passphrase", None, note),
            state.rows,
            [],
            store.upgraded_in_memory,
            state.head,
        )
    chain = verify_ledger(state.rows, state.head)
    present = set(store.session_ids())
    archived = [r for r in state.rows if r.kind == ARCHIVE and r.session_id not in present]
    gone_by_retention = {r.session_id for r in archived}
    deleted = [
        r
        for r in state.rows
        if r.kind == SESSION and r.session_id not in present | gone_by_retention
    ]
    noted = (expect_head or "").strip().lower()
    if noted and not chain.ok:
        pass  # the chain's own failure is named first
    elif noted and not any(r.hash == noted for r in state.rows):
        chain = VerifyResult(False, chain.checked, None, "noted head")
    if chain.reason == "noted head":
        ledger = Check(
            "ledger",
            False,
            f"it no longer holds the head {noted[:16]}… noted earlier: entries after it were "
            "removed (or the ledger rewritten)",
        )
    elif not chain.ok:
        where = f"entry {chain.seq}" if chain.seq is not None else "its head"
        ledger = Check("ledger", False, f"{where}: {_REASONS.get(str(chain.reason), '?')}")
    elif deleted:
        gone = deleted[0]
        header = gone.detail().get("header")
        header = header if isinstance(header, dict) else {}
        more = f" (and {len(deleted) - 1} more)" if len(deleted) > 1 else ""
        ledger = Check(
            "ledger",
            False,
            f"session {gone.session_id} (trainee {_short(header.get('trainee'))}, started "
            f"{header.get('started_at')}) was recorded (ledger entry {gone.seq}) but has been "
            f"deleted from the database{more}",
        )
    else:
        n_sessions = sum(1 for r in state.rows if r.kind == SESSION)
        holds = f"; it holds the head {noted[:16]}… noted earlier" if noted else ""
        if archived:
            holds = f"; {len(archived)} of them archived by retention, as recorded" + holds
        head = state.head[1] if state.head is not None else "?"
        ledger = Check(
            "ledger",
            True,
            f"{chain.checked} entries match their chain and head (sha256 {head[:16]}…); "
            + (
                "the session it recorded is present"
                if n_sessions == 1
                else f"all {n_sessions} sessions it recorded are present"
            )
            + holds,
        )
    why = AssessorAuth(store).altered()
    if why is not None:
        passphrase = Check(
            "passphrase", False, f"the assessor passphrase record {why} outside callsim"
        )
    else:
        passphrase = Check("passphrase", True, "the assessor passphrase record is as recorded")
    return DatabaseReport(
        integrity_check, ledger, passphrase, state.rows, deleted, None, state.head, archived
    )


# -- one session ------------------------------------------------------------------------------
def _header_check(rec: SessionRecord, rows: list[LedgerRow], db: DatabaseReport) -> Check:
    if db.upgraded_in_memory is not None:
        return Check("header", None, _upgrade_note(db.upgraded_in_memory))
    started = [r for r in rows if r.kind == SESSION]
    if not started:
        return Check(
            "header", False, "this session is not in the database ledger: it was added outside "
            "callsim"
        )  # fmt: skip
    entry = started[0]
    detail = entry.detail()
    recorded = detail.get("header")
    recorded = recorded if isinstance(recorded, dict) else {}
    stored = rec.header()
    for name, value in stored.items():
        if recorded.get(name) != value:
            return Check(
                "header",
                False,
                f"{_FIELD_WORDS[name]} is {_short(value)}, but was {_short(recorded.get(name))} "
                f"when the session was recorded (ledger entry {entry.seq})",
            )
    digest = header_hash(stored)
    if rec.header_hash != digest or detail.get("header_hash") != digest:
        return Check("header", False, "the header's recorded hash is not its content's")
    if len(started) > 1:
        return Check("header", False, "the ledger records this session's start twice")
    note = (
        f"; sealed when the database was upgraded on {entry.at[:10]}: changes before then "
        "cannot be told"
        if detail.get("upgraded")
        else ""
    )
    return Check(
        "header", True, f"trainee, mode, scenario and start as recorded (ledger entry {entry.seq})"
        f"{note}"
    )  # fmt: skip


def recovered_note(rows: Sequence[LedgerRow]) -> str:
    """The note "; N of them recovered from a side journal ..." when the ledger says so (the
    call's writer died while the disk was full, or with a reply queued): an assessor should
    know the record was completed from a file beside the database, not as the call went."""
    notes: list[str] = []
    for r in rows:
        if r.kind != RECOVERED:
            continue
        d = r.detail()
        what = f"{_short(d.get('events'))} of them (from event {_short(d.get('from_seq'))})"
        if d.get("result"):
            what += " and the score shown at the debrief"
        extra = ""
        if d.get("unshown"):
            extra += f"; {_short(d.get('unshown'))} queued caller lines never shown left out"
        problems = d.get("problems")
        if isinstance(problems, list) and problems:
            extra += f"; {len(problems)} damaged journal lines skipped"
        notes.append(
            f"; {what} recovered from a side journal when the database was next opened "
            f"({r.at[:19]}, ledger entry {r.seq}){extra}"
        )
    return "".join(notes)


def _event_words(result: VerifyResult, events: Sequence[Event] | None) -> str:
    if result.seq is None:
        return "the event log does not match its hash chain"
    where = ""
    for e in events or ():
        if e.seq == result.seq:
            where = f" ({e.kind} at {fmt_t(e.t)})"
            break
    return f"event {result.seq}{where}: {_REASONS.get(str(result.reason), '?')}"


def _search_check(store: SessionStore, session_id: str, events: Sequence[Event] | None) -> Check:
    if events is None:
        return Check("search index", None, "the events could not be read")
    spoken = [
        (e.seq, e.kind, text) for e in events if (text := searched_text(e.kind, e.data)) is not None
    ]
    indexed = store.indexed_lines(session_id)
    for n in range(max(len(spoken), len(indexed))):
        have = spoken[n] if n < len(spoken) else None
        got = indexed[n] if n < len(indexed) else None
        if have is None and got is not None:
            return Check(
                "search index", False, f"it holds a line for event {got[0]} that the event log "
                "does not have"
            )  # fmt: skip
        if got is None and have is not None:
            return Check("search index", False, f"event {have[0]} ({have[1]}) is missing from it")
        assert have is not None and got is not None
        if have[0] != got[0] or have[2] != got[1]:
            return Check(
                "search index",
                False,
                f"event {have[0]} ({have[1]}): the event log says {_short(have[2])}, the search "
                f"index {_short(got[1])} (event {got[0]})",
            )
    return Check("search index", True, f"its {len(indexed)} lines match the events")


def _first_difference(stored: Any, rebuilt: Any, path: str = "") -> str | None:
    """The path of the first place two JSON values differ (None when equal)."""
    if isinstance(stored, dict) and isinstance(rebuilt, dict):
        for key in list(stored) + [k for k in rebuilt if k not in stored]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in stored or key not in rebuilt:
                return sub
            found = _first_difference(stored[key], rebuilt[key], sub)
            if found is not None:
                return found
        return None
    if isinstance(stored, list) and isinstance(rebuilt, list):
        for n, (a, b) in enumerate(zip(stored, rebuilt, strict=False)):
            found = _first_difference(a, b, f"{path}[{n}]")
            if found is not None:
                return found
        return f"{path}[{min(len(stored), len(rebuilt))}]" if len(stored) != len(rebuilt) else None
    if type(stored) is not type(rebuilt) and not (
        isinstance(stored, int | float) and isinstance(rebuilt, int | float)
    ):
        return path or "(the whole result)"
    return None if stored == rebuilt else (path or "(the whole result)")


def _at(value: Any, path: str) -> Any:
    """The value at a `_first_difference` path (None when absent)."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            n = int(part[1:-1])
            value = value[n] if isinstance(value, list) and n < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def shown_part(rebuilt: list[Event], stored: Sequence[Event]) -> list[Event]:
    """What the trainee saw of a rebuilt call that stopped early (interrupted): its events
    timed no later than the last stored one, numbered on without gaps. A caller line the
    engine scheduled ahead and the trainee never saw is left out, and what they did after it
    follows (as a dead call's side journal is read back: app/storage/journal.py). For a log
    cut at a shown line, this starts with exactly the rebuilt events it holds."""
    if not stored:
        return []
    upto = max(e.t for e in stored)
    kept = [e for e in rebuilt if e.t <= upto]
    return [Event(i, e.t, e.kind, e.data) for i, e in enumerate(kept)]


def _rebuild(
    scenario: Scenario, events: list[Event], finished: bool
) -> tuple[list[Event] | None, str | None, str | None]:
    """(rebuilt events, the first difference from the stored ones, an error)."""
    inputs = [e for e in events if e.kind in ev.INPUT_KINDS]
    try:
        again = replay(scenario, RecordedMatcher(inputs), inputs).events
    except Exception as exc:  # malformed stored data must not take verify down
        return None, None, f"the recorded inputs could not be replayed: {type(exc).__name__}: {exc}"
    compared = again if finished else shown_part(again, events)[: len(events)]
    for a, b in zip(events, compared, strict=False):
        if a.canonical() != b.canonical():
            what = (
                f"event {a.seq}: stored {a.kind} at {fmt_t(a.t)}, rebuilt {b.kind} at {fmt_t(b.t)}"
            )
            if a.kind == b.kind:
                key = _first_difference(a.data, b.data) or "t"
                what = (
                    f"event {a.seq} ({a.kind} at {fmt_t(a.t)}): {key} is "
                    f"{_short(_at(a.data, key) if key != 't' else a.t)} in the log, "
                    f"{_short(_at(b.data, key) if key != 't' else b.t)} when rebuilt"
                )
            return again, what, None
    if len(events) != len(compared):
        return again, (
            f"the log holds {len(events)} events, the rebuilt call {len(compared)}"
        ), None  # fmt: skip
    return again, None, None


def verify_session(
    store: SessionStore,
    session_id: str,
    *,
    scenarios: ScenarioFinder | None,
    database: DatabaseReport | None = None,
    integrity: bool = True,
) -> Verification:
    """Every check on one session (raises `UnknownSessionError` when there is none).

    `scenarios` None: not rebuilt or re-scored (the replay's first, quick look).
    `database`: the whole-file checks already made (`check_database`), for many sessions;
    else they are made here (`integrity` False skips the file-wide integrity checks)."""
    rec = store.record(session_id)
    if rec is None:
        raise UnknownSessionError(session_id)
    db = database if database is not None else check_database(store, integrity=integrity)
    rows = db.of_session(session_id)
    checks: list[Check] = []
    if db.integrity is not None:
        checks.append(db.integrity)
    checks.append(_header_check(rec, rows, db))

    try:
        events: list[Event] | None = store.events(session_id)
    except ValueError:
        events = None
    chain = store.verify(session_id)
    if chain.ok:
        checks.append(
            Check(
                "event log",
                True,
                f"all {chain.checked} events match their chain{recovered_note(rows)}",
            )
        )
    else:
        checks.append(Check("event log", False, _event_words(chain, events)))
    checks.append(_search_check(store, session_id, events))

    rebuilt: list[Event] | None = None
    rebuilt_ok: bool | None = None
    rebuild_error: str | None = None
    scenario: Scenario | None = None
    if scenarios is None:
        checks.append(Check("rebuild", None, "not rebuilt (no scenario catalog given)"))
    elif events is None:
        checks.append(Check("rebuild", None, "the events cannot be read, so not rebuilt"))
    else:
        sha = str(rec.scenario_sha256)
        _path, found, matches = scenarios.find(str(rec.scenario_id), sha)
        if found is None or matches is not True:
            changed = "; the file with this id has changed since" if matches is False else ""
            checks.append(
                Check(
                    "rebuild",
                    None,
                    f"the scenario version played (sha256 {sha[:12]}…) is not available here"
                    f"{changed}: the call could not be rebuilt or re-scored (the hash chains "
                    "were still checked)",
                )
            )
        else:
            scenario = found
            rebuilt, difference, rebuild_error = _rebuild(
                scenario, events, rec.status == "finished"
            )
            if rebuild_error is not None:
                rebuilt_ok = False
                checks.append(Check("rebuild", False, rebuild_error))
            elif difference is not None:
                rebuilt_ok = False
                checks.append(Check("rebuild", False, difference))
            else:
                rebuilt_ok = True
                n_inputs = sum(1 for e in events if e.kind in ev.INPUT_KINDS)
                checks.append(
                    Check(
                        "rebuild",
                        True,
                        f"its {n_inputs} recorded inputs, replayed through the engine with the "
                        f"scenario played (sha256 {sha[:12]}…), give the same {len(events)} "
                        "events",
                    )
                )

    result_check, rescored = _result_check(rec, scenario, rebuilt if rebuilt_ok else None)
    checks.append(result_check)
    checks.append(_seal_check(rec, rows, db))
    checks.append(_audit_check(store, rec, rows, db))
    checks.append(_session_ledger_check(db))
    checks.append(db.passphrase)
    return Verification(session_id, tuple(checks), rebuilt_ok, rescored, rebuild_error)


def _result_check(
    rec: SessionRecord, scenario: Scenario | None, rebuilt: list[Event] | None
) -> tuple[Check, bool | None]:
    if rec.status != "finished":
        if rec.result_json is not None:
            return Check(
                "result", False, f"a session that is {rec.status} has a stored result"
            ), None
        return Check("result", None, f"no result: the call is {rec.status}"), None
    try:
        stored = json.loads(rec.result_json)
    except (TypeError, ValueError):
        return Check("result", False, "the stored result does not read as JSON"), None
    if not isinstance(stored, dict):
        return Check("result", False, "the stored result is not a result object"), None
    score, passed = result_fields(stored)
    if (score, passed) != (rec.score, rec.passed):
        column, value, inside = (
            ("score", rec.score, score) if score != rec.score else ("passed", rec.passed, passed)
        )
        return Check(
            "result",
            False,
            f"the session list's {column} column says {_short(value)}, the stored result "
            f"{_short(inside)}",
        ), None
    if stored.get("scenario_sha256") != rec.scenario_sha256:
        return Check(
            "result", False, "the stored result is for another scenario version than the header's"
        ), None  # fmt: skip
    if scenario is None or rebuilt is None:
        why = "the call was not rebuilt" if scenario is not None else "no scenario to score with"
        return Check(
            "result", None, f"agrees with the session list; not re-scored ({why})"
        ), None  # fmt: skip
    if stored.get("result_version") != RESULT_VERSION:
        return Check(
            "result",
            None,
            "scored under other rubric rules (result version "
            f"{_short(stored.get('result_version'))}; this callsim scores version "
            f"{RESULT_VERSION}): not re-scored",
        ), None
    again = json.loads(json.dumps(score_call(scenario, rebuilt)))
    path = _first_difference(stored, again)
    if path is None:
        return Check(
            "result",
            True,
            f"re-scored from the rebuilt call with the recorded intents: the same (score "
            f"{_short(stored.get('score'))}, {'passed' if stored.get('passed') else 'not passed'})",
        ), True
    versions = ""
    if rec.callsim_version not in (None, __version__):
        versions = f" (recorded by callsim {rec.callsim_version}, re-scored by {__version__})"
    return Check(
        "result",
        False,
        f"{path} is {_short(_at(stored, path))} in the database, {_short(_at(again, path))} when "
        f"the call is re-scored{versions}",
    ), False


def _seal_check(rec: SessionRecord, rows: list[LedgerRow], db: DatabaseReport) -> Check:
    if db.upgraded_in_memory is not None:
        return Check("seal", None, _upgrade_note(db.upgraded_in_memory))
    seals = [r for r in rows if r.kind == SEAL]
    if rec.status == "active":
        if rec.seal_hash is not None or seals:
            return Check("seal", False, "an active session carries a seal")
        return Check("seal", None, "not sealed yet: the session is still active")
    if not seals:
        return Check("seal", False, f"the session is {rec.status}, but its end was never sealed")
    if len(seals) > 1:
        return Check("seal", False, "the ledger seals this session twice")
    entry = seals[0]
    sealed = entry.detail()
    heads = (
        ("status", rec.status, "the status"),
        ("ended_at", rec.ended_at, "the end time"),
        ("event_count", rec.event_count, "the number of events"),
        ("last_hash", rec.last_hash, "the event log's last hash"),
    )
    for key, value, words in heads:
        if sealed.get(key) != value:
            return Check(
                "seal",
                False,
                f"{words} is {_short(value)}, but was {_short(sealed.get(key))} when the session "
                f"was sealed (ledger entry {entry.seq})",
            )
    digest = seal_hash(
        header_hash(rec.header()),
        status=str(rec.status),
        ended_at=rec.ended_at,
        event_count=int(rec.event_count),
        last_hash=str(rec.last_hash),
        result_json=rec.result_json,
    )
    if digest != sealed.get("seal_hash"):
        started = next((r.detail() for r in rows if r.kind == SESSION), {})
        as_recorded = seal_hash(
            str(started.get("header_hash")),
            status=str(rec.status),
            ended_at=rec.ended_at,
            event_count=int(rec.event_count),
            last_hash=str(rec.last_hash),
            result_json=rec.result_json,
        )
        what = "header" if as_recorded == sealed.get("seal_hash") else "stored result"
        return Check(
            "seal",
            False,
            f"the {what} is not the one sealed when the session ended (ledger entry {entry.seq})",
        )
    if rec.seal_hash != digest:
        return Check("seal", False, "the session's own copy of its seal has been changed")
    return Check(
        "seal", True, f"end, event head and stored result as sealed (ledger entry {entry.seq})"
    )


def _audit_check(
    store: SessionStore, rec: SessionRecord, rows: list[LedgerRow], db: DatabaseReport
) -> Check:
    marking = Marking(store)
    check, problem = marking.audit_check(rec.id)
    entries = marking.audit(rec.id)
    if problem is not None:
        action = f" ({problem.action})" if problem.action else ""
        row = _ACTION_WORDS.get(str(problem.action), str(problem.action))
        if problem.reason == "unaudited":
            what = f"a {row} row has no audit entry (added outside callsim)"
        elif problem.reason == "mismatch":
            what = (
                f"the {row} row of audit entry {problem.seq} no longer says what the entry recorded"
            )
        elif problem.reason == "no row":
            what = (
                f"the {row} row of audit entry {problem.seq} is missing (removed outside callsim)"
            )
        elif problem.reason == "truncated":
            what = (
                f"entry {problem.seq} is missing: the session recorded {rec.audit_count} entries, "
                f"{len(entries)} remain"
            )
        else:
            what = f"entry {problem.seq}{action}: {_REASONS.get(problem.reason, problem.reason)}"
        return Check("audit trail", False, what)
    if db.upgraded_in_memory is None:
        recorded = [
            (r.detail().get("audit_seq"), r.detail().get("audit_hash"), r.seq)
            for r in rows
            if r.kind == AUDIT
        ]
        for n in range(max(len(recorded), len(entries))):
            have = entries[n] if n < len(entries) else None
            got = recorded[n] if n < len(recorded) else None
            if got is None and have is not None:
                return Check(
                    "audit trail", False, f"entry {have.seq} ({have.action}) is not in the ledger: "
                    "it was added outside callsim"
                )  # fmt: skip
            if have is None and got is not None:
                return Check(
                    "audit trail", False, f"entry {got[0]} is missing: the ledger recorded it "
                    f"(ledger entry {got[2]})"
                )  # fmt: skip
            assert have is not None and got is not None
            if (have.seq, have.hash) != (got[0], got[1]):
                return Check(
                    "audit trail", False, f"entry {have.seq} ({have.action}) is not the one the "
                    f"ledger recorded (ledger entry {got[2]})"
                )  # fmt: skip
    counts = {a: sum(1 for e in entries if e.action == a) for a in ("mark", "comment", "verdict")}
    what = ", ".join(f"{n} {a}{'s' * (n != 1)}" for a, n in counts.items())
    later = {a: sum(1 for e in entries if e.action == a) for a in ("retract", "sign_off", "reopen")}
    what += "".join(f", {n} {_ACTION_WORDS[a]}{'s' * (n != 1)}" for a, n in later.items() if n)
    entries_words = "1 entry" if check.checked == 1 else f"{check.checked} entries"
    return Check(
        "audit trail",
        True,
        f"{entries_words} ({what}) match their chain, the session's head and the ledger",
    )


def _session_ledger_check(db: DatabaseReport) -> Check:
    return db.ledger


def deleted_session(db: DatabaseReport, ref: str) -> LedgerRow | None:
    """The ledger's start entry of a session that is no longer in the database, named by its
    id or a unique prefix of it (for `callsim verify` of a deleted session)."""
    ref = ref.strip().lower()
    found = [r for r in db.deleted if r.session_id and r.session_id.startswith(ref)]
    return found[0] if len(found) == 1 and ref else None


def archived_session(db: DatabaseReport, ref: str) -> LedgerRow | None:
    """The ledger's `archive` entry of a session that retention removed from the live
    database, named by its id or a unique prefix of it."""
    ref = ref.strip().lower()
    found = [r for r in db.archived if r.session_id and r.session_id.startswith(ref)]
    return found[0] if len(found) == 1 and ref else None


def archived_words(entry: LedgerRow) -> str:
    """What `verify` says of an archived session."""
    detail = entry.detail()
    return (
        f"archived: session {entry.session_id}: removed from the live database on "
        f"{entry.at[:10]} by retention, after it was archived to {detail.get('bundle')} "
        f"(sha256 {str(detail.get('bundle_sha256'))[:16]}…; ledger entry {entry.seq}); "
        "`callsim import-sessions` into another database reads it"
    )
