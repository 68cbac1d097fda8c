"""`callsim sessions comments`, `retract-comment`, `sign-off` and `reopen`: the assessor's
comment retractions and sign-offs from a script (docs/contract.md §5). The rules are
`app.assessor.marks.Marking`'s; every command needs the assessor passphrase, like the rest of
the assessor data. A refusal (a comment already withdrawn, a session signed off) is one line
on stderr with exit status 2, and nothing is written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.cli.common import EXIT_OK, Context, Unusable
from app.storage import StorageError


@contextmanager
def _marking(args: argparse.Namespace, *, write: bool) -> Iterator[tuple[Any, str]]:
    """(Marking, session id) for the session named, once the passphrase is verified."""
    from app.assessor.marks import Marking
    from app.cli.credentials import _session, _store, _unlock

    with _store(readonly=not write) as store:
        assert store is not None
        _unlock(args, store)  # with accounts, args.assessor becomes the account signed in
        if hasattr(args, "assessor") and not args.assessor:
            raise Unusable("give --assessor NAME: who does this (nothing was done)")
        yield Marking(store), _session(store, args.session)


def _refused(sid: str, exc: Exception) -> Unusable:
    return Unusable(f"session {sid[:12]}: {exc}; nothing was written")


def cmd_comments(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import stamp_words
    from app.assessor.verify import fmt_t
    from app.cli.credentials import _table

    with _marking(args, write=False) as (marking, sid):
        comments = marking.comments(sid)
        gone = marking.retractions(sid)
        signed = marking.signed_off(sid)
    rows = [["ID", "AT", "BY", "WRITTEN", "COMMENT"]]
    for c in comments:
        r = gone.get(c.id)
        text = (
            c.text
            if r is None
            else (f"[withdrawn by {r.assessor} at {stamp_words(r.at)}: {r.reason}] {c.text}")
        )
        rows.append([str(c.id), fmt_t(c.t), c.assessor, stamp_words(c.at), text])
    if len(rows) > 1:
        print(_table(rows))
    state = (
        "open" if signed is None else f"signed off by {signed.assessor} at {stamp_words(signed.at)}"
    )
    print(f"{len(comments)} comment{'s' * (len(comments) != 1)}; session {state}", file=sys.stderr)
    return EXIT_OK


def cmd_retract(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import MarkError

    with _marking(args, write=True) as (marking, sid):
        try:
            r = marking.retract_comment(
                sid, args.comment, reason=args.reason, assessor=args.assessor
            )
        except (MarkError, StorageError) as exc:
            raise _refused(sid, exc) from None
    print(f"comment {r.comment_id} withdrawn from session {sid[:12]}", file=sys.stderr)
    return EXIT_OK


def cmd_sign_off(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import MarkError

    with _marking(args, write=True) as (marking, sid):
        try:
            marking.sign_off(sid, assessor=args.assessor, note=args.note)
        except (MarkError, StorageError) as exc:
            raise _refused(sid, exc) from None
    print(f"session {sid[:12]} signed off: it is locked until reopened", file=sys.stderr)
    return EXIT_OK


def cmd_reopen(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import MarkError

    with _marking(args, write=True) as (marking, sid):
        try:
            marking.reopen(sid, reason=args.reason, assessor=args.assessor)
        except (MarkError, StorageError) as exc:
            raise _refused(sid, exc) from None
    print(f"session {sid[:12]} reopened", file=sys.stderr)
    return EXIT_OK


def register_sessions(inner: Any, passphrase_option: Any) -> None:
    """Add the commands to `callsim sessions`' subparsers."""

    def session(p: Any) -> None:
        p.add_argument("session", metavar="SESSION", help="session id (or 6+ leading characters)")

    def assessor(p: Any) -> None:
        p.add_argument(
            "--assessor",
            metavar="NAME",
            help="who does this (required on a database without assessor accounts; with "
            "accounts it is the account signed in, and --assessor is refused)",
        )

    p = inner.add_parser(
        "comments", help="a session's comments with their ids, withdrawn ones marked"
    )
    session(p)
    passphrase_option(p)
    p.set_defaults(fn=cmd_comments)

    p = inner.add_parser(
        "retract-comment", help="withdraw a comment (it stays in the history, marked withdrawn)"
    )
    session(p)
    p.add_argument(
        "comment", metavar="COMMENT", type=int, help="the comment's id (`sessions comments`)"
    )
    p.add_argument("--reason", required=True, metavar="TEXT", help="why it is withdrawn")
    assessor(p)
    passphrase_option(p)
    p.set_defaults(fn=cmd_retract)

    p = inner.add_parser(
        "sign-off", help="sign a session off: no more marks, comments or verdicts until reopened"
    )
    session(p)
    p.add_argument("--note", default="", metavar="TEXT", help="a note kept with the sign-off")
    assessor(p)
    passphrase_option(p)
    p.set_defaults(fn=cmd_sign_off)

    p = inner.add_parser("reopen", help="reopen a signed-off session (a reason is required)")
    session(p)
    p.add_argument("--reason", required=True, metavar="TEXT", help="why it is reopened")
    assessor(p)
    passphrase_option(p)
    p.set_defaults(fn=cmd_reopen)
