"""The compact seal: a label signed small enough for a QR code on a 15 mm sticker.

The JWS label (``<product_url>#<compact JWS>``, about 740 characters) needs QR version 22,
105 modules a side. The seal signs the same facts the way the EU Digital COVID Certificate
does: a CBOR claim map with integer keys, signed as a COSE_Sign1 (RFC 9052) with EdDSA over
Ed25519 (``alg`` -8) by the same registry key, whose ``kid`` (the JWKS kid, RFC 7638
thumbprint, as its 32 raw bytes) is in the protected header. The COSE bytes are written as
decimal digits (``labels.digits``) behind the registry's link::

    <issuer>/L/<digits>        e.g. https://registry.example/L/2411975408...

A phone opens that link (the registry sends it on to the product page); a verifier takes the
seal from it. The link is a byte-mode QR segment and the digits a numeric-mode one.

The claim map (stable: a verifier in the field reads seals issued years earlier, so a key is
never reused for something else; a new key is added, an incompatible change is a new ``0``):

    ==  ===================  =====================================================
    0   seal format          1
    1   registration number  text
    2   level                1-4
    3   issuer               text: the registry's base URL; the product page is
                             ``<issuer>/p/<registration number>``
    4   issued on            days since 1970-01-01
    5   expires on           days since 1970-01-01
    6   vendor               text, at most NAME_BYTES of UTF-8, cut with "…"
    7   product              text, the same
    8   model numbers        array of text: the first few the label covers
    9   model count          how many it covers; absent when 8 holds them all
    10  models digest        32 bytes, SHA-256 of the full list (claims.models_digest);
                             absent when 8 holds them all (then computed from 8)
    11  support period end   days since 1970-01-01, optional
    12  criteria version     text, optional
    ==  ===================  =====================================================

What the seal leaves out (our own judgement): the vulnerability contact, names past
NAME_BYTES and model numbers past the first few. A verifier in the field needs to know that
the registry signed this level for this product until this date; the rest is on the product
page the link opens, and an online check compares the full model list with the digest.

Measured with segno at error correction M (``tests/labels/test_label_seal.py`` checks this table
against the code): the example label there, model numbers like ``GW-000-JPX``; typical names
"Example Networks K.K." / "ExampleGateway Home Router", long Japanese names of 23 and 35
characters. Version, and modules a side (17 + 4 × version):

    ==============================================  ==========  ==========
    label                                           JWS QR      seal QR
    ==============================================  ==========  ==========
    typical names, 1 model number                   v23 (109)   v13 (69)
    typical names, 8 model numbers                  v24 (113)   v14 (73)
    long Japanese names, 1 model number             v25 (117)   v13 (69)
    long Japanese names, 8 model numbers            v25 (117)   v14 (73)
    ==============================================  ==========  ==========

The seal carries at most SEAL_MODELS model numbers; with long names or model numbers it
carries fewer, then cuts names to SHORT_NAME_BYTES (``fit.seal_to_fit``), to stay within
MAX_SEAL_QR_VERSION. Claims that still do not fit (e.g. several 60-character model numbers
with long Japanese names) get no seal: the label keeps its JWS QR code.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from jcstar.labels import cbor
from jcstar.labels.claims import LabelClaims, models_digest
from jcstar.labels.digits import from_digits, to_digits
from jcstar.labels.errors import LabelFormatError

SEAL_FORMAT = 1
SEAL_PATH = "/L/"
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8  # COSE algorithm EdDSA (RFC 9053 §2.2)
HEADER_ALG, HEADER_KID = 1, 4
# our own judgement: enough to recognise a maker and product (42 bytes is 14 Japanese
# characters, "株式会社エグザンプル・ネッ…"); the full names are on the product page. When
# that does not fit, names are cut to SHORT_NAME_BYTES (8 Japanese characters)
NAME_BYTES = 42
SHORT_NAME_BYTES = 24
# the model numbers a seal carries at most (the rest are counted and hashed)
SEAL_MODELS = 3
# our own judgement from the photo test (tests/registry/test_label_photo.py): version 14
# (73 modules) printed 15 mm wide is 0.2 mm a module, about what a phone camera resolves
MAX_SEAL_QR_VERSION = 14
# the longest seal accepted, in digits (a seal is ~600); refused before any decoding
MAX_SEAL_DIGITS = 2400
# the longest seal QR text: the digits behind a registry URL of up to 300 characters
MAX_SEAL_TEXT = MAX_SEAL_DIGITS + 300

(
    K_FORMAT,
    K_REG,
    K_LEVEL,
    K_ISSUER,
    K_ISSUED,
    K_EXPIRES,
    K_VENDOR,
    K_PRODUCT,
    K_MODELS,
    K_COUNT,
    K_DIGEST,
    K_SUPPORT,
    K_CRITERIA,
) = range(13)
_EPOCH = date(1970, 1, 1)
_SEAL_QR = re.compile(r"^(?P<issuer>https?://[^\s#?]+?)/L/(?P<digits>[0-9]+)$")

#: ``Keyring.sign_bytes``: signs the message built for the active kid, returns (kid, signature)
Signer = Callable[[Callable[[str], bytes]], tuple[str, bytes]]


class SealError(LabelFormatError):
    """Bytes or text that are not a seal; the message says what is wrong."""


def seal_qr_text(issuer: str, cose_bytes: bytes) -> str:
    """The text of the seal's QR code: the registry's link with the seal in its path."""
    return f"{issuer}{SEAL_PATH}{to_digits(cose_bytes)}"


def is_seal_qr(text: str) -> bool:
    text = text.strip()
    return len(text) <= MAX_SEAL_TEXT and bool(_SEAL_QR.match(text))


def split_seal_qr(text: str) -> tuple[str, bytes]:
    """``(issuer the link names, COSE bytes)`` from seal QR text; SealError otherwise."""
    text = text.strip()
    if len(text) > MAX_SEAL_TEXT:
        raise SealError(f"seal QR text is {len(text)} characters; a seal is far shorter")
    match = _SEAL_QR.match(text)
    if not match:
        raise SealError("not seal QR text: expected <registry URL>/L/<digits>")
    try:
        return match["issuer"], from_digits(match["digits"])
    except ValueError as exc:
        raise SealError(f"seal digits are damaged: {exc}") from None


def _days(day: date) -> int:
    return (day - _EPOCH).days


def _day(value: Any, what: str) -> date:
    if not isinstance(value, int) or not 0 <= value <= _days(date.max):
        raise SealError(f"seal {what} is not a day count")
    return _EPOCH + timedelta(days=value)


def cut(name: str, limit: int = NAME_BYTES) -> str:
    """``name`` in at most ``limit`` bytes of UTF-8, cut at a character with "…" when longer."""
    if len(name.encode("utf-8")) <= limit:
        return name
    room = limit - len("…".encode())
    kept = name.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return kept.rstrip() + "…"


def seal_claims(
    claims: LabelClaims, carried: int = SEAL_MODELS, name_bytes: int = NAME_BYTES
) -> dict[int, cbor.Value]:
    """The claim map a seal signs for ``claims``, carrying at most ``carried`` model numbers
    and names of at most ``name_bytes``.

    Raises SealError when the claims cannot be sealed (a product page not at
    ``<issuer>/p/<registration number>``, which the seal does not sign separately)."""
    if claims.product_url != f"{claims.issuer}/p/{claims.registration_no}":
        raise SealError(
            f"product page {claims.product_url} is not {claims.issuer}/p/<registration number>"
        )
    models = list(claims.model_numbers[: max(carried, 1)])
    sealed: dict[int, cbor.Value] = {
        K_FORMAT: SEAL_FORMAT,
        K_REG: claims.registration_no,
        K_LEVEL: claims.level,
        K_ISSUER: claims.issuer,
        K_ISSUED: _days(claims.issued_on),
        K_EXPIRES: _days(claims.expires_on),
        K_VENDOR: cut(claims.vendor, name_bytes),
        K_PRODUCT: cut(claims.product, name_bytes),
        K_MODELS: list[cbor.Value](models),
    }
    if claims.covered_count != len(models):
        if claims.models_sha256 is None:
            raise SealError("format 1 claims have no digest to cover the models left out")
        sealed[K_COUNT] = claims.covered_count
        sealed[K_DIGEST] = _unb64(claims.models_sha256)
    if claims.support_period_end is not None:
        sealed[K_SUPPORT] = _days(claims.support_period_end)
    criteria = getattr(claims, "criteria_version", None)  # helper F's field, when present
    if criteria:
        sealed[K_CRITERIA] = str(criteria)
    return sealed


def claims_of(sealed: cbor.Value) -> LabelClaims:
    """The label claims a verified seal's map stands for (product page derived, names as
    cut, vulnerability contact absent). SealError naming what is wrong otherwise."""
    if not isinstance(sealed, dict):
        raise SealError("seal payload is not a claim map")
    unknown = sorted(set(sealed) - set(range(K_CRITERIA + 1)))
    if unknown:
        raise SealError(f"seal payload has unknown claims {unknown}")
    if sealed.get(K_FORMAT) != SEAL_FORMAT:
        raise SealError(f"seal format {sealed.get(K_FORMAT)!r} is not {SEAL_FORMAT}")
    texts: dict[int, str] = {}
    for key in (K_REG, K_ISSUER, K_VENDOR, K_PRODUCT):
        value = sealed.get(key)
        if not isinstance(value, str):
            raise SealError("seal payload lacks its registration number, issuer or names")
        texts[key] = value
    models = sealed.get(K_MODELS)
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise SealError("seal model numbers are not a list of text")
    model_list = [str(m) for m in models]
    count, digest = sealed.get(K_COUNT), sealed.get(K_DIGEST)
    if (count is None) != (digest is None):
        raise SealError("seal has a model count without a digest, or a digest without a count")
    if count is None:
        count, digest_text = len(model_list), models_digest(model_list)
    elif isinstance(digest, bytes) and len(digest) == 32:
        digest_text = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        raise SealError("seal models digest is not 32 bytes")
    fields: dict[str, Any] = {
        "v": 2,
        "reg": texts[K_REG],
        "lvl": sealed.get(K_LEVEL),
        "ven": texts[K_VENDOR],
        "prd": texts[K_PRODUCT],
        "mdl": model_list,
        "mdn": count,
        "mdh": digest_text,
        "ido": _day(sealed.get(K_ISSUED), "issue date"),
        "exo": _day(sealed.get(K_EXPIRES), "expiry date"),
        "url": f"{texts[K_ISSUER]}/p/{texts[K_REG]}",
        "iss": texts[K_ISSUER],
    }
    if K_SUPPORT in sealed:
        fields["spe"] = _day(sealed[K_SUPPORT], "support period end")
    if K_CRITERIA in sealed:
        if "criteria_version" not in LabelClaims.model_fields:
            raise SealError("seal names a criteria version this verifier does not know")
        fields["criteria_version"] = sealed[K_CRITERIA]
    return LabelClaims.model_validate(fields, context={"signed": True})


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kid_bytes(kid: str) -> bytes:
    """The JWKS kid (base64url RFC 7638 thumbprint) as the raw bytes the seal carries."""
    return _unb64(kid)


def kid_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def protected_header(kid: str) -> bytes:
    return cbor.encode({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid_bytes(kid)})


def to_be_signed(protected: bytes, payload: bytes) -> bytes:
    """The COSE Sig_structure for COSE_Sign1 (RFC 9052 §4.4), with no external data."""
    return cbor.encode(["Signature1", protected, b"", payload])


def sign(sign_active: Signer, sealed: dict[int, cbor.Value]) -> bytes:
    """The tagged COSE_Sign1 of ``sealed``, signed with the active key (``Keyring.sign_bytes``
    reads the active kid and signs under it in one step, so a rotation cannot split them)."""
    payload = cbor.encode(sealed)
    kid, signature = sign_active(lambda kid: to_be_signed(protected_header(kid), payload))
    return cbor.encode(cbor.Tag(COSE_SIGN1_TAG, [protected_header(kid), {}, payload, signature]))


class ParsedSeal:
    """A COSE_Sign1 taken apart, its signature not yet checked."""

    def __init__(self, protected: bytes, kid: str, payload: bytes, signature: bytes) -> None:
        self.protected = protected
        self.kid = kid
        self.payload = payload
        self.signature = signature

    @property
    def message(self) -> bytes:
        return to_be_signed(self.protected, self.payload)

    def claims(self) -> LabelClaims:
        """The claims (call only after the signature has been checked)."""
        try:
            return claims_of(cbor.decode(self.payload))
        except cbor.CBORError as exc:
            raise SealError(f"seal payload is not CBOR: {exc}") from None


def parse(cose_bytes: bytes) -> ParsedSeal:
    """Take a seal apart; SealError naming the problem (bad_header checks are the caller's:
    this raises ``SealHeaderError`` for an algorithm or header other than the one we use)."""
    try:
        outer = cbor.decode(cose_bytes)
    except cbor.CBORError as exc:
        raise SealError(f"seal is not CBOR: {exc}") from None
    if not isinstance(outer, cbor.Tag) or outer.number != COSE_SIGN1_TAG:
        raise SealError("seal is not a tagged COSE_Sign1")
    parts = outer.value
    if not isinstance(parts, list) or len(parts) != 4:
        raise SealError("seal COSE_Sign1 does not have four parts")
    protected, unprotected, payload, signature = parts
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise SealError("seal COSE_Sign1 parts are not byte strings")
    assert isinstance(protected, bytes) and isinstance(payload, bytes)
    assert isinstance(signature, bytes)
    if unprotected != {}:
        raise SealHeaderError("seal has unprotected header fields; a seal has none")
    try:
        header = cbor.decode(protected)
    except cbor.CBORError as exc:
        raise SealHeaderError(f"seal protected header is not CBOR: {exc}") from None
    if not isinstance(header, dict):
        raise SealHeaderError("seal protected header is not a map")
    if header.get(HEADER_ALG) != ALG_EDDSA:
        raise SealAlgorithmError(
            f"seal uses COSE algorithm {header.get(HEADER_ALG)!r}; only EdDSA (-8) is accepted"
        )
    if set(header) != {HEADER_ALG, HEADER_KID}:
        extra = sorted(set(header) - {HEADER_ALG, HEADER_KID})
        raise SealHeaderError(f"seal protected header has unexpected fields {extra}")
    kid = header[HEADER_KID]
    if not isinstance(kid, bytes) or not kid:
        raise SealHeaderError("seal names no signing key (kid)")
    return ParsedSeal(protected, kid_text(kid), payload, signature)


class SealHeaderError(SealError):
    """The seal's header is not the one labels use."""


class SealAlgorithmError(SealHeaderError):
    """The seal names an algorithm other than EdDSA."""


_REGISTRATION_NO = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def registration_no_in(digits: str) -> str | None:
    """The registration number a seal's digits name, or None when they are not a seal.

    The signature is NOT checked: this only sends a phone that opened the seal's link on to
    the product page, which shows the registry's own record of that number."""
    if len(digits) > MAX_SEAL_DIGITS:
        return None
    try:
        payload = cbor.decode(parse(from_digits(digits)).payload)
    except (ValueError, SealError):  # CBORError and digit errors are ValueErrors
        return None
    number = payload.get(K_REG) if isinstance(payload, dict) else None
    if isinstance(number, str) and _REGISTRATION_NO.match(number):
        return number
    return None
