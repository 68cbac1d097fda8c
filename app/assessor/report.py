"""Reports on one session, fit for an appeal: self-contained HTML (the PDF is the same HTML
laid out by Qt, with the session id and "page X of Y" on every page: app/ui/reports/pdf.py).

A report says when it was made, from which account (the OS user, and the assessor signed
in), by which callsim; which scenario and rubric versions the call was played and scored
with (sha256); what `callsim verify` found, the rebuild and the re-score included; the full
history of verdicts and marks with their reasons; and ends with a signature block.

Every piece of stored text (what the trainee typed, caller lines, names, reasons, comments,
log entries, ids) goes through `html.escape`, so a trainee who types markup sees it printed,
never run. The page has no scripts and loads nothing from outside; the output depends only on
the database and `Generated`, so the same session and the same `Generated` give the same
bytes. Table headers never break inside a word, and rows stay together on a page (the PDF).
"""

from __future__ import annotations

import getpass
import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app import __version__
from app.assessor.export import ProgressPoint, export_csv, fmt_t, progress
from app.assessor.marks import Marking, Retraction, SignOff
from app.assessor.replay import TimelineItem, timeline
from app.assessor.verify import (
    CANNOT,
    PROVES,
    ScenarioFinder,
    Verification,
    verify_session,
)
from app.scenario.vocabulary import BAD, GOOD
from app.scoring.result import ReviewedResult
from app.storage import SessionInfo, SessionStore, UnknownSessionError, VerifyResult
from app.storage.chain import canonical_json
from app.storage.ledger import LedgerRepo
from app.text.clean import shown

__all__ = [
    "Generated",
    "ProgressPoint",
    "export_csv",
    "fmt_t",
    "progress",
    "report_html",
    "rubric_sha256",
    "verify_text",
]


AREA = "the assessor area"  # `Generated.via` for a report saved from the replay screen


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in the environment or passwd
        return "unknown"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Generated:
    """Who made a report, when and how (shown at its top and on every PDF page)."""

    at: datetime = field(default_factory=_now)
    os_user: str = field(default_factory=_os_user)
    assessor: str | None = None  # the assessor signed in to the assessor area, if any
    via: str = "callsim report"  # "callsim report" (command line) or AREA
    account: bool = False  # `assessor` is the account signed in with (not a typed name)

    def when(self) -> str:
        moment = self.at if self.at.tzinfo is not None else self.at.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def rubric_sha256(result: dict[str, Any] | None) -> str | None:
    """A fingerprint of the rubric as the call was scored: the sha256 of the criteria (id,
    title, weight, critical, kind, in rubric order) and the pass mark from the stored result.
    Any change to the rubric that changes how calls are scored changes it."""
    if not result or not isinstance(result.get("criteria"), dict):
        return None
    criteria = [
        {k: c.get(k) for k in ("title", "weight", "critical", "kind")} | {"id": cid}
        for cid, c in result["criteria"].items()
        if isinstance(c, dict)
    ]
    body = {"pass_mark": result.get("pass_mark"), "criteria": criteria}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def pdf_footer(info: SessionInfo, generated: Generated) -> str:
    """The line on every PDF page, before "page X of Y"."""
    return f"callsim {__version__} report · session {info.id} · generated {generated.when()}"


_CSS = """
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 16pt; }
table { border-collapse: collapse; page-break-inside: avoid; }
tr { page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; padding: 3px 6px; }
th { background-color: #e8e8e8; white-space: nowrap; }
.good { color: #1a6b1a; } .bad { color: #a01818; } .note { color: #555; }
.altered { color: #a01818; font-weight: bold; }
.hash { font-family: monospace; font-size: 8pt; }
""".strip()
_TABLE = '<table border="1" cellspacing="0" cellpadding="4" width="100%">'
_WHO = {"caller": "Caller", "trainee": "Trainee"}


LONG_TOKEN = 32  # characters without a space, beyond which a word may break


