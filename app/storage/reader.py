"""What the assessor side reads from a store of sessions, whichever store it is.

`SessionStore` (one PC's SQLite file) and `app.central.store.CentralStore` (the training
centre's PostgreSQL store, read-only) both satisfy `RecordReader`: the same method names and
return types, so code typed against it works on either. `LibraryReader` adds the library
query the central store answers itself (on a `SessionStore`, `LibraryRepo` does it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from app.engine.events import Event
    from app.storage.chain import VerifyResult
    from app.storage.library_repo import LibraryRow
    from app.storage.records import SessionInfo, SessionRecord


class RecordReader(Protocol):
    """The reads of recorded sessions (see `SessionStore` for what each returns)."""

    def session(self, session_id: str) -> SessionInfo | None: ...

    def list_sessions(
        self,
        *,
        trainee: str | None = None,
        scenario_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[SessionInfo]: ...

    def record(self, session_id: str) -> SessionRecord | None: ...

    def events(self, session_id: str) -> list[Event]: ...

    def result(self, session_id: str) -> dict[str, Any] | None: ...

    def verify(self, session_id: str) -> VerifyResult: ...

    def session_ids(self) -> list[str]: ...

    def search(self, text: str) -> list[tuple[str, int]]: ...


class LibraryReader(RecordReader, Protocol):
    """A `RecordReader` that answers the session library's query itself."""

    def library(
        self,
        *,
        text: str | None = None,
        trainee: str | None = None,
        scenario_id: str | None = None,
        status: str | None = None,
        review: str | None = None,
        mode: str | None = None,
        sort: str = "date",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[LibraryRow]: ...

    def ids_starting(self, prefix: str, *, limit: int) -> list[str]: ...


if TYPE_CHECKING:
    from app.storage.store import SessionStore

    def _a_session_store_is_a_record_reader(store: SessionStore) -> RecordReader:
        return store  # mypy checks this: SessionStore satisfies the Protocol
