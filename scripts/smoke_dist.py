"""Smoke test of the frozen build (`make dist` runs it; CI runs `make dist`): the program in
dist/callsim/ runs without the checkout's Python environment.

    python scripts/smoke_dist.py [dist/callsim]

Checks: `--version`; `check`; `play` of the built-in scenario by id, recorded; `test` of every
shipped scenario by id; `verify` and a PDF `report` of the recorded session; `new` from the
template; and the window reaching the scenario list under Xvfb (offscreen Qt when Xvfb is
missing, said as such). Runs from an empty folder with private data and cache folders.
Prints one line per check; exits 1 at the first failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPT = """\
- say: "Police, what's happened?"
- say: "Is anyone hurt?"
- say: "What's the address?"
- end_call: true
"""


def main() -> int:
    dist = (Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "callsim").resolve()
    exe = dist / ("callsim.exe" if os.name == "nt" else "callsim")
    if not exe.is_file():
        print(f"smoke: {exe}: no frozen build (run make dist)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="callsim-smoke-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CALLSIM_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        CALLSIM_DATA_DIR=str(work / "data"),
        CALLSIM_CACHE_DIR=str(work / "cache"),
        CALLSIM_TTS="silent",
        XDG_CONFIG_HOME=str(work / "config"),
    )
    (work / "t.yaml").write_text(TRANSCRIPT, encoding="utf-8")
    shipped = sorted(
        p.stem for p in (dist / "_internal/app/content/shipped/scenarios").glob("*.yaml")
    )

    def run(
        *args: str, prefix: list[str] | None = None, extra: dict[str, str] | None = None
    ) -> str:
        proc = subprocess.run(
            [*(prefix or []), str(exe), *args], cwd=work, env={**env, **(extra or {})},
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            print(f"smoke: FAILED callsim {' '.join(args)} (exit {proc.returncode})")
            print(proc.stdout[-2000:] + proc.stderr[-2000:])
            raise SystemExit(1)
        return proc.stdout + proc.stderr

    def ok(what: str) -> None:
        print(f"smoke: ok  {what}")

    version = run("--version").strip()
    assert re.fullmatch(r"callsim \d+\.\d+\.\d+", version), version
    ok(version)
    assert "usage: callsim" in run("--help")
    ok("--help")
    run("check")
    ok("check: FTS5, shipped content, built-in scenario")
    played = run("play", "misconduct-disclosure", "t.yaml", "--record")
    m = re.search(r"recorded session ([0-9a-f]{32})", played)
    assert m, played
    ok("play misconduct-disclosure (recorded)")
    tested = run("test", *shipped)
    assert re.search(r"\n?(\d+) passed, 0 failed\s*$", tested), tested[-500:]
    ok(f"test {' '.join(shipped)}: {tested.strip().splitlines()[-1]}")
    run("verify", m.group(1))
    ok("verify")
    secret = work / "passphrase.txt"
    secret.write_text("smoke test passphrase\n", encoding="utf-8")
    secret.chmod(0o600)
    run("assessor", "passphrase", "--new-passphrase-file", str(secret))
    ok("assessor passphrase --new-passphrase-file")
    run(
        "report",
        m.group(1),
        "--format",
        "pdf",
        "--out",
        "r.pdf",
        "--passphrase-file",
        str(secret),
        extra={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert (work / "r.pdf").read_bytes()[:5] == b"%PDF-"
    ok("report --format pdf")
    (work / "mine").mkdir()
    run("new", "x", "--out", str(work / "mine"))
    assert (work / "mine" / "x.yaml").is_file()
    ok("new x --out mine")
    xvfb = shutil.which("xvfb-run")
    if xvfb:
        shown = run(
            prefix=[xvfb, "-a", "-s", "-screen 0 1366x768x24"], extra={"CALLSIM_SMOKE": "1"}
        )
        how = "under Xvfb"
    else:
        extra = {"CALLSIM_SMOKE": "1", "QT_QPA_PLATFORM": "offscreen"}
        shown = run(extra=extra)
        how = "offscreen (no Xvfb here)"
    assert f"scenario list shown ({len(shipped)} scenarios)" in shown, shown
    ok(f"window reached the scenario list {how}")
    shutil.rmtree(work, ignore_errors=True)
    print("smoke: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