def _breakable(text: str) -> str:
    """`text` with a zero-width space every LONG_TOKEN characters inside a longer word, so a
    trainee's 300-character string wraps inside its column instead of widening the table
    past the page (the PDF breaks lines between words only)."""
    return re.sub(
        rf"\S{{{LONG_TOKEN},}}",
        lambda m: "\u200b".join(
            m.group(0)[i : i + LONG_TOKEN] for i in range(0, len(m.group(0)), LONG_TOKEN)
        ),
        text,
    )


def _e(value: Any) -> str:
    """Stored text, escaped for HTML (None as a dash); overlong words made breakable."""
    if value is None:
        return "&#8212;"
    return html.escape(_breakable(shown(str(value))), quote=True)  # bidi written out


def verify_text(check: VerifyResult, what: str = "events") -> str:
    if check.ok:
        return f"verified ({check.checked} {what})"
    where = f"seq {check.seq}" if check.seq is not None else "(no seq)"
    noun = "event" if what == "events" else "entry"
    return f"ALTERED: first altered {noun} {where} ({check.reason})"


def _status(status: Any) -> str:
    text = str(status)
    css = "good" if text in GOOD else "bad" if text in BAD else "note"
    return f'<span class="{css}">{_e(status)}</span>'


def _passed(passed: Any) -> str:
    if passed is None:
        return '<span class="note">no result</span>'
    return '<span class="good">PASSED</span>' if passed else '<span class="bad">NOT PASSED</span>'


def _table(headers: list[str], rows: list[list[str]], widths: tuple[int, ...] = ()) -> str:
    """A table; `headers` are fixed words (never broken inside a word, and repeated at the top
    of each PDF page the table runs onto), `rows` already escaped, `widths` in percent."""
    if not rows:
        return '<p class="note">None.</p>'
    sizes = [f' width="{w}%"' for w in widths] or [""] * len(headers)
    head = "".join(
        f'<th{w} style="white-space: nowrap">{h}</th>' for h, w in zip(headers, sizes, strict=True)
    )
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>\n" for r in rows)
    return f"{_TABLE}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>"


def _facts(rows: list[list[str]]) -> str:
    """A two-column table of label (fixed words) and value (already escaped)."""
    body = "".join(
        f'<tr><th width="30%" style="white-space: nowrap">{k}</th><td>{v}</td></tr>\n'
        for k, v in rows
    )
    return f"{_TABLE}\n{body}</table>"


def _when(at: Any) -> str:
    """A stored ISO 8601 UTC time, shortened for reading (escaped)."""
    text = str(at)
    if len(text) >= 19 and text[10] == "T" and text.endswith("+00:00"):
        return _e(f"{text[:10]} {text[11:19]} UTC")
    return _e(text)


def _evidence(ev: Any) -> str:
    if not isinstance(ev, dict):
        return _e(ev)
    parts = [fmt_t(ev["t"]) if isinstance(ev.get("t"), int | float) else "?"]
    if ev.get("turn") is not None:
        parts.append(f"turn {_e(ev['turn'])}")
    for key in ("flag", "field", "ended_by"):
        if ev.get(key) is not None:
            parts.append(f"{key} {_e(ev[key])}")
    text = f": &#8220;{_e(ev['text'])}&#8221;" if ev.get("text") is not None else ""
    return " ".join(parts) + text


