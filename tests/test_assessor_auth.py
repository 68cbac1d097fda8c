"""The assessor passphrase: set once, verified, changed only with the current one, and stored
only as a salted scrypt hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.assessor.auth import (
    AssessorAuth,
    WeakPassphrase,
    WrongPassphrase,
    check_passphrase,
    hash_passphrase,
)
from app.storage import SessionStore
from tests.assessor_kit import raw_one

SECRET = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db")


def test_first_use_sets_it_and_verify_checks_it(store: SessionStore) -> None:
    auth = AssessorAuth(store)
    assert not auth.is_set()
    assert not auth.verify(SECRET)  # nothing set: nothing verifies
    auth.set_passphrase(SECRET)
    assert auth.is_set()
    assert auth.verify(SECRET)
    assert not auth.verify(SECRET.upper())
    assert not auth.verify("")


def test_too_short_is_refused(store: SessionStore) -> None:
    auth = AssessorAuth(store)
    with pytest.raises(WeakPassphrase):
        auth.set_passphrase("1234567")
    assert isinstance(WeakPassphrase("x"), ValueError)
    assert not auth.is_set()
    auth.set_passphrase("12345678")  # eight is enough
    assert auth.verify("12345678")


def test_changing_needs_the_current_passphrase(store: SessionStore) -> None:
    auth = AssessorAuth(store)
    auth.set_passphrase(SECRET)
    with pytest.raises(WrongPassphrase):
        auth.set_passphrase("a new passphrase")
    with pytest.raises(WrongPassphrase):
        auth.set_passphrase("a new passphrase", current="not the one")
    assert auth.verify(SECRET)
    auth.set_passphrase("a new passphrase", current=SECRET)
    assert auth.verify("a new passphrase")
    assert not auth.verify(SECRET)


def test_another_store_on_the_same_file_sees_it(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "callsim.db") as store:
        AssessorAuth(store).set_passphrase(SECRET)
    with SessionStore(tmp_path / "callsim.db") as store:
        assert AssessorAuth(store).verify(SECRET)


def test_stored_as_salted_scrypt_and_never_in_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    with SessionStore(path) as store:
        AssessorAuth(store).set_passphrase(SECRET)
    (stored,) = raw_one(path, "SELECT value FROM assessor_meta WHERE key = 'passphrase'")
    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}", stored)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("callsim.db")]
    raw = b"".join(p.read_bytes() for p in files)  # the database and any WAL left behind
    assert SECRET.encode() not in raw
    assert SECRET.encode("utf-16-le") not in raw


def test_the_salt_is_random() -> None:
    a, b = hash_passphrase(SECRET), hash_passphrase(SECRET)
    assert a != b
    assert check_passphrase(SECRET, a) and check_passphrase(SECRET, b)


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "scrypt$16384$8$1$zz$00", "bcrypt$16384$8$1$00$00", "scrypt$1$8$1$00$00"],
)
def test_a_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert not check_passphrase(SECRET, stored)
