"""Reading a session for the replay screen (plain Python, run in workers).

`glance` reads what can be shown at once (the stored call, its hash chains and seals, the
assessor's marks, comments and verdict); `complete_replay` then finds the scenario file,
rebuilds the call through the engine and re-scores it, and runs the whole-file checks, as
`callsim verify` does: that takes longer for a long call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.assessor.marks import Comment, Marking, Retraction, SignOff, Verdict
from app.assessor.replay import Replay, TimelineItem
from app.assessor.replay import timeline as build_timeline
from app.assessor.verify import verify_session
from app.scoring.result import ReviewedResult
from app.storage import SessionStore, UnknownSessionError


@dataclass
class Opened:
    """What the replay screen shows, read in one worker."""

    replay: Replay
    reviewed: ReviewedResult | None
    comments: list[Comment]  # withdrawn ones included
    verdict: Verdict | None
    withdrawn: dict[int, Retraction] = field(default_factory=dict)  # by comment id
    signed: SignOff | None = None  # the sign-off that locks the session, if any


def glance(store: SessionStore, marking: Marking, session_id: str) -> Opened:
    """The stored call, its hash check and the assessor's work on it: what can be shown
    before the scenario is found and the call rebuilt (the slow part of `open_replay`)."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    events = store.events(session_id)
    items, duration = build_timeline(events)
    # The quick checks now (no rebuild, no whole-file integrity check); the rest once the
    # scenario is found (`complete_replay`).
    quick = verify_session(store, session_id, scenarios=None, integrity=False)
    replay = Replay(
        info, events, items, duration, None, None, store.verify(session_id), None,
        verification=quick,
    )  # fmt: skip
    return Opened(
        replay,
        marking.reviewed(session_id),
        marking.comments(session_id),
        marking.verdict(session_id),
        marking.retractions(session_id),
        marking.signed_off(session_id),
    )


def comment_item(comment: Comment) -> TimelineItem:
    detail = {"assessor": comment.assessor, "comment_id": comment.id, "at": comment.at}
    seq = comment.seq if comment.seq is not None else -1
    return TimelineItem(comment.t, seq, "comment", comment.text, detail, None)