def _criteria(reviewed: ReviewedResult | None) -> str:
    if reviewed is None:
        return '<p class="note">No automatic result: the call did not finish.</p>'
    rows = []
    for cid, c in reviewed.get("criteria", {}).items():
        if not isinstance(c, dict):
            continue
        mark = c.get("assessor")
        crit = " (critical)" if c.get("critical") else ""
        name = f"<b>{_e(c.get('title', cid))}</b>{crit}<br><span class='note'>{_e(cid)}</span>"
        if isinstance(mark, dict):
            decision = _e(mark.get("decision"))
            given = f"{decision}: {_status(c.get('reviewed_status'))}"
            reason = _e(mark.get("reason") or "")
            who = f"{_e(mark.get('assessor'))}<br>{_when(mark.get('at'))}"
        else:
            given = '<span class="note">not marked</span>'
            reason = who = ""
        rows.append([name, _e(c.get("weight")), _status(c.get("status")), given, reason, who])
    headers = ["Criterion", "Weight", "Automatic", "Assessor", "Reason", "By, when"]
    return _table(headers, rows, (25, 9, 14, 15, 21, 16))


def _evidence_section(reviewed: ReviewedResult | None) -> str:
    if reviewed is None:
        return '<p class="note">None.</p>'
    rows = []
    for cid, c in reviewed.get("criteria", {}).items():
        if not isinstance(c, dict):
            continue
        found = [_evidence(x) for x in c.get("evidence", []) or []]
        feedback = f"<br><span class='note'>{_e(c['feedback'])}</span>" if c.get("feedback") else ""
        body = "<br>".join(found) if found else '<span class="note">no evidence</span>'
        rows.append([_e(cid), body + feedback])
    return _table(["Criterion", "Evidence"], rows, (25, 75))


def _transcript(items: list[TimelineItem], comments: list[Any]) -> str:
    rows: list[list[str]] = []
    pending = sorted(comments, key=lambda c: (c.t, c.id))

    def flush(until: float | None) -> None:
        while pending and (until is None or pending[0].t < until - 1e-9):
            c = pending.pop(0)
            note = f"<i>{_e(c.text)}</i> <span class='note'>({_e(c.assessor)})</span>"
            rows.append([fmt_t(c.t), "<i>Assessor</i>", note, ""])

    for item in items:
        flush(item.t)
        if item.kind in _WHO:
            intents = item.detail.get("intents") if item.kind == "trainee" else None
            heard = ", ".join(_e(i) for i in intents) if isinstance(intents, list) else ""
            if item.kind == "trainee" and not heard:
                heard = '<span class="note">(no intent)</span>'
            rows.append([fmt_t(item.t), _WHO[item.kind], _e(item.text), heard])
        elif item.kind in ("closing_attempt", "mark", "silence", "ended"):
            label = "marked: " + _e(item.text) if item.kind == "mark" else _e(item.text)
            rows.append([fmt_t(item.t), "", f'<span class="note">[{label}]</span>', ""])
    flush(None)
    return _table(["Time", "Who", "What was said", "Intents heard"], rows, (10, 10, 55, 25))


def _flags_and_log(items: list[TimelineItem]) -> tuple[str, str]:
    flags = [
        [fmt_t(i.t), _e(i.text), "raised" if i.kind == "flag_raised" else "lowered"]
        for i in items
        if i.kind in ("flag_raised", "flag_lowered")
    ]
    log = [
        [fmt_t(i.t), _e(i.detail.get("field")), _e(i.detail.get("value"))]
        for i in items
        if i.kind == "log"
    ]
    return (
        _table(["Time", "Flag", "Change"], flags, (10, 60, 30)),
        _table(["Time", "Field", "Text"], log, (10, 25, 65)),
    )


