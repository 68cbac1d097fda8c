"""Reading `call_info:`: what a control room's screen shows about a call as it comes in (the
caller's number, the network's location, previous incidents, the time), with every problem
located. The call screen shows it in a compact panel; nothing in a call depends on it."""

from __future__ import annotations

import re

from app.scenario.grammar import CALL_INFO
from app.scenario.grammar_kinds import PHONE
from app.scenario.model import CallInfo
from app.scenario.reader import Reader
from app.scenario.yamlsrc import YNode

_NUMBER = re.compile(r"^\+?[0-9 ()\-]{3,}$")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:.][0-5]\d(?!\d)")


def read_call_info(r: Reader, node: YNode | None) -> CallInfo | None:
    m = r.section(node, "call_info", CALL_INFO)
    if m is None or node is None:
        return None
    if not node.value:
        names = ", ".join(CALL_INFO.names)
        r.error(node.pos, "E011", f"call_info needs at least one of {names}")
        return None
    if not m:
        return None  # unknown keys only: reported

    def text(key: str) -> str | None:
        t = r.text(m.get(key), f"call_info {key}")
        return " ".join(t.split()) if t is not None else None

    number = text("number")
    if number is not None and number.lower() != "withheld" and not _NUMBER.match(number):
        msg = (
            f"call_info number '{number}' is not a phone number: digits, spaces, +, "
            "brackets and -, or 'withheld'"
        )
        r.error(m["number"].pos, "E013", msg)
    phone = text("phone")
    if phone is not None and phone not in PHONE:
        r.error(m["phone"].pos, "E013", f"call_info phone must be {PHONE.spoken()}")
    time = text("time")
    if time is not None and not _CLOCK.search(time):
        msg = f"call_info time '{time}' needs a time of day, e.g. 'Fri 21:58'"
        r.error(m["time"].pos, "E013", msg)
    previous = None
    if "previous_incidents" in m:
        items = r.strings(m["previous_incidents"], "previous_incidents")
        previous = tuple(" ".join(t.split()) for t in items)
    return CallInfo(
        number=number,
        phone=phone,
        location=text("location"),
        previous_incidents=previous,
        time=time,
        key_pos={k: v.pos for k, v in m.items()},
    )
