"""Signed chain heads: the centre's Ed25519 key, head statements, and checking a database
against heads published earlier (docs/integrity.md, "Signed heads").

The hash chains have no secret, so someone holding the database file and callsim's code can
recompute every one of them. A *head statement* lists, at one moment, the ledger head and,
per session, its header hash, event head, seal and audit head; it is signed with the centre's
private key and kept outside the database (a daily digest file, every report). A database
whose chains were rewritten consistently afterwards no longer holds those heads, and a
signature cannot be forged without the private key.

What "still holds" means, per head:

- the header hash: exactly the same;
- the event log: a sealed session's head exactly; an active one's log must still begin with
  the published events (its entry `count - 1` has the published hash);
- the seal: exactly the same, when one was published;
- the audit trail: it may have grown, but its entry `count - 1` must still have the published
  hash (and the session's own head can only have moved on); so a deleted last entry shows
  even when the session's head was moved back too;
- the ledger: its entry `count - 1` must still have the published hash.

The cryptography is the `cryptography` package's (no home-made crypto). Plain Python: no Qt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.assessor.marks import Marking
from app.storage import SessionStore
from app.storage.chain import canonical_json, genesis_hash, link_hash
from app.storage.ledger import ARCHIVE, LedgerRepo
from app.storage.records import iso_utc, utc_now

FORMAT = "callsim-heads/1"
ALGORITHM = "Ed25519"
PRIVATE_NAME = "centre-key.pem"
PUBLIC_NAME = "centre-key.pub"


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file and what to do."""


class HeadsFileError(ValueError):
    """A heads file that cannot be read as one; the message names the file."""


# -- keys ---------------------------------------------------------------------------------------
def create_keys(folder: Path) -> tuple[Path, Path]:
    """A new key pair in `folder`: the private key (PKCS#8 PEM, mode 0600) and the public key
    (SubjectPublicKeyInfo PEM). Existing files are never overwritten."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(
                f"{path}: already exists; nothing was written (keep the old key, or move it "
                "away first)"
            )
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private)
        os.chmod(private_path, 0o600)  # whatever the umask
        public_path.write_bytes(public)
    except OSError as exc:
        raise KeyFileError(f"{folder}: cannot write the key files ({exc.strerror or exc})") from exc
    return private_path, public_path


def _read_key(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from exc


def load_private_key(path: Path) -> Any:
    """The Ed25519 private key in PEM file `path`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = _read_key(path, "signing key")
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a PEM private key without a password ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (make one with `callsim keys create`)")
    return key