def _audit_summary(marking: Marking, session_id: str) -> str:
    check = marking.verify_audit(session_id)
    entries = marking.audit(session_id)
    css = "good" if check.ok else "altered"
    head = f'<p class="{css}">Audit trail {_e(verify_text(check, "entries"))}</p>'
    rows = []
    for a in entries:
        d = a.detail
        why = f"<br>reason: {_e(d['reason'])}" if d.get("reason") else ""
        if a.action == "mark":
            status = f" {_e(d['status'])}" if d.get("status") else ""
            what = f"{_e(d.get('criterion_id'))}: {_e(d.get('decision'))}{status}{why}"
        elif a.action == "comment":
            when = fmt_t(d["t"]) if isinstance(d.get("t"), int | float) else "?"
            what = f"at {when}: <i>{_e(d.get('text'))}</i>"
        elif a.action == "verdict":
            what = f"{_e(d.get('verdict'))}{why}"
        elif a.action == "retract":
            what = f"comment {_e(d.get('comment_id'))} withdrawn{why}"
        elif a.action == "sign_off":
            note = f"<br>note: {_e(d['note'])}" if d.get("note") else ""
            what = f"signed off: session locked{note}"
        elif a.action == "reopen":
            what = f"reopened{why}"
        elif a.action == "moderation_request":
            what = f"blind second marking asked of {_e(d.get('second_assessor'))}"
        elif a.action in ("second_mark", "moderation_resolve"):
            kind = "second mark" if a.action == "second_mark" else "resolved"
            what = f"{kind}: {_e(d.get('criterion_id'))} {_e(d.get('status'))}{why}"
        elif a.action == "second_submit":
            what = "second marking submitted"
        else:
            what = ""
        rows.append([_e(a.seq), _when(a.at), _e(a.assessor), _e(a.action), what])
    headers = ["#", "When", "Assessor", "Action", "What"]
    return head + _table(headers, rows, (5, 25, 20, 10, 40))


def _session_rows(info: SessionInfo, duration: float) -> list[list[str]]:
    """The session facts every report starts with (a PC's and the central store's)."""
    return [
        ["Trainee", _e(info.trainee)],
        [
            "Scenario",
            f"{_e(info.scenario_title)} <span class='note'>({_e(info.scenario_id)})</span>",
        ],
        ["Date", _e(info.started_at.strftime("%Y-%m-%d %H:%M UTC"))],
        ["Mode", _e(info.mode)],
        ["Status", _e(info.status)],
        ["Duration", fmt_t(duration)],
        ["Session", _e(info.id)],
    ]


def _automatic_words(reviewed: Mapping[str, Any]) -> str:
    return (
        f"{_passed(reviewed.get('passed'))} score {_e(reviewed.get('score'))} "
        f"(pass mark {_e(reviewed.get('pass_mark'))})"
    )


def _critical_words(reviewed: Mapping[str, Any]) -> str:
    return _e(", ".join(reviewed.get("critical_failures") or []) or "none")


def _ended_words(reviewed: Mapping[str, Any]) -> str:
    return _e(reviewed.get("ended_by") or "nobody")


def _hash(value: Any) -> str:
    """A hash or id in full, unbroken (it is copied to compare)."""
    if not value:
        return '<span class="note">none</span>'
    return f'<span class="hash">{html.escape(str(value), quote=True)}</span>'


def _generation(
    generated: Generated, info: SessionInfo, head: tuple[int, str] | None
) -> list[list[str]]:
    user = f"OS account <b>{_e(generated.os_user)}</b>"
    if generated.via == AREA:
        who = _e(generated.assessor or "(no name)")
        account = f"{user}; signed in to the assessor area as <b>{who}</b>"
    elif generated.assessor and generated.account:
        account = f"{user}; signed in with the assessor account <b>{_e(generated.assessor)}</b>"
    elif generated.assessor:
        account = (
            f"{user}; the assessor passphrase was given, by <b>{_e(generated.assessor)}</b> "
            "(as they named themselves)"
        )
    else:
        account = f"{user}; the assessor passphrase was given (no assessor named)"
    recorded = _e(info_version(info)) if info_version(info) else "before callsim recorded it"
    return [
        ["Generated", f"{_e(generated.when())} by {_e(generated.via)}"],
        ["By", account],
        ["callsim", f"{_e(__version__)} made this report; the call was recorded by {recorded}"],
        ["Session", _hash(info.id)],
        [
            "Database ledger",
            (
                f"{head[0]} entries, head {_hash(head[1])}<br><span class='note'>Any later "
                "copy of this database must still hold this head: <code>callsim verify "
                "--expect-head</code> checks it.</span>"
            )
            if head is not None
            else '<span class="note">no ledger (a database from an older callsim)</span>',
        ],
    ]


