"""Named assessors: accounts, roles, sign-in and its rate limit (issue 13, item 2).

An account is a name (unique, compared without regard to case), a passphrase stored only as a
salted scrypt hash (app/assessor/auth.py's), and a role: `assessor`, or `lead` (a lead assessor
creates accounts, sets roles and reopens signed-off sessions). Nothing about an account is
edited in place: each change is a new row, ledgered (app/storage/accounts_repo.py).

Who creates the first lead:
- on a database that has today's single assessor passphrase, whoever proves that passphrase
  (`create_first_lead(..., legacy_passphrase=...)`); from then on the single passphrase no
  longer opens the assessor area;
- on any database without accounts, whoever holds the one-time code whose scrypt hash IT put
  in the machine-wide configuration (`[assessors] bootstrap_code_hash`, docs/integrity.md).
After the first account exists, only a signed-in lead creates accounts.

Rate limit: after `MAX_FAILURES` failed sign-ins for one name (an account's, or a name with no
account) within `WINDOW`, sign-in for that name is refused for `FIRST_DELAY`; each further
failure doubles the delay, up to `MAX_DELAY`. A successful sign-in, or `RESET_AFTER` without a
failure, starts the count again. Attempts are rows in the database, so restarting the app
resets nothing; every failure and lockout is logged and ledgered.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.assessor.auth import (
    MAX_LENGTH,
    MIN_LENGTH,
    AssessorAuth,
    PassphraseRecordAltered,
    WeakPassphrase,
    check_passphrase,
    hash_passphrase,
)
from app.storage import SessionStore
from app.storage.accounts_repo import AccountRow, AccountsRepo, SignInRow
from app.storage.records import iso_utc, utc_now
from app.storage.sql import Tx

log = logging.getLogger(__name__)

ROLES = ("assessor", "lead")
MAX_NAME = 100
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
RESET_AFTER = timedelta(hours=24)
FAILED = ("wrong", "unknown", "disabled")
# Checked against when the name has no account, so that an unknown name takes as long.
_HAS_ACCOUNTS = "this database has accounts already: a lead assessor creates the others"
_DUMMY_HASH = hash_passphrase("callsim: no such account", salt=b"\0" * 16)


class AccountError(ValueError):
    """Input the accounts refuse: a bad name or role, a name taken, no such account, ..."""


class NotPermitted(PermissionError):
    """The signed-in account may not do this (not a lead, disabled, or not bootstrapping)."""


class SignInRefused(PermissionError):
    """The name or passphrase is not right (the same words either way), or the account is
    disabled."""


class LockedOut(SignInRefused):
    """Too many failed sign-ins for this name: refused, without checking, until `until`."""

    def __init__(self, name: str, until: datetime, now: datetime) -> None:
        self.until = until
        minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        super().__init__(
            f"too many failed sign-ins for {name!r}: sign-in is refused until "
            f"{until:%H:%M} UTC (about {minutes} minute{'s' * (minutes != 1)}); the attempts "
            "are recorded"
        )


class AccountsAltered(PassphraseRecordAltered):
    """An account or sign-in row is not the one callsim recorded (written, changed or deleted
    outside callsim): nobody is signed in and nothing can be changed."""

    def __init__(self, why: str) -> None:
        self.why = why
        PermissionError.__init__(
            self,
            f"the assessor accounts were changed outside callsim ({why}), so the assessor "
            "area stays locked and no account can be changed: restore the database from a "
            "backup (`callsim verify` shows what else changed)",
        )


@dataclass(frozen=True)
class Account:
    """An account as it stands (its newest row)."""

    name: str
    role: str
    created_by: str
    created_at: str
    changed_at: str
    disabled_at: str | None

    @property
    def is_lead(self) -> bool:
        return self.role == "lead" and self.disabled_at is None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


BOOTSTRAP_KEY = "assessors.bootstrap_code_hash"


def bootstrap_code_hash() -> str | None:
    """The set-up code's hash IT put in the machine-wide configuration; None when it is not
    set there. A user's own file or the environment is never trusted for it: creating the
    first lead must need the right to write the machine file."""
    from app.config import load_config

    cfg = load_config()
    value = cfg.get(BOOTSTRAP_KEY).strip()
    if not value or not cfg.sources.get(BOOTSTRAP_KEY, "").startswith("machine file"):
        return None
    return value


def clean_name(name: str) -> tuple[str, str]:
    """(the name as stored: NFC, trimmed; its key: case-folded). Raises `AccountError`."""
    if not isinstance(name, str):
        raise AccountError("the account name must be text")
    shown = " ".join(unicodedata.normalize("NFC", name).split())
    if not shown:
        raise AccountError("the account name is empty")
    if len(shown) > MAX_NAME:
        raise AccountError(f"the account name may have at most {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in shown):
        raise AccountError("the account name may not contain control characters")
    return shown, unicodedata.normalize("NFC", shown.casefold())


def _check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_LENGTH:
        raise WeakPassphrase(f"the passphrase needs at least {MIN_LENGTH} characters")
    if len(passphrase) > MAX_LENGTH:
        raise WeakPassphrase(f"the passphrase may have at most {MAX_LENGTH} characters")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def locked_until(attempts: Sequence[SignInRow], now: datetime) -> datetime | None:
    """When sign-in for a name opens again, given its attempts (oldest first); None: open.

    Failures after the last success count. Once `MAX_FAILURES` of them fall within `WINDOW`
    the name is locked for `FIRST_DELAY` after that failure; every failure after it locks for
    twice as long as the one before (at most `MAX_DELAY`). A gap of `RESET_AFTER` between two
    failures starts the count again."""
    fails: list[datetime] = []
    for a in attempts:
        if a.outcome == "ok":
            fails = []
        elif a.outcome in FAILED:
            fails.append(datetime.fromisoformat(a.at))
    start: int | None = None
    base = 0
    for i, at in enumerate(fails):
        if i > 0 and at - fails[i - 1] >= RESET_AFTER:
            start, base = None, i
        if start is None and i - base >= MAX_FAILURES - 1 and at - fails[i - 4] <= WINDOW:
            start = i
    if start is None:
        return None
    delay = min(MAX_DELAY, FIRST_DELAY * 2 ** min(len(fails) - 1 - start, 12))
    until = fails[-1] + delay
    return until if now < until else None


class Accounts:
    """The assessor accounts of one store. `clock` gives the time (UTC); tests pass a fake."""

    def __init__(self, store: SessionStore, *, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._clock = clock or utc_now
        self._repo = AccountsRepo(store)

    # -- reading ------------------------------------------------------------------------------
    def altered(self) -> str | None:
        """None when every account and sign-in row is as callsim recorded it."""
        return self._repo.altered()

    def exist(self) -> bool:
        """Whether this database has accounts (then they, not the single passphrase, open the
        assessor area). True too when an account row was written outside callsim."""
        return self._repo.any()

    def _check_intact(self) -> None:
        why = self.altered()
        if why is not None:
            raise AccountsAltered(why)

    def accounts(self) -> list[Account]:
        """Every account as it stands, in the order they were created."""
        return _fold(self._repo.rows())

    def get(self, name: str) -> Account | None:
        _shown, key = clean_name(name)
        rows = [r for r in self._repo.rows() if r.name_key == key]
        found = _fold(rows)
        return found[0] if found else None

    def attempts(self, name: str) -> list[SignInRow]:
        """Every sign-in attempt recorded for the name, oldest first."""
        return self._repo.signins(clean_name(name)[1])

    # -- signing in ---------------------------------------------------------------------------
    def sign_in(self, name: str, passphrase: str) -> Account:
        """The account, when `passphrase` is its passphrase. Raises `LockedOut` (refused
        without checking), `SignInRefused` (wrong name or passphrase, or disabled),
        `AccountsAltered`. Every attempt is recorded (in the same transaction as the check of
        the lockout, so two windows cannot both slip past it)."""
        self._check_intact()
        shown, key = clean_name(name)
        if self._store.readonly:
            return self._sign_in_readonly(shown, key, passphrase)
        now = self._clock()
        at = iso_utc(now)
        with self._store.transaction() as tx:
            until = locked_until(self._repo.signins_in(tx, key), now)
            if until is not None:
                self._repo.add_signin(tx, name_key=key, outcome="locked", at=at)
                log.warning("assessor sign-in refused for %r: locked out until %s", shown, until)
                refused: SignInRefused = LockedOut(shown, until, now)
            else:
                row = self._repo.latest_in(tx, key)
                ok = check_passphrase(passphrase, row.passphrase_hash if row else _DUMMY_HASH)
                if row is not None and ok and row.disabled_at is None:
                    self._repo.add_signin(tx, name_key=key, outcome="ok", at=at)
                    account = _fold(self._repo.rows_in(tx, key))[0]
                    log.info("assessor %r signed in", account.name)
                    return account
                outcome = "unknown" if row is None else ("disabled" if ok else "wrong")
                attempt = self._repo.add_signin(tx, name_key=key, outcome=outcome, at=at)
                until = locked_until(self._repo.signins_in(tx, key), now)
                if until is not None:
                    self._repo.add_signin(
                        tx, name_key=key, outcome="locked", at=at, locked_until=iso_utc(until)
                    )
                log.warning(
                    "assessor sign-in failed for %r (%s, attempt %d)%s",
                    shown,
                    outcome,
                    attempt.id,
                    f"; locked out until {until}" if until else "",
                )
                if until is not None:
                    refused = LockedOut(shown, until, now)
                elif row is not None and outcome == "disabled":
                    refused = SignInRefused(f"the account {row.name!r} is disabled")
                else:
                    refused = SignInRefused("that name or passphrase is not right")
        raise refused

    def _sign_in_readonly(self, shown: str, key: str, passphrase: str) -> Account:
        """Sign-in on a read-only copy: the lockout is honoured, but nothing can be recorded
        (a failure is logged only)."""
        now = self._clock()
        until = locked_until(self._repo.signins(key), now)
        if until is not None:
            raise LockedOut(shown, until, now)
        rows = [r for r in self._repo.rows() if r.name_key == key]
        row = rows[-1] if rows else None
        ok = check_passphrase(passphrase, row.passphrase_hash if row else _DUMMY_HASH)
        if row is not None and ok and row.disabled_at is None:
            return _fold(rows)[0]
        log.warning("assessor sign-in failed for %r on a read-only database", shown)
        raise SignInRefused("that name or passphrase is not right")

    # -- creating and changing ----------------------------------------------------------------
    def create_first_lead(
        self,
        name: str,
        passphrase: str,
        *,
        legacy_passphrase: str | None = None,
        code: str | None = None,
        code_hash: str | None = None,
    ) -> Account:
        """The first account, a lead, on a database without accounts: proven either by the
        database's single assessor passphrase (`legacy_passphrase`) or by the one-time code
        whose hash IT put in the machine configuration (`code`, `code_hash`). Raises
        `NotPermitted` when accounts exist already or neither proof holds."""
        self._check_intact()
        shown, key = clean_name(name)
        _check_new_passphrase(passphrase)
        if self._repo.any():
            raise NotPermitted(_HAS_ACCOUNTS)
        if legacy_passphrase is not None:
            auth = AssessorAuth(self._store)
            if not auth.is_set():
                raise NotPermitted("this database has no assessor passphrase to prove")
            if not auth.verify(legacy_passphrase):
                raise NotPermitted("the database's assessor passphrase is not correct")
            how = "the database's assessor passphrase"
        elif code is not None and code_hash:
            if not check_passphrase(code, code_hash):
                raise NotPermitted("the set-up code is not correct")
            how = "the set-up code of the machine configuration"
        else:
            raise NotPermitted(
                "the first lead needs the database's assessor passphrase, or the set-up code "
                "whose hash IT put in the machine configuration ([assessors] bootstrap_code_hash)"
            )
        stored = hash_passphrase(passphrase)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            if self._repo.any_in(tx):
                raise NotPermitted(_HAS_ACCOUNTS)
            self._repo.add_account(
                tx,
                name=shown,
                name_key=key,
                passphrase_hash=stored,
                role="lead",
                change="create",
                created_by=f"(first lead, proven by {how})",
                created_at=at,
            )
            rows = self._repo.rows_in(tx, key)
        log.info("first lead assessor account %r created (proven by %s)", shown, how)
        return _fold(rows)[0]

    def _lead_in(self, tx: Tx, by: Account) -> AccountRow:
        row = self._repo.latest_in(tx, clean_name(by.name)[1])
        if row is None or row.disabled_at is not None:
            raise NotPermitted(f"the account {by.name!r} is disabled or gone")
        if row.role != "lead":
            raise NotPermitted(f"only a lead assessor may do this; {by.name!r} is an assessor")
        return row

    def create(self, name: str, passphrase: str, *, role: str, by: Account) -> Account:
        """A new account, made by the signed-in lead `by`."""
        self._check_intact()
        shown, key = clean_name(name)
        _check_role(role)
        _check_new_passphrase(passphrase)
        stored = hash_passphrase(passphrase)
        at = iso_utc(self._clock())
        with self._store.transaction() as tx:
            lead = self._lead_in(tx, by)
            if self._repo.latest_in(tx, key) is not None:
                raise AccountError(f"an account named {shown!r} exists already")
            self._repo.add_account(
                tx,
                name=shown,
                name_key=key,
                passphrase_hash=stored,
                role=role,
                change="create",
                created_by=lead.name,
                created_at=at,
            )
            rows = self._repo.rows_in(tx, key)
        log.info("assessor account %r (%s) created by %r", shown, role, lead.name)
        return _fold(rows)[0]

    def _change(self, tx: Tx, name: str, *, by: str, change: str, **new: str | None) -> AccountRow:
        shown, key = clean_name(name)
        row = self._repo.latest_in(tx, key)
        if row is None:
            raise AccountError(f"there is no account named {shown!r}")
        values: dict[str, str | None] = {
            "passphrase_hash": row.passphrase_hash,
            "role": row.role,
            "disabled_at": row.disabled_at,
        } | new
        leads = set(self._repo.active_leads_in(tx))
        stays_lead = values["role"] == "lead" and values["disabled_at"] is None
        if leads == {key} and not stays_lead:
            raise NotPermitted(f"{row.name!r} is the only lead assessor: make another lead first")
        return self._repo.add_account(
            tx,
            name=row.name,
            name_key=key,
            passphrase_hash=str(values["passphrase_hash"]),
            role=str(values["role"]),
            change=change,
            created_by=by,
            created_at=iso_utc(self._clock()),
            disabled_at=values["disabled_at"],
        )

    def set_role(self, name: str, role: str, *, by: Account) -> Account:
        """Change an account's role (a lead's to do)."""
        self._check_intact()
        _check_role(role)
        with self._store.transaction() as tx:
            lead = self._lead_in(tx, by)
            row = self._change(tx, name, by=lead.name, change="role", role=role)
            rows = self._repo.rows_in(tx, row.name_key)
        log.info("assessor account %r made %s by %r", row.name, role, lead.name)
        return _fold(rows)[0]

    def disable(self, name: str, *, by: Account) -> Account:
        """Disable an account (a lead's to do): it can no longer sign in. Its marks stay."""
        self._check_intact()
        with self._store.transaction() as tx:
            lead = self._lead_in(tx, by)
            current = self._repo.latest_in(tx, clean_name(name)[1])
            if current is not None and current.disabled_at is not None:
                raise AccountError(f"the account {current.name!r} is disabled already")
            row = self._change(
                tx, name, by=lead.name, change="disable", disabled_at=iso_utc(self._clock())
            )
            rows = self._repo.rows_in(tx, row.name_key)
        log.info("assessor account %r disabled by %r", row.name, lead.name)
        return _fold(rows)[0]

    def set_passphrase(self, name: str, new: str, *, by: Account) -> Account:
        """A new passphrase for `name`: the signed-in account's own, or any (by a lead)."""
        self._check_intact()
        _check_new_passphrase(new)
        stored = hash_passphrase(new)
        own = clean_name(name)[1] == clean_name(by.name)[1]
        with self._store.transaction() as tx:
            if own:
                me = self._repo.latest_in(tx, clean_name(by.name)[1])
                if me is None or me.disabled_at is not None:
                    raise NotPermitted(f"the account {by.name!r} is disabled or gone")
                who = me.name
            else:
                who = self._lead_in(tx, by).name
            row = self._change(tx, name, by=who, change="passphrase", passphrase_hash=stored)
            rows = self._repo.rows_in(tx, row.name_key)
        log.info("passphrase of assessor account %r changed by %r", row.name, who)
        return _fold(rows)[0]


def _fold(rows: Sequence[AccountRow]) -> list[Account]:
    """Each account as it stands, from its rows (any order of names; oldest row first)."""
    first: dict[str, AccountRow] = {}
    last: dict[str, AccountRow] = {}
    for r in rows:
        first.setdefault(r.name_key, r)
        last[r.name_key] = r
    return [
        Account(
            name=last[k].name,
            role=last[k].role,
            created_by=first[k].created_by,
            created_at=first[k].created_at,
            changed_at=last[k].created_at,
            disabled_at=last[k].disabled_at,
        )
        for k in first
    ]
