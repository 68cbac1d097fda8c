"""The app's remembered choices, each declared once with its type and default (Picard style).

Stored with QSettings under organisation and application "callsim". Where they are stored is
injectable: tests and scripts pass an INI file of their own so they never touch a trainee's
real settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ORGANISATION = "callsim"
APPLICATION = "callsim"

FONT_DEFAULT_PT = 11
FONT_MIN_PT = 8
FONT_MAX_PT = 28


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: object


TRAINEE_NAME = Option("trainee/name", str, "")
LAST_SCENARIO = Option("trainee/last_scenario", str, "")
MODE = Option("trainee/mode", str, "practice")
FONT_PT = Option("view/font_pt", int, FONT_DEFAULT_PT)
WINDOW_GEOMETRY = Option("view/geometry", bytes, b"")

OPTIONS = (TRAINEE_NAME, LAST_SCENARIO, MODE, FONT_PT, WINDOW_GEOMETRY)


class UiSettings:
    """Typed access to the declared options."""

    def __init__(self, store: QSettings) -> None:
        self._store = store

    @classmethod
    def default(cls) -> UiSettings:
        """The trainee's own settings (per user, in the platform's usual place)."""
        return cls(QSettings(ORGANISATION, APPLICATION))

    @classmethod
    def at(cls, path: Path) -> UiSettings:
        """Settings in an INI file of the caller's choosing (tests, scripts, shared PCs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def get(self, option: Option) -> object:
        value: Any = self._store.value(option.key, option.default)
        if option.type is int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return option.default
        if option.type is bytes:
            try:
                return bytes(value) if value else b""  # QByteArray or bytes
            except TypeError:
                return b""
        return value if isinstance(value, str) else str(option.default)

    def set(self, option: Option, value: object) -> None:
        self._store.setValue(option.key, value)

    def sync(self) -> None:
        self._store.sync()

    # -- the options, typed -------------------------------------------------------------------
    @property
    def trainee_name(self) -> str:
        return str(self.get(TRAINEE_NAME))

    @trainee_name.setter
    def trainee_name(self, value: str) -> None:
        self.set(TRAINEE_NAME, value.strip())

    @property
    def last_scenario(self) -> str:
        return str(self.get(LAST_SCENARIO))

    @last_scenario.setter
    def last_scenario(self, value: str) -> None:
        self.set(LAST_SCENARIO, value)

    @property
    def mode(self) -> str:
        mode = str(self.get(MODE))
        return mode if mode in ("practice", "assessment") else "practice"

    @mode.setter
    def mode(self, value: str) -> None:
        self.set(MODE, value)

    @property
    def font_pt(self) -> int:
        pt = self.get(FONT_PT)
        assert isinstance(pt, int)
        return max(FONT_MIN_PT, min(FONT_MAX_PT, pt))

    @font_pt.setter
    def font_pt(self, value: int) -> None:
        self.set(FONT_PT, max(FONT_MIN_PT, min(FONT_MAX_PT, int(value))))

    @property
    def geometry(self) -> bytes:
        value = self.get(WINDOW_GEOMETRY)
        return value if isinstance(value, bytes) else b""

    @geometry.setter
    def geometry(self, value: bytes) -> None:
        self.set(WINDOW_GEOMETRY, value)