def info_version(info: SessionInfo) -> str | None:
    return f"callsim {info.callsim_version}" if info.callsim_version else None


def _versions(
    info: SessionInfo, stored: dict[str, Any] | None, verification: Verification
) -> list[list[str]]:
    rebuild = verification.check("rebuild")
    here = _e(rebuild.detail) if rebuild is not None and rebuild.ok is None else ""
    if rebuild is not None and rebuild.ok is not None:
        here = "the version played is in the scenario folder (found by its sha256)"
    rows = [
        [
            "Scenario",
            f"{_e(info.scenario_title)} <span class='note'>({_e(info.scenario_id)})</span>",
        ],
        ["Scenario sha256 (as played)", _hash(info.scenario_sha256)],
        ["Scenario file today", here or '<span class="note">not looked for</span>'],
    ]
    criteria = stored.get("criteria") if stored else None
    if stored is not None and isinstance(criteria, dict):
        pass_mark, rules = _e(stored.get("pass_mark")), _e(stored.get("result_version"))
        rows.append(
            ["Rubric", f"{len(criteria)} criteria, pass mark {pass_mark}; scoring rules {rules}"]
        )
        rows.append(["Rubric sha256 (as scored)", _hash(rubric_sha256(stored))])
    else:
        rows.append(["Rubric", '<span class="note">no result: the call did not finish</span>'])
    return rows


def _verification(verification: Verification) -> str:
    problem = verification.problem
    if problem is None:
        head = f'<p class="good"><b>{_e(verification.headline())}</b></p>'
    else:
        head = f'<p class="altered">{_e(verification.headline())}</p>'
    words = {
        True: '<span class="good">ok</span>',
        None: '<span class="note">not checked</span>',
    }
    words[False] = '<span class="altered">ALTERED</span>'
    rows = [[_e(c.name), words[c.ok], _e(c.detail)] for c in verification.checks]
    table = _table(["Check", "Result", "What was checked, or what differs"], rows, (16, 14, 70))
    return f"{head}{table}<p class='note'>{_e(PROVES)}<br>{_e(CANNOT)}</p>"


def _signed_head(store: SessionStore, session_id: str) -> list[str]:
    """The "Signed head" section (issue 13): this session's heads and the ledger head, signed
    with the centre's key, when the configuration names one; nothing otherwise."""
    from app.assessor.heads import canonical_statement, configured_session_head

    found = configured_session_head(store, session_id)
    if found is None:
        return []
    if isinstance(found, str):
        return ["<h2>Signed head</h2>", f'<p class="altered">Not signed: {_e(found)}</p>']
    body = found["signed"]
    heads = body["sessions"][0]
    ledger = body.get("ledger") or {}
    rows = [
        ["Signed at", _e(body.get("made_at"))],
        ["Header hash", _hash(heads.get("header_hash"))],
        [
            "Event log head",
            f"{_e(heads.get('event_count'))} events, {_hash(heads.get('last_hash'))}",
        ],
        ["Seal", _hash(heads.get("seal_hash"))],
        [
            "Audit trail head",
            f"{_e(heads.get('audit_count'))} entries, {_hash(heads.get('audit_hash'))}",
        ],
        ["Ledger head", f"{_e(ledger.get('count'))} entries, {_hash(ledger.get('hash'))}"],
        ["Key fingerprint", f"{_e(found.get('algorithm'))} {_hash(found.get('key_fingerprint'))}"],
        ["Signature", _hash(found.get("signature"))],
        [
            "Signed statement",
            f'<span class="hash">{html.escape(canonical_statement(found), quote=True)}</span>',
        ],
    ]
    note = (
        "<p class='note'>Signed with the centre's private key. Save the statement and the "
        "signature as a heads file (the JSON above) and any later copy of this database can be "
        "checked against it: <code>callsim verify --heads FILE</code>. A rewrite of this "
        "session's chains no longer matches it.</p>"
    )
    return ["<h2>Signed head</h2>", _facts(rows), note]


