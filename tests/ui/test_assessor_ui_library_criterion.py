"""The library's criterion filter (issue #12), as `callsim sessions list --criterion ID=STATUS`:
the sessions where a chosen criterion's standing status (the assessor's, where marked, else
the automatic one) is the chosen one; sessions without a result never match."""

from __future__ import annotations

from typing import Any

from app.assessor.marks import Marking
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from tests.ui import test_assessor_ui_library as library_tests
from tests.ui.test_assessor_ui_kit import Recorded

# The library screen's fixtures (its six recorded calls), shared rather than copied.
db = library_tests.db
calls = library_tests.calls
store = library_tests.store
area = library_tests.area
choose = library_tests.choose
shown = library_tests.shown

NEWEST_FIRST = ("cleo", "ana", "sam3", "sam2", "sam1", "ben")


def _with(store: SessionStore, calls: dict[str, Recorded], cid: str, status: str) -> list[str]:
    """The sessions whose stored result gives criterion `cid` this status, newest first."""
    found = []
    for k in NEWEST_FIRST:
        result = store.result(calls[k].session_id) or {}
        if result.get("criteria", {}).get(cid, {}).get("status") == status:
            found.append(calls[k].session_id)
    return found


def test_filters_by_a_criterions_standing_status(
    qtbot: Any, area: AssessorArea, calls: dict[str, Recorded], store: SessionStore
) -> None:
    lib = area.library
    case = calls["sam3"].result["criteria"]
    # A criterion the attempts differ on: met in the model answer, missed in a weaker one.
    cid = next(
        c for c in case if _with(store, calls, c, "met") and _with(store, calls, c, "missed")
    )
    assert lib.criterion.findData(cid) > 0
    assert case[cid]["title"] in lib.criterion.itemText(lib.criterion.findData(cid))
    assert not lib.criterion_status.isEnabled()  # waits for a criterion
    choose(qtbot, area, lib.criterion, cid)
    assert lib.criterion_status.isEnabled()
    assert lib.criterion_status.currentData() == "met"
    assert shown(area) == _with(store, calls, cid, "met")
    choose(qtbot, area, lib.criterion_status, "missed")
    missed = _with(store, calls, cid, "missed")
    assert shown(area) == missed
    # Cleo's interrupted call was scored in the window, but no result was stored: no match.
    cleo = calls["cleo"].result["criteria"][cid]["status"]
    if cleo != "missed":
        choose(qtbot, area, lib.criterion_status, cleo)
    assert shown(area) and calls["cleo"].session_id not in shown(area)
    if cleo != "missed":
        choose(qtbot, area, lib.criterion_status, "missed")
    # An assessor overrules one met: it now stands as missed, and the filter follows.
    met = _with(store, calls, cid, "met")
    Marking(store).mark(met[0], cid, "overrule", status="missed", reason="not asked", assessor="A")
    with qtbot.waitSignal(lib.sig_library_loaded, timeout=10000):
        lib.reload()
    assert lib.criterion.currentData() == cid  # the choice survives a reload
    assert set(shown(area)) == {*missed, met[0]}
    # With the trainee filter too: every filter applies.
    choose(qtbot, area, lib.trainee, "Sam Taylor")
    assert set(shown(area)) <= {calls[k].session_id for k in ("sam1", "sam2", "sam3")}
    choose(qtbot, area, lib.trainee, None)
    choose(qtbot, area, lib.criterion, None)
    assert not lib.criterion_status.isEnabled()
    assert len(shown(area)) == len(NEWEST_FIRST)
