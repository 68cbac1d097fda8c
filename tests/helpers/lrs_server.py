"""Run ralph's LRS (the `ralph-malph[lrs]` package) with its filesystem backend, for the tests.

`python -m tests.helpers.lrs_server PORT` serves on 127.0.0.1:PORT until stopped, configured by
the `RALPH_*` environment variables that `tests/helpers/lrs.py` sets (a private folder).

One change to ralph, made here and nowhere else: its filesystem backend writes with the
`index` operation, which refuses to write to a file that exists, so only the *first* statement
ever sent would be stored (the second gets HTTP 500). Its statements live in one JSON-lines
file, so the backend is told to append instead; reading, duplicate detection (the same id:
kept once; a different statement under it: 409) and everything else are ralph's own.
"""

from __future__ import annotations

import sys


def main(port: int) -> None:
    import uvicorn
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    from ralph.api import app

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
