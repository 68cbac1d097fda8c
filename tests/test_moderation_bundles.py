"""A moderated session travels whole: its moderation rows leave with it when retention
archives it, and the archived bundle imported elsewhere still verifies and still shows both
markings and their agreement."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.assessor.marks import Marking
from app.assessor.moderation import Moderation
from app.storage import SessionStore
from app.storage.schema import MODERATION_TABLES
from tests.assessor_kit import ticking_clock
from tests.test_retention import Capture, Centre, centre, ids, run

__all__ = ["centre"]  # the fixture, used by name


def test_a_moderated_session_is_archived_and_restored_whole(
    centre: Centre, capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = centre.data / "callsim.db"
    clock = ticking_clock(datetime(2016, 1, 1, 9, 0, tzinfo=UTC))
    with SessionStore(db, clock=clock) as store:
        marking = Marking(store, clock=clock)
        marking.mark(centre.old, "professional_tone", "score", status="met", assessor="First F")
        mod = Moderation(store, clock=clock, marking=marking)
        mod.request_second(centre.old, second_assessor="Second B", requested_by="Lead L")
        mod.second_mark(centre.old, "professional_tone", "missed", reason="curt",
                        assessor="Second B")  # fmt: skip
        mod.submit(centre.old, assessor="Second B")
        mod.resolve(centre.old, "professional_tone", "missed", reason="heard", assessor="Lead L")
    code, out = run(capsys, "retention", "run")
    assert code == 0, out
    assert ids(db) == [centre.recent]
    with sqlite3.connect(db) as conn:
        left = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MODERATION_TABLES]
    conn.close()
    assert left == [0, 0, 0, 0]
    (bundle,) = centre.archive.iterdir()
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(other))
    code, out = run(capsys, "import-sessions", str(bundle))
    assert code == 0, out
    with SessionStore(other / "callsim.db", readonly=True) as store:
        agreement = Moderation(store).agreement(centre.old)
        assert agreement is not None
        tone = next(c for c in agreement.criteria if c.criterion_id == "professional_tone")
        assert (tone.first, tone.second, tone.agrees) == ("met", "missed", False)
        assert tone.resolution is not None and tone.resolution.assessor == "Lead L"
    code, out = run(capsys, "verify", centre.old)
    assert code == 0 and out.startswith(f"verified: session {centre.old[:12]}"), out