def _verdict_history(marking: Marking, session_id: str) -> str:
    verdicts = marking.verdicts(session_id)
    rows = []
    for n, v in enumerate(verdicts, 1):
        current = " <span class='note'>(current)</span>" if n == len(verdicts) else ""
        rows.append(
            [
                str(n),
                f"<b>{_e(v.verdict.upper())}</b>{current}",
                _e(v.reason) if v.reason else '<span class="note">(no reason needed)</span>',
                _e(v.assessor),
                _when(v.at),
            ]
        )
    return _table(["#", "Verdict", "Reason", "Assessor", "When"], rows, (5, 14, 46, 17, 18))


def _signed_words(signed: SignOff | None) -> str:
    if signed is None:
        return '<span class="note">not signed off (open to changes)</span>'
    return f"signed off by {_e(signed.assessor)}, {_when(signed.at)} (locked)"


def _signed_line(signed: SignOff | None) -> str:
    """The sign-off recorded in callsim, above the signature table."""
    if signed is None:
        return '<p class="note">Not signed off in callsim: the marks can still change.</p>'
    note = f" &#8212; {_e(signed.note)}" if signed.note else ""
    return (
        f"<p><b>Signed off in callsim by {_e(signed.assessor)}, {_when(signed.at)}</b>{note}"
        "<br><span class='note'>No mark, comment or verdict can be added unless it is "
        "reopened (audited).</span></p>"
    )


def _comment_text(comment: Any, withdrawn: Retraction | None) -> str:
    """A comment; a withdrawn one struck through, with who withdrew it, when and why."""
    if withdrawn is None:
        return _e(comment.text)
    return (
        f"<s>{_e(comment.text)}</s><br><span class='note'>withdrawn by "
        f"{_e(withdrawn.assessor)}, {_when(withdrawn.at)}: {_e(withdrawn.reason)}</span>"
    )


_SIGN_CELL = "<td></td>"
_SIGNATURES = (
    '<table border="1" cellspacing="0" cellpadding="6" width="100%">\n'
    '<thead><tr><th width="22%" style="white-space: nowrap">Role</th>'
    '<th width="28%" style="white-space: nowrap">Name</th>'
    '<th width="32%" style="white-space: nowrap">Signature</th>'
    '<th width="18%" style="white-space: nowrap">Date</th></tr></thead>\n<tbody>\n'
    + "".join(
        # Room to sign: Qt's rich text ignores a cell's height and padding, not its lines.
        f"<tr><td>{role}<br>&#160;<br>&#160;</td>{_SIGN_CELL * 3}</tr>\n"
        for role in ("Assessor", "Second assessor / IQA", "Trainee (seen)")
    )
    + "</tbody></table>\n"
    '<p class="note">By signing, the assessor confirms that this report was generated by '
    "callsim from the session above, and that the verification section was read.</p>"
)


