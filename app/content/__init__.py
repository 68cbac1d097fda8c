"""Content shipped with the product, found the same way in every install.

- Package data proper (`importlib.resources`): the standard intent library and its generic
  negatives (`app/content/library/`).
- The checkout's top-level `scenarios/`, `resources/`, `LICENSE`, `THIRD-PARTY-NOTICES.md` and
  the scenario JSON schema: a wheel or a frozen build carries copies of them in
  `app/content/shipped/` (the build step in `setup.py` and `callsim.spec` put them there); a
  checkout reads the originals. `shipped_path` gives whichever this install has.

Data only: this module imports nothing from the rest of `app`.
"""

from __future__ import annotations

from pathlib import Path

# What a build copies into app/content/shipped/ (paths relative to the checkout's root).
SHIPPED = (
    "scenarios",
    "resources",
    "LICENSE",
    "THIRD-PARTY-NOTICES.md",
    "docs/callsim-scenario.schema.json",
)
_CHECKOUT = Path(__file__).resolve().parents[2]


def shipped_root() -> Path:
    """Where this install's copies live: app/content/shipped/ in a wheel or a frozen build,
    else the checkout itself."""
    # This package's folder, as `importlib.resources.files(__name__)` gives for a package on
    # disk (wheel or frozen build), without importing importlib.resources on the start path.
    inside = Path(__file__).resolve().parent / "shipped"
    return inside if inside.is_dir() else _CHECKOUT


def shipped_path(name: str) -> Path:
    """The shipped file or folder `name` (one of `SHIPPED`, e.g. "scenarios")."""
    if name not in SHIPPED:
        raise ValueError(f"{name!r} is not shipped content (one of {', '.join(SHIPPED)})")
    return shipped_root() / name
