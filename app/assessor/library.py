"""The session library: every session with its result and review state, filtered and sorted
(the assessor screen and `callsim sessions list` both use it). The query itself, and what
the review states and durations mean, are app/storage/library_repo.py's. The central store
(`app.central.store.CentralStore`, a `LibraryReader`) answers the same query itself.
"""

from __future__ import annotations

from app.assessor.marks import Marking
from app.scenario.vocabulary import STATUSES as CRITERION_STATUSES
from app.storage import MODES, STATUSES, SessionStore
from app.storage.library_repo import REVIEW_STATES, SORTS, LibraryRepo, LibraryRow
from app.storage.reader import LibraryReader

__all__ = [
    "MIN_PREFIX",
    "REVIEW_STATES",
    "SORTS",
    "LibraryRow",
    "query_sessions",
    "resolve_session",
]

MIN_PREFIX = 6


def query_sessions(
    store: SessionStore | LibraryReader,
    *,
    text: str | None = None,
    trainee: str | None = None,
    scenario_id: str | None = None,
    status: str | None = None,
    review: str | None = None,
    mode: str | None = None,
    criterion: tuple[str, str] | None = None,
    sort: str = "date",
    descending: bool = True,
    limit: int | None = None,
) -> list[LibraryRow]:
    """Sessions matching every filter given. `text`: words said in the call (by the trainee
    or the caller), all of them, full-text search. `criterion`: (criterion id, status), the
    status that stands (the assessor's where marked, else the automatic one); sessions whose
    rubric lacks the criterion, or that have no result, do not match. Raises ValueError for an
    unknown status, mode, criterion status, review state or sort key, and for `criterion` on
    a store that holds no marks (the central store, for now)."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if criterion is not None and criterion[1] not in CRITERION_STATUSES:
        raise ValueError(
            f"a criterion's status must be one of {', '.join(CRITERION_STATUSES)}, "
            f"got {criterion[1]!r}"
        )
    if review is not None and review not in REVIEW_STATES:
        raise ValueError(f"review must be one of {', '.join(REVIEW_STATES)}, got {review!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    if criterion is not None and not isinstance(store, SessionStore):
        raise ValueError(
            "the criterion filter needs the assessors' marks, which the central store does "
            "not hold yet"
        )
    query = LibraryRepo(store).query if isinstance(store, SessionStore) else store.library
    rows = query(
        text=text,
        trainee=trainee,
        scenario_id=scenario_id,
        status=status,
        review=review,
        mode=mode,
        sort=sort,
        descending=descending,
        limit=None if criterion is not None else limit,
    )
    if criterion is None or not isinstance(store, SessionStore):
        return rows
    marking = Marking(store)
    cid, wanted = criterion
    out = []
    for row in rows:
        reviewed = marking.reviewed(row.id)
        entry = reviewed.get("criteria", {}).get(cid) if reviewed else None
        if isinstance(entry, dict) and entry.get("reviewed_status") == wanted:
            out.append(row)
            if limit is not None and len(out) >= limit:
                break
    return out


def resolve_session(store: SessionStore | LibraryReader, ref: str) -> str:
    """The id of the session `ref` names: its id, or a unique prefix of at least 6
    characters. Raises LookupError with a one-line message otherwise."""
    ref = ref.strip().lower()
    if store.session(ref) is not None:
        return ref
    if len(ref) < MIN_PREFIX:
        need = f"give at least {MIN_PREFIX} characters of its id"
        raise LookupError(f"{ref or '(empty)'}: no such session ({need})")
    if not all(c in "0123456789abcdef" for c in ref):
        raise LookupError(f"{ref}: no such session (ids are hexadecimal)")
    reader = LibraryRepo(store) if isinstance(store, SessionStore) else store
    ids = reader.ids_starting(ref, limit=2)
    if not ids:
        raise LookupError(f"{ref}: no such session")
    if len(ids) > 1:
        some = ", ".join(i[: len(ref) + 4] + "..." for i in ids)
        raise LookupError(f"{ref}: more than one session starts with that ({some})")
    return ids[0]
