"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
``<webhook-id>.<webhook-timestamp>.<body>`` with the channel's secret, sent as
``Webhook-Signature: v1,<base64>``. The secret is ``whsec_`` + base64 of 24 random bytes; the
key is the decoded part."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The ``Webhook-Signature`` header's value."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, delivery_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether one of the header's space-separated signatures is ours (what a receiver checks;
    it should also refuse a timestamp far from its clock)."""
    expected = sign(secret, delivery_id, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in header.split())
