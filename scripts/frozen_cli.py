"""Entry script of the frozen build's console program `callsim` (callsim.spec)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the voice worker process starts through this program
    from app.cli import main

    sys.exit(main())
