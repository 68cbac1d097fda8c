"""A call's events, indexed for scoring: turns, and every occurrence of each intent, flag, log
change, line and mark with its time, turn and event sequence number.

Order is by event sequence number (`seq`), not time: an intent carried by the same line that
triggered a disclosure came *before* the disclosure even though both share a timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from app.engine import events as ev
from app.engine.events import Event
from app.scoring.result import Evidence, FlagEvent, Turn


@dataclass(frozen=True)
class Occurrence:
    seq: int
    t: float
    turn: int | None = None  # index into CallRecord.turns
    text: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def evidence(self) -> Evidence:
        out: dict[str, Any] = {"t": self.t}
        if self.turn is not None:
            out["turn"] = self.turn
        if self.text is not None:
            out["text"] = self.text
        out.update(self.extra)
        return cast(Evidence, out)  # `extra` holds the kind's own keys: flag, field, ended_by


@dataclass
class CallRecord:
    turns: list[Turn] = field(default_factory=list)
    intents: dict[str, list[Occurrence]] = field(default_factory=dict)
    flag_raises: dict[str, list[Occurrence]] = field(default_factory=dict)
    flags_at_end: set[str] = field(default_factory=set)
    flag_events: list[FlagEvent] = field(default_factory=list)
    log_changes: dict[str, list[Occurrence]] = field(default_factory=dict)
    log_at_end: dict[str, str] = field(default_factory=dict)
    lines: dict[str, list[Occurrence]] = field(default_factory=dict)
    marks: dict[str, list[Occurrence]] = field(default_factory=dict)
    ended: Occurrence | None = None
    ended_by: str | None = None
    closing_attempts: list[Occurrence] = field(default_factory=list)
    end_t: float = 0.0

    @classmethod
    def from_events(cls, events: list[Event], *, sure_only: bool = False) -> CallRecord:
        """Index `events`. With `sure_only`, intents the matcher was unsure of are left out
        (scoring compares both readings: where they disagree, an assessor decides)."""
        rec = cls()
        for e in events:
            rec.end_t = max(rec.end_t, e.t)
            d = e.data
            if e.kind == ev.CALLER_SAID:
                rec.end_t = max(rec.end_t, e.t + float(d.get("duration", 0.0)))
                turn = len(rec.turns)
                rec.turns.append(
                    {"t": e.t, "speaker": "caller", "line_id": d["line_id"], "text": d["text"]}
                )
                occ = Occurrence(e.seq, e.t, turn, d["text"])
                rec.lines.setdefault(d["line_id"], []).append(occ)
            elif e.kind == ev.TRAINEE_SAID:
                turn = len(rec.turns)
                intents = list(d.get("intents", []))
                unsure = [str(i) for i in d.get("unsure", [])]
                said: Turn = {"t": e.t, "speaker": "trainee", "text": d["text"], "intents": intents}
                if unsure:
                    said["unsure"] = unsure
                rec.turns.append(said)
                for i in intents:
                    if i in unsure and sure_only:
                        continue
                    extra = (("unsure", True),) if i in unsure else ()
                    occ = Occurrence(e.seq, e.t, turn, d["text"], extra)
                    rec.intents.setdefault(i, []).append(occ)
            elif e.kind in (ev.FLAG_RAISED, ev.FLAG_LOWERED):
                flag, raised = d["flag"], e.kind == ev.FLAG_RAISED
                rec.flag_events.append({"flag": flag, "t": e.t, "raised": raised})
                if raised:
                    rec.flags_at_end.add(flag)
                    occ = Occurrence(e.seq, e.t, extra=(("flag", flag), ("raised", True)))
                    rec.flag_raises.setdefault(flag, []).append(occ)
                else:
                    rec.flags_at_end.discard(flag)
            elif e.kind == ev.LOG_CHANGED:
                fld, value = d["field"], d["value"]
                rec.log_at_end[fld] = value
                occ = Occurrence(e.seq, e.t, text=value, extra=(("field", fld),))
                rec.log_changes.setdefault(fld, []).append(occ)
            elif e.kind == ev.MARK:
                rec.marks.setdefault(d["name"], []).append(Occurrence(e.seq, e.t))
            elif e.kind == ev.CLOSING_ATTEMPT:
                rec.closing_attempts.append(Occurrence(e.seq, e.t))
            elif e.kind == ev.CALL_ENDED:
                rec.ended_by = d["by"]
                rec.ended = Occurrence(e.seq, e.t, extra=(("ended_by", d["by"]),))
                rec.end_t = e.t
        return rec

    def first(self, kind: str, ref: str) -> Occurrence | None:
        table = {
            "line": self.lines,
            "mark": self.marks,
            "flag": self.flag_raises,
            "intent": self.intents,
        }[kind]
        occ = table.get(ref)
        return occ[0] if occ else None
