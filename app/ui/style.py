"""How the app looks: one style sheet (colours, spacing; never font sizes, so text scales with
the font setting) and `apply_font`, which sizes every widget from the one setting.

Colours are chosen for contrast (WCAG AA on their backgrounds) and every status also says
itself in words, so nothing depends on colour alone.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

STYLE = """
QMainWindow, QWidget#page { background: #f6f7f9; }
QLabel#muted, QLabel#shortcutHint, QLabel#flagTime { color: #4f565e; }
QLabel#flagTime { color: #8a1c1c; font-weight: 600; }
QLabel#error { color: #a11212; }
QLabel#screenTitle, QLabel#detailTitle, QLabel#sectionTitle, QLabel#criterionTitle {
    font-weight: 600; color: #1d2329;
}
QLabel#sectionTitle { color: #24303c; padding-top: 4px; }
QLabel#notice {
    background: #fff6d6; border: 1px solid #e0c35a; border-radius: 4px; padding: 8px 10px;
}
QFrame#details {
    background: white; border: 1px solid #d5d9de; border-radius: 6px;
}
QFrame#callBar { background: #1f2a36; }
QFrame#callInfo { background: #eef2f6; border: 1px solid #d5d9de; border-radius: 5px; }
QFrame#callBar QLabel { color: #f1f4f7; }
QFrame#callBar QLabel#callState, QFrame#callBar QLabel#scenarioTitle { color: #c4ccd4; }
QLabel#callClock { font-weight: 600; font-family: monospace; }
QLabel#speaking { color: #7fe0a0; font-weight: 600; }
QPushButton#endCall {
    background: #c62828; color: white; font-weight: 700; border: none; border-radius: 5px;
    padding: 8px 22px;
}
QPushButton#endCall:hover { background: #a51f1f; }
QPushButton#endCall:focus { outline: none; border: 2px solid #ffd54f; }
QPushButton#endCall:disabled { background: #6b4a4a; color: #d8cfcf; }
QPushButton#answerCall {
    background: #2e7d32; color: white; font-weight: 700; border: none; border-radius: 6px;
    padding: 12px 30px;
}
QPushButton#answerCall:focus { border: 3px solid #ffb300; }
QPushButton#primary {
    background: #1f5fa8; color: white; font-weight: 600; border: none; border-radius: 5px;
    padding: 7px 20px;
}
QPushButton#primary:focus { border: 2px solid #ffb300; }
QPushButton#primary:disabled { background: #9aa9ba; }
QPushButton#flagButton { text-align: left; padding: 3px 8px; }
QPushButton#flagButton:checked {
    background: #8a1c1c; color: white; border: 1px solid #5e1010;
    border-radius: 4px;
}
QPushButton#evidence {
    text-align: left; color: #0b4f8a; border: none; padding: 2px 4px; text-decoration: underline;
}
QPushButton#evidence:focus { background: #fff1a8; }
QLabel#endedBanner {
    background: #fdecea; border: 1px solid #e0a39d; border-radius: 4px; padding: 8px 10px;
}
QFrame#verdictBar { background: white; border: 1px solid #d5d9de; border-radius: 6px; }
QLabel#verdict { font-weight: 700; color: #a11212; }
QLabel#verdict[passed="true"] { color: #1b6e2a; }
QFrame#criterion { background: white; border: 1px solid #d5d9de; border-radius: 5px; }
QFrame#criterion[tone="bad"] { border-left: 5px solid #c62828; }
QFrame#criterion[tone="good"] { border-left: 5px solid #2e7d32; }
QFrame#criterion[tone="open"] { border-left: 5px solid #7a869a; }
QLabel#badge { font-weight: 700; }
QLabel#badge[tone="good"] { color: #1b6e2a; }
QLabel#badge[tone="bad"] { color: #a11212; }
QLabel#badge[tone="open"] { color: #4f565e; }
QLabel#criticalTag { color: #a11212; font-style: italic; }
QGroupBox { font-weight: 600; border: 1px solid #d5d9de; border-radius: 6px; margin-top: 12px;
    background: white; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QGroupBox QLabel, QGroupBox QPushButton, QGroupBox QLineEdit, QGroupBox QPlainTextEdit,
QGroupBox QRadioButton { font-weight: normal; }
QListWidget::item { padding: 7px 6px; }
QTextBrowser, QListWidget { background: white; border: 1px solid #d5d9de; border-radius: 4px; }
QLineEdit#sayBox { padding: 6px; border: 2px solid #1f5fa8; border-radius: 4px; }
"""


def apply_font(root: QWidget, point_size: int) -> None:
    """Size `root` and everything in it from one point size (headings keep their scale).

    Every widget gets its font set explicitly: with a style sheet in force Qt does not pass a
    parent's font on to its children, so relying on inheritance would leave them unscaled.
    Call again after adding widgets.
    """
    base = QFont(root.font())
    base.setPointSize(point_size)
    root.setFont(base)
    for widget in root.findChildren(QWidget):
        scale = widget.property("fontScale")
        font = QFont(base)
        if scale:
            font.setPointSizeF(point_size * float(scale))
        widget.setFont(font)
