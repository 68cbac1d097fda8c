"""`callsim moderation ...`: the blind second marking from a script, the agreement, the lead's
resolution and the centre report; refusals are one located line with exit status 2."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.assessor.auth import AssessorAuth
from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import SCRIPT, record

Capture = pytest.CaptureFixture[str]
PASSPHRASE = "assessors only"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    monkeypatch.setenv("CALLSIM_PASSPHRASE_FILE", str(secret))
    return folder / "callsim.db"


@pytest.fixture
def sid(db: Path, tmp_path: Path) -> str:
    with SessionStore(db) as store:
        found = record(store, tmp_path, trainee=SCRIPT)
        AssessorAuth(store).set_passphrase(PASSPHRASE)
        m = Marking(store)
        m.mark(
            found, "caller_details", "overrule", status="met", reason="FIRSTREASON", assessor="A"
        )
        m.mark(found, "professional_tone", "score", status="met", assessor="A")
    return found


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(["moderation", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_blind_marking_agreement_and_resolution(db: Path, sid: str, capsys: Capture) -> None:
    code, _, err = run(capsys, "request", sid[:8], "--second", "B", "--assessor", "Lead")
    assert code == 0 and "B asked" in err
    code, out, err = run(capsys, "show", sid, "--assessor", "B")
    assert code == 0 and "blind second marking" in err
    assert "FIRST" not in out and "FIRSTREASON" not in out and "(A)" not in out
    assert "caller_details" in out and "missed" in out  # the automatic result is shown
    code, out, _ = run(capsys, "show", sid, "--assessor", "A")
    assert code == 0 and "FIRST" in out and "met (A)" in out
    code, _, err = run(capsys, "agreement", sid)
    assert code == 2 and "no second marking has been submitted" in err
    args = ("professional_tone", "missed", "--reason", "curt", "--assessor", "B")
    assert run(capsys, "mark", sid, *args)[0] == 0
    assert run(capsys, "submit", sid, "--assessor", "B")[0] == 0
    code, out, _ = run(capsys, "show", sid, "--assessor", "B")
    assert "met (A)" in out  # both markings now
    code, out, err = run(capsys, "agreement", sid)
    lines = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert lines["professional_tone"][1:4] == ["met", "missed", "NO"]
    assert lines["caller_details"][1:4] == ["met", "missed", "NO"]
    assert lines["injuries"][1:4] == ["met", "met", "yes"]
    code, out, err = run(capsys, "disagreements")
    assert code == 0 and "2 disagreements" in err and "professional_tone" in out
    assert "&lt;script&gt;" not in out  # plain text, not HTML
    code, _, err = run(
        capsys, "resolve", sid, "professional_tone", "missed", "--reason", "heard it",
        "--assessor", "Lead",
    )  # fmt: skip
    assert code == 0 and "standing mark" in err
    with SessionStore(db, readonly=True) as store:
        assert Marking(store).current_marks(sid)["professional_tone"].status == "missed"
    assert "1 disagreement to" in run(capsys, "disagreements")[2]
    assert main(["verify", sid]) == 0, capsys.readouterr().out


def test_refusals_are_one_located_line(db: Path, sid: str, capsys: Capture) -> None:
    code, _, err = run(capsys, "request", sid, "--second", "A", "--assessor", "Lead")
    assert code == 2 and err.count("\n") == 1
    assert f"session {sid[:12]}" in err and "already marked" in err and "nothing was written" in err
    code, _, err = run(capsys, "mark", sid, "injuries", "met", "--assessor", "B")
    assert code == 2 and "no second marking to do" in err
    run(capsys, "request", sid, "--second", "B", "--assessor", "Lead")
    code, _, err = run(capsys, "mark", sid, "nonsense", "met", "--assessor", "B")
    assert code == 2 and "no criterion 'nonsense'" in err
    code, _, err = run(capsys, "submit", sid, "--assessor", "B")
    assert code == 2 and "professional_tone" in err
    run(capsys, "mark", sid, "professional_tone", "met", "--assessor", "B")
    assert run(capsys, "submit", sid, "--assessor", "B")[0] == 0
    code, _, err = run(capsys, "submit", sid, "--assessor", "B")
    assert code == 2 and "already submitted" in err
    code, _, err = run(capsys, "show", "zzzzzzzz", "--assessor", "B")
    assert code == 2 and "zzzzzzzz" in err
    code, _, err = run(capsys, "report", "--out", "report.pdf")
    assert code == 2 and ".csv or .html" in err
    code, _, err = run(capsys, "report", "--since", "yesterday")
    assert code == 2 and "not a date" in err
    sign = main(["sessions", "sign-off", sid, "--assessor", "A"])
    capsys.readouterr()
    assert sign == 0
    code, _, err = run(capsys, "request", sid, "--second", "C", "--assessor", "Lead")
    assert code == 2 and "locked" in err


def test_the_report_as_table_csv_and_html(
    db: Path, sid: str, tmp_path: Path, capsys: Capture
) -> None:
    run(capsys, "request", sid, "--second", "B", "--assessor", "Lead")
    run(capsys, "mark", sid, "professional_tone", "missed", "--reason", "x", "--assessor", "B")
    run(capsys, "submit", sid, "--assessor", "B")
    code, out, _ = run(capsys, "report")
    assert code == 0 and "(overall)" in out and "professional_tone" in out
    target = tmp_path / "agreement.csv"
    assert run(capsys, "report", "--out", str(target), "--since", "2020-01-01")[0] == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    tone = next(r for r in rows if r["criterion_id"] == "professional_tone")
    assert tone["double_marked_sessions"] == "1" and tone["percent_agreement"] == "0.0"
    assert tone["cohens_kappa"] == "0.000"  # first met, second missed: p_o = 0, p_e = 0
    injuries = next(r for r in rows if r["criterion_id"] == "injuries")
    assert injuries["cohens_kappa"] == "" and "only 'met'" in injuries["note"]
    page = tmp_path / "agreement.html"
    assert run(capsys, "report", "--out", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert "Cohen" in text and "only &#x27;met&#x27;" in text
    assert run(capsys, "report", "--since", "2999-01-01")[1].count("\n") == 2  # header, overall
