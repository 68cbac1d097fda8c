"""Reports, CSV export and progress: stored text shown literally, never run; formulas
neutralised; the database intact."""

from __future__ import annotations

import csv
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.assessor.export import export_csv, progress, safe_cell
from app.assessor.marks import Marking
from app.assessor.report import AREA, Generated, report_html, rubric_sha256
from app.storage import SessionStore
from tests.assessor_kit import DROP, SCRIPT, SHORT, record, ticking_clock

A = "Sgt <b>Jones</b>"
GENERATED = Generated(
    at=datetime(2025, 4, 1, 12, 0, tzinfo=UTC), os_user="jdoe", assessor="Alex Assessor", via=AREA
)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db", clock=ticking_clock())


@pytest.fixture
def marking(store: SessionStore) -> Marking:
    return Marking(store, clock=ticking_clock())


def test_markup_and_sql_typed_by_the_trainee_are_shown_literally(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, trainee=f"{SCRIPT} {DROP}")
    marking.comment(sid, 2.0, f"she typed {SCRIPT}", assessor=A)
    marking.mark(sid, "location", "overrule", status="missed", reason=DROP, assessor=A)
    page = report_html(store, sid, marking=marking)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert "&#x27;; DROP TABLE sessions;--" in page
    assert "<b>Jones</b>" not in page and "Sgt &lt;b&gt;Jones&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=|url\(|@import|https?://""", page, re.I)
    out = tmp_path / "results.csv"
    assert export_csv(store, out, marking=marking) == 1
    text = out.read_text(encoding="utf-8")
    assert SCRIPT in text and DROP in text
    with sqlite3.connect(tmp_path / "callsim.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
    conn.close()
    assert {"sessions", "events", "marks", "audit"} <= tables
    assert store.verify(sid).ok


def test_the_report_shows_automatic_and_assessor_side_by_side(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path)
    marking.mark(sid, "injuries", "overrule", status="missed", reason="asked too late", assessor=A)
    marking.mark(sid, "professional_tone", "score", status="met", assessor=A)
    marking.comment(sid, 30.0, "good follow-up here", assessor=A)
    marking.set_verdict(sid, "refer", reason="check the log", assessor=A)
    page = report_html(store, sid, marking=marking, generated=GENERATED)
    row = next(r for r in page.split("<tr>") if "injuries</span>" in r)
    assert "met</span>" in row and "overrule: " in row and "asked too late" in row
    for expected in (
        "good follow-up here",
        "REFER",
        "check the log",
        "Audit trail verified (4 entries)",
        "verified (",
        "ask_location",  # intents heard, in the transcript
        "misconduct_allegation",
        "14 Mill Lane",
        "0:30.0",
    ):
        assert expected in page, expected
    assert report_html(store, sid, marking=marking, generated=GENERATED) == page  # deterministic
    assert "&amp;" not in page  # nothing escaped twice


def test_an_interrupted_session_still_reports(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, finish=False)
    page = report_html(store, sid, marking=marking)
    assert "No automatic result" in page and "no result" in page
    assert "&amp;" not in page  # nothing escaped twice


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana", "Ana"),
        (" =x", " =x"),
        (71.5, "71.5"),
        (True, "yes"),
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_has_no_live_formula(store: SessionStore, marking: Marking, tmp_path: Path) -> None:
    transcript = '- log: {location: \'=HYPERLINK("http://x","y")\'}\n- end_call: true\n'
    record(store, tmp_path, transcript, trainee="=cmd|' /C calc'!A0")
    out = tmp_path / "r.csv"
    export_csv(store, out, marking=marking)
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["trainee"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["log"] == 'location: =HYPERLINK("http://x","y")'  # not at a cell's start
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())


def test_export_filters_and_order(store: SessionStore, marking: Marking, tmp_path: Path) -> None:
    # the store's clock moves 10 minutes per reading: start and finish take one each
    a = record(store, tmp_path, trainee="Ana")  # 09:00
    b = record(store, tmp_path, SHORT, trainee="Bo")  # 09:20
    c = record(store, tmp_path, trainee="Ana")  # 09:40
    out = tmp_path / "r.csv"

    def ids(**kw: object) -> list[str]:
        export_csv(store, out, marking=marking, **kw)  # type: ignore[arg-type]
        with open(out, encoding="utf-8", newline="") as f:
            return [r["session_id"] for r in csv.DictReader(f)]

    assert ids() == [a, b, c]
    assert ids(trainee="Ana") == [a, c]
    assert ids(scenario_id="nope") == []
    assert ids(since=datetime(2025, 3, 1, 9, 20, tzinfo=UTC)) == [b, c]
    assert ids(until=datetime(2025, 3, 1, 9, 20)) == [a]  # naive = UTC, exclusive
    marking.mark(b, "location", "agree", assessor="x")
    export_csv(store, out, marking=marking, trainee="Bo")
    with open(out, encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["passed"] == "no" and row["review_state"] == "in_review"
    assert row["verified"] == "yes"
    assert row["critical_failures"] == "allegation_flagged;closed_correctly"


def test_progress_is_oldest_first_with_reviewed_scores(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    first = record(store, tmp_path, SHORT)
    second = record(store, tmp_path)
    record(store, tmp_path, trainee="Someone else")
    record(store, tmp_path, finish=False)  # no score: not a point
    marking.mark(second, "closed_correctly", "overrule", status="missed", reason="x", assessor="y")
    points = progress(store, "Ana")
    assert [p.session_id for p in points] == [first, second]
    assert points[0].started_at < points[1].started_at
    assert points[0].reviewed_score is None  # not marked
    assert points[1].passed is True and points[1].reviewed_passed is False
    assert points[1].reviewed_score is not None and points[1].score is not None
    assert points[0].passed is False


# -- fit for an appeal (issue #12, item 5) ---------------------------------------------------------
def _appeal_case(store: SessionStore, marking: Marking, tmp_path: Path) -> str:
    sid = record(store, tmp_path, trainee="Ana")
    marking.mark(sid, "injuries", "overrule", status="missed", reason="asked too late", assessor=A)
    marking.comment(sid, 30.0, "good follow-up here", assessor=A)
    marking.set_verdict(sid, "refer", reason="second opinion on injuries", assessor=A)
    marking.set_verdict(sid, "pass", reason="agreed with the IQA", assessor="Sam Second")
    return sid


def test_the_report_says_who_made_it_when_and_with_which_versions(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    from app import __version__
    from app.services.catalog import ScenarioCatalog
    from tests.conftest import SCENARIOS

    sid = _appeal_case(store, marking, tmp_path)
    page = report_html(
        store, sid, marking=marking, scenarios=ScenarioCatalog(SCENARIOS), generated=GENERATED
    )
    info = store.session(sid)
    result = store.result(sid)
    assert info is not None and result is not None
    for expected in (
        "2025-04-01 12:00:00 UTC by the assessor area",
        "OS account <b>jdoe</b>; signed in to the assessor area as <b>Alex Assessor</b>",
        f"{__version__} made this report; the call was recorded by callsim {__version__}",
        f'<span class="hash">{sid}</span>',
        f'<span class="hash">{info.scenario_sha256}</span>',
        f'<span class="hash">{rubric_sha256(result)}</span>',
        "23 criteria, pass mark 70; scoring rules 2",
        "the version played is in the scenario folder (found by its sha256)",
        # the verification, the rebuild and the re-score, and what they prove
        f"verified: session {sid[:12]}: nothing differs (10 checks; rebuilt and re-scored: "
        "the same)",
        "give the same",
        "re-scored from the rebuilt call with the recorded intents: the same",
        "This proves:",
        "It cannot rule out: a complete, consistent rewrite",
        # the whole verdict history, with reasons
        "<b>REFER</b>",
        "second opinion on injuries",
        "<b>PASS</b> <span class='note'>(current)</span>",
        "agreed with the IQA",
        "reason: asked too late",  # the audit trail says why, too
        # and a place to sign
        "<h2>Signatures</h2>",
        "Second assessor / IQA",
    ):
        assert expected in page, expected
    assert page.index("<b>REFER</b>") < page.index("<b>PASS</b> <span")  # oldest first
    from app.storage.ledger import LedgerRepo

    head = LedgerRepo(store).read().head
    assert head is not None  # the anchor a later copy is checked against (--expect-head)
    assert f'{head[0]} entries, head <span class="hash">{head[1]}</span>' in page


def test_an_altered_record_is_said_in_the_report(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, SHORT)
    path = tmp_path / "callsim.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TRIGGER sessions_sealed")
        conn.execute("UPDATE sessions SET score = 95")
    conn.close()
    page = report_html(store, sid, marking=marking, generated=GENERATED)
    assert "ALTERED: see Verification" in page
    assert f"ALTERED: session {sid[:12]}: result: the session list&#x27;s score column" in page
    assert "not rebuilt (no scenario catalog given)" in page  # said, not hidden


def test_every_table_header_stays_whole_and_repeats(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    sid = _appeal_case(store, marking, tmp_path)
    page = report_html(store, sid, marking=marking, generated=GENERATED)
    headers = re.findall(r"<th\b[^>]*>", page)
    assert headers and all("white-space: nowrap" in h for h in headers)
    for table in re.findall(r"<table.*?</table>", page, re.S):
        facts = '<tr><th width="30%"' in table  # label | value: no header row
        assert facts or "<thead><tr><th" in table, table[:200]


def test_long_typed_words_may_break_but_hashes_never(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    long = "z" * 100
    sid = record(store, tmp_path, f"- say: hello {long}\n- end_call: true\n")
    page = report_html(store, sid, marking=marking, generated=GENERATED)
    assert long not in page and "z" * 32 + "\u200b" + "z" * 32 in page
    assert sid in page  # ids and hashes in full, to copy and compare


def test_the_rubric_fingerprint_follows_the_rubric() -> None:
    result = {
        "pass_mark": 70,
        "criteria": {"a": {"title": "A", "weight": 2, "critical": False, "kind": "required"}},
    }
    same = rubric_sha256(dict(result))
    assert same == rubric_sha256(result) and same is not None and len(same) == 64
    heavier = {**result, "criteria": {"a": {**result["criteria"]["a"], "weight": 3}}}  # type: ignore[dict-item]
    assert rubric_sha256(heavier) != same
    assert rubric_sha256({**result, "pass_mark": 60}) != same
    assert rubric_sha256(None) is None


def test_bidi_controls_are_written_out_in_the_report_and_the_csv(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    rlo = "\u202e"
    sid = record(store, tmp_path, trainee=f"{rlo}enal lliM 41")
    marking.comment(sid, 2.0, f"see {rlo}enal lliM 41", assessor=A)
    page = report_html(store, sid, marking=marking, generated=GENERATED)
    assert rlo not in page
    assert "&lt;U+202E&gt;enal lliM 41" in page
    out = tmp_path / "results.csv"
    assert export_csv(store, out, marking=marking) == 1
    text = out.read_text(encoding="utf-8")
    assert rlo not in text and "<U+202E>enal lliM 41" in text


def test_export_has_a_column_per_criterion_the_flags_and_the_reasons(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    """An assessor filters a cohort by one criterion in a spreadsheet: each criterion has its
    own column holding the status that stands (the assessor's where overruled), and the
    reasons and the flags raised are there too."""
    sid = record(store, tmp_path)
    auto = store.result(sid)
    assert auto is not None
    statuses = {cid: c["status"] for cid, c in auto["criteria"].items()}
    flipped = "missed" if statuses["location"] == "met" else "met"
    marking.mark(sid, "location", "overrule", status=flipped, reason="=not on the log", assessor=A)
    out = tmp_path / "r.csv"
    export_csv(store, out, marking=marking)
    with open(out, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        (row,) = list(reader)
        header = reader.fieldnames or []
    assert [h for h in header if h.startswith("criterion:")] == [
        f"criterion:{cid}" for cid in auto["criteria"]
    ]  # in the rubric's order
    assert row["criterion:location"] == flipped  # the assessor's status stands
    others = {cid: s for cid, s in statuses.items() if cid != "location"}
    assert {cid: row[f"criterion:{cid}"] for cid in others} == others
    assert row["mark_reasons"] == "location: =not on the log"  # not a formula: not at the start
    raised = sorted(f["flag"] for f in auto["flags"] if f["raised"])
    assert raised and row["flags"] == ";".join(raised)


def test_export_of_two_scenarios_has_the_criteria_of_both(
    store: SessionStore, marking: Marking, tmp_path: Path
) -> None:
    from app.scenario.loader import load_scenario
    from tests.conftest import SCENARIOS

    other = load_scenario(SCENARIOS / "burglary-welfare.yaml")
    a = record(store, tmp_path)
    b = record(store, tmp_path, "- say: what's happened?\n- end_call: true\n", scenario=other)
    out = tmp_path / "r.csv"
    export_csv(store, out, marking=marking)
    with open(out, encoding="utf-8", newline="") as f:
        rows = {r["session_id"]: r for r in csv.DictReader(f)}
    ours = {c.id for c in other.rubric.criteria}
    theirs = set((store.result(a) or {})["criteria"]) - ours
    assert theirs and all(rows[b][f"criterion:{c}"] == "" for c in theirs)  # not in its rubric
    assert all(rows[b][f"criterion:{c}"] for c in ours)
