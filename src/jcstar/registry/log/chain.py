"""The hash chain, pure: how an entry's hash is made and how a chain is checked.

``hash = sha256(canonical JSON of {seq, at, kind, subject, payload_sha256, prev_hash})``,
canonical meaning sorted keys, no spaces, UTF-8. The first entry's ``prev_hash`` is 64 zeros.
A client can recompute the same from ``GET /api/v1/log``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(
    seq: int, at: str, kind: str, subject: str, payload_sha256: str, prev_hash: str
) -> str:
    return sha256_hex(
        canonical(
            {
                "seq": seq,
                "at": at,
                "kind": kind,
                "subject": subject,
                "payload_sha256": payload_sha256,
                "prev_hash": prev_hash,
            }
        )
    )


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: str
    kind: str
    subject: str
    payload: str
    payload_sha256: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    head: str
    problem: str | None
    first_bad_seq: int | None


#: each way an entry fails the chain, by code, with its English sentence (``str.format``
#: fields); the portal reads the code back from the sentence (``web/messages/log.py``)
CHAIN_TEXTS = {
    "entry": "seq {seq}: {problem}",
    "seq_gap": "expected seq {expected} (an entry is missing or out of order)",
    "prev_hash": "prev_hash does not match the previous entry's hash",
    "payload": "payload does not match payload_sha256",
    "hash": "hash does not match the entry's contents",
}


def check_chain(entries: Iterable[ChainEntry]) -> ChainCheck:
    """Walk the chain in order; stop at the first entry that does not hold."""
    prev, count = GENESIS, 0
    for expected_seq, entry in enumerate(entries, start=1):
        problem = _entry_problem(entry, expected_seq, prev)
        if problem:
            said = CHAIN_TEXTS["entry"].format(seq=entry.seq, problem=problem)
            return ChainCheck(False, count, prev, said, entry.seq)
        prev, count = entry.hash, count + 1
    return ChainCheck(True, count, prev, None, None)


def _entry_problem(entry: ChainEntry, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return CHAIN_TEXTS["seq_gap"].format(expected=expected_seq)
    if entry.prev_hash != prev:
        return CHAIN_TEXTS["prev_hash"]
    if sha256_hex(entry.payload.encode()) != entry.payload_sha256:
        return CHAIN_TEXTS["payload"]
    recomputed = entry_hash(
        entry.seq, entry.at, entry.kind, entry.subject, entry.payload_sha256, entry.prev_hash
    )
    if recomputed != entry.hash:
        return CHAIN_TEXTS["hash"]
    return None
