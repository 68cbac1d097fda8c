"""The session library: every session with its result and review state, filtered and sorted
(the assessor screen and `callsim sessions list` both use it). The query itself, and what
the review states and durations mean, are app/storage/library_repo.py's.
"""

from __future__ import annotations

from app.storage import STATUSES, SessionStore
from app.storage.library_repo import REVIEW_STATES, SORTS, LibraryRepo, LibraryRow

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
    store: SessionStore,
    *,
    text: str | None = None,
    trainee: str | None = None,
    scenario_id: str | None = None,
    status: str | None = None,
    review: str | None = None,
    sort: str = "date",
    descending: bool = True,
    limit: int | None = None,
) -> list[LibraryRow]:
    """Sessions matching every filter given. `text`: words said in the call (by the trainee
    or the caller), all of them, full-text search. Raises ValueError for an unknown status,
    review state or sort key."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    if review is not None and review not in REVIEW_STATES:
        raise ValueError(f"review must be one of {', '.join(REVIEW_STATES)}, got {review!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    return LibraryRepo(store).query(
        text=text,
        trainee=trainee,
        scenario_id=scenario_id,
        status=status,
        review=review,
        sort=sort,
        descending=descending,
        limit=limit,
    )


def resolve_session(store: SessionStore, ref: str) -> str:
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
    ids = LibraryRepo(store).ids_starting(ref, limit=2)
    if not ids:
        raise LookupError(f"{ref}: no such session")
    if len(ids) > 1:
        some = ", ".join(i[: len(ref) + 4] + "..." for i in ids)
        raise LookupError(f"{ref}: more than one session starts with that ({some})")
    return ids[0]
