"""Signed checkpoints: the registry signs the log's head (``log.note``) in every transaction
that appended to it, so each entry is covered by a signature the moment it is committed.

Why at each append and not only at intervals: someone who can write the database but not
read the key directory can still chain a correct-looking entry onto the log; with a checkpoint
per append, any entry beyond the latest signed size is one the registry never signed, so it
shows at once (an interval would leave every entry since the last checkpoint unprotected).
A signature costs ~50 µs and a row per change, which status changes (a few a day) can afford.
One more is signed at start-up when the active key is not the one that signed the latest
(after a rotation, so the latest checkpoint stays verifiable once the old key is retired).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import OKPKey
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from jcstar.labels import Keyring
from jcstar.labels.verify import TrustedKeys
from jcstar.registry.db import utcnow
from jcstar.registry.log.models import LogCheckpoint, LogEntry
from jcstar.registry.log.note import Checkpoint, b64url, signature_problem, signed_message

#: ``session.info`` key set by ``service.append``: this transaction grew the log
APPENDED = "jcstar.log.appended"

logger = logging.getLogger("jcstar.registry.log")


def _private_key(keyring: Keyring, kid: str) -> Any:
    # the keyring signs labels only; its directory layout (``<kid>.pem``) is documented
    key = OKPKey.import_key((keyring.key_dir / f"{kid}.pem").read_bytes())
    return key.private_key


def sign_head(session: Session, keyring: Keyring, origin: str) -> LogCheckpoint | None:
    """Sign the current head (in the caller's write-locked transaction); None if empty."""
    last = session.scalar(select(LogEntry).order_by(LogEntry.seq.desc()).limit(1))
    if last is None:
        return None
    at = utcnow().isoformat().replace("+00:00", "Z")
    for attempt in (1, 2):
        kid = keyring.active_kid
        try:
            private = _private_key(keyring, kid)
            break
        except FileNotFoundError:  # rotated and retired between the two reads: once more
            if attempt == 2:
                raise
    signature = private.sign(signed_message(origin, last.seq, last.hash, at))
    row = LogCheckpoint(
        size=last.seq,
        head=last.hash,
        at=at,
        origin=origin,
        kid=kid,
        signature=b64url(signature),
    )
    session.add(row)
    session.flush()
    return row


def sign_on_commit(sessions: sessionmaker[Session], keyring: Keyring, origin: str) -> None:
    """Every session of ``sessions`` that appended to the log signs its new head just before
    it commits, in the same transaction (both stored or neither)."""

    def before_commit(session: Session) -> None:
        if session.info.pop(APPENDED, False):
            sign_head(session, keyring, origin)

    def after_rollback(session: Session) -> None:
        session.info.pop(APPENDED, None)

    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_rollback", after_rollback)


def as_note(row: LogCheckpoint) -> Checkpoint:
    return Checkpoint(row.origin, row.size, row.head, row.at, row.kid, row.signature)


def latest(session: Session) -> LogCheckpoint | None:
    return session.scalar(select(LogCheckpoint).order_by(LogCheckpoint.id.desc()).limit(1))


def history(session: Session, after: int, limit: int) -> list[LogCheckpoint]:
    query = select(LogCheckpoint).where(LogCheckpoint.id > after).order_by(LogCheckpoint.id)
    return list(session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class SignedHead:
    """What the latest checkpoint vouches for, against the entries a check has read."""

    #: how many of the entries read a valid checkpoint covers
    signed: int
    problem: str | None
    latest: Checkpoint | None


#: each way the latest checkpoint fails to vouch for the log, by code, with its English
#: sentence (``note.SIGNATURE_TEXTS`` are its signature's)
CHECKPOINT_TEXTS = {
    "unsigned": "no signed checkpoint covers the log's {entries} entries",
    "rewritten": "entry {size} is not the head signed at size {size} (history rewritten)",
    "unsigned_tail": (
        "the log has {entries} entries but the latest signed checkpoint covers {size}: "
        "entries {first}-{entries} were not signed by the registry"
    ),
}


def check_latest(session: Session, keys: TrustedKeys, entries_read: int) -> SignedHead:
    """Whether the log as read is the log the registry last signed: the latest checkpoint's
    signature holds, the entry at its size has its head, and no entry read lies beyond it.

    Call it after reading the entries: an append commits its entry and checkpoint together,
    so a checkpoint read afterwards covers every honest entry already read."""
    row = latest(session)
    if row is None:
        unsigned = CHECKPOINT_TEXTS["unsigned"].format(entries=entries_read)
        return SignedHead(0, unsigned if entries_read else None, None)
    note = as_note(row)
    if problem := signature_problem(note, keys):
        return SignedHead(0, problem, note)
    head = session.scalar(select(LogEntry.hash).where(LogEntry.seq == row.size))
    if head != row.head:
        return SignedHead(0, CHECKPOINT_TEXTS["rewritten"].format(size=row.size), note)
    if entries_read > row.size:
        return SignedHead(
            row.size,
            CHECKPOINT_TEXTS["unsigned_tail"].format(
                entries=entries_read, size=row.size, first=row.size + 1
            ),
            note,
        )
    return SignedHead(entries_read, None, note)


def sign_at_start(session: Session, keyring: Keyring, origin: str, log_holds: bool) -> None:
    """A checkpoint when the log has none yet (a database from before checkpoints), or when
    the latest was signed by a key no longer active; only over a log that checked clean, so
    start-up never signs entries it could not vouch for."""
    if not log_holds:
        return
    row = latest(session)
    size = session.scalar(select(func.count()).select_from(LogEntry)) or 0
    if row is None and size:
        logger.warning(
            "the log has %d entries and no signed checkpoint: signing its head now "
            "(expected once, after upgrading to signed checkpoints)",
            size,
        )
        sign_head(session, keyring, origin)
    elif row is not None and row.kid != keyring.active_kid:
        sign_head(session, keyring, origin)
