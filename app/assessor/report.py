"""Reports on one session: self-contained HTML (the PDF is the same HTML printed by Qt).

Every piece of stored text (what the trainee typed, caller lines, names, reasons, comments,
log entries, ids) goes through `html.escape`, so a trainee who types markup sees it printed,
never run. The page has no scripts and loads nothing from outside; the output depends only on
the database, so the same session gives the same bytes.
"""

from __future__ import annotations

import html
from typing import Any

from app.assessor.export import ProgressPoint, export_csv, fmt_t, progress
from app.assessor.marks import Marking
from app.assessor.replay import TimelineItem, timeline
from app.scenario.vocabulary import BAD, GOOD
from app.scoring.result import ReviewedResult
from app.storage import SessionStore, UnknownSessionError, VerifyResult

__all__ = ["ProgressPoint", "export_csv", "fmt_t", "progress", "report_html", "verify_text"]

_CSS = """
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 16pt; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 3px 6px; }
th { background-color: #e8e8e8; }
.good { color: #1a6b1a; } .bad { color: #a01818; } .note { color: #555; }
.altered { color: #a01818; font-weight: bold; }
""".strip()
_TABLE = '<table border="1" cellspacing="0" cellpadding="4" width="100%">'
_WHO = {"caller": "Caller", "trainee": "Trainee"}


def _e(value: Any) -> str:
    """Stored text, escaped for HTML (None as a dash)."""
    return "&#8212;" if value is None else html.escape(str(value), quote=True)


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
    """A table; `headers` are fixed words, `rows` already escaped, `widths` in percent."""
    if not rows:
        return '<p class="note">None.</p>'
    sizes = [f' width="{w}%"' for w in widths] or [""] * len(headers)
    head = "".join(f"<th{w}>{h}</th>" for h, w in zip(headers, sizes, strict=True))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>\n" for r in rows)
    return f"{_TABLE}\n<tr>{head}</tr>\n{body}</table>"


def _facts(rows: list[list[str]]) -> str:
    """A two-column table of label (fixed words) and value (already escaped)."""
    body = "".join(f'<tr><th width="30%">{k}</th><td>{v}</td></tr>\n' for k, v in rows)
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
    return _table(headers, rows, (28, 9, 13, 15, 20, 15))


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
        if a.action == "mark":
            status = f" {_e(d['status'])}" if d.get("status") else ""
            what = f"{_e(d.get('criterion_id'))}: {_e(d.get('decision'))}{status}"
        elif a.action == "comment":
            what = f"at {fmt_t(d['t']) if isinstance(d.get('t'), int | float) else '?'}"
        elif a.action == "verdict":
            what = _e(d.get("verdict"))
        else:
            what = ""
        rows.append([_e(a.seq), _when(a.at), _e(a.assessor), _e(a.action), what])
    headers = ["#", "When", "Assessor", "Action", "What"]
    return head + _table(headers, rows, (5, 25, 20, 10, 40))


def report_html(store: SessionStore, session_id: str, *, marking: Marking) -> str:
    """The whole report on one session as one HTML page (raises `UnknownSessionError`)."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    items, duration = timeline(store.events(session_id))
    check = store.verify(session_id)
    reviewed = marking.reviewed(session_id)
    comments = marking.comments(session_id)
    verdict = marking.verdict(session_id)
    integrity = (
        f'<span class="good">{_e(verify_text(check))}</span>'
        if check.ok
        else f'<span class="altered">{_e(verify_text(check))}</span>'
    )
    meta = [
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
        ["Event log", integrity],
    ]
    if reviewed is not None:
        auto = (
            f"{_passed(reviewed.get('passed'))} score {_e(reviewed.get('score'))} "
            f"(pass mark {_e(reviewed.get('pass_mark'))})"
        )
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
        crit_auto = _e(", ".join(reviewed.get("critical_failures") or []) or "none")
        crit_rev = _e(", ".join(reviewed["reviewed_critical_failures"]) or "none")
        ended_by = _e(reviewed.get("ended_by") or "nobody")
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
        [fmt_t(c.t), _e(c.text), f"{_e(c.assessor)}<br>{_when(c.at)}"] for c in comments
    ]
    flags, log = _flags_and_log(items)
    title = f"Call report: {_e(info.trainee)} &#8212; {_e(info.scenario_title)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style></head><body>",
        f"<h1>{title}</h1>",
        _facts(meta),
        "<h2>Result</h2>",
        _facts(summary),
        "<h2>Verdict</h2>",
        verdict_html,
        "<h2>Criteria: automatic and assessor</h2>",
        _criteria(reviewed),
        "<h2>Evidence</h2>",
        _evidence_section(reviewed),
        "<h2>Transcript</h2>",
        _transcript(items, comments),
        "<h2>Flags</h2>",
        flags,
        "<h2>Incident log</h2>",
        log,
        "<h2>Assessor comments</h2>",
        _table(["Time", "Comment", "By, when"], comment_rows, (10, 65, 25)),
        "<h2>Audit trail</h2>",
        _audit_summary(marking, session_id),
        "</body></html>",
        "",
    ]
    return "\n".join(parts)
