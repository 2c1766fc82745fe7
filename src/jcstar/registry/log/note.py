"""A signed checkpoint of the log, pure (no database, no server imports): the registry signs
it, a client checks it, both with this module.

Shaped like a C2SP ``tlog-checkpoint`` signed note (RFC 9162 §4.10 signs the same facts):
the origin, the tree size (the number of entries), the head, then an extension line with the
time. Our head is the hash chain's last ``hash`` (hex), not a Merkle root, so the text is
ours, not byte-compatible with C2SP tooling::

    127.0.0.1:8000/api/v1/log
    17
    3f0c…(64 hex)
    time 2026-12-06T03:52:00Z

The registry signs ``PURPOSE + text`` with its Ed25519 label key (``kid`` named); the prefix
keeps a checkpoint signature from being mistaken for any other thing the key signs (a label
is signed over ``base64url(header).base64url(payload)``, which never starts so).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jcstar.labels.errors import LabelFormatError
from jcstar.labels.verify import TrustedKeys

PURPOSE = b"jcstar-log-checkpoint/v1\n"


def log_origin(base_url: str) -> str:
    """The log's name: the registry's address without its scheme, plus the log's path."""
    return f"{base_url.split('://', 1)[-1].rstrip('/')}/api/v1/log"


def note_text(origin: str, size: int, head: str, at: str) -> str:
    return f"{origin}\n{size}\n{head}\ntime {at}\n"


def signed_message(origin: str, size: int, head: str, at: str) -> bytes:
    return PURPOSE + note_text(origin, size, head, at).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    head: str
    at: str
    kid: str
    #: base64url (no padding) of the Ed25519 signature over ``signed_message``
    signature: str

    def public(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "head": self.head,
            "at": self.at,
            "kid": self.kid,
            "signature": self.signature,
            "note": note_text(self.origin, self.size, self.head, self.at),
        }

    @classmethod
    def from_public(cls, data: dict[str, Any]) -> Checkpoint:
        """A checkpoint as published; the ``note`` is rebuilt from the fields, never trusted."""
        try:
            size = data["size"]
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise LabelFormatError("checkpoint size is not a count of entries")
            fields = [data[name] for name in ("origin", "head", "at", "kid", "signature")]
        except KeyError as exc:
            raise LabelFormatError(f"checkpoint lacks {exc.args[0]}") from None
        if not all(isinstance(value, str) for value in fields):
            raise LabelFormatError("checkpoint fields are not text")
        origin, head, at, kid, signature = fields
        return cls(origin, size, head, at, kid, signature)


#: each way a checkpoint's signature fails, by code, with its English sentence
SIGNATURE_TEXTS = {
    "unknown_key": "checkpoint signed with key {kid}, which the JWKS does not hold",
    "not_ed25519": "checkpoint key {kid} is not an Ed25519 key",
    "bad_signature": (
        "checkpoint at size {size}: the signature is not key {kid}'s over its contents"
    ),
}


def signature_problem(checkpoint: Checkpoint, keys: TrustedKeys) -> str | None:
    """None when a trusted key ``checkpoint.kid`` made its signature; else why not."""
    key = keys.get(checkpoint.kid)
    if key is None:
        return SIGNATURE_TEXTS["unknown_key"].format(kid=checkpoint.kid)
    public = key.public_key
    if not isinstance(public, Ed25519PublicKey):
        return SIGNATURE_TEXTS["not_ed25519"].format(kid=checkpoint.kid)
    padded = checkpoint.signature + "=" * (-len(checkpoint.signature) % 4)
    try:
        signature = base64.urlsafe_b64decode(padded.encode())
        public.verify(
            signature,
            signed_message(checkpoint.origin, checkpoint.size, checkpoint.head, checkpoint.at),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return SIGNATURE_TEXTS["bad_signature"].format(size=checkpoint.size, kid=checkpoint.kid)
    return None
