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
from datetime import date
from typing import Any

from jcstar.client.api import RegistryClient
from jcstar.client.errors import RegistryError, RegistryUnavailable
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.verify import TrustedKeys
from jcstar.registry.log.note import Checkpoint, signature_problem
from jcstar.registry.log.replay import differences, replay

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


def fetch_entries(client: RegistryClient, after: int = 0) -> Iterator[dict[str, Any]]:
    """Every log entry (with ``seq`` above ``after``) in order, page by page."""
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


# -- signed checkpoints and replay ---------------------------------------------------------
#
# The chain above is recomputed from the published rule alone. The checkpoint's signature and
# the label replay use the same pure modules as the registry (``registry/log/note.py`` and
# ``registry/log/replay.py``: no database, no server code), so the two cannot drift apart.


@dataclass(frozen=True)
class LogAudit:
    chain: ChainResult
    #: the latest signed checkpoint as published (None: the registry publishes none)
    checkpoint: dict[str, Any] | None
    #: everything that does not hold, one line each (empty: the log and the registry agree)
    problems: tuple[str, ...]
    #: how many labels were replayed from the log and compared with the registry's answer
    labels_compared: int

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def latest_checkpoint(client: RegistryClient) -> dict[str, Any] | None:
    try:
        # the client's own connection (fetch_json would open another, outside its transport)
        return client._json("GET", "/api/v1/log/checkpoints/latest")
    except RegistryError as exc:
        if exc.status == 404:
            return None
        raise


def checkpoint_problems(
    checkpoint: dict[str, Any], keys: TrustedKeys, hashes: list[str], name: str
) -> list[str]:
    """Whether ``checkpoint`` is signed by a trusted key and the chain ``hashes`` (entry
    hashes in order) has its head at its size."""
    try:
        note = Checkpoint.from_public(checkpoint)
    except LabelFormatError as exc:
        return [f"{name}: {exc}"]
    if problem := signature_problem(note, keys):
        return [f"{name}: {problem}"]
    if note.size > len(hashes):
        return [
            f"{name} covers {note.size} entries but the log has {len(hashes)} "
            "(entries were removed)"
        ]
    if note.size and hashes[note.size - 1] != note.head:
        return [
            f"{name}: the registry signed head {note.head} at size {note.size}, but entry "
            f"{note.size} now hashes to {hashes[note.size - 1]} (history rewritten)"
        ]
    return []


def _published(label: dict[str, Any]) -> dict[str, Any]:
    return {name: label.get(name) for name in ("status", "expires_on", "jws", "superseded_by")}


def label_problems(
    client: RegistryClient, entries: list[dict[str, Any]], today: date
) -> tuple[list[str], int]:
    """Each label replayed from ``entries`` compared with what the registry publishes for it."""
    replayed = replay((int(e["seq"]), str(e["kind"]), dict(e["payload"])) for e in entries)
    problems = [f"log: {problem}" for problem in replayed.problems]
    for number, state in sorted(replayed.labels.items()):
        try:
            published = client.label(number)
        except RegistryError as exc:
            if exc.status != 404:
                raise
            problems.append(
                f"label {number}: the log has it ({state.status} at seq {state.seq}), "
                "the registry does not list it"
            )
            continue
        if admitted := published.get("log_disagreement"):
            # a registry that found its tables disagree answers from its log and says so
            problems.append(f"label {number}: the registry reports its tables disagree: {admitted}")
        for difference in differences(state, _published(published), "registry", today.isoformat()):
            problems.append(f"label {number}: {difference}")
    return problems, len(replayed.labels)


def audit(
    client: RegistryClient,
    today: date,
    kept: dict[str, Any] | None = None,
    head: str | None = None,
) -> LogAudit:
    """The log fetched and checked here: its chain, the latest signed checkpoint (signature
    against the registry's JWKS, head at its size, no entry beyond it), a checkpoint kept from
    before (``kept``: still a prefix of today's log), a head kept from before (``head``: still
    in the chain), and every label replayed from the
    signed log against what the registry publishes for it."""
    entries = list(fetch_entries(client))
    checkpoint = latest_checkpoint(client)
    size = checkpoint.get("size") if checkpoint else None
    if isinstance(size, int) and size > len(entries):  # appended while we read: read on
        entries += fetch_entries(client, after=len(entries))
    chain = check_chain(entries)
    held = entries[: chain.entries]
    hashes = [str(e["hash"]) for e in held]
    keys = TrustedKeys.from_jwks(client.jwks())
    problems: list[str] = []
    if checkpoint is None:
        if entries:
            problems.append(
                f"the registry publishes no signed checkpoint of its {len(entries)} entries"
            )
    else:
        problems += checkpoint_problems(checkpoint, keys, hashes, "latest checkpoint")
        if not problems and isinstance(size, int) and len(entries) > size:
            problems.append(
                f"entries {size + 1}-{len(entries)} are not covered by the latest signed "
                f"checkpoint (size {size}): the registry did not sign them"
            )
            held = held[:size]
    if kept is not None:
        problems += checkpoint_problems(kept, keys, hashes, "kept checkpoint")
    if head is not None and head not in hashes:
        problems.append(f"earlier head {head} is not in the chain (history rewritten)")
    found, compared = label_problems(client, held, today)
    return LogAudit(chain, checkpoint, tuple(problems + found), compared)
