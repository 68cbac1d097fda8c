"""xAPI 1.0.3 statements for finished sessions, and their outbox to the centre's LRS.

One statement per **finished** session (an interrupted call has no result, so no statement):

- **actor**: the trainee as an `account` (`homePage` = the centre's configured homepage, `name` =
  the trainee name as entered). Never an email address: callsim knows none, and the PC's user
  account is not the trainee;
- **verb**: ADL `passed` or `failed` for an assessed call with a pass mark (`failed` whenever a
  critical criterion failed), `completed` for practice mode, a result with no pass mark, or a
  result still waiting for an assessor (a critical criterion the simulator was unsure of);
- **object**: the scenario as an Activity, id = the configured base IRI + the scenario id;
- **result**: `score` (`scaled` 0..1, `raw`/`min`/`max` on callsim's 0-100 scale), `success`
  (with passed/failed), `completion`, `duration` (ISO 8601, from the session's start to its end);
- **context**: `registration`, a UUID derived from the session id, `platform`, `language`, and
  extensions: scenario sha256, callsim version, critical failures, session id, mode;
- **timestamp**: the session's end; **id**: a UUID5 of the session id, so a resend is the same
  statement and the LRS keeps one.

The outbox PUTs each statement (`PUT statements?statementId=`), with the stdlib's
`urllib.request`, and notes it in the outbox's SQLite file beside the store (table `xapi_sent`,
keyed by endpoint and statement id) only after the LRS answered 2xx, or 409 (it already holds
a statement under that id). A lost network, a timeout or a 5xx stops the run; whatever has no
note is sent by the next one. No Qt; reads the store through `SessionStore`'s public reads.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import math
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app import __version__
from app.central.errors import CentralError
from app.storage import SessionStore
from app.storage.records import SessionRecord, iso_utc, utc_now

XAPI_VERSION = "1.0.3"
VERBS = {
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
}
ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/simulation"
LANG = "en-GB"
# callsim's own names (URNs: the project has no web address of its own to resolve them).
EXT = "urn:callsim:xapi:extension:"
EXT_SHA256 = EXT + "scenario-sha256"
EXT_VERSION = EXT + "callsim-version"
EXT_CRITICAL = EXT + "critical-failures"
EXT_SESSION = EXT + "session-id"
EXT_MODE = EXT + "mode"
# Every statement and registration id is a UUID5 in this namespace (fixed forever: changing it
# would make every resend a new statement).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:callsim:xapi")
PLACEHOLDER_HOMEPAGE = "https://callsim.invalid"  # RFC 2606: names nothing real
TIMEOUT = 15.0  # seconds for one HTTP request


class XapiError(CentralError):
    """Something about xAPI or the LRS that the user or IT must act on (a located sentence)."""


@dataclass(frozen=True)
class XapiSettings:
    """Who the statements name: the centre's homepage (the trainee accounts' `homePage`) and
    the base IRI of the scenario activities (default: `<homepage>/callsim/scenarios/`)."""

    homepage: str = PLACEHOLDER_HOMEPAGE
    activity_base: str = ""

    @property
    def base(self) -> str:
        if self.activity_base:
            return (
                self.activity_base if self.activity_base.endswith("/") else self.activity_base + "/"
            )
        return self.homepage.rstrip("/") + "/callsim/scenarios/"

    @property
    def placeholder(self) -> bool:
        return self.homepage == PLACEHOLDER_HOMEPAGE

    def check(self) -> XapiSettings:
        """`XapiError` unless the homepage and the activity base are http(s) addresses (an
        LRS refuses any other account homePage or activity id)."""
        for key, value in (("homepage", self.homepage), ("activity_base", self.base)):
            parts = urllib.parse.urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise XapiError(
                    f"[lrs] {key} {value!r} is not an http(s) address, e.g. "
                    '"https://training.example"'
                )
        return self


def statement_id(session_id: str) -> str:
    """The statement's id: the same for every send of the same session."""
    return str(uuid.uuid5(NAMESPACE, f"statement:{session_id}"))


