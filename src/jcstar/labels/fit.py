"""Sign a label whose QR code is scannable: carry fewer model numbers when names are long.

A format-2 label carries up to ``MODELS_IN_QR`` model numbers (the count and digest cover the
rest), but eight long model numbers with long Japanese names may still need a QR code larger
than ``MAX_QR_VERSION``; then fewer are carried, down to one, before the label is refused.

The compact seal (``labels.seal``) is fitted the same way to its own, smaller limit.
"""

from __future__ import annotations

from jcstar.labels import seal
from jcstar.labels.claims import LabelClaims
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.keyring import Keyring
from jcstar.labels.qr import qr_text, qr_version


def sign_to_fit(keyring: Keyring, claims: LabelClaims) -> tuple[LabelClaims, str, str]:
    """``(claims as signed, compact JWS, QR text)``; LabelFormatError when even one carried
    model number does not fit (or a format-1 label does not fit)."""
    first_error: LabelFormatError | None = None
    carried = len(claims.model_numbers)
    while True:
        jws = keyring.sign(claims)
        try:
            return claims, jws, qr_text(claims.product_url, jws)
        except LabelFormatError as exc:
            first_error = first_error or exc
        if claims.format == 1 or carried <= 1:
            raise first_error
        carried -= 1
        claims = claims.carrying(carried)


def seal_to_fit(keyring: Keyring, claims: LabelClaims) -> str | None:
    """The QR text of the compact seal for ``claims``, carrying as many of the first
    SEAL_MODELS model numbers as fit MAX_SEAL_QR_VERSION, then with names cut shorter; None
    when even that does not fit or the claims cannot be sealed (the label's QR then carries
    the JWS, as before the seal)."""
    try:
        seal.seal_claims(claims)
    except seal.SealError:
        return None
    for name_bytes in (seal.NAME_BYTES, seal.SHORT_NAME_BYTES):
        for carried in range(min(seal.SEAL_MODELS, len(claims.model_numbers)), 0, -1):
            sealed = seal.seal_claims(claims, carried, name_bytes)
            text = seal.seal_qr_text(claims.issuer, seal.sign(keyring.sign_bytes, sealed))
            if qr_version(text) <= seal.MAX_SEAL_QR_VERSION:
                return text
    return None
