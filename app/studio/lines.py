"""Every caller line of a scenario, for voice actors (`callsim lines`)."""

from __future__ import annotations

import csv
import io

from app.scenario.model import Line, Scenario

CSV_COLUMNS = ("id", "emotion", "note", "text")


def defined_lines(s: Scenario) -> list[Line]:
    """Each line defined in the file once (a `ref:` repeats a line, it defines none), in file
    order."""
    # file order; lines from outside the file (the intent library's clarify lines) come last
    return sorted(
        s.lines.values(), key=lambda ln: (ln.pos.line == 0, ln.pos.line, ln.pos.col, ln.id)
    )


def spoken_lines(s: Scenario) -> list[Line]:
    """The lines a voice actor records: every defined line but those only shown
    (`voice: false`: a cough, a sob), which nobody says."""
    return [ln for ln in defined_lines(s) if ln.voice]


def line_emotion(s: Scenario, line: Line) -> str:
    """The emotion the line is spoken with: its own, else the caller's default ('' if none)."""
    return line.emotion or s.caller.default_emotion or ""


def lines_csv(s: Scenario) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted where needed): id, emotion, note, text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for ln in spoken_lines(s):
        w.writerow((ln.id, line_emotion(s, ln), ln.note or "", ln.text))
    return buf.getvalue()


def lines_table(s: Scenario) -> str:
    """A readable list: id, [emotion], text; a director's note on the line below."""
    rows = spoken_lines(s)
    shown = [ln for ln in defined_lines(s) if not ln.voice]
    width = max((len(ln.id) for ln in rows + shown), default=0)
    out = []
    for ln in rows:
        emotion = line_emotion(s, ln)
        out.append(f"{ln.id:<{width}}  [{emotion or '-'}] {ln.text}")
        if ln.note:
            out.append(f"{'':<{width}}  note: {' '.join(ln.note.split())}")
    if shown:
        out += ["", "Shown only, never spoken (not to record):"]
        out += [f"{ln.id:<{width}}  {ln.shown}" for ln in shown]
    return "\n".join(out) + ("\n" if out else "")
