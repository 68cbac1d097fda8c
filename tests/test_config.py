"""Machine-wide configuration for IT (issue #11): a machine file locks what it sets, a user
may change only what it allows, bad files give located messages, and the data folder's
problems are said plainly."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from app.cli import main
from app.config import ConfigError, load_config, machine_config_path
from app.storage import DataFolderError, SessionStore
from app.storage.errors import folder_reason


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_without_files_the_environment_is_read_as_before(tmp_path: Path) -> None:
    cfg = load_config(
        machine=tmp_path / "none.toml",
        user=tmp_path / "none-either.toml",
        environ={"CALLSIM_DATA_DIR": "/data/x", "CALLSIM_TTS": "off"},
    )
    assert cfg.path("data_dir") == Path("/data/x")
    assert cfg.get("voice") == "off"
    assert cfg.sources["data_dir"] == "environment $CALLSIM_DATA_DIR"
    assert cfg.sources["cache_dir"] == "default" and cfg.get("cache_dir") == ""


def test_the_machine_file_locks_what_it_sets_unless_it_allows_it(tmp_path: Path) -> None:
    machine = write(
        tmp_path / "machine.toml",
        'data_dir = "/srv/callsim"\nvoice = "silent"\n\n[policy]\nuser_may_change = ["voice"]\n',
    )
    user = write(tmp_path / "user.toml", 'data_dir = "/home/me/mine"\nvoice = "espeak"\n')
    cfg = load_config(machine=machine, user=user, environ={"CALLSIM_DATA_DIR": "/tmp/sneaky"})
    assert cfg.path("data_dir") == Path("/srv/callsim")
    assert cfg.sources["data_dir"] == f"machine file {machine}"
    assert cfg.get("voice") == "espeak"  # allowed by the policy
    assert cfg.sources["voice"] == f"user file {user}"
    assert len(cfg.refused) == 2
    assert all("data_dir" in r and "locked" in r for r in cfg.refused)


def test_what_the_machine_file_does_not_set_stays_the_users(tmp_path: Path) -> None:
    machine = write(tmp_path / "machine.toml", '[store]\nurl = "postgresql://records/callsim"\n')
    cfg = load_config(machine=machine, user=tmp_path / "u.toml", environ={"CALLSIM_TTS": "espeak"})
    assert cfg.get("store.url") == "postgresql://records/callsim"
    assert cfg.get("voice") == "espeak" and not cfg.refused


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('data_dir = "/x"\nvoise = "silent"\n', ":2:1:", "unknown setting 'voise'"),
        ('data_dir = "/x"\nvoice = "loud"\n', ":2:1:", "voice must be one of"),
        ("data_dir = 3\n", ":1:1:", "must be a string"),
        ('data_dir = "/x"\n[store\n', ":2:", "not valid TOML"),
        ('[policy]\nuser_may_change = ["colour"]\n', ":2:1:", "user_may_change must list"),
        ('[store]\nport = "5432"\n', ":2:1:", "unknown setting 'store.port'"),
    ],
)
def test_a_bad_file_is_a_located_error(tmp_path: Path, text: str, where: str, words: str) -> None:
    machine = write(tmp_path / "machine.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(machine=machine, user=tmp_path / "u.toml", environ={})
    message = str(info.value)
    assert message.startswith(f"{machine}{where}"), message
    assert words in message


def test_a_policy_in_a_users_file_is_refused(tmp_path: Path) -> None:
    user = write(tmp_path / "u.toml", '[policy]\nuser_may_change = ["data_dir"]\n')
    with pytest.raises(ConfigError, match="belongs in the machine file"):
        load_config(machine=tmp_path / "m.toml", user=user, environ={})


def test_the_machine_file_place_per_platform() -> None:
    assert machine_config_path({}, "linux") == Path("/etc/callsim/config.toml")
    win = machine_config_path({"PROGRAMDATA": "C:\\ProgramData"}, "win32")
    assert win == Path("C:\\ProgramData") / "callsim" / "config.toml"


def test_callsim_config_shows_each_value_and_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = write(tmp_path / "machine.toml", f'data_dir = "{tmp_path / "srv"}"\n')
    monkeypatch.setenv("CALLSIM_CONFIG", str(machine))
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "mine"))
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert f"data_dir = {tmp_path / 'srv'}   [machine file {machine}]" in shown
    assert "refused: data_dir from environment $CALLSIM_DATA_DIR" in shown


def test_a_broken_configuration_is_one_located_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = write(tmp_path / "machine.toml", 'voice = "loud"\n')
    monkeypatch.setenv("CALLSIM_CONFIG", str(machine))
    assert main(["sessions", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{machine}:1:1:" in err and "Traceback" not in err


def test_a_missing_named_file_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLSIM_CONFIG", str(tmp_path / "nope.toml"))
    assert main(["config"]) == 2
    assert "nope.toml:1:1: no such file (named by $CALLSIM_CONFIG)" in capsys.readouterr().err


def test_an_unusable_data_folder_is_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = write(tmp_path / "a-file", "not a folder")
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(blocker / "data"))
    with pytest.raises(DataFolderError) as info:
        SessionStore()
    assert str(info.value).startswith(f"{blocker / 'data'}: the callsim data folder cannot be")
    steps = write(tmp_path / "t.yaml", '- say: "hello"\n- end_call: true\n')
    assert main(["play", "misconduct-disclosure", str(steps), "--record"]) == 2
    err = capsys.readouterr().err
    assert "the callsim data folder cannot be used" in err and "internal error" not in err


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (OSError(errno.EACCES, "Permission denied"), "permission denied"),
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "it is read-only"),
        (OSError(errno.ENOENT, "No such file or directory"), "it cannot be created there"),
    ],
)
def test_folder_reasons(exc: OSError, reason: str) -> None:
    assert folder_reason(exc) == reason


def test_sessions_list_names_the_folder_it_looked_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path / "empty"))
    assert main(["sessions", "list"]) == 0
    assert f"no sessions (data folder: {tmp_path / 'empty'})" in capsys.readouterr().err


def test_callsim_check_says_all_present() -> None:
    assert main(["check"]) == 0
