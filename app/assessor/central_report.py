"""A session's report made from the training centre's central store (`callsim report
--central`): the same page as a PC's report (app/assessor/report.py, whose parts it reuses),
less what only a PC's file holds. The assessors' actions are there as audit entries, shown
as the audit trail (checked against its chain); the reviewed result is not worked out from
them yet, so the result is the automatic one, the criteria show "not marked", and there is no
ledger head; the verification section is the central checks
(`app.central.check.central_checks`, passed in as plain (name, ok, detail) triples, so this
module needs nothing of app.central). Every stored text is escaped, as in a PC's report.
"""

from __future__ import annotations

from collections.abc import Sequence

from app import __version__
from app.assessor.audit import verify_entries
from app.assessor.replay import timeline
from app.assessor.report import (
    _CSS,
    Generated,
    _automatic_words,
    _criteria,
    _critical_words,
    _e,
    _ended_words,
    _evidence_section,
    _facts,
    _flags_and_log,
    _hash,
    _passed,
    _session_rows,
    _table,
    _transcript,
    _when,
    info_version,
    rubric_sha256,
    verify_text,
)
from app.assessor.reviewed import reviewed_result
from app.storage.audit_repo import AuditRow
from app.storage.errors import UnknownSessionError
from app.storage.reader import RecordReader

CheckLine = tuple[str, bool | None, str]  # (check name, ok or None: not checked, detail)


def central_report_html(
    store: RecordReader,
    session_id: str,
    *,
    checks: Sequence[CheckLine],
    where: str,
    proves: str,
    audit: Sequence[AuditRow] = (),
    generated: Generated | None = None,
) -> str:
    """The report on one session of the central store `where` (raises
    `UnknownSessionError`). `checks`: what the central checks found, in order; `proves`:
    what they prove and cannot rule out; `audit`: the session's audit rows as the central
    store holds them."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    generated = generated or Generated()
    items, duration = timeline(store.events(session_id))
    stored = store.result(session_id)
    reviewed = None if stored is None else reviewed_result(stored, {})
    bad = next((c for c in checks if c[1] is False), None)
    record = (
        '<span class="good">verified</span>'
        if bad is None
        else f'<span class="altered">ALTERED: {_e(bad[0])}: {_e(bad[2])}</span>'
    )
    recorded = _e(info_version(info)) if info_version(info) else "before callsim recorded it"
    made = [
        ["Generated", f"{_e(generated.when())} by {_e(generated.via)} --central"],
        ["By", f"OS account <b>{_e(generated.os_user)}</b>"],
        ["Read from", f"the central store {_e(where)}"],
        ["callsim", f"{_e(__version__)} made this report; the call was recorded by {recorded}"],
        ["Session", _hash(info.id)],
    ]
    meta = [*_session_rows(info, duration), ["Record", record]]
    versions = [
        ["Scenario sha256 (as played)", _hash(info.scenario_sha256)],
        ["Rubric sha256 (as scored)", _hash(rubric_sha256(stored))],
    ]
    if reviewed is not None:
        auto = _automatic_words(reviewed)
        critical, ended_by = _critical_words(reviewed), _ended_words(reviewed)
    else:
        auto, critical, ended_by = _passed(None), _e(None), _e(None)
    summary = [
        ["Automatic", auto],
        ["Critical failures (automatic)", critical],
        ["Call ended by", ended_by],
        [
            "Assessor's marks",
            '<span class="note">in the audit trail below (the reviewed result is not '
            "worked out from the central store yet)</span>",
        ],
    ]
    words = {True: '<span class="good">ok</span>', None: '<span class="note">not checked</span>'}
    words[False] = '<span class="altered">ALTERED</span>'
    rows = [[_e(name), words[ok], _e(detail)] for name, ok, detail in checks]
    flags, log = _flags_and_log(items)
    title = f"Call report: {_e(info.trainee)} &#8212; {_e(info.scenario_title)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style></head><body>",
        f"<h1>{title}</h1>",
        _facts(made),
        "<h2>Session</h2>",
        _facts(meta),
        "<h2>Versions</h2>",
        _facts(versions),
        "<h2>Verification (central store)</h2>",
        _table(["Check", "Result", "What was checked, or what differs"], rows, (16, 14, 70)),
        f"<p class='note'>{_e(proves)}</p>",
        "<h2>Result</h2>",
        _facts(summary),
        "<h2>Criteria</h2>",
        _criteria(reviewed),
        "<h2>Evidence</h2>",
        _evidence_section(reviewed),
        "<h2>Transcript</h2>",
        _transcript(items, []),
        "<h2>Flags</h2>",
        flags,
        "<h2>Incident log</h2>",
        log,
        "<h2>Audit trail</h2>",
        _audit_section(session_id, list(audit)),
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def _audit_section(session_id: str, rows: list[AuditRow]) -> str:
    """The audit entries (every mark, comment, verdict, withdrawal and sign-off), checked
    against their chain; what the assessors wrote is escaped like everything else."""
    check, entries = verify_entries(session_id, rows)
    css = "good" if check.ok else "altered"
    head = f'<p class="{css}">Audit trail {_e(verify_text(check, "entries"))}</p>'
    table = []
    for a in entries:
        d = a.detail
        why = f"<br>reason: {_e(d['reason'])}" if d.get("reason") else ""
        if a.action == "mark":
            status = f" {_e(d['status'])}" if d.get("status") else ""
            what = f"{_e(d.get('criterion_id'))}: {_e(d.get('decision'))}{status}{why}"
        elif a.action == "comment":
            what = f"<i>{_e(d.get('text'))}</i>"
        elif a.action == "verdict":
            what = f"{_e(d.get('verdict'))}{why}"
        elif a.action in ("sign_off", "reopen"):
            note = d.get("note") or d.get("reason")
            what = _e(a.action) + (f"<br>{_e(note)}" if note else "")
        else:
            what = f"{_e(a.action)}{why}"
        table.append([_e(a.seq), _when(a.at), _e(a.assessor), _e(a.action), what])
    headers = ["#", "When", "Assessor", "Action", "What"]
    return head + _table(headers, table, (5, 25, 20, 10, 40))
