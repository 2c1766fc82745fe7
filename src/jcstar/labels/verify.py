"""Offline label verification: is this QR text (a compact seal or a JWS label, or a bare JWS)
a label the registry signed, unaltered, for the product page it links to, and within its
validity period?

A verifier trusts only the keys it is given (a JWKS file or a registry it names), never a key
the label itself points to. Every refusal carries a one-line ``reason`` for the user and a
stable ``code`` for programs.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import BaseModel, SkipValidation, ValidationError

from jcstar.labels import seal
from jcstar.labels.claims import LabelClaims, first_error
from jcstar.labels.errors import LabelFormatError
from jcstar.labels.jose import (
    ALG,
    CRV,
    ED25519,
    LABEL_JWS,
    TYP,
    ed25519_verifies,
    signature_matches,
)
from jcstar.labels.qr import MAX_INPUT_CHARS, is_compact_jws, parse_qr_text

MAX_JWKS_BYTES = 1_000_000


class VerifyCode(StrEnum):
    """Why a label is (not) valid; stable values for scripts and tests."""

    VALID = "valid"
    MALFORMED = "malformed"
    BAD_HEADER = "bad_header"
    BAD_ALGORITHM = "bad_algorithm"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_CLAIMS = "bad_claims"
    URL_MISMATCH = "url_mismatch"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_CURRENT = "not_current"  # the registry says suspended, revoked, … (online check)
    # the registry's model list is not the one the label signed (online check)
    MODEL_LIST_MISMATCH = "model_list_mismatch"


class Verification(BaseModel):
    """The outcome of checking one label."""

    valid: bool
    code: VerifyCode
    reason: str
    # validated when parsed (LabelClaims.from_payload); pydantic would otherwise run the claims'
    # model validators again on every result
    claims: Annotated[LabelClaims | None, SkipValidation] = None
    kid: str | None = None
    # the registry's current status when checked online (see with_registry_status); None offline
    status: str | None = None


class TrustedKeys:
    """The Ed25519 public keys a verifier trusts, by kid; parse a JWKS once, verify many."""

    def __init__(self, keys: dict[str, OKPKey]) -> None:
        self._keys = keys
        # the key checks jws.validate_compact would repeat for every label, made once per key
        self._usable = {kid for kid, key in keys.items() if _fits_label_algorithm(key)}

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any]) -> TrustedKeys:
        """Trust the Ed25519 signing keys in a JWKS; other key types are ignored (RFC 7517 §5)."""
        entries = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(entries, list):
            raise LabelFormatError("JWKS has no 'keys' list")
        keys: dict[str, OKPKey] = {}
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != CRV:
                continue
            if entry.get("use", "sig") != "sig" or "d" in entry:
                # a private key in a published JWKS is a mistake we refuse to build on
                raise LabelFormatError(f"JWKS key {entry.get('kid')!r} is not a public signing key")
            try:
                key = OKPKey.import_key(entry)
            except (JoseError, ValueError, TypeError) as exc:
                raise LabelFormatError(
                    f"JWKS key {entry.get('kid')!r} is not valid: {exc}"
                ) from exc
            # the kid is the RFC 7638 thumbprint; recompute it rather than trust the file
            keys[key.thumbprint()] = key
        if not keys:
            raise LabelFormatError("JWKS holds no Ed25519 signing key")
        return cls(keys)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def get(self, kid: str) -> OKPKey | None:
        return self._keys.get(kid)

    def made(self, signed: jws.CompactSignature, kid: str) -> bool:
        """Whether trusted key ``kid`` made the signature on ``signed`` (header already checked)."""
        key = self._keys.get(kid)
        return key is not None and kid in self._usable and signature_matches(signed, key)

    def signed_bytes(self, message: bytes, signature: bytes, kid: str) -> bool:
        """Whether trusted key ``kid`` made the Ed25519 ``signature`` over ``message`` (a seal)."""
        key = self._keys.get(kid)
        if key is None or kid not in self._usable:
            return False
        return ed25519_verifies(key.public_key.public_bytes_raw(), message, signature)


def _fits_label_algorithm(key: OKPKey) -> bool:
    """Whether ``key`` may verify EdDSA/Ed25519 labels (use, key type, alg, curve)."""
    try:
        ED25519.check_key(key)
    except JoseError:
        return False
    return True


def load_jwks(source: str | Path) -> dict[str, Any]:
    """Read a JWKS file (fetching a URL is the client's job). One-line error when unusable."""
    path = Path(source)
    try:
        if path.stat().st_size > MAX_JWKS_BYTES:
            raise LabelFormatError(f"{path}: larger than {MAX_JWKS_BYTES} bytes; not a JWKS")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelFormatError(f"cannot read JWKS {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise LabelFormatError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise LabelFormatError(f"{path}: not a JWKS (expected a JSON object with 'keys')")
    TrustedKeys.from_jwks(data)  # refuse a useless file here, not at the first label
    return data


def _refuse(code: VerifyCode, reason: str, **extra: Any) -> Verification:
    return Verification(valid=False, code=code, reason=reason, **extra)


def verify_offline(qr_or_jws: str, jwks: dict[str, Any] | TrustedKeys, today: date) -> Verification:
    """Check a label against trusted keys, with no network. ``today`` is the caller's date."""
    text = qr_or_jws.strip()
    if len(text) > MAX_INPUT_CHARS:
        return _refuse(VerifyCode.MALFORMED, f"input is {len(text)} characters; not a label")
    if seal.is_seal_qr(text):
        return _verify_seal(text, jwks, today)
    url: str | None = None
    token = text
    if not is_compact_jws(text):
        try:
            url, token = parse_qr_text(text)
        except LabelFormatError as exc:
            return _refuse(VerifyCode.MALFORMED, str(exc))
    trusted = jwks if isinstance(jwks, TrustedKeys) else TrustedKeys.from_jwks(jwks)

    try:
        # decodes only; the signature is checked below once the header has passed
        signed = jws.extract_compact(token.encode("ascii"), registry=LABEL_JWS)
    except (JoseError, ValueError):
        return _refuse(VerifyCode.MALFORMED, "label is not a decodable compact JWS")
    header: dict[str, Any] = dict(signed.headers())
    alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
    if alg != ALG:
        return _refuse(
            VerifyCode.BAD_ALGORITHM,
            f"label uses algorithm {alg!r}; only {ALG} (Ed25519) signatures are accepted",
        )
    if typ != TYP:
        return _refuse(VerifyCode.BAD_HEADER, f"label type is {typ!r}, not {TYP!r}")
    if set(header) - {"alg", "kid", "typ"}:
        extra = ", ".join(sorted(set(header) - {"alg", "kid", "typ"}))
        return _refuse(VerifyCode.BAD_HEADER, f"label header has unexpected fields: {extra}")
    if not isinstance(kid, str) or not kid:
        return _refuse(VerifyCode.UNKNOWN_KEY, "label names no signing key (kid)")
    key = trusted.get(kid)
    if key is None:
        return _refuse(
            VerifyCode.UNKNOWN_KEY,
            f"label was signed with key {kid}, which is not among the trusted keys "
            "(forged, or signed with a key the registry no longer publishes)",
            kid=kid,
        )

    # the header checks above are the ones jws.validate_compact would repeat (see jose.py)
    if not trusted.made(signed, kid):
        return _refuse(
            VerifyCode.BAD_SIGNATURE,
            f"signature does not match key {kid}: the label was altered or forged",
            kid=kid,
        )

    try:
        claims = LabelClaims.from_payload(signed.payload)
    except ValidationError as exc:
        return _refuse(
            VerifyCode.BAD_CLAIMS,
            f"signed claims are not a JC-STAR label: {first_error(exc)}",
            kid=kid,
        )

    if url is not None and url != claims.product_url:
        return _refuse(
            VerifyCode.URL_MISMATCH,
            f"QR link {url} is not the signed product page {claims.product_url}",
            claims=claims,
            kid=kid,
        )
    return _within_validity(claims, kid, today)


def _verify_seal(text: str, jwks: dict[str, Any] | TrustedKeys, today: date) -> Verification:
    """The checks of ``verify_offline`` for a compact seal (``labels.seal``), in the same
    order with the same codes: shape, header, key, signature, claims, link, dates."""
    try:
        issuer, cose_bytes = seal.split_seal_qr(text)
        parsed = seal.parse(cose_bytes)
    except seal.SealAlgorithmError as exc:
        return _refuse(VerifyCode.BAD_ALGORITHM, str(exc))
    except seal.SealHeaderError as exc:
        return _refuse(VerifyCode.BAD_HEADER, str(exc))
    except seal.SealError as exc:
        return _refuse(VerifyCode.MALFORMED, str(exc))
    trusted = jwks if isinstance(jwks, TrustedKeys) else TrustedKeys.from_jwks(jwks)
    kid = parsed.kid
    if trusted.get(kid) is None:
        return _refuse(
            VerifyCode.UNKNOWN_KEY,
            f"label was signed with key {kid}, which is not among the trusted keys "
            "(forged, or signed with a key the registry no longer publishes)",
            kid=kid,
        )
    if not trusted.signed_bytes(parsed.message, parsed.signature, kid):
        return _refuse(
            VerifyCode.BAD_SIGNATURE,
            f"signature does not match key {kid}: the label was altered or forged",
            kid=kid,
        )
    try:
        claims = parsed.claims()
    except seal.SealError as exc:
        return _refuse(
            VerifyCode.BAD_CLAIMS, f"signed claims are not a JC-STAR label: {exc}", kid=kid
        )
    except ValidationError as exc:
        return _refuse(
            VerifyCode.BAD_CLAIMS,
            f"signed claims are not a JC-STAR label: {first_error(exc)}",
            kid=kid,
        )
    if issuer != claims.issuer:
        return _refuse(
            VerifyCode.URL_MISMATCH,
            f"QR link {issuer}{seal.SEAL_PATH}… is not the signing registry {claims.issuer}",
            claims=claims,
            kid=kid,
        )
    return _within_validity(claims, kid, today)


def _within_validity(claims: LabelClaims, kid: str, today: date) -> Verification:
    """The last offline checks, the same for both forms: the label's dates."""
    if today < claims.issued_on:
        return _refuse(
            VerifyCode.NOT_YET_VALID,
            f"label {claims.registration_no} is dated {claims.issued_on}, after today ({today})",
            claims=claims,
            kid=kid,
        )
    if today > claims.expires_on:
        return _refuse(
            VerifyCode.EXPIRED,
            f"label {claims.registration_no} expired on {claims.expires_on}",
            claims=claims,
            kid=kid,
        )
    return Verification(
        valid=True,
        code=VerifyCode.VALID,
        reason=(
            f"label {claims.registration_no} (★{claims.level}) signed by key {kid}, "
            f"valid until {claims.expires_on}; {coverage(claims)}"
        ),
        claims=claims,
        kid=kid,
    )


def coverage(claims: LabelClaims) -> str:
    """How many model numbers the label covers, and where the full list is."""
    count = claims.covered_count
    noun = "model number" if count == 1 else "model numbers"
    if claims.carries_all_models:
        return f"covers {count} {noun}: {', '.join(claims.model_numbers)}"
    return (
        f"covers {count} {noun}, {len(claims.model_numbers)} of them in the QR code "
        f"({', '.join(claims.model_numbers)}, …); the full list is on the product page "
        f"{claims.product_url}"
    )


def with_registry_models(offline: Verification, listed: list[str]) -> Verification:
    """Combine an offline result with the model list the registry publishes (online check):
    a genuine label stays valid only if that list is the one it signed."""
    if not offline.valid or offline.claims is None:
        return offline
    claims = offline.claims
    problem = claims.model_list_problem(listed)
    if problem:
        return offline.model_copy(
            update={
                "valid": False,
                "code": VerifyCode.MODEL_LIST_MISMATCH,
                "reason": (
                    f"label {claims.registration_no} is genuine but the registry's model list "
                    f"is not the one it signed: {problem}"
                ),
            }
        )
    checked = f"the registry's {len(listed)} model numbers match the signed list"
    return offline.model_copy(update={"reason": f"{offline.reason}; {checked}"})


def with_registry_status(
    offline: Verification, status: str, detail: str | None = None
) -> Verification:
    """Combine an offline result with the registry's current status (online check).

    A genuine label is currently valid only while the registry says ``valid``."""
    if not offline.valid or status == "valid":
        return offline.model_copy(update={"status": status})
    reg = offline.claims.registration_no if offline.claims else "label"
    why = f": {detail}" if detail else ""
    return offline.model_copy(
        update={
            "valid": False,
            "code": VerifyCode.NOT_CURRENT,
            "reason": f"label {reg} is genuine but the registry lists it as {status}{why}",
            "status": status,
        }
    )