def registration_id(session_id: str) -> str:
    """`context.registration`: one attempt = one session."""
    return str(uuid.uuid5(NAMESPACE, f"registration:{session_id}"))


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration, e.g. `PT1H2M3.5S` (xAPI keeps 0.01 s precision)."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = f"{rest // 100}" if rest % 100 == 0 else f"{rest / 100:.2f}".rstrip("0")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def verb_for(mode: str, result: Mapping[str, Any] | None) -> str:
    """passed / failed / completed (see the module docstring)."""
    if mode == "practice" or result is None:
        return "completed"
    pass_mark = result.get("pass_mark")
    if not isinstance(pass_mark, int | float) or isinstance(pass_mark, bool):
        return "completed"
    if result.get("critical_failures"):
        return "failed"
    if result.get("passed") is True:
        return "passed"
    score = result.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool) and score < pass_mark:
        return "failed"
    return "completed"  # not passed, not below the mark: a critical criterion awaits an assessor


def _result(rec: SessionRecord) -> dict[str, Any] | None:
    if rec.result_json is None:
        return None
    try:
        data = json.loads(rec.result_json)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _moment(text: Any, session_id: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise XapiError(f"session {session_id}: its {what} time {text!r} is unreadable") from None


def build_statement(rec: SessionRecord, settings: XapiSettings) -> dict[str, Any]:
    """The statement for one finished session; `XapiError` for any other."""
    sid = str(rec.id)
    if rec.status != "finished":
        raise XapiError(
            f"session {sid} is {rec.status}: only a finished session has an xAPI statement"
        )
    if not str(rec.trainee or "").strip():
        raise XapiError(
            f"session {sid} has no trainee name: no xAPI statement (the LRS identifies the "
            "trainee by it)"
        )
    started = _moment(rec.started_at, sid, "start")
    ended = _moment(rec.ended_at, sid, "end")
    result = _result(rec)
    verb = verb_for(str(rec.mode), result)
    critical = [str(c) for c in (result or {}).get("critical_failures") or []]
    out: dict[str, Any] = {"completion": True}
    score = (result or {}).get("score")
    if isinstance(score, int | float) and not isinstance(score, bool) and math.isfinite(score):
        raw = min(100.0, max(0.0, float(score)))
        out["score"] = {"scaled": round(raw / 100, 4), "raw": raw, "min": 0, "max": 100}
    if verb != "completed":
        out["success"] = verb == "passed"
    out["duration"] = iso_duration((ended - started).total_seconds())
    scenario_id = str(rec.scenario_id)
    title = str(rec.scenario_title or scenario_id)
    return {
        "id": statement_id(sid),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": settings.homepage, "name": str(rec.trainee)},
        },
        "verb": {"id": VERBS[verb], "display": {LANG: verb}},
        "object": {
            "objectType": "Activity",
            "id": settings.base + urllib.parse.quote(scenario_id, safe=""),
            "definition": {
                "type": ACTIVITY_TYPE,
                "name": {LANG: title},
                "description": {LANG: f"A simulated 999 call: callsim scenario {scenario_id}"},
            },
        },
        "result": out,
        "context": {
            "registration": registration_id(sid),
            "platform": "callsim",
            "language": LANG,
            "extensions": {
                EXT_SHA256: str(rec.scenario_sha256),
                EXT_VERSION: str(rec.callsim_version or __version__),
                EXT_CRITICAL: critical,
                EXT_SESSION: sid,
                EXT_MODE: str(rec.mode),
            },
        },
        "timestamp": ended.isoformat(),
        "version": XAPI_VERSION,
    }


