"""Verify an update package's detached signature with the vendor's public key.

Ed25519/Ed448 over the whole package; ECDSA (P-256/384/521, DER or raw r||s) and RSA
(PKCS#1 v1.5 or PSS) over its SHA-256, SHA-384 or SHA-512 digest. The key is a PEM or
DER public key or an X.509 certificate. The package is hashed in chunks, so its size does
not decide the memory used (except for EdDSA, which needs the message whole).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from jcstar.checks.base import CannotJudge, CannotJudgeKind

CHUNK = 1024**2
#: EdDSA signs the whole message; a package above this is not loaded into memory
EDDSA_LIMIT = 512 * 1024**2
HASHES: tuple[hashes.HashAlgorithm, ...] = (hashes.SHA256(), hashes.SHA384(), hashes.SHA512())


class UpdateInputError(CannotJudge, ValueError):
    """A key, signature or package that cannot be read: one line naming the file. Checked as
    input before a run (a ValueError, exit 2); met by the check, it cannot judge: the file
    is not there (``unreachable``) or in a form it cannot read (``unsupported``)."""

    def __init__(self, reason: str, kind: CannotJudgeKind = "unsupported") -> None:
        super().__init__(reason, kind)


@dataclass(frozen=True)
class SignatureResult:
    valid: bool
    #: e.g. "Ed25519", "ECDSA P-256 with SHA-256", "RSA-2048 PKCS#1 v1.5 with SHA-256"
    algorithm: str
    key: str


def load_public_key(path: Path) -> PublicKeyTypes:
    """The public key in a PEM/DER public key or X.509 certificate file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UpdateInputError(
            f"{path}: cannot read public key: {exc.strerror}", "unreachable"
        ) from None
    loaders: tuple[Callable[[], PublicKeyTypes], ...] = (
        lambda: serialization.load_pem_public_key(data),
        lambda: x509.load_pem_x509_certificate(data).public_key(),
        lambda: serialization.load_der_public_key(data),
        lambda: x509.load_der_x509_certificate(data).public_key(),
    )
    for load in loaders:
        try:
            return load()
        except (ValueError, UnsupportedAlgorithm):
            continue
    raise UpdateInputError(f"{path}: not a PEM or DER public key or X.509 certificate")


def describe_key(key: PublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__


def _signatures(data: bytes) -> list[bytes]:
    """The signature as given, and decoded when the file holds base64 text."""
    candidates = [data]
    text = data.strip()
    if text and re.fullmatch(rb"[A-Za-z0-9+/=\s]+", text):
        with contextlib.suppress(binascii.Error, ValueError):
            candidates.append(base64.b64decode(b"".join(text.split()), validate=True))
    return candidates


def _digests(package: Path) -> dict[str, bytes]:
    algorithms = {algorithm.name: hashlib.new(algorithm.name) for algorithm in HASHES}
    with package.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            for digest in algorithms.values():
                digest.update(chunk)
    return {name: digest.digest() for name, digest in algorithms.items()}


def _ecdsa_forms(signature: bytes, key: ec.EllipticCurvePublicKey) -> list[bytes]:
    """DER as OpenSSL writes it, and raw r||s as many vendors' tools do."""
    size = (key.curve.key_size + 7) // 8
    forms = [signature]
    if len(signature) == 2 * size:
        r, s = signature[:size], signature[size:]
        forms.append(utils.encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big")))
    return forms


def verify_signature(package: Path, signature: Path, public_key: Path) -> SignatureResult:
    """Whether ``signature`` is a valid signature of ``package`` under ``public_key``."""
    key = load_public_key(public_key)
    try:
        raw_signature = signature.read_bytes()
        if not package.is_file():
            raise FileNotFoundError(2, "not a file")
    except OSError as exc:
        failed = package if signature.exists() else signature
        raise UpdateInputError(f"{failed}: cannot read: {exc.strerror}", "unreachable") from None
    name = describe_key(key)
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        if package.stat().st_size > EDDSA_LIMIT:
            raise UpdateInputError(f"{package}: too large for an EdDSA check in memory")
        message = package.read_bytes()
        for sig in _signatures(raw_signature):
            try:
                key.verify(sig, message)
                return SignatureResult(True, name, name)
            except InvalidSignature:
                continue
        return SignatureResult(False, name, name)
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise UpdateInputError(f"{public_key}: {name} keys are not supported")
    digests = _digests(package)
    for sig in _signatures(raw_signature):
        for algorithm in HASHES:
            found = _verify_digest(key, sig, digests[algorithm.name], algorithm)
            if found:
                return SignatureResult(True, found, name)
    return SignatureResult(False, name, name)


def _verify_digest(
    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    signature: bytes,
    digest: bytes,
    algorithm: hashes.HashAlgorithm,
) -> str:
    """The scheme under which ``signature`` signs ``digest``, or "" for none."""
    prehashed = utils.Prehashed(algorithm)
    label = f"{describe_key(key)} %s with {algorithm.name.upper().replace('SHA', 'SHA-')}"
    checks: list[tuple[str, Callable[[], None]]]
    if isinstance(key, rsa.RSAPublicKey):
        pss = padding.PSS(padding.MGF1(algorithm), padding.PSS.AUTO)
        checks = [
            ("PKCS#1 v1.5", lambda: key.verify(signature, digest, padding.PKCS1v15(), prehashed)),
            ("PSS", lambda: key.verify(signature, digest, pss, prehashed)),
        ]
    else:
        checks = [
            ("DER" if form is signature else "raw r||s",
             partial(key.verify, form, digest, ec.ECDSA(prehashed)))
            for form in _ecdsa_forms(signature, key)
        ]  # fmt: skip
    for scheme, check in checks:
        try:
            check()
        except (InvalidSignature, ValueError):
            continue
        return label % scheme
    return ""
