"""Sign a label whose QR code is scannable: carry fewer model numbers when names are long.

A format-2 label carries up to ``MODELS_IN_QR`` model numbers (the count and digest cover the
rest), but eight long model numbers with long Japanese names may still need a QR code larger
than ``MAX_QR_VERSION``; then fewer are carried, down to one, before the label is refused.
"""

from __future__ import annotations

from jcstar.labels.claims import LabelClaims
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.keyring import Keyring
from jcstar.labels.qr import qr_text


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
