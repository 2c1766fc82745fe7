"""TLS as the device offers it (S1.1-12): protocol versions, weak ciphers, certificate.

Uses the Python ``ssl`` module (the system OpenSSL) with security level 0 so old
protocols can be observed. What this OpenSSL cannot speak (SSLv2/v3, EXPORT
ciphers) cannot be tested here; the observation says so instead of passing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any, ClassVar, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from pydantic import Field

from jcstar.checks.base import CannotJudge, Check, CheckInput, Observation, connection_kind
from jcstar.checks.network.collect.device import TARGET, device_params, device_scan, pacer
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.scan import Service
from jcstar.checks.network.collect.tlsctx import observing_context
from jcstar.checks.params import CheckParams

VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1.0", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)
VersionName = Literal["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
WEAK_VERSIONS: tuple[VersionName, ...] = ("TLSv1.0", "TLSv1.1")
WEAK_CIPHERS = ("NULL", "EXPORT", "RC4", "DES", "3DES", "aNULL")
MIN_RSA_BITS = 2048
WEAK_SIGNATURE_HASHES = ("sha1", "md5")


class TlsParams(CheckParams):
    """What counts as weak; the defaults are ★1's (the catalog may make them stricter)."""

    #: an RSA certificate key shorter than this fails
    min_rsa_bits: int = Field(default=MIN_RSA_BITS, ge=512, le=16384)
    #: protocol versions that fail when offered
    weak_versions: tuple[VersionName, ...] = WEAK_VERSIONS
    #: OpenSSL cipher families tried; one the server accepts fails
    weak_ciphers: tuple[str, ...] = WEAK_CIPHERS
    #: certificate signature hashes that fail (hashlib names, lower case)
    weak_signature_hashes: tuple[str, ...] = WEAK_SIGNATURE_HASHES


class Unreachable(CannotJudge):
    """The connection itself failed (refused, reset, timed out): nothing was learnt
    about TLS, so this must not read as "version not offered" (INCONCLUSIVE, of the
    connection's kind)."""


async def _handshake(
    host: str, port: int, ctx: ssl.SSLContext, timeout_s: float, limiter: Pacer
) -> tuple[str, bytes | None] | None:
    """(cipher, peer certificate DER) if the handshake succeeds, None if the server
    refuses it in TLS; raises Unreachable when TCP itself fails."""
    await limiter.wait()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=None), timeout_s
        )
    except (ssl.SSLError, ConnectionResetError):
        # an alert, or a reset once TCP was up (some TLS stacks close without an
        # alert): either way the server will not speak this version or cipher
        return None
    except (TimeoutError, OSError) as exc:
        # refused at connect (a rate limit answers SYN with RST), unreachable, stalled
        raise Unreachable(f"{port}/tcp: {type(exc).__name__}: {exc}", connection_kind(exc)) from exc
    try:
        sslobj = writer.get_extra_info("ssl_object")
        cipher = sslobj.cipher()[0] if sslobj and sslobj.cipher() else "?"
        der = sslobj.getpeercert(binary_form=True) if sslobj else None
        return cipher, der
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


def certificate_facts(der: bytes) -> dict[str, Any]:
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_desc, rsa_bits = f"RSA {key.key_size}", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_desc, rsa_bits = f"EC {key.curve.name}", None
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key_desc, rsa_bits = type(key).__name__.removesuffix("PublicKey"), None
    elif isinstance(key, dsa.DSAPublicKey):
        key_desc, rsa_bits = f"DSA {key.key_size}", None
    else:
        key_desc, rsa_bits = type(key).__name__, None
    algorithm = cert.signature_hash_algorithm
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "self_signed": cert.subject == cert.issuer,
        "not_after": cert.not_valid_after_utc.isoformat(),
        "key": key_desc,
        "rsa_bits": rsa_bits,
        "signature_hash": algorithm.name if algorithm else None,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


