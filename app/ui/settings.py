"""The app's remembered choices, each declared once here with its type and default (Picard
style): nothing else in the app names a settings key.

Stored with QSettings under organisation and application "callsim". Where they are stored is
injectable: tests and scripts pass an INI file of their own so they never touch a trainee's
real settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "callsim"
APPLICATION = "callsim"

FONT_DEFAULT_PT = 11
# Text size is a percentage of the default, in steps of 10% (Ctrl+= / Ctrl+-), up to 200%:
# the size every screen's layout is tested at on a 1366x768 screen.
TEXT_STEP_PERCENT = 10
TEXT_MIN_PERCENT = 70
TEXT_MAX_PERCENT = 200
FONT_MIN_PT = round(FONT_DEFAULT_PT * TEXT_MIN_PERCENT / 100)
FONT_MAX_PT = round(FONT_DEFAULT_PT * TEXT_MAX_PERCENT / 100)

T = TypeVar("T")


def _text(stored: object) -> str | None:
    return stored if isinstance(stored, str) else None


def _number(stored: object) -> int | None:
    if not isinstance(stored, int | float | str | bytes):
        return None
    try:  # an INI file stores numbers as text
        return int(stored)
    except ValueError:
        return None


def _blob(stored: object) -> bytes | None:
    if not stored:
        return b""
    if isinstance(stored, QByteArray):
        return bytes(stored.data())
    if isinstance(stored, bytes | bytearray):
        return bytes(stored)
    return None


@dataclass(frozen=True)
class Option(Generic[T]):
    """One remembered choice: where it is kept, its default, and how a stored value is read
    back (`parse` gives None for a value it cannot use, and the default is used instead)."""

    key: str
    default: T
    parse: Callable[[object], T | None]

    @staticmethod
    def text(key: str, default: str) -> Option[str]:
        return Option(key, default, _text)

    @staticmethod
    def number(key: str, default: int) -> Option[int]:
        return Option(key, default, _number)

    @staticmethod
    def blob(key: str, default: bytes) -> Option[bytes]:
        return Option(key, default, _blob)


# Never stored: on a shared PC the next trainee must not find the last one's name (#11).
# Kept only so that a name an older callsim stored is deleted on start-up.
FORMER_TRAINEE_NAME = "trainee/name"
LAST_SCENARIO = Option.text("trainee/last_scenario", "")
MODE = Option.text("trainee/mode", "practice")
TEXT_PERCENT = Option.number("view/text_percent", 100)
FORMER_FONT_PT = "view/font_pt"  # callsim 0.1 stored points; read once into a percentage
WINDOW_GEOMETRY = Option.blob("view/geometry", b"")
ASSESSOR_NAME = Option.text("assessor/name", "")  # offered in the passphrase dialog


class UiSettings:
    """Typed access to the declared options."""

    def __init__(self, store: QSettings) -> None:
        self._store = store
        if self._store.contains(FORMER_TRAINEE_NAME):  # written by callsim 0.1
            self._store.remove(FORMER_TRAINEE_NAME)
            self._store.sync()
        if self._store.contains(FORMER_FONT_PT):
            points = _number(self._store.value(FORMER_FONT_PT))
            self._store.remove(FORMER_FONT_PT)
            if points is not None and not self._store.contains(TEXT_PERCENT.key):
                self.font_pt = points
            self._store.sync()

    @classmethod
    def default(cls) -> UiSettings:
        """The trainee's own settings (per user, in the platform's usual place)."""
        return cls(QSettings(ORGANISATION, APPLICATION))

    @classmethod
    def at(cls, path: Path) -> UiSettings:
        """Settings in an INI file of the caller's choosing (tests, scripts, shared PCs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def get(self, option: Option[T]) -> T:
        value = option.parse(self._store.value(option.key, option.default))
        return option.default if value is None else value

    def set(self, option: Option[T], value: T) -> None:
        self._store.setValue(option.key, value)

    def sync(self) -> None:
        self._store.sync()

    # -- the options, with the rules they keep ------------------------------------------------
    @property
    def last_scenario(self) -> str:
        return self.get(LAST_SCENARIO)

    @last_scenario.setter
    def last_scenario(self, value: str) -> None:
        self.set(LAST_SCENARIO, value)

    @property
    def mode(self) -> str:
        mode = self.get(MODE)
        return mode if mode in ("practice", "assessment") else "practice"

    @mode.setter
    def mode(self, value: str) -> None:
        self.set(MODE, value)

    @property
    def text_percent(self) -> int:
        """The text size as a percentage of the default, a multiple of 10 in 70..200."""
        value = self.get(TEXT_PERCENT)
        step = TEXT_STEP_PERCENT
        return max(TEXT_MIN_PERCENT, min(TEXT_MAX_PERCENT, round(value / step) * step))

    @text_percent.setter
    def text_percent(self, value: int) -> None:
        step = TEXT_STEP_PERCENT
        self.set(
            TEXT_PERCENT, max(TEXT_MIN_PERCENT, min(TEXT_MAX_PERCENT, round(value / step) * step))
        )

    @property
    def font_pt(self) -> int:
        """The point size of body text at the chosen percentage."""
        return round(FONT_DEFAULT_PT * self.text_percent / 100)

    @font_pt.setter
    def font_pt(self, value: int) -> None:
        # One rounding, to the nearest step: rounding to a whole percent first turned 16 pt
        # (150%) into 145%, which the step rounding (half to even) then made 140%.
        steps = int(value) * 100 / FONT_DEFAULT_PT / TEXT_STEP_PERCENT
        self.text_percent = round(steps) * TEXT_STEP_PERCENT

    @property
    def geometry(self) -> bytes:
        return self.get(WINDOW_GEOMETRY)

    @geometry.setter
    def geometry(self, value: bytes) -> None:
        self.set(WINDOW_GEOMETRY, value)

    @property
    def assessor_name(self) -> str:
        return self.get(ASSESSOR_NAME)

    @assessor_name.setter
    def assessor_name(self, value: str) -> None:
        self.set(ASSESSOR_NAME, value)
