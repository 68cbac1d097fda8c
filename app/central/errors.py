"""The central store's errors: each a located, plain sentence (no traceback for the user)."""

from __future__ import annotations


class CentralError(Exception):
    """Something about the central store that the user or IT must act on."""


class CentralUnreachableError(CentralError):
    """The central server could not be reached, or the connection dropped."""


class SessionConflictError(CentralError):
    """The central store already holds a different session under this id."""

    def __init__(self, session_id: str, field: str) -> None:
        self.session_id = session_id
        self.field = field
        super().__init__(
            f"session {session_id}: the central store already holds a different session "
            f"under this id ({field} differs); nothing was sent for it"
        )
