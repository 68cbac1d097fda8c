"""Text as it is stored and shown, faithfully (issue #12).

- `clean(text)`: what is stored of anything a trainee types or a file says: Unicode NFC, a
  lone surrogate (which cannot be written as UTF-8) replaced by U+FFFD, NUL and other control
  characters removed (tabs and, where `multiline`, line breaks kept). Nothing else changes:
  bidirectional controls are kept, so the record holds what was typed.
- `shown(text)`: how such text is displayed in the window, reports and exports: every
  bidirectional control written out visibly ("<U+202E>") instead of being applied, so a
  right-to-left override can never make "enal lliM 41" read as "14 Mill lane".
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
# Embeddings, overrides, isolates and marks: the characters that reorder what follows them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


def clean(text: str, *, multiline: bool = False) -> str:
    """`text` as it should be stored (see the module's docstring)."""
    text = _SURROGATE.sub(REPLACEMENT, text)
    keep = "\t\n" if multiline else "\t"
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = "".join(
        ch
        for ch in text
        if ch in keep or ch in BIDI_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return unicodedata.normalize("NFC", out)


def shown(text: str) -> str:
    """`text` for display: bidirectional controls written out, never applied; a lone
    surrogate (in a record older than `clean`) shown as U+FFFD, so any page can be written."""
    text = _SURROGATE.sub(REPLACEMENT, text)
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
