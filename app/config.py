"""Machine-wide and per-user configuration, for a force's IT team.

Three sources, lowest first; a later one wins where it is allowed to:

1. **Defaults** (the per-user folders of `platformdirs`, voice "auto").
2. **The machine file**, written by IT: `/etc/callsim/config.toml` (Linux, macOS),
   `%PROGRAMDATA%\\callsim\\config.toml` (Windows); where that file does not exist, the file
   named by `$CALLSIM_CONFIG`.
3. **The user's own**: `config.toml` in the per-user config folder, then the environment
   variables `CALLSIM_DATA_DIR`, `CALLSIM_CACHE_DIR`, `CALLSIM_SCENARIOS`, `CALLSIM_TTS`.

A key the machine file sets is **locked**: the user's file and the environment cannot change
it, unless the machine file lists it in `[policy] user_may_change`. A refused override is kept
in `Config.refused` (and `callsim config` shows it), never silently applied.

```toml
data_dir = "D:/callsim"            # sessions and logs
cache_dir = "D:/callsim/cache"     # rendered voices, trained matchers
scenarios_dir = "//server/callsim" # instructors' shared scenarios (the shipped ones always ship)
voice = "auto"                     # auto | pyttsx3 | espeak | silent (silent: captions only)

[store]
url = "postgresql://callsim@records.example/callsim"  # the central store (records issue)

[integrity]
public_key = "//server/callsim/centre-key.pub"  # checks signed heads and backup bundles
signing_key = "C:/callsim-keys/centre-key.pem"   # only on the machine that signs

[retention]
archive_after_years = 7            # `callsim retention run` archives older sessions
archive_dir = "//server/callsim-archive"  # to signed bundles here (default: data_dir/archive)

[lrs]                              # the centre's learning record store (xAPI, docs/central.md)
endpoint = "https://lrs.example/xAPI/"
credentials_file = "C:/ProgramData/callsim/lrs-credentials.txt"  # one line: key:secret
homepage = "https://training.example"  # the trainee accounts' homePage
activity_base = "https://training.example/callsim/scenarios/"  # + scenario id

[assessors]                        # named assessors (docs/integrity.md, "Assessor accounts")
bootstrap_code_hash = "scrypt$16384$8$1$..."  # `callsim accounts bootstrap-hash`: the first
                                   # lead on a new database proves the code; read from here only

[policy]
user_may_change = ["voice"]        # keys set here that users may still change
```

Errors in a file are `ConfigError`s located `path:line:col`. Plain Python; imports nothing
from the rest of `app`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_ENV = "CALLSIM_CONFIG"
VOICES = ("auto", "pyttsx3", "espeak", "silent")
# key -> (environment variable, kind)
KEYS: dict[str, tuple[str | None, str]] = {
    "data_dir": ("CALLSIM_DATA_DIR", "path"),
    "cache_dir": ("CALLSIM_CACHE_DIR", "path"),
    "scenarios_dir": ("CALLSIM_SCENARIOS", "path"),
    "voice": ("CALLSIM_TTS", "voice"),
    "store.url": (None, "text"),
    # The centre's Ed25519 key (docs/integrity.md, "Signed heads"): the public key checks
    # signed heads and bundles; the private key, only on the machine that signs.
    "integrity.public_key": (None, "path"),
    "integrity.signing_key": (None, "path"),
    # `callsim retention run`: sessions started more than this many years ago are archived.
    "retention.archive_after_years": (None, "years"),
    "retention.archive_dir": (None, "path"),  # where its bundles go (default: data/archive)
    "lrs.endpoint": (None, "text"),
    "lrs.credentials_file": (None, "path"),
    "lrs.homepage": (None, "text"),
    "lrs.activity_base": (None, "text"),
    # The scrypt hash of IT's one-time code that lets the first lead assessor account be
    # created on a database without accounts. Honoured only from the machine file.
    "assessors.bootstrap_code_hash": (None, "text"),
}
_TABLES = {
    "store": ("url",),
    "integrity": ("public_key", "signing_key"),
    "retention": ("archive_after_years", "archive_dir"),
    "lrs": ("endpoint", "credentials_file", "homepage", "activity_base"),
    "assessors": ("bootstrap_code_hash",),
    "policy": ("user_may_change",),
}


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message is located `path:line:col`."""


@dataclass(frozen=True)
class Config:
    """The effective configuration. Empty strings mean "not set" (the default applies)."""

    values: Mapping[str, str]
    sources: Mapping[str, str]  # key -> where its value came from ("default" when unset)
    machine_file: Path | None  # the machine file read, if any
    user_file: Path | None  # the user's file read, if any
    refused: tuple[str, ...] = field(default=())  # overrides the machine policy refused

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def path(self, key: str) -> Path | None:
        value = self.get(key)
        return Path(os.path.expandvars(value)).expanduser() if value else None


def machine_config_path(environ: Mapping[str, str] | None = None, platform: str = "") -> Path:
    """Where IT's file is looked for first on this kind of machine."""
    env = os.environ if environ is None else environ
    if (platform or sys.platform) == "win32":
        base = env.get("PROGRAMDATA") or "C:\\ProgramData"
        return Path(base) / "callsim" / "config.toml"
    return Path("/etc/callsim/config.toml")


def user_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("callsim")) / "config.toml"


def _line_col(text: str, key: str) -> tuple[int, int]:
    leaf = key.rsplit(".", 1)[-1]
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(rf"\s*{re.escape(leaf)}\s*=", line)
        if m:
            return n, m.start() + len(line) - len(line.lstrip()) + 1
    return 1, 1