async def inspect_tls(
    host: str,
    port: int,
    timeout_s: float,
    limiter: Pacer,
    weak_cipher_families: tuple[str, ...] = WEAK_CIPHERS,
) -> dict[str, Any]:
    offered: dict[str, str] = {}
    certificate: bytes | None = None
    for name, version in VERSIONS:
        try:
            ctx = observing_context(version)
        except (ssl.SSLError, ValueError):
            continue  # this OpenSSL build cannot offer the version at all
        found = await _handshake(host, port, ctx, timeout_s, limiter)
        if found:
            offered[name] = found[0]
            certificate = certificate or found[1]
    weak_ciphers: list[str] = []
    untestable: list[str] = []
    for family in weak_cipher_families:
        try:
            ctx = observing_context(None, f"{family}:@SECLEVEL=0")
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 suites are never weak
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        except (ssl.SSLError, ValueError):
            untestable.append(family)
            continue
        found = await _handshake(host, port, ctx, timeout_s, limiter)
        if found:
            weak_ciphers.append(f"{family} ({found[0]})")
    return {
        "port": port,
        "offered": offered,
        "weak_ciphers": weak_ciphers,
        "untestable_here": untestable,
        "certificate": certificate_facts(certificate) if certificate else None,
    }


def problems(facts: dict[str, Any], limits: TlsParams | None = None) -> list[str]:
    limits = limits or TlsParams()
    found = [f"{v} offered" for v in facts["offered"] if v in limits.weak_versions]
    found += [f"weak cipher {c} accepted" for c in facts["weak_ciphers"]]
    cert = facts["certificate"]
    if cert and cert["rsa_bits"] and cert["rsa_bits"] < limits.min_rsa_bits:
        found.append(f"certificate key {cert['key']} is below {limits.min_rsa_bits} bits")
    if cert and cert["signature_hash"] in limits.weak_signature_hashes:
        found.append(f"certificate signed with {cert['signature_hash'].upper()}")
    return [f"{facts['port']}/tcp: {p}" for p in found]


class TlsCheck(Check):
    id: ClassVar[str] = "network.tls"
    version: ClassVar[str] = "1.3"
    data_files: ClassVar[tuple[str, ...]] = ("risky-ports.yaml",)
    title: ClassVar[str] = "TLS versions, cipher suites and certificate"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("tls",)
    parameters: ClassVar[type[TlsParams]] = TlsParams
    sequence = 30
    budget_s = 300

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        limits = TlsParams.read(given)
        device = device_params(given)
        scanned = (await device_scan(given)).services
        broken = [s.key for s in scanned if s.tls_failed]
        if broken:
            # garbage or stalled TLS: the port is there but cannot be judged
            raise CannotJudge(
                f"TLS handshake failed on {', '.join(broken)} (no usable TLS)", "unsupported"
            )
        services: list[Service] = [s for s in scanned if s.tls]
        if not services:
            return (Observation(topic="tls", outcome="info", message="no TLS service found"),)
        reports = [
            await inspect_tls(
                device.address, s.port, device.timeout_s, pacer(given), limits.weak_ciphers
            )
            for s in services
        ]
        found = [p for facts in reports for p in problems(facts, limits)]
        if any(not facts["offered"] for facts in reports):
            raise CannotJudge(
                "a TLS port completed no handshake in any version (garbage or stalled TLS)",
                "unsupported",
            )
        summary = "; ".join(f"{f['port']}/tcp {', '.join(f['offered'])}" for f in reports)
        modern = {"TLSv1.2", "TLSv1.3"}
        # the catalog may allow an older version; then "1.2+ only" would not be true
        only_modern = all(set(f["offered"]) <= modern for f in reports)
        versions = "TLS 1.2+ only" if only_modern else "no version weak by the parameters"
        if found:
            return (
                Observation(
                    topic="tls",
                    outcome="fail",
                    message="weak TLS: " + "; ".join(found),
                    details={"services": reports},
                ),
            )
        return (
            Observation(
                topic="tls",
                outcome="pass",
                message=f"{versions}, no weak cipher or key ({summary})",
                details={"services": reports},
            ),
        )
