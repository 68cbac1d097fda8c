"""The assessor screens' words for ids the core hands out (statuses, kinds, chain results).

Every state says itself in words, never by colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from app.scenario.vocabulary import Status
from app.ui.widgets.criterion_card import status_words as trainee_status_words
from app.ui.widgets.transcript import clock_text

if TYPE_CHECKING:  # annotations only: the start screen imports these words
    from app.assessor.replay import Replay
    from app.storage import VerifyResult


def tr(text: str) -> str:
    return QCoreApplication.translate("assessor", text)


def status_words(status: str | None) -> str:
    """A criterion status in words ("manual" means nobody has scored it yet)."""
    if status is None:
        return tr("—")
    if status == Status.MANUAL:
        return tr("? Not scored")
    if status == Status.CHECK:
        return tr("? Check: the simulator was unsure")
    return trainee_status_words(status)


def review_words(state: str) -> str:
    return {
        "unreviewed": tr("Not reviewed"),
        "in_review": tr("In review"),
        "reviewed": tr("Reviewed"),
    }.get(state, state)


def session_status_words(status: str) -> str:
    return {
        "finished": tr("Finished"),
        "interrupted": tr("⚠ Interrupted"),
        "active": tr("In progress"),
    }.get(status, status)


def verdict_words(verdict: str | None) -> str:
    return {
        "pass": tr("Pass"),
        "fail": tr("Fail"),
        "refer": tr("Refer for review"),
        None: tr("No verdict yet"),
    }.get(verdict, str(verdict))


def result_words(score: float | None, passed: bool | None) -> str:
    if score is None:
        return tr("no result")
    verdict = tr("passed") if passed else tr("not passed")
    return f"{score:g} · {verdict}"


KIND_WORDS = {
    "caller": "Caller",
    "trainee": "Trainee",
    "flag_raised": "⚑ Flag raised",
    "flag_lowered": "⚐ Flag lowered",
    "log": "✎ Log",
    "closing_attempt": "↘ Closing",
    "mark": "◆ Moment",
    "silence": "… Silence",
    "ended": "■ Call ended",
    "comment": "✍ Comment",
}


def kind_words(kind: str) -> str:
    return tr(KIND_WORDS.get(kind, kind))


REASONS = {
    "missing": "it is missing",
    "link": "it is not linked to the event before it",
    "hash": "its content does not match its hash",
    "unreadable": "its data cannot be read",
    "truncated": "the events after it are missing",
    "extra": "it was added after the call was recorded",
    "head": "the last event is not the one recorded",
}


def verify_words(result: VerifyResult, events: list[Any] | None = None) -> str:
    """ "Verified" or the first altered event, named (its kind and time when it reads back)."""
    if result.ok:
        return tr("✓ Verified: all {n} events match the recorded hash chain").replace(
            "{n}", str(result.checked)
        )
    if result.seq is None:
        return tr("✗ Altered: the event log does not match its hash chain")
    where = ""
    for event in events or []:
        if getattr(event, "seq", None) == result.seq:
            where = f" ({event.kind}, {clock_text(float(event.t))})"
            break
    why = tr(REASONS.get(result.reason or "", result.reason or "it does not match"))
    return (
        tr("✗ Altered: event #{seq}{where} is the first that fails: ")
        .replace("{seq}", str(result.seq))
        .replace("{where}", where)
        + why
    )


def verification_words(replay: Replay) -> tuple[str, bool]:
    """The first banner: (words, good). Every check `callsim verify` makes when the replay
    has been verified (`replay.verification`), else the event chain alone; an altered event
    is named as the event chain names it (its number, kind and time)."""
    found = replay.verification
    chain = replay.verified
    if found is None or (found.problem is not None and found.problem.name == "event log"):
        return verify_words(chain, replay.events), bool(chain.ok)
    problem = found.problem
    if problem is not None:
        return tr("✗ Altered: {what}: ").replace("{what}", tr(problem.name)) + problem.detail, False
    text = verify_words(chain, replay.events)
    checked = [c.name for c in found.checks if c.ok and c.name not in ("event log", "rebuild")]
    if checked:
        text += tr("; also as recorded: ") + ", ".join(tr(n) for n in checked)
    return text, True


def rescore_words(replay: Replay) -> str:
    """Whether the stored result is what the rebuilt call scores (empty until known)."""
    found = replay.verification
    result = found.check("result") if found is not None else None
    if result is None or found is None or found.rescored is None:
        return ""
    if found.rescored:
        return tr("Re-scored with the recorded intents: the same result.")
    return tr("Re-scored with the recorded intents: ") + result.detail + "."


def scenario_words(matches: bool | None, played_sha: str, found: bool) -> str:
    short = played_sha[:12]
    if matches:
        return tr("✓ Scenario file is the one played (sha256 {h}…)").replace("{h}", short)
    if not found or matches is None:
        return tr(
            "⚠ Scenario file not found (played sha256 {h}…): the stored events are shown"
        ).replace("{h}", short)
    return tr(
        "⚠ Scenario file has changed since this call (played sha256 {h}…): "
        "the replay may differ from what the trainee heard"
    ).replace("{h}", short)


def when_for_people(stamp: str) -> str:
    """A stored ISO time ("2026-12-01T21:39:05+00:00") as people write it, in local time
    ("1 Dec 2026, 21:39"); the text as stored if it is not a time."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    local = moment.astimezone() if moment.tzinfo is not None else moment
    return f"{local.day} {local.strftime('%b %Y, %H:%M')}"
