"""The transparency log's hash chain, recomputed on the client from ``GET /api/v1/log``.

Written from the published rule (docs/registry-api.md), not shared with the server, so a
verifier does not take the server's word (nor its code) for it:
``hash = sha256(canonical JSON of {seq, at, kind, subject, payload_sha256, prev_hash})``,
canonical meaning sorted keys, no spaces, UTF-8; ``payload_sha256`` is the SHA-256 of the
payload in the same canonical form; the first entry's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jcstar.client.api import RegistryClient
from jcstar.client.errors import RegistryUnavailable

GENESIS = "0" * 64
PAGE = 1000


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    entries: int
    #: the hash of the last entry that held (the head when ``ok``)
    head: str
    first_bad_seq: int | None = None
    problem: str | None = None


def fetch_entries(client: RegistryClient) -> Iterator[dict[str, Any]]:
    """Every log entry in order, page by page."""
    after = 0
    while True:
        page = client.log(after=after, limit=PAGE).get("entries")
        if not isinstance(page, list):
            raise RegistryUnavailable(f"{client.base_url}: /log answered without an entries list")
        yield from page
        if len(page) < PAGE:
            return
        after = int(page[-1]["seq"])


def check_chain(entries: Iterable[dict[str, Any]]) -> ChainResult:
    """Walk the chain from the genesis; stop at the first entry that does not hold."""
    prev, count = GENESIS, 0
    for expected, entry in enumerate(entries, start=1):
        problem = _problem(entry, expected, prev)
        if problem:
            seq = entry.get("seq", expected)
            return ChainResult(False, count, prev, int(seq), f"seq {seq}: {problem}")
        prev, count = str(entry["hash"]), count + 1
    return ChainResult(True, count, prev)


def _problem(entry: dict[str, Any], expected_seq: int, prev: str) -> str | None:
    fields = ("seq", "at", "kind", "subject", "payload", "payload_sha256", "prev_hash", "hash")
    missing = [name for name in fields if name not in entry]
    if missing:
        return f"entry lacks {', '.join(missing)}"
    if entry["seq"] != expected_seq:
        return f"expected seq {expected_seq}: an entry is missing or out of order"
    if entry["prev_hash"] != prev:
        return "prev_hash is not the previous entry's hash"
    if _sha256(_canonical(entry["payload"])) != entry["payload_sha256"]:
        return "payload does not match its payload_sha256"
    linked = {name: entry[name] for name in fields if name not in ("payload", "hash")}
    if _sha256(_canonical(linked)) != entry["hash"]:
        return "hash does not match the entry's contents (the entry was changed after logging)"
    return None
