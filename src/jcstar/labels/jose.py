"""The one JOSE profile labels use: compact JWS, EdDSA over Ed25519, a fixed ``typ``.

The contract (docs/registry-api.md) names ``alg: EdDSA`` (RFC 8037), which every JOSE library
reads. RFC 9864 deprecates it in favour of the fully specified ``Ed25519``, and joserfc warns
on each use; our registry allows EdDSA alone and pins the curve itself, so the warning's
concern (an unspecified curve) does not apply and it is not raised.

Signatures are made by joserfc (cryptography/OpenSSL) and checked with libsodium (PyNaCl):
measured on the project machine, libsodium verifies Ed25519 in about half OpenSSL's time,
and verification is what the public does at scale (bench/bench_verify.py).
"""

from __future__ import annotations

from functools import lru_cache

from joserfc.errors import InvalidKeyCurveError
from joserfc.jwa import EdDSAAlgorithm, JWSAlgModel
from joserfc.jwk import OKPKey
from joserfc.jws import CompactSignature, JWSRegistry
from joserfc.util import urlsafe_b64decode
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

ALG = "EdDSA"
TYP = "jcstar-label+jws"
CRV = "Ed25519"


@lru_cache(maxsize=64)
def _sodium_key(raw_public: bytes) -> VerifyKey:
    return VerifyKey(raw_public)


def ed25519_verifies(raw_public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by ``raw_public``
    (libsodium, as for JWS labels; the compact seal's COSE signature is checked here too)."""
    try:
        _sodium_key(raw_public).verify(message, signature)
    except (BadSignatureError, ValueError):  # ValueError: not a 64-byte signature
        return False
    return True


class Ed25519Signature(EdDSAAlgorithm):
    """JWS ``EdDSA`` restricted to the Ed25519 curve."""

    def check_key(self, key: OKPKey) -> None:
        super().check_key(key)
        if key.curve_name != CRV:
            raise InvalidKeyCurveError(f"labels are signed with {CRV} keys, not {key.curve_name}")

    def verify(self, msg: bytes, sig: bytes, key: OKPKey) -> bool:
        return ed25519_verifies(key.public_key.public_bytes_raw(), msg, sig)


ED25519 = Ed25519Signature()


class LabelJWSRegistry(JWSRegistry):
    """Allows only EdDSA over Ed25519; ``none``, HMAC and every other algorithm are refused."""

    def __init__(self) -> None:
        super().__init__(algorithms=[ALG])

    def get_alg(self, name: str) -> JWSAlgModel:
        if name != ALG:
            return super().get_alg(name)  # raises: not allowed
        return ED25519


LABEL_JWS = LabelJWSRegistry()


def signature_matches(signed: CompactSignature, key: OKPKey) -> bool:
    """Whether ``signed`` (from ``jws.extract_compact``) carries a valid Ed25519 signature by
    ``key``: the two steps of joserfc's ``verify_compact``, with our algorithm.

    ``jws.validate_compact`` would first re-check the header against the registry and the key's
    curve for every label. The verifier has already refused any header but exactly
    ``{alg: EdDSA, kid, typ}`` and checks each trusted key's curve once (``ED25519.check_key``),
    so those repeats (5-7 µs a label, measured) are left out."""
    segments = signed.segments
    try:
        signature = urlsafe_b64decode(segments["signature"])
    except (TypeError, ValueError):
        return False
    return ED25519.verify(segments["header"] + b"." + segments["payload"], signature, key)
