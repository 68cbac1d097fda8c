"""Entry script of the frozen build's window program `callsim-app` (callsim.spec): no console
window on Windows, so anything printed goes to the log folder instead of nowhere."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if sys.stdout is None or sys.stderr is None:  # windowed: no console to print to
        from app.storage.paths import default_log_dir

        folder = default_log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stream = open(folder / "console.log", "a", encoding="utf-8")
        sys.stdout = sys.stdout or stream
        sys.stderr = sys.stderr or stream
    from app.cli import main

    sys.exit(main(sys.argv[1:]))
