"""The assessor passphrase: set on first use, stored only as a salted scrypt hash.

The stored form is `scrypt$n$r$p$salt_hex$hash_hex` in `assessor_meta` under the key
`passphrase`. Verification recomputes the hash with the stored parameters and compares in
constant time. The passphrase itself is never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from app.storage import SessionStore
from app.storage.meta_repo import MetaRepo

MIN_LENGTH = 8
MAX_LENGTH = 1024  # scrypt is fine with more; this only keeps absurd input out
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
_KEY = "passphrase"
_MAXMEM = 64 * 1024 * 1024


class WeakPassphrase(ValueError):
    """The new passphrase is too short (or absurdly long)."""


class WrongPassphrase(PermissionError):
    """Changing the passphrase needs the current one, and it did not verify."""


def _encode(passphrase: str) -> bytes:
    # The same characters typed on any system give the same bytes (composed accents).
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def hash_passphrase(passphrase: str, *, salt: bytes | None = None) -> str:
    """The stored form of `passphrase` with a fresh random salt (or the one given)."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(
        _encode(passphrase),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=_MAXMEM,
        dklen=HASH_BYTES,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_passphrase(passphrase: str, stored: str) -> bool:
    """Whether `passphrase` matches the stored form (False for a malformed one)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return False
    if not (1 < n <= 2**20 and 0 < r <= 32 and 0 < p <= 16 and expected):
        return False
    try:
        digest = hashlib.scrypt(
            _encode(passphrase), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=len(expected)
        )
    except ValueError:  # parameters OpenSSL refuses
        return False
    return hmac.compare_digest(digest, expected)


class AssessorAuth:
    """The passphrase that guards the assessor area of one database."""

    def __init__(self, store: SessionStore) -> None:
        self._meta = MetaRepo(store)

    def _stored(self) -> str | None:
        return self._meta.get(_KEY)

    def is_set(self) -> bool:
        """Has a passphrase been set on this database?"""
        return self._stored() is not None

    def set_passphrase(self, new: str, *, current: str | None = None) -> None:
        """Set the passphrase (first use: `current` None) or change it (`current` must verify).

        Raises `WeakPassphrase` for fewer than 8 characters, `WrongPassphrase` when a
        passphrase is already set and `current` is missing or wrong.
        """
        if len(new) < MIN_LENGTH:
            raise WeakPassphrase(f"the passphrase needs at least {MIN_LENGTH} characters")
        if len(new) > MAX_LENGTH:
            raise WeakPassphrase(f"the passphrase may have at most {MAX_LENGTH} characters")

        def may_replace(stored: str | None) -> None:
            if stored is not None and (current is None or not check_passphrase(current, stored)):
                raise WrongPassphrase("the current passphrase is not correct")

        self._meta.put(_KEY, hash_passphrase(new), check=may_replace)

    def verify(self, passphrase: str) -> bool:
        """True if `passphrase` is the one set (False when none is set)."""
        stored = self._stored()
        return stored is not None and check_passphrase(passphrase, stored)
