"""Signed labels: the claims a label carries, the registry's signing keys, the QR code that
holds the signed label (the compact COSE seal, ``seal``, or the JWS), the label artwork, and
offline verification against published keys.

This layer knows nothing of the registry service; the registry signs with it and the client
verifies with it.
"""

from jcstar.labels.claims import LabelClaims
from jcstar.labels.errors import LabelError, LabelFormatError
from jcstar.labels.keyring import Keyring
from jcstar.labels.verify import (
    TrustedKeys,
    Verification,
    VerifyCode,
    load_jwks,
    verify_offline,
    with_registry_models,
    with_registry_status,
)

__all__ = [
    "Keyring",
    "LabelClaims",
    "LabelError",
    "LabelFormatError",
    "TrustedKeys",
    "Verification",
    "VerifyCode",
    "load_jwks",
    "verify_offline",
    "with_registry_models",
    "with_registry_status",
]
