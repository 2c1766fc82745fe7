"""The signed snapshot's format: canonical record lines and the detached JWS that covers them.

A snapshot is every label's public record (``labels.standing.LabelRecord``), one per line,
sorted by registration number, each line canonical JSON (sorted keys, no spaces, UTF-8)
ending in ``\\n``. Its signature is a compact JWS made with the registry's label signing key
(the key its JWKS publishes) over a small header (``SnapshotHeader``): serial, issue time, next
update, number of records and the SHA-256 of the snapshot's bytes. The JWS ``typ`` is
``jcstar-snapshot+jws``, so a snapshot signature can never be taken for a label (whose ``typ``
is ``jcstar-label+jws``) nor a label for a snapshot signature. The registry signs here and the
client verifies here, so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jcstar.labels.jose import ALG
from jcstar.labels.keyring import Keyring
from jcstar.labels.verify import TrustedKeys

SNAPSHOT_TYP = "jcstar-snapshot+jws"
#: a signature file larger than this is not one (the header is a few hundred bytes)
MAX_SIGNATURE_BYTES = 16_384


class SnapshotError(ValueError):
    """A snapshot or its signature is not what it claims; the message is one line."""


class SnapshotHeader(BaseModel):
    """What the snapshot signature signs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: the registry's state the records reflect: its transparency log's length when they were
    #: read. Equal serials mean equal records; a label change gives a higher one
    serial: int = Field(ge=0)
    issued_at: dt.datetime
    #: the registry publishes a newer signature by then; a snapshot read later is stale
    next_update: dt.datetime
    count: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    #: the registry's base URL
    issuer: str


def record_line(record: dict[str, Any]) -> bytes:
    """One record as its canonical snapshot line (a ``LabelRecord`` in JSON form)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode() + b"\n"


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_header(keyring: Keyring, header: SnapshotHeader) -> str:
    """The header as a compact JWS signed with the keyring's active key."""
    payload = _b64(header.model_dump_json().encode())

    def signing_input(kid: str) -> bytes:
        protected = {"alg": ALG, "kid": kid, "typ": SNAPSHOT_TYP}
        return _b64(json.dumps(protected, separators=(",", ":")).encode()) + b"." + payload

    kid, signature = keyring.sign_bytes(signing_input)
    return (signing_input(kid) + b"." + _b64(signature)).decode("ascii")


def read_signed_header(jws_text: str, trusted: TrustedKeys) -> tuple[SnapshotHeader, str]:
    """The signed header and the kid that signed it, or ``SnapshotError`` naming what failed
    (not a JWS, wrong ``typ``, an untrusted key, a bad signature, a malformed header)."""
    parts = jws_text.strip().split(".")
    if len(parts) != 3:
        raise SnapshotError("signature is not a compact JWS (three dot-separated parts)")
    try:
        protected = json.loads(_unb64(parts[0]))
        payload = _unb64(parts[1])
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise SnapshotError("signature is not a decodable compact JWS") from None
    if not isinstance(protected, dict):
        raise SnapshotError("signature header is not a JSON object")
    typ, alg, kid = protected.get("typ"), protected.get("alg"), protected.get("kid")
    if typ != SNAPSHOT_TYP:
        raise SnapshotError(
            f"signature type is {typ!r}, not {SNAPSHOT_TYP!r}: not a snapshot signature"
        )
    if alg != ALG:
        raise SnapshotError(f"signature algorithm is {alg!r}; only {ALG} (Ed25519) is accepted")
    if set(protected) != {"alg", "kid", "typ"}:
        extra = ", ".join(sorted(set(protected) - {"alg", "kid", "typ"}))
        raise SnapshotError(f"signature header has unexpected fields: {extra}")
    if not isinstance(kid, str) or trusted.get(kid) is None:
        raise SnapshotError(f"snapshot was signed with key {kid}, which is not a trusted key")
    if not trusted.signed_bytes(f"{parts[0]}.{parts[1]}".encode("ascii"), signature, kid):
        raise SnapshotError(f"bad signature: it does not match key {kid} (altered or forged)")
    try:
        return SnapshotHeader.model_validate_json(payload), kid
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise SnapshotError(f"signed header is not a snapshot header: {problem}") from None