def _read(path: Path) -> tuple[dict[str, str], tuple[str, ...], str]:
    """The file's settings (flattened "store.url"), its `user_may_change` list and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}:1:1: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}:1:1: cannot read ({exc.strerror or exc})") from exc
    import tomllib  # only when there is a file: a start without one skips it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{m.group(1)}:{m.group(2)}" if m else "1:1"
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"{path}:{where}: not valid TOML: {msg}") from exc
    out: dict[str, str] = {}
    may: tuple[str, ...] = ()
    for key, value in data.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                line, col = _line_col(text, key)
                raise ConfigError(f"{path}:{line}:{col}: '{key}' must be a table ([{key}])")
            for sub, subvalue in value.items():
                full = f"{key}.{sub}"
                if sub not in _TABLES[key]:
                    line, col = _line_col(text, sub)
                    raise ConfigError(
                        f"{path}:{line}:{col}: unknown setting '{full}' "
                        f"(known in [{key}]: {', '.join(_TABLES[key])})"
                    )
                if full == "policy.user_may_change":
                    if not isinstance(subvalue, list) or not all(
                        isinstance(x, str) and x in KEYS for x in subvalue
                    ):
                        line, col = _line_col(text, sub)
                        raise ConfigError(
                            f"{path}:{line}:{col}: user_may_change must list settings "
                            f"from: {', '.join(KEYS)}"
                        )
                    may = tuple(subvalue)
                else:
                    out[full] = _check(path, text, full, subvalue)
        elif key in KEYS:
            out[key] = _check(path, text, key, value)
        else:
            line, col = _line_col(text, key)
            known = ", ".join([*(k for k in KEYS if "." not in k), *(f"[{t}]" for t in _TABLES)])
            raise ConfigError(f"{path}:{line}:{col}: unknown setting '{key}' (known: {known})")
    return out, may, text


def _check(path: Path | str, text: str, key: str, value: object) -> str:
    line, col = _line_col(text, key) if text else (1, 1)
    if KEYS[key][1] == "years":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ConfigError(f"{path}:{line}:{col}: '{key}' must be a whole number of years")
        words = str(value).strip()
        if not words.isdigit() or int(words) < 1:
            raise ConfigError(
                f"{path}:{line}:{col}: '{key}' must be a whole number of years, 1 or more"
            )
        return str(int(words))
    if not isinstance(value, str):
        raise ConfigError(f"{path}:{line}:{col}: '{key}' must be a string in quotes")
    if KEYS[key][1] == "voice" and value.strip().lower() not in VOICES:
        raise ConfigError(f"{path}:{line}:{col}: voice must be one of {', '.join(VOICES)}")
    return value.strip().lower() if KEYS[key][1] == "voice" else value


def load_config(
    *,
    machine: Path | None = None,
    user: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """The effective configuration. `machine`/`user`: the files to read (default: the standard
    places); a file that does not exist is skipped. Raises `ConfigError`."""
    env = os.environ if environ is None else environ
    if machine is None:
        machine = machine_config_path(env)
        if not machine.is_file() and env.get(CONFIG_ENV, "").strip():
            machine = Path(env[CONFIG_ENV].strip()).expanduser()
            if not machine.is_file():
                raise ConfigError(f"{machine}:1:1: no such file (named by ${CONFIG_ENV})")
    if user is None:
        user = user_config_path()
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    locked: set[str] = set()
    refused: list[str] = []
    machine_read = user_read = None
    if machine.is_file():
        settings, may, _ = _read(machine)
        machine_read = machine
        for key, value in settings.items():
            values[key], sources[key] = value, f"machine file {machine}"
        locked = set(settings) - set(may)
    overrides: list[tuple[str, str, str]] = []
    if user.is_file():
        settings, may, _ = _read(user)
        user_read = user
        if may:
            raise ConfigError(f"{user}:1:1: [policy] belongs in the machine file, not a user's")
        overrides += [(k, v, f"user file {user}") for k, v in settings.items()]
    for key, (var, _kind) in KEYS.items():
        raw = env.get(var, "").strip() if var else ""
        if raw:
            # the environment is read as it always was (CALLSIM_TTS also knows "off", "none")
            overrides.append((key, raw, f"environment ${var}"))
    for key, value, source in overrides:
        if key in locked:
            refused.append(f"{key} from {source} (locked by {machine_read})")
            continue
        values[key], sources[key] = value, source
    for key in KEYS:
        sources.setdefault(key, "default")
    return Config(values, sources, machine_read, user_read, tuple(refused))


def cache_dir() -> Path:
    """Where rendered voices, trained matchers and parsed files are kept: `cache_dir` of the
    configuration (machine file, user file or `$CALLSIM_CACHE_DIR`), else the per-user cache
    folder."""
    configured = load_config().path("cache_dir")
    if configured is not None:
        return configured
    import platformdirs

    return Path(platformdirs.user_cache_dir("callsim"))


def format_config(cfg: Config, effective: Mapping[str, str]) -> str:
    """What `callsim config` prints: each setting, its value and where it came from."""
    lines = [
        f"machine file: {cfg.machine_file or 'none'}",
        f"user file:    {cfg.user_file or 'none'}",
    ]
    for key in KEYS:
        shown = effective.get(key) or cfg.get(key) or "(not set)"
        lines.append(f"{key} = {shown}   [{cfg.sources[key]}]")
    lines += [f"refused: {r}" for r in cfg.refused]
    return "\n".join(lines)
