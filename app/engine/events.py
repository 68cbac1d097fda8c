"""The call's append-only event log.

Every step of a call is one `Event`. The trainee's actions (`trainee_said`, `trainee_typing`,
`flag_raised`, `flag_lowered`, `log_changed`, `trainee_ended`, `time_passed`) are the *inputs*:
replaying them, with their times, through the engine rebuilds every other event exactly. The rest
(`caller_said`, `closing_attempt`, `silence`, `timer`, `state_changed`, `mark`, `handler_fired`,
`call_ended`, ...) are *outputs*, recorded so that a stored call can be read without the engine.

`data` holds only JSON values, so an event round-trips through storage unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Inputs: what the trainee (or the clock) did.
CALL_STARTED = "call_started"
# {"text", "intents": [...], "scores": {id: score}, "unsure": [...] (only when some were)}
TRAINEE_SAID = "trainee_said"
FLAG_RAISED = "flag_raised"  # {"flag"}
FLAG_LOWERED = "flag_lowered"  # {"flag"}
LOG_CHANGED = "log_changed"  # {"field", "value"}
TRAINEE_ENDED = "trainee_ended"  # {}
TIME_PASSED = "time_passed"  # {} : the clock moved to `t` with nothing else happening
# {} : the trainee is composing a line; {"log": true}: typing in the log (restarts silence,
# but not the `counts: speech` kind)
TRAINEE_TYPING = "trainee_typing"

INPUT_KINDS = frozenset(
    {
        CALL_STARTED,
        TRAINEE_SAID,
        FLAG_RAISED,
        FLAG_LOWERED,
        LOG_CHANGED,
        TRAINEE_ENDED,
        TIME_PASSED,
        TRAINEE_TYPING,
    }
)

# Outputs: what the scenario did in response.
# {"line_id", "text" (what the trainee reads: the caption), "emotion", "duration"}, + "spoken"
# (what the voice says, where it differs) or "voice": false (a line never spoken)
CALLER_SAID = "caller_said"
CLOSING_ATTEMPT = "closing_attempt"  # {"n"}
SILENCE = "silence"  # {"n", "silent_for"}
TIMER = "timer"  # {"n", "handler"}: a timed handler (`event: time`) fell due
UNMATCHED = "unmatched"  # {"n"}: a trainee line that carried no intent
CLARIFY = "clarify"  # {"n", "intents"}: every intent heard was unsure, so the caller asks
HANDLER_FIRED = "handler_fired"  # {"handler", "trigger"}, + "intent" (an answer), "goto_ignored"
STATE_CHANGED = "state_changed"  # {"from", "to"}
MARK = "mark"  # {"name"}
CALL_ENDED = "call_ended"  # {"by": "trainee" | "caller"}


@dataclass(frozen=True)
class Event:
    seq: int  # 0, 1, 2, ... in the order things happened
    t: float  # seconds since the call connected
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "t": self.t, "kind": self.kind, "data": self.data}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Event:
        return cls(int(obj["seq"]), float(obj["t"]), str(obj["kind"]), dict(obj.get("data", {})))

    def canonical(self) -> str:
        """A stable text form (sorted keys, no spaces): the basis of hashes and byte-identity."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
