"""`verify_session`: what it says when it cannot check something (no scenario, a changed
scenario, other rubric rules, a call still going), and that it says what it proves."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.assessor.verify import CANNOT, PROVES, verify_session
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore, UnknownSessionError
from tests.assessor_kit import SHORT, record
from tests.conftest import SCENARIOS


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db")


def test_without_the_scenario_played_the_chains_are_still_checked(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, SHORT)
    empty = tmp_path / "empty"
    empty.mkdir()
    found = verify_session(store, sid, scenarios=ScenarioCatalog(empty))
    assert found.ok and found.rebuilt is None and found.rescored is None
    rebuild = found.check("rebuild")
    assert rebuild is not None and rebuild.ok is None
    assert "is not available here" in rebuild.detail and "hash chains were still checked" in (
        rebuild.detail
    )
    assert all(found.check(n).ok for n in ("header", "event log", "seal", "ledger"))  # type: ignore[union-attr]
    assert found.headline().endswith("; not checked: rebuild, result")


def test_a_changed_scenario_file_is_not_used_to_rebuild(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, SHORT)
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (SCENARIOS / "misconduct-disclosure.yaml").read_text(encoding="utf-8")
    (changed / "misconduct-disclosure.yaml").write_text(text + "\n# edited\n", encoding="utf-8")
    found = verify_session(store, sid, scenarios=ScenarioCatalog(changed))
    rebuild = found.check("rebuild")
    assert rebuild is not None and rebuild.ok is None and "has changed since" in rebuild.detail


def test_a_result_scored_under_other_rules_is_not_re_scored(
    store: SessionStore, tmp_path: Path
) -> None:
    path = tmp_path / "callsim.db"
    sid = record(store, tmp_path, SHORT)
    store.close()
    conn = sqlite3.connect(path)
    (text,) = conn.execute("SELECT result_json FROM sessions").fetchone()
    old = json.loads(text) | {"result_version": 1}
    with conn:
        conn.execute("DROP TRIGGER sessions_sealed")
        conn.execute("UPDATE sessions SET result_json = ?", [json.dumps(old)])
    conn.close()
    with SessionStore(path, readonly=True) as ro:
        found = verify_session(ro, sid, scenarios=ScenarioCatalog(SCENARIOS))
    result = found.check("result")
    assert result is not None and result.ok is None and "other rubric rules" in result.detail
    seal = found.check("seal")
    assert seal is not None and seal.ok is False  # the seal still shows the edit


def test_a_call_still_going_is_checked_so_far(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path, finish=False)
    found = verify_session(store, sid, scenarios=ScenarioCatalog(SCENARIOS))
    assert found.ok and found.rebuilt is True, found.lines()
    assert found.check("seal").ok is None and "still active" in found.check("seal").detail  # type: ignore[union-attr]


def test_an_unknown_session(store: SessionStore) -> None:
    with pytest.raises(UnknownSessionError):
        verify_session(store, "nope", scenarios=None)


def test_it_says_what_it_proves_and_what_it_cannot() -> None:
    assert PROVES.startswith("This proves")
    assert "a complete, consistent rewrite by someone holding the database file" in CANNOT
    assert "signed" in CANNOT
