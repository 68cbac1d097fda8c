"""The assessor passphrase: set on first use, stored only as a salted scrypt hash.

The stored form is `scrypt$n$r$p$salt_hex$hash_hex` in `assessor_meta` under the key
`passphrase`. Verification recomputes the hash with the stored parameters and compares in
constant time. The passphrase itself is never written anywhere.

The database ledger records the sha256 of every stored form (app/storage/meta_repo.py). A
stored form that is not the one the ledger recorded (the row deleted, or replaced with a hash
of someone else's choosing, with a database tool) is refused: the area stays locked and no
new passphrase can be set over it (`PassphraseRecordAltered`).

Once the database has assessor accounts (app/assessor/accounts.py), the single passphrase is
retired: it no longer opens the assessor area (`verify` is False) and cannot be changed
(`PassphraseRetired`). An account row altered outside callsim makes `altered` say so too, so
`callsim verify` reports it on its passphrase line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from app.storage import SessionStore
from app.storage.accounts_repo import AccountsRepo
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


class PassphraseRecordAltered(PermissionError):
    """The stored passphrase is not the one callsim recorded: it was deleted or replaced
    outside callsim. Nothing is unlocked and nothing can be set over it."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(
            f"the assessor passphrase record {why} outside callsim, so the assessor area "
            "stays locked and no new passphrase can be set: restore the database from a "
            "backup (`callsim verify` shows what else changed)"
        )


class PassphraseRetired(PermissionError):
    """The database has assessor accounts: the single passphrase opens nothing any more."""

    def __init__(self) -> None:
        super().__init__(
            "this database has assessor accounts: sign in with your account's name and "
            "passphrase (the single assessor passphrase no longer opens the assessor area)"
        )


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
        self._accounts = AccountsRepo(store)

    def _stored(self) -> str | None:
        """The stored form; raises `PassphraseRecordAltered` when it is not the one recorded."""
        why = self.altered()
        if why is not None:
            raise PassphraseRecordAltered(why)
        return self._meta.get(_KEY)

    def altered(self) -> str | None:
        """None when the stored passphrase (or its absence) is what the ledger recorded;
        else what happened to it ("was deleted", "was replaced", ...). An assessor account
        or sign-in row altered outside callsim is named here too ("is as recorded, but
        account row 3 (Eve) was written")."""
        why = self._meta.altered(_KEY)
        if why is not None:
            return why
        accounts = self._accounts.altered()
        return None if accounts is None else f"is as recorded, but {accounts}"

    def retired(self) -> bool:
        """Whether the database has assessor accounts (then accounts open the area)."""
        return self._accounts.any()

    def is_set(self) -> bool:
        """Has a passphrase been set on this database? True too when its record was altered
        (then `verify` and `set_passphrase` raise `PassphraseRecordAltered`)."""
        return self.altered() is not None or self._meta.get(_KEY) is not None

    def set_passphrase(self, new: str, *, current: str | None = None) -> None:
        """Set the passphrase (first use: `current` None) or change it (`current` must verify).

        Raises `WeakPassphrase` for fewer than 8 characters, `WrongPassphrase` when a
        passphrase is already set and `current` is missing or wrong,
        `PassphraseRecordAltered` when the stored one is not the one callsim recorded.
        """
        if len(new) < MIN_LENGTH:
            raise WeakPassphrase(f"the passphrase needs at least {MIN_LENGTH} characters")
        if len(new) > MAX_LENGTH:
            raise WeakPassphrase(f"the passphrase may have at most {MAX_LENGTH} characters")

        self._stored()  # raises when the record was altered
        if self.retired():
            raise PassphraseRetired()

        def may_replace(stored: str | None) -> None:
            if stored is not None and (current is None or not check_passphrase(current, stored)):
                raise WrongPassphrase("the current passphrase is not correct")

        self._meta.put(_KEY, hash_passphrase(new), check=may_replace)

    def verify(self, passphrase: str) -> bool:
        """True if `passphrase` is the one set (False when none is set). Raises
        `PassphraseRecordAltered` when the stored one is not the one callsim recorded. False
        once the database has accounts: the single passphrase is retired."""
        stored = self._stored()
        if self.retired():
            return False
        return stored is not None and check_passphrase(passphrase, stored)