def load_public_key(path: Path) -> Any:
    """The Ed25519 public key in PEM file `path`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = _read_key(path, "public key")
    try:
        key = serialization.load_pem_public_key(raw)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (make one with `callsim keys create`)")
    return key


def fingerprint(public_key: Any) -> str:
    """sha256 of the raw 32-byte public key, hex: names the key on every signed head."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(body: dict[str, Any], private_key: Any) -> dict[str, Any]:
    """`body` signed: {"signed": body, "algorithm", "key_fingerprint", "signature"} (base64 of
    the Ed25519 signature over the canonical JSON of `body`)."""
    signature = private_key.sign(canonical_json(body).encode("utf-8"))
    return {
        "signed": body,
        "algorithm": ALGORITHM,
        "key_fingerprint": fingerprint(private_key.public_key()),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def signature_problem(document: dict[str, Any], public_key: Any) -> str | None:
    """None when `document` (from `sign`) carries a valid signature by `public_key`; else why
    not, in words."""
    from cryptography.exceptions import InvalidSignature

    expected = fingerprint(public_key)
    if document.get("algorithm") != ALGORITHM:
        return f"it is not signed with {ALGORITHM}"
    if document.get("key_fingerprint") != expected:
        return (
            f"it was signed by another key (fingerprint {str(document.get('key_fingerprint'))[:16]}"
            f"…, the configured public key is {expected[:16]}…)"
        )
    try:
        signature = base64.b64decode(str(document.get("signature")), validate=True)
        public_key.verify(signature, canonical_json(document.get("signed")).encode("utf-8"))
    except (InvalidSignature, ValueError):
        return "its signature does not match what it says: it was changed after it was signed"
    return None


# -- head statements ----------------------------------------------------------------------------
def session_heads(store: SessionStore, session_id: str) -> dict[str, Any]:
    """One session's heads as stored now."""
    rec = store.record(session_id)
    if rec is None:
        raise LookupError(session_id)
    return {
        "id": rec.id,
        "status": rec.status,
        "header_hash": rec.header_hash,
        "event_count": rec.event_count,
        "last_hash": rec.last_hash,
        "seal_hash": rec.seal_hash,
        "audit_count": rec.audit_count,
        "audit_hash": rec.audit_hash,
    }


def database_label(store: SessionStore) -> dict[str, Any]:
    """Which database a statement speaks of: its file, the host, and the hash of its first
    ledger entry (which no other database shares)."""
    rows = LedgerRepo(store).read().rows
    return {
        "path": str(store.path),
        "host": socket.gethostname(),
        "first_entry": rows[0].hash if rows else None,
    }


def head_statement(
    store: SessionStore,
    session_ids: Sequence[str] | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The heads of `session_ids` (default: every session) and the ledger head, now."""
    state = LedgerRepo(store).read()
    ids = list(store.session_ids() if session_ids is None else session_ids)
    head = state.head
    return {
        "format": FORMAT,
        "made_at": iso_utc(now or utc_now()),
        "database": database_label(store),
        "ledger": {"count": head[0], "hash": head[1]} if head is not None else None,
        "sessions": [session_heads(store, sid) for sid in ids],
    }


def publish(store: SessionStore, private_key: Any, *, now: datetime | None = None) -> str:
    """The signed digest of the whole database, as the text of its file."""
    document = sign(head_statement(store, now=now), private_key)
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def digest_name(now: datetime | None = None) -> str:
    """The daily digest's file name: it carries the date (UTC)."""
    return f"callsim-heads-{(now or utc_now()).strftime('%Y-%m-%d')}.json"


def read_heads_file(path: Path) -> dict[str, Any]:
    """A published heads file, parsed (not yet checked)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HeadsFileError(f"{path}: cannot read the heads file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError:
        raise HeadsFileError(f"{path}: not a heads file (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HeadsFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not a heads file (not JSON: {exc.msg})"
        ) from None
    body = document.get("signed") if isinstance(document, dict) else None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise HeadsFileError(f"{path}: not a callsim heads file (made by `callsim heads publish`)")
    return dict(document)


# -- checking a database against published heads -----------------------------------------------
@dataclass(frozen=True)
class HeadCheck:
    """One fact checked against a published heads file."""

    what: str  # "signature", "ledger", "session <first 12 of its id>"
    ok: bool
    detail: str
    session_id: str | None = None  # the session a "session" check is about

    def line(self, source: str) -> str:
        mark = "ok" if self.ok else "ALTERED"
        return f"{mark:<8} signed heads ({source}): {self.what}: {self.detail}"


def _short(value: Any) -> str:
    text = str(value)
    return text[:16] + "…" if len(text) > 16 else text


def _session_problem(
    store: SessionStore, published: dict[str, Any], marking: Marking
) -> str | None:
    sid = str(published.get("id"))
    now = session_heads(store, sid)
    if now["header_hash"] != published.get("header_hash"):
        return (
            f"its header hash is {_short(now['header_hash'])}, but was "
            f"{_short(published.get('header_hash'))} when published"
        )
    count, last = published.get("event_count"), published.get("last_hash")
    if not isinstance(count, int):
        return "the published event head is not a count"
    if published.get("status") != "active":
        if (now["event_count"], now["last_hash"]) != (count, last):
            return (
                f"the event log's head is {now['event_count']} events ending "
                f"{_short(now['last_hash'])}, but was {count} events ending {_short(last)} "
                "when published"
            )
    else:
        try:
            hashes = _event_hashes(store, sid)
        except ValueError:
            return "its events cannot be read"
        at = hashes[count - 1] if 0 < count <= len(hashes) else None
        if count and at != last:
            return (
                f"the event log no longer begins with the {count} events published (the "
                f"published one ended {_short(last)})"
            )
    if published.get("seal_hash") is not None and now["seal_hash"] != published["seal_hash"]:
        return (
            f"its seal is {_short(now['seal_hash'])}, but was {_short(published['seal_hash'])} "
            "when published"
        )
    a_count, a_hash = published.get("audit_count"), published.get("audit_hash")
    if not isinstance(a_count, int):
        return "the published audit head is not a count"
    if a_count:
        trail = {e.seq: e.hash for e in marking.audit(sid)}
        if trail.get(a_count - 1) != a_hash:
            gone = "is missing" if (a_count - 1) not in trail else "is not the one published"
            return (
                f"the audit trail's entry {a_count - 1} {gone} (published head: {a_count} "
                f"entries ending {_short(a_hash)})"
            )
        stored = now["audit_count"] if isinstance(now["audit_count"], int) else -1
        if stored < a_count:
            return (
                f"the session's audit head says {stored} entries, fewer than the {a_count} "
                "published"
            )
    return None


def _event_hashes(store: SessionStore, session_id: str) -> list[str]:
    prev = genesis_hash(session_id)
    out: list[str] = []
    for event in store.events(session_id):
        prev = link_hash(prev, event)
        out.append(prev)
    return out


def check_heads(store: SessionStore, document: dict[str, Any], public_key: Any) -> list[HeadCheck]:
    """Every check of `store` against one published heads file, in order: the signature (if
    it fails, nothing else is checked: an unsigned claim proves nothing), the ledger head,
    then each listed session."""
    why = signature_problem(document, public_key)
    fp = fingerprint(public_key)
    if why is not None:
        return [HeadCheck("signature", False, f"not trusted: {why}")]
    body = document["signed"]
    made = body.get("made_at")
    checks = [HeadCheck("signature", True, f"signed by the centre's key {fp[:16]}… on {made}")]
    ledger = body.get("ledger")
    state = LedgerRepo(store).read()
    if isinstance(ledger, dict) and isinstance(ledger.get("count"), int):
        count, digest = ledger["count"], ledger.get("hash")
        row = next((r for r in state.rows if r.seq == count - 1), None)
        if count and (row is None or row.hash != digest):
            what = "is missing" if row is None else "is not the one published"
            checks.append(
                HeadCheck(
                    "ledger",
                    False,
                    f"its entry {count - 1} {what} (published head: {count} entries, sha256 "
                    f"{_short(digest)}): the ledger was rewritten or entries removed",
                )
            )
        else:
            held = f"it still holds the published head ({count} entries, sha256 {_short(digest)})"
            checks.append(HeadCheck("ledger", True, held))
    present = set(store.session_ids())
    archived = {r.session_id: r for r in state.rows if r.kind == ARCHIVE}
    marking = Marking(store)
    listed = body.get("sessions") if isinstance(body.get("sessions"), list) else []
    for published in listed:
        if not isinstance(published, dict):
            continue
        sid = str(published.get("id"))
        name = f"session {sid[:12]}"
        if sid not in present:
            entry = archived.get(sid)
            if entry is not None and entry.detail().get("heads", {}).get("header_hash") == (
                published.get("header_hash")
            ):
                where = entry.detail().get("bundle")
                words = f"archived by retention on {entry.at[:10]} to {where}"
                checks.append(HeadCheck(name, True, f"{words} (ledger entry {entry.seq})", sid))
            else:
                checks.append(
                    HeadCheck(name, False, "it was published but is no longer in the database", sid)
                )
            continue
        problem = _session_problem(store, published, marking)
        if problem is not None:
            checks.append(HeadCheck(name, False, problem, sid))
        else:
            held = "header, event log, seal and audit trail hold the published heads"
            checks.append(HeadCheck(name, True, held, sid))
    return checks


def signed_session_head(store: SessionStore, session_id: str, private_key: Any) -> dict[str, Any]:
    """One session's signed head statement (for a report)."""
    return sign(head_statement(store, [session_id]), private_key)


def configured_session_head(store: SessionStore, session_id: str) -> dict[str, Any] | str | None:
    """A report's signed head: the session's signed statement when the configuration names a
    signing key (`[integrity] signing_key`), None when it names none, or why it could not be
    signed (words, for the report to say)."""
    from app.config import ConfigError, load_config

    try:
        path = load_config().path("integrity.signing_key")
    except ConfigError as exc:
        return f"the configuration cannot be read: {exc}"
    if path is None:
        return None
    try:
        return signed_session_head(store, session_id, load_private_key(path))
    except KeyFileError as exc:
        return f"a signing key is configured, but {exc}"


def canonical_statement(document: dict[str, Any]) -> str:
    """A signed document as one line of JSON (what a report prints, to be saved as a heads
    file), with a space after each comma and colon so a printed page can wrap it (the
    signature is over the canonical form of what it says, so spacing does not matter)."""
    return json.dumps(document, sort_keys=True, ensure_ascii=True)