@dataclass
class Built:
    """Statements for a set of sessions, and why the others have none."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one sentence per session left out


def statements_for(
    store: SessionStore, settings: XapiSettings, session_ids: Iterable[str] | None = None
) -> Built:
    """Statements for `session_ids` (default: every finished session, oldest first). A session
    that is not finished, or whose chain does not verify, is skipped with the reason."""
    built = Built()
    if session_ids is None:
        infos = sorted(store.list_sessions(status="finished"), key=lambda s: s.started_at)
        session_ids = [s.id for s in infos]
    for sid in session_ids:
        rec = store.record(sid)
        if rec is None:
            built.skipped.append(f"session {sid}: not in {store.path}")
            continue
        if rec.status != "finished":
            built.skipped.append(
                f"session {sid} is {rec.status}: no xAPI statement (only finished sessions "
                "have one)"
            )
            continue
        check = store.verify(sid)
        if not check.ok:
            built.skipped.append(
                f"session {sid}: its event log does not verify ({check.reason} at event "
                f"{check.seq}); no statement. Run `callsim verify {sid}`"
            )
            continue
        try:
            built.statements.append(build_statement(rec, settings))
        except XapiError as exc:
            built.skipped.append(str(exc))
    return built


def to_json(statements: list[dict[str, Any]]) -> bytes:
    """The export file: a JSON array of statements (what `POST statements` takes)."""
    return (json.dumps(statements, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---- the LRS ----


def read_credentials(path: Path) -> tuple[str, str]:
    """(key, secret) from IT's credentials file: one line `key:secret`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise XapiError(f"{path}: no such file ([lrs] credentials_file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise XapiError(f"{path}: cannot read the LRS credentials ({exc})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1 or ":" not in lines[0] or lines[0].startswith(":"):
        raise XapiError(f"{path}:1:1: the LRS credentials file must hold one line `key:secret`")
    key, secret = lines[0].split(":", 1)
    return key, secret


def check_endpoint(endpoint: str) -> str:
    """The endpoint, ending in `/`; plain http only to this machine (credentials are sent)."""
    parts = urllib.parse.urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise XapiError(f"the LRS endpoint {endpoint!r} is not an http(s) address ([lrs] endpoint)")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise XapiError(
            f"the LRS endpoint {endpoint!r} is plain http to another machine: the credentials "
            "would cross the network unencrypted; use https ([lrs] endpoint)"
        )
    url = endpoint.strip()
    return url if url.endswith("/") else url + "/"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


Opener = Callable[[urllib.request.Request, float], Any]  # a test seam: urlopen


def _urlopen(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)  # check_endpoint: http(s) only


class LrsDown(Exception):
    """The LRS could not be reached or failed (network, timeout, 5xx): retry later."""


