"""YAML colours for the scenario editor: keys, strings, comments, numbers and booleans, and
the ids that tie a scenario together (after `id:`, `ref:`, `goto:`, `start:`, `intent:`,
`mark:`) in bold. Line by line, like YAML itself mostly is; colours pass WCAG AA on white."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

_STRING = re.compile(r'(?<![\w\'"])(?:"(?:[^"\\]|\\.)*"?|\'(?:[^\']|\'\')*\'?)')
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")
_BLOCK_KEY = re.compile(r"^(\s*(?:-\s+)*)([A-Za-z_][\w.\-]*)\s*:(?=\s|$)")
_FLOW_KEY = re.compile(r"(?<=[{,])\s*([A-Za-z_][\w.\-]*)\s*:(?=\s)")
_ID_VALUE = re.compile(
    r"\b(?:id|ref|goto|start|intent|mark|caller|flag|unflag)\s*:\s+([a-z0-9][a-z0-9_.\-]*)"
)
_SCALAR = re.compile(r"(?<![\w.\-])(?:true|false|null|-?\d+(?:\.\d+)?s?)(?![\w.\-])")


def _fmt(colour: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(colour))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class YamlHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.key = _fmt("#174a85")
        self.string = _fmt("#1b6427")
        self.comment = _fmt("#5f6670", italic=True)
        self.ident = _fmt("#6f2597", bold=True)
        self.scalar = _fmt("#8f4200")

    def highlightBlock(self, text: str) -> None:
        strings = [(m.start(), m.end()) for m in _STRING.finditer(text)]
        # A '#' starts a comment only outside strings.
        comment_at = len(text)
        for m in _COMMENT.finditer(text):
            if not any(a <= m.start() < b for a, b in strings):
                comment_at = m.start()
                break
        strings = [(a, min(b, comment_at)) for a, b in strings if a < comment_at]

        def outside(pos: int) -> bool:
            return pos < comment_at and not any(a <= pos < b for a, b in strings)

        for m in _SCALAR.finditer(text):
            if outside(m.start()):
                self.setFormat(m.start(), m.end() - m.start(), self.scalar)
        for a, b in strings:
            self.setFormat(a, b - a, self.string)
        key = _BLOCK_KEY.match(text)
        if key is not None and outside(key.start(2)):
            self.setFormat(key.start(2), key.end(2) - key.start(2), self.key)
        for m in _FLOW_KEY.finditer(text):
            if outside(m.start(1)):
                self.setFormat(m.start(1), m.end(1) - m.start(1), self.key)
        for m in _ID_VALUE.finditer(text):
            if outside(m.start(1)):
                self.setFormat(m.start(1), m.end(1) - m.start(1), self.ident)
        if comment_at < len(text):
            self.setFormat(comment_at, len(text) - comment_at, self.comment)
