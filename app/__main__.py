"""`python -m app`. The guard matters: the voice worker starts with multiprocessing 'spawn',
which re-imports the main module in the child."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # for frozen (packaged) builds; harmless otherwise
    sys.exit(main())