def report_html(
    store: SessionStore,
    session_id: str,
    *,
    marking: Marking,
    scenarios: ScenarioFinder | None = None,
    verification: Verification | None = None,
    generated: Generated | None = None,
) -> str:
    """The whole report on one session as one HTML page (raises `UnknownSessionError`).

    `verification`: what `verify_session` found, if already known; else it is made here, with
    the call rebuilt and re-scored when `scenarios` can find the version played.
    `generated`: who makes the report and when (default: now, this OS account)."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    generated = generated or Generated()
    items, duration = timeline(store.events(session_id))
    check = store.verify(session_id)
    if verification is None:
        verification = verify_session(store, session_id, scenarios=scenarios)
    stored = store.result(session_id)
    reviewed = marking.reviewed(session_id)
    comments = marking.comments(session_id)
    withdrawn = marking.retractions(session_id)
    signed = marking.signed_off(session_id)
    verdict = marking.verdict(session_id)
    integrity = (
        f'<span class="good">{_e(verify_text(check))}</span>'
        if check.ok
        else f'<span class="altered">{_e(verify_text(check))}</span>'
    )
    meta = [
        *_session_rows(info, duration),
        ["Sign-off", _signed_words(signed)],
        ["Event log", integrity],
        [
            "Record",
            '<span class="good">verified</span>'
            if verification.ok
            else '<span class="altered">ALTERED: see Verification</span>',
        ],
    ]
    if reviewed is not None:
        auto = _automatic_words(reviewed)
        after = f"{_passed(reviewed['reviewed_passed'])} score {_e(reviewed['reviewed_score'])}"
        unscored = reviewed.get("unscored_manual") or []
        if unscored:
            after += f" <span class='note'>(not yet scored: {_e(', '.join(unscored))})</span>"
        open_checks = reviewed.get("reviewed_checks") or []
        if open_checks:
            after += (
                " <span class='note'>(the simulator was unsure; still to check: "
                f"{_e(', '.join(open_checks))})</span>"
            )
        crit_auto, ended_by = _critical_words(reviewed), _ended_words(reviewed)
        crit_rev = _e(", ".join(reviewed["reviewed_critical_failures"]) or "none")
    else:
        auto = after = _passed(None)
        crit_auto = crit_rev = ended_by = _e(None)
    summary = [
        ["Automatic", auto],
        ["After the assessor's marks", after],
        ["Critical failures (automatic)", crit_auto],
        ["Critical failures (after marks)", crit_rev],
        ["Call ended by", ended_by],
    ]
    if verdict is not None:
        why = f" &#8212; {_e(verdict.reason)}" if verdict.reason else ""
        verdict_html = (
            f"<p><b>{_e(verdict.verdict.upper())}</b>{why}<br>"
            f"<span class='note'>{_e(verdict.assessor)}, {_when(verdict.at)}</span></p>"
        )
    else:
        verdict_html = '<p class="note">No verdict yet.</p>'
    comment_rows = [
        [fmt_t(c.t), _comment_text(c, withdrawn.get(c.id)), f"{_e(c.assessor)}<br>{_when(c.at)}"]
        for c in comments
    ]
    flags, log = _flags_and_log(items)
    title = f"Call report: {_e(info.trainee)} &#8212; {_e(info.scenario_title)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style></head><body>",
        f"<h1>{title}</h1>",
        _facts(_generation(generated, info, LedgerRepo(store).read().head)),
        "<h2>Session</h2>",
        _facts(meta),
        "<h2>Versions</h2>",
        _facts(_versions(info, stored, verification)),
        "<h2>Verification</h2>",
        _verification(verification),
        *_signed_head(store, session_id),
        "<h2>Result</h2>",
        _facts(summary),
        "<h2>Verdict</h2>",
        verdict_html,
        "<h2>Verdict history</h2>",
        _verdict_history(marking, session_id),
        "<h2>Criteria: automatic and assessor</h2>",
        _criteria(reviewed),
        "<h2>Evidence</h2>",
        _evidence_section(reviewed),
        "<h2>Transcript</h2>",
        _transcript(items, [c for c in comments if c.id not in withdrawn]),
        "<h2>Flags</h2>",
        flags,
        "<h2>Incident log</h2>",
        log,
        "<h2>Assessor comments</h2>",
        _table(["Time", "Comment", "By, when"], comment_rows, (10, 65, 25)),
        "<h2>Audit trail</h2>",
        _audit_summary(marking, session_id),
        "<h2>Signatures</h2>",
        _signed_line(signed),
        _SIGNATURES,
        "</body></html>",
        "",
    ]
    return "\n".join(parts)
