"""`callsim accounts ...` and `--account NAME` sign-in: the first lead both ways, a lead's
commands, marks signed with the account, and every refusal one line with exit status 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.assessor.accounts import Accounts
from app.assessor.auth import AssessorAuth, hash_passphrase
from app.assessor.marks import Marking
from app.cli import main
from app.storage import SessionStore
from tests.assessor_kit import record

Capture = pytest.CaptureFixture[str]
OLD = "the old shared one"
CODE = "IT's one-time code"


def secret(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(folder))
    monkeypatch.delenv("CALLSIM_PASSPHRASE_FILE", raising=False)
    return folder / "callsim.db"


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


@pytest.fixture
def with_lead(db: Path, tmp_path: Path, capsys: Capture) -> str:
    """A database with a session and the single passphrase, upgraded to a lead "Ann"; the
    session id."""
    with SessionStore(db) as store:
        sid = record(store, tmp_path)
        AssessorAuth(store).set_passphrase(OLD)
        Marking(store).comment(sid, 2.0, "typed before accounts", assessor="Sgt Typed")
    code, _, err = run(
        capsys,
        "accounts", "create", "Ann", "--role", "lead",
        "--passphrase-file", secret(tmp_path, "old", OLD),
        "--new-passphrase-file", secret(tmp_path, "ann", "ann's passphrase"),
    )  # fmt: skip
    assert (code, err) == (0, "account 'Ann' created (lead)\n")
    return sid


def as_(tmp_path: Path, name: str, passphrase: str) -> list[str]:
    return ["--account", name, "--passphrase-file", secret(tmp_path, f"as-{name}", passphrase)]


def test_the_first_lead_proven_by_the_old_passphrase(
    with_lead: str, tmp_path: Path, capsys: Capture
) -> None:
    old = ["--passphrase-file", secret(tmp_path, "old", OLD)]
    code, _, err = run(capsys, "sessions", "list", *old)
    assert code == 2 and "give --account NAME" in err
    code, out, _ = run(capsys, "sessions", "list", *as_(tmp_path, "Ann", "ann's passphrase"))
    assert code == 0 and "Ana" in out
    code, _, err = run(capsys, "assessor", "passphrase", *old)
    assert code == 2 and "has assessor accounts" in err
    code, _, err = run(
        capsys, "accounts", "create", "Eve", "--role", "lead", *old,
        "--new-passphrase-file", secret(tmp_path, "eve", "eve's passphrase"),
    )  # fmt: skip
    assert code == 2 and "give --account NAME" in err  # a second "first lead" is not possible


def test_the_first_account_must_be_a_lead_and_needs_a_proof(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    new = ["--new-passphrase-file", secret(tmp_path, "new", "a new passphrase")]
    code, _, err = run(capsys, "accounts", "create", "Ann", "--role", "assessor", *new)
    assert code == 2 and "must be a lead" in err
    code, _, err = run(capsys, "accounts", "create", "Ann", "--role", "lead", *new)
    assert code == 2 and "neither accounts nor an assessor passphrase" in err
    with SessionStore(db) as store:
        assert not Accounts(store).exist()


def _machine_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    assert not Path("/etc/callsim/config.toml").exists()
    machine = tmp_path / "machine.toml"
    machine.write_text(
        f'[assessors]\nbootstrap_code_hash = "{hash_passphrase(code)}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CALLSIM_CONFIG", str(machine))


def test_the_first_lead_on_a_new_database_proves_the_code_from_the_machine_file(
    db: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _machine_config(tmp_path, monkeypatch, CODE)
    new = ["--new-passphrase-file", secret(tmp_path, "new", "ann's passphrase")]
    # the old way in (whoever comes first sets the passphrase) is closed on this machine
    code, _, err = run(
        capsys, "assessor", "passphrase", "--new-passphrase-file", secret(tmp_path, "p", OLD)
    )
    assert code == 2 and "sets up assessor accounts" in err
    wrong = ["--bootstrap-code-file", secret(tmp_path, "guess", "a guessed code")]
    code, _, err = run(capsys, "accounts", "create", "Ann", "--role", "lead", *wrong, *new)
    assert code == 2 and "set-up code is not correct; nothing changed" in err
    right = ["--bootstrap-code-file", secret(tmp_path, "code", CODE)]
    code, _, err = run(capsys, "accounts", "create", "Ann", "--role", "lead", *right, *new)
    assert code == 0, err
    code, _, err = run(capsys, "accounts", "create", "Eve", "--role", "lead", *right, *new)
    assert code == 2  # one-time: accounts exist now, a lead's sign-in is needed
    code, out, _ = run(capsys, "accounts", "list", *as_(tmp_path, "Ann", "ann's passphrase"))
    assert code == 0 and "Ann" in out and "set-up code" in out


def test_a_code_hash_in_the_users_own_file_is_not_trusted(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "callsim" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(
        f'[assessors]\nbootstrap_code_hash = "{hash_passphrase(CODE)}"\n', encoding="utf-8"
    )
    try:
        code, _, err = run(
            capsys, "accounts", "create", "Ann", "--role", "lead",
            "--bootstrap-code-file", secret(tmp_path, "code", CODE),
            "--new-passphrase-file", secret(tmp_path, "new", "ann's passphrase"),
        )  # fmt: skip
    finally:
        user.unlink()
    assert code == 2 and "machine-wide configuration sets no" in err


def test_a_lead_manages_accounts_an_assessor_may_not(
    with_lead: str, tmp_path: Path, capsys: Capture
) -> None:
    ann = as_(tmp_path, "Ann", "ann's passphrase")
    bob_new = ["--new-passphrase-file", secret(tmp_path, "bob", "bob's passphrase")]
    assert run(capsys, "accounts", "create", "Bob", "--role", "assessor", *ann, *bob_new)[0] == 0
    code, _, err = run(capsys, "accounts", "create", "bob", "--role", "lead", *ann, *bob_new)
    assert code == 2 and "exists already; nothing changed" in err
    bob = as_(tmp_path, "Bob", "bob's passphrase")
    code, _, err = run(capsys, "accounts", "create", "Cy", "--role", "assessor", *bob, *bob_new)
    assert code == 2 and "only a lead assessor may do this" in err
    assert run(capsys, "accounts", "set-role", "Bob", "lead", *bob)[0] == 2
    assert run(capsys, "accounts", "disable", "Ann", *bob)[0] == 2
    code, _, err = run(capsys, "accounts", "set-role", "Ann", "assessor", *ann)
    assert code == 2 and "only lead" in err
    # Bob changes his own passphrase; the old one no longer signs in
    newer = ["--new-passphrase-file", secret(tmp_path, "bob2", "bob's newer one")]
    assert run(capsys, "accounts", "passphrase", *bob, *newer)[0] == 0
    code, _, err = run(capsys, "accounts", "list", *bob)
    assert code == 2 and "sign-in as 'Bob' refused: that name or passphrase is not right" in err
    code, out, _ = run(capsys, "accounts", "list", *as_(tmp_path, "Bob", "bob's newer one"))
    assert code == 0 and "assessor" in out
    assert run(capsys, "accounts", "set-role", "Bob", "lead", *ann)[0] == 0
    assert run(capsys, "accounts", "disable", "Bob", *ann)[0] == 0
    code, out, _ = run(capsys, "accounts", "list", *ann)
    assert "disabled" in out
    code, _, err = run(capsys, "accounts", "list", *as_(tmp_path, "Bob", "bob's newer one"))
    assert code == 2 and "is disabled" in err
    code, _, err = run(capsys, "accounts", "set-role", "Nobody", "lead", *ann)
    assert code == 2 and "no account named 'Nobody'" in err


def test_marks_are_signed_with_the_account_and_only_a_lead_reopens(
    with_lead: str, db: Path, tmp_path: Path, capsys: Capture
) -> None:
    sid = with_lead
    ann = as_(tmp_path, "Ann", "ann's passphrase")
    bob_new = ["--new-passphrase-file", secret(tmp_path, "bob", "bob's passphrase")]
    assert run(capsys, "accounts", "create", "Bob", "--role", "assessor", *ann, *bob_new)[0] == 0
    bob = as_(tmp_path, "Bob", "bob's passphrase")
    code, _, err = run(capsys, "sessions", "sign-off", sid, "--assessor", "Anyone", *bob)
    assert code == 2 and "--assessor is not used" in err and "(Bob)" in err
    assert run(capsys, "sessions", "sign-off", sid, *bob)[0] == 0
    code, _, err = run(capsys, "sessions", "reopen", sid, "--reason", "appeal", *bob)
    assert code == 2 and "Bob may not reopen a signed-off session: only a lead" in err
    assert run(capsys, "sessions", "reopen", sid, "--reason", "appeal", *ann)[0] == 0
    with SessionStore(db, readonly=True) as store:
        marking = Marking(store)
        assert [(s.action, s.assessor) for s in marking.signoffs(sid)] == [
            ("sign_off", "Bob"),
            ("reopen", "Ann"),
        ]
        assert [e.assessor for e in marking.audit(sid)] == ["Sgt Typed", "Bob", "Ann"]
        assert [c.assessor for c in marking.comments(sid)] == ["Sgt Typed"]  # history kept


def test_the_cli_locks_a_name_out_after_five_failures(
    with_lead: str, tmp_path: Path, capsys: Capture
) -> None:
    wrong = as_(tmp_path, "Ann", "not ann's one")
    for _ in range(4):
        code, _, err = run(capsys, "sessions", "list", *wrong)
        assert code == 2 and "not right" in err
    code, _, err = run(capsys, "sessions", "list", *wrong)
    assert code == 2 and "too many failed sign-ins for 'Ann'" in err
    code, _, err = run(capsys, "sessions", "list", *as_(tmp_path, "Ann", "ann's passphrase"))
    assert code == 2 and "too many failed sign-ins" in err


def test_read_only_commands_count_failures_too(
    with_lead: str, db: Path, tmp_path: Path, capsys: Capture
) -> None:
    """`export` opens the database read-only; its failed sign-ins are still counted."""
    wrong = as_(tmp_path, "Ann", "not ann's one")
    for n in range(5):
        code, _, err = run(capsys, "export", "--csv", str(tmp_path / f"{n}.csv"), *wrong)
        assert code == 2
    assert "too many failed sign-ins for 'Ann'" in err
    with SessionStore(db, readonly=True) as store:
        outcomes = [a.outcome for a in Accounts(store).attempts("Ann")]
    assert outcomes.count("wrong") == 5 and outcomes[-1] == "locked"


def test_a_read_only_command_signs_in_and_writes_the_name_on_the_report(
    with_lead: str, tmp_path: Path, capsys: Capture
) -> None:
    ann = as_(tmp_path, "Ann", "ann's passphrase")
    out = tmp_path / "r.html"
    code, _, err = run(capsys, "report", with_lead, "--out", str(out), "--assessor", "Me", *ann)
    assert code == 2 and "--assessor is not used" in err and not out.exists()
    assert run(capsys, "report", with_lead, "--out", str(out), *ann)[0] == 0
    text = out.read_text(encoding="utf-8")
    assert "signed in with the assessor account <b>Ann</b>" in text
    assert "as they named themselves" not in text  # an account, not a typed name


def test_account_on_a_database_without_accounts_is_refused(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    with SessionStore(db) as store:
        record(store, tmp_path)
        AssessorAuth(store).set_passphrase(OLD)
    code, _, err = run(capsys, "sessions", "list", *as_(tmp_path, "Ann", OLD))
    assert code == 2 and "no assessor accounts yet, so --account is not used" in err
    code, _, err = run(capsys, "accounts", "list", *as_(tmp_path, "Ann", OLD))
    assert code == 2 and "no assessor accounts yet" in err


def test_bootstrap_hash_prints_a_config_line_that_checks(tmp_path: Path, capsys: Capture) -> None:
    from app.assessor.auth import check_passphrase

    code, out, _ = run(
        capsys, "accounts", "bootstrap-hash", "--code-file", secret(tmp_path, "c", CODE)
    )
    assert code == 0 and out.startswith('[assessors]\nbootstrap_code_hash = "scrypt$')
    stored = out.split('"')[1]
    assert check_passphrase(CODE, stored) and not check_passphrase("other", stored)
    code, _, err = run(
        capsys, "accounts", "bootstrap-hash", "--code-file", secret(tmp_path, "s", "short")
    )
    assert code == 2 and "at least 8" in err
