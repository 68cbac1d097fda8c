"""Named assessor accounts (issue #13 item 2): the first lead both ways, roles, the append-only
rows and their ledger entries, the sign-in rate limit on a fake clock across a store reopen,
the single passphrase retired, and reopening kept for leads."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.assessor.accounts import (
    AccountError,
    Accounts,
    LockedOut,
    NotPermitted,
    SignInRefused,
    locked_until,
)
from app.assessor.auth import AssessorAuth, PassphraseRetired, WeakPassphrase, hash_passphrase
from app.assessor.marks import MarkError, Marking, may_reopen
from app.storage import SessionStore
from app.storage.accounts_repo import AccountsRepo, SignInRow
from app.storage.ledger import LedgerRepo, verify_ledger
from tests.assessor_kit import record

OLD = "the old shared one"
LEAD_PASS = "lead passphrase"
BOB_PASS = "bob's passphrase"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "callsim.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _with_lead(store: SessionStore, clock: FakeClock) -> Accounts:
    AssessorAuth(store).set_passphrase(OLD)
    accounts = Accounts(store, clock=clock)
    accounts.create_first_lead("Ann Lead", LEAD_PASS, legacy_passphrase=OLD)
    return accounts


# -- the first lead ---------------------------------------------------------------------------
def test_first_lead_proven_by_the_old_passphrase_retires_it(db: Path, clock: FakeClock) -> None:
    with SessionStore(db) as store:
        auth = AssessorAuth(store)
        auth.set_passphrase(OLD)
        accounts = Accounts(store, clock=clock)
        assert not accounts.exist() and auth.verify(OLD)
        with pytest.raises(NotPermitted, match="not correct"):
            accounts.create_first_lead("Ann", LEAD_PASS, legacy_passphrase="a wrong guess")
        assert not accounts.exist()
        lead = accounts.create_first_lead("  Ann\u0301  Lead ", LEAD_PASS, legacy_passphrase=OLD)
        assert (lead.name, lead.role, lead.is_lead) == ("An\u0144 Lead", "lead", True)
        assert "assessor passphrase" in lead.created_by
        # the single passphrase no longer opens anything, nor can it be changed
        assert auth.retired() and not auth.verify(OLD)
        with pytest.raises(PassphraseRetired):
            auth.set_passphrase("another one", current=OLD)
        # one-time: a second "first lead" is refused, whichever proof
        with pytest.raises(NotPermitted, match="has accounts already"):
            accounts.create_first_lead("Eve", "eve's passphrase", legacy_passphrase=OLD)
        code_hash = hash_passphrase("it's one-time code")
        with pytest.raises(NotPermitted, match="has accounts already"):
            accounts.create_first_lead(
                "Eve", "eve's passphrase", code="it's one-time code", code_hash=code_hash
            )
        assert [a.name for a in accounts.accounts()] == ["An\u0144 Lead"]


def test_first_lead_on_a_new_database_needs_the_code_from_it(db: Path, clock: FakeClock) -> None:
    code_hash = hash_passphrase("IT set-up code 42")
    with SessionStore(db) as store:
        accounts = Accounts(store, clock=clock)
        with pytest.raises(NotPermitted, match="bootstrap_code_hash"):
            accounts.create_first_lead("Ann", LEAD_PASS)  # no proof at all
        with pytest.raises(NotPermitted, match="no assessor passphrase"):
            accounts.create_first_lead("Ann", LEAD_PASS, legacy_passphrase="anything at all")
        with pytest.raises(NotPermitted, match="set-up code is not correct"):
            accounts.create_first_lead("Ann", LEAD_PASS, code="guessed code", code_hash=code_hash)
        assert not accounts.exist()
        lead = accounts.create_first_lead(
            "Ann", LEAD_PASS, code="IT set-up code 42", code_hash=code_hash
        )
        assert lead.is_lead and "set-up code" in lead.created_by
        assert accounts.sign_in("ann", LEAD_PASS).name == "Ann"


# -- a lead manages accounts ------------------------------------------------------------------
def test_a_lead_creates_accounts_and_sets_roles_an_assessor_may_not(
    db: Path, clock: FakeClock
) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        lead = accounts.sign_in("Ann Lead", LEAD_PASS)
        bob = accounts.create("Bob", BOB_PASS, role="assessor", by=lead)
        assert (bob.role, bob.created_by) == ("assessor", "Ann Lead")
        with pytest.raises(AccountError, match="exists already"):
            accounts.create("BOB", "another passphrase", role="lead", by=lead)
        with pytest.raises(AccountError, match="role must be"):
            accounts.create("Cy", "cy's passphrase", role="boss", by=lead)
        with pytest.raises(WeakPassphrase):
            accounts.create("Cy", "short", role="assessor", by=lead)
        me = accounts.sign_in("bob", BOB_PASS)
        with pytest.raises(NotPermitted, match="only a lead"):
            accounts.create("Cy", "cy's passphrase", role="assessor", by=me)
        with pytest.raises(NotPermitted, match="only a lead"):
            accounts.set_role("Bob", "lead", by=me)
        with pytest.raises(NotPermitted, match="only a lead"):
            accounts.set_passphrase("Ann Lead", "taken over!", by=me)
        # your own passphrase is yours to change
        accounts.set_passphrase("Bob", "bob's new passphrase", by=me)
        with pytest.raises(SignInRefused):
            accounts.sign_in("Bob", BOB_PASS)
        assert accounts.sign_in("Bob", "bob's new passphrase").role == "assessor"
        assert accounts.set_role("Bob", "lead", by=lead).is_lead
        # the only lead is never demoted or disabled away; with two, one may go
        accounts.set_role("Bob", "assessor", by=lead)
        with pytest.raises(NotPermitted, match="only lead"):
            accounts.set_role("Ann Lead", "assessor", by=lead)
        with pytest.raises(NotPermitted, match="only lead"):
            accounts.disable("Ann Lead", by=lead)
        gone = accounts.disable("Bob", by=lead)
        assert not gone.active
        with pytest.raises(SignInRefused, match="disabled"):
            accounts.sign_in("Bob", "bob's new passphrase")
        with pytest.raises(AccountError, match="no account named"):
            accounts.disable("Nobody", by=lead)


def test_changes_are_new_rows_each_ledgered_and_the_rows_refuse_edits(
    db: Path, clock: FakeClock
) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        lead = accounts.sign_in("Ann Lead", LEAD_PASS)
        accounts.create("Bob", BOB_PASS, role="assessor", by=lead)
        accounts.set_role("Bob", "lead", by=lead)
        accounts.disable("Bob", by=lead)
        rows = AccountsRepo(store).rows()
        assert [(r.name, r.change, r.role, r.disabled_at is not None) for r in rows] == [
            ("Ann Lead", "create", "lead", False),
            ("Bob", "create", "assessor", False),
            ("Bob", "role", "lead", False),
            ("Bob", "disable", "lead", True),
        ]
        assert all(r.passphrase_hash.startswith("scrypt$") for r in rows)
        assert all(LEAD_PASS not in r.passphrase_hash for r in rows)
        state = LedgerRepo(store).read()
        keyed = [r.detail().get("key") for r in state.rows if r.kind == "meta"]
        assert keyed.count("account") == 4 and keyed.count("signin") == 1
        assert verify_ledger(state.rows, state.head).ok
        assert accounts.altered() is None
    conn = sqlite3.connect(db)
    try:
        for sql in (
            "UPDATE assessor_accounts SET role = 'lead' WHERE name = 'Bob'",
            "DELETE FROM assessor_accounts WHERE name = 'Bob'",
            "UPDATE assessor_signins SET outcome = 'ok'",
            "DELETE FROM assessor_signins",
            # a second "create" of a name, or a change to a name never created
            "INSERT INTO assessor_accounts (name, name_key, passphrase_hash, role, change, "
            "created_by, created_at) VALUES ('bob', 'bob', 'x', 'lead', 'create', 'me', 'now')",
            "INSERT INTO assessor_accounts (name, name_key, passphrase_hash, role, change, "
            "created_by, created_at) VALUES ('Eve', 'eve', 'x', 'lead', 'role', 'me', 'now')",
        ):
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(sql)
    finally:
        conn.close()


# -- the rate limit -------------------------------------------------------------------------
def _fail(accounts: Accounts, name: str = "Bob") -> Exception:
    with pytest.raises(SignInRefused) as caught:
        accounts.sign_in(name, "a wrong guess")
    return caught.value


def test_five_failures_lock_the_name_and_the_delay_grows_across_a_reopen(
    db: Path, clock: FakeClock
) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        lead = accounts.sign_in("Ann Lead", LEAD_PASS)
        accounts.create("Bob", BOB_PASS, role="assessor", by=lead)
        for _ in range(4):
            clock.advance(minutes=2)
            assert not isinstance(_fail(accounts), LockedOut)
        clock.advance(minutes=2)
        fifth = _fail(accounts)  # the fifth within 15 minutes locks for 1 minute
        assert isinstance(fifth, LockedOut) and fifth.until == clock.at + timedelta(minutes=1)
        # even the right passphrase is refused now, and the refusal is recorded
        clock.advance(seconds=30)
        with pytest.raises(LockedOut):
            accounts.sign_in("Bob", BOB_PASS)
    # the app restarted: the count is in the database
    with SessionStore(db) as store:
        accounts = Accounts(store, clock=clock)
        with pytest.raises(LockedOut):
            accounts.sign_in("Bob", BOB_PASS)
        delays = []
        for _ in range(8):
            clock.advance(minutes=61)  # past any lock
            failed = _fail(accounts)
            assert isinstance(failed, LockedOut)
            delays.append(failed.until - clock.at)
        assert delays == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60, 60, 60)]
        clock.advance(minutes=61)
        assert accounts.sign_in("Bob", BOB_PASS).name == "Bob"  # a success starts again
        assert not isinstance(_fail(accounts), LockedOut)
        outcomes = [a.outcome for a in accounts.attempts("Bob")]
        assert outcomes.count("locked") == 1 + 2 + 8  # the first lock, 2 refused tries, 8 locks
        assert outcomes[-2:] == ["ok", "wrong"]
        assert accounts.altered() is None


def test_failures_spread_over_more_than_15_minutes_do_not_lock(db: Path, clock: FakeClock) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        for _ in range(10):
            clock.advance(minutes=4)
            assert not isinstance(_fail(accounts, "Ann Lead"), LockedOut)
        assert accounts.sign_in("Ann Lead", LEAD_PASS).is_lead


def test_an_unknown_name_is_limited_too_and_told_the_same_words(db: Path, clock: FakeClock) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        first = _fail(accounts, "Mallory")
        wrong = _fail(accounts, "Ann Lead")
        assert str(first) == str(wrong) == "that name or passphrase is not right"
        for _ in range(3):
            _fail(accounts, "mallory")
        assert isinstance(_fail(accounts, "MALLORY"), LockedOut)
        assert [a.outcome for a in accounts.attempts("Mallory")][:2] == ["unknown", "unknown"]


def test_locked_until_resets_after_a_day_without_failures() -> None:
    def rows(*minutes: float) -> list[SignInRow]:
        return [
            SignInRow(i, "k", "wrong", (T0 + timedelta(minutes=m)).isoformat(), None)
            for i, m in enumerate(minutes)
        ]

    locked = rows(0, 1, 2, 3, 4)
    assert locked_until(locked, T0 + timedelta(minutes=4)) == T0 + timedelta(minutes=5)
    assert locked_until(locked, T0 + timedelta(minutes=5)) is None  # the minute is over
    later = rows(0, 1, 2, 3, 4, 24 * 60 + 10)
    assert locked_until(later, T0 + timedelta(minutes=24 * 60 + 10)) is None


def test_the_log_names_every_failure_and_lockout(
    db: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        for _ in range(6):
            try:
                accounts.sign_in("Ann Lead", "nope nope")
            except SignInRefused:
                pass
    failed = [r.getMessage() for r in caplog.records if "sign-in" in r.getMessage()]
    assert sum("failed" in m for m in failed) == 5
    assert any("locked out until" in m for m in failed)
    assert any("refused" in m for m in failed)


def test_a_read_only_copy_honours_the_lock_and_signs_in(db: Path, clock: FakeClock) -> None:
    with SessionStore(db) as store:
        accounts = _with_lead(store, clock)
        for _ in range(5):
            _fail(accounts, "Ann Lead")
    with SessionStore(db, readonly=True) as store:
        accounts = Accounts(store, clock=clock)
        with pytest.raises(LockedOut):
            accounts.sign_in("Ann Lead", LEAD_PASS)
        clock.advance(minutes=2)
        assert accounts.sign_in("Ann Lead", LEAD_PASS).is_lead
        with pytest.raises(SignInRefused):
            accounts.sign_in("Ann Lead", "wrong again")


# -- reopening --------------------------------------------------------------------------------
def test_only_a_lead_account_may_reopen(db: Path, clock: FakeClock, tmp_path: Path) -> None:
    with SessionStore(db) as store:
        sid = record(store, tmp_path)
        marking = Marking(store)
        marking.sign_off(sid, assessor="Sgt Typed")  # before accounts: typed names, as ever
        assert may_reopen(sid, "anyone", store)
        accounts = _with_lead(store, clock)
        lead = accounts.sign_in("Ann Lead", LEAD_PASS)
        accounts.create("Bob", BOB_PASS, role="assessor", by=lead)
        assert not may_reopen(sid, "Bob", store)
        assert not may_reopen(sid, "Sgt Typed", store)  # a typed name is no account
        assert may_reopen(sid, "Ann Lead", store)
        with pytest.raises(MarkError, match="Bob may not reopen.*only a lead"):
            marking.reopen(sid, reason="appeal", assessor="Bob")
        assert marking.signed_off(sid) is not None
        marking.reopen(sid, reason="appeal", assessor="Ann Lead")
        assert marking.signed_off(sid) is None
        assert [s.assessor for s in marking.signoffs(sid)] == ["Sgt Typed", "Ann Lead"]
        accounts.set_role("Bob", "lead", by=lead)
        accounts.disable("Bob", by=lead)
        assert not may_reopen(sid, "Bob", store)  # a disabled lead is no lead