class LrsRefused(Exception):
    """The LRS refused this statement (a 4xx other than 409)."""

    def __init__(self, status: int, body: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {body}")


class Lrs:
    """An LRS's statements resource: PUT one statement, GET one back."""

    def __init__(
        self,
        endpoint: str,
        credentials: tuple[str, str] | None = None,
        *,
        opener: Opener | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.endpoint = check_endpoint(endpoint)
        self._auth = None
        if credentials is not None:
            token = base64.b64encode(":".join(credentials).encode("utf-8")).decode("ascii")
            self._auth = f"Basic {token}"
        self._open = opener or _urlopen
        self.timeout = timeout

    def _request(self, method: str, query: str, body: bytes | None = None) -> tuple[int, bytes]:
        url = self.endpoint + "statements?" + query
        headers = {"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._auth:
            headers["Authorization"] = self._auth
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._open(req, self.timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")[:300]
            if exc.code >= 500:
                raise LrsDown(f"the LRS answered HTTP {exc.code}: {text}") from None
            return int(exc.code), text.encode("utf-8")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise LrsDown(f"cannot reach the LRS {self.endpoint}: {reason}") from None

    def put(self, statement: Mapping[str, Any]) -> str:
        """ "sent", or "already" when the LRS holds a statement with this id (409)."""
        body = json.dumps(statement, ensure_ascii=False).encode("utf-8")
        query = urllib.parse.urlencode({"statementId": statement["id"]})
        status, text = self._request("PUT", query, body)
        if 200 <= status < 300:
            return "sent"
        if status == 409:
            return "already"
        raise LrsRefused(status, text.decode("utf-8", "replace"))

    def get(self, sid: str) -> dict[str, Any] | None:
        """The statement stored under `sid`, or None (404)."""
        status, text = self._request("GET", urllib.parse.urlencode({"statementId": sid}))
        if status == 404:
            return None
        if not 200 <= status < 300:
            raise LrsRefused(status, text.decode("utf-8", "replace"))
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("statements"), list):
            # some LRSs (ralph) answer a single-id GET as a statement result
            data = next((x for x in data["statements"] if x.get("id") == sid), None)
        return data if isinstance(data, dict) else None


class XapiSentLog:
    """Which statements reached which LRS (a table in the outbox's own SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS xapi_sent (endpoint TEXT NOT NULL, statement_id TEXT "
            "NOT NULL, session_id TEXT NOT NULL, outcome TEXT NOT NULL, sent_at TEXT NOT NULL, "
            "PRIMARY KEY (endpoint, statement_id))"
        )

    def sent_sessions(self, endpoint: str) -> set[str]:
        rows = self._conn.execute("SELECT session_id FROM xapi_sent WHERE endpoint = ?", [endpoint])
        return {str(r[0]) for r in rows}

    def note(
        self, endpoint: str, statement: Mapping[str, Any], session_id: str, outcome: str
    ) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO xapi_sent (endpoint, statement_id, session_id, outcome, "
            "sent_at) VALUES (?, ?, ?, ?, ?)",
            [endpoint, statement["id"], session_id, outcome, iso_utc(utc_now())],
        )

    def close(self) -> None:
        self._conn.close()


@dataclass
class XapiReport:
    """What one `XapiOutbox.send` did."""

    sent: list[str] = field(default_factory=list)  # session ids stored by the LRS this run
    already: list[str] = field(default_factory=list)  # the LRS already held them (409)
    problems: list[str] = field(default_factory=list)  # refused or unbuildable statements
    left: int = 0  # not attempted because the LRS went away
    error: str | None = None  # why the run stopped

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None


def sent_log_path(store: SessionStore) -> Path:
    """The outbox's own file beside the store (`app.central.outbox` uses the same one)."""
    return store.path.with_name(store.path.stem + ".outbox.sqlite")


class XapiOutbox:
    """Sends a statement for each finished session of `store` that `lrs` has not had yet."""

    def __init__(
        self,
        store: SessionStore,
        lrs: Lrs,
        settings: XapiSettings,
        *,
        sent_log: Path | None = None,
    ) -> None:
        self.store = store
        self.lrs = lrs
        self.settings = settings
        self._log = XapiSentLog(sent_log or sent_log_path(store))

    def close(self) -> None:
        self._log.close()

    def __enter__(self) -> XapiOutbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pending(self) -> list[str]:
        """Finished sessions whose statement this LRS has not had, oldest first."""
        sent = self._log.sent_sessions(self.lrs.endpoint)
        infos = sorted(self.store.list_sessions(status="finished"), key=lambda s: s.started_at)
        return [s.id for s in infos if s.id not in sent]

    def send(self) -> XapiReport:
        report = XapiReport()
        todo = self.pending()
        for n, sid in enumerate(todo):
            built = statements_for(self.store, self.settings, [sid])
            if not built.statements:
                report.problems += built.skipped
                continue
            statement = built.statements[0]
            try:
                outcome = self.lrs.put(statement)
            except LrsDown as exc:
                report.left = len(todo) - n
                report.error = f"{exc}; {report.left} statement(s) wait for the next send"
                break
            except LrsRefused as exc:
                if exc.status in (401, 403):
                    report.left = len(todo) - n
                    report.error = (
                        f"the LRS {self.lrs.endpoint} refused the credentials ({exc}): check "
                        "[lrs] credentials_file"
                    )
                    break
                report.problems.append(f"session {sid}: the LRS refused its statement ({exc})")
                continue
            self._log.note(self.lrs.endpoint, statement, sid, outcome)
            (report.sent if outcome == "sent" else report.already).append(sid)
        return report
