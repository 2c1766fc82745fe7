"""Offline label verification throughput: jcstar's verify_offline against raw Ed25519.

Run: .venv/bin/python bench/bench_verify.py [LABELS] [ROUNDS]   (default 10,000 and 3; ~15 s)

Signs LABELS distinct labels (each its own registration number and model numbers) with one
registry key, then times, in the same run:

  a. verify_offline(qr_text, TrustedKeys, today)  the whole check `jcstar label verify` runs:
     parse the QR text, header checks, key look-up, EdDSA signature (joserfc), claims schema
     (pydantic), URL match, validity dates
  b. verify_offline(qr_text, jwks_dict, today)    the same, parsing the JWKS on every call
  c. as a, the batch split over every CPU (one process each)
  d. cryptography Ed25519PublicKey.verify (OpenSSL) and PyNaCl VerifyKey.verify (libsodium,
     what verify_offline uses): the signature alone over the same pre-split bytes, the floor
     any verifier pays

Prints labels per second for each (best of ROUNDS interleaved passes) and a's share of the
libsodium floor. Not a test: no
assertions. Goal (issue 5): a > 10,000/s.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import VerifyKey

from jcstar.labels.claims import LabelClaims
from jcstar.labels.keyring import Keyring
from jcstar.labels.qr import parse_qr_text, qr_text, qr_version
from jcstar.labels.verify import TrustedKeys, verify_offline

ISSUED = date(2026, 11, 25)
TODAY = date(2027, 6, 1)
BASE = "https://registry.jc-star.example.jp"


def make_labels(keyring: Keyring, count: int) -> list[str]:
    labels = []
    for n in range(count):
        reg = f"JC1-2026-{n + 1:06d}"
        claims = LabelClaims(
            registration_no=reg,
            level=1,
            vendor="Example Networks K.K. 株式会社エグザンプル",
            product=f"ExampleGateway Home Router {n % 50}",
            model_numbers=(f"GW-{n % 997:03d}", f"GW-{n % 997:03d}-JP"),
            issued_on=ISSUED,
            expires_on=ISSUED + timedelta(days=729),
            support_period_end=date(2031, 3, 31),
            vulnerability_contact="https://example.co.jp/security",
            product_url=f"{BASE}/p/{reg}",
            issuer=BASE,
        )
        # joined directly: qr_text's size check (segno's version search) would dominate here
        labels.append(f"{claims.product_url}#{keyring.sign(claims)}")
    return labels


def best_rate(checks: dict[str, Callable[[str], bool]], labels: list[str], rounds: int) -> dict:
    """Labels per second for each check: best of ``rounds`` interleaved passes, so a burst of
    load from another process on the machine hits every check alike and is discounted."""
    best: dict[str, float] = dict.fromkeys(checks, 0.0)
    for check in checks.values():
        for text in labels[:200]:  # warm up caches
            check(text)
    for _ in range(rounds):
        for name, check in checks.items():
            started = time.perf_counter()
            ok = sum(1 for text in labels if check(text))
            elapsed = time.perf_counter() - started
            if ok != len(labels):
                raise SystemExit(f"{name}: only {ok} of {len(labels)} labels verified")
            best[name] = max(best[name], len(labels) / elapsed)
    return best


_WORKER_KEYS: TrustedKeys | None = None


def _verify_chunk(chunk: list[str]) -> int:
    assert _WORKER_KEYS is not None
    return sum(1 for text in chunk if verify_offline(text, _WORKER_KEYS, TODAY).valid)


def parallel_rate(labels: list[str], jwks: dict[str, Any], workers: int, rounds: int) -> float:
    """Labels per second when a batch is split over ``workers`` processes (pool start-up
    excluded: a bulk verifier starts its pool once)."""
    global _WORKER_KEYS
    _WORKER_KEYS = TrustedKeys.from_jwks(jwks)
    chunks = [labels[i::workers] for i in range(workers)]
    best = 0.0
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_verify_chunk, [c[:100] for c in chunks])  # start and warm the workers
        for _ in range(rounds):
            started = time.perf_counter()
            ok = sum(pool.map(_verify_chunk, chunks))
            elapsed = time.perf_counter() - started
            if ok != len(labels):
                raise SystemExit(f"parallel: only {ok} of {len(labels)} labels verified")
            best = max(best, len(labels) / elapsed)
    return best


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        keyring = Keyring.load_or_create(Path(tmp) / "keys")
        started = time.perf_counter()
        labels = make_labels(keyring, count)
        print(f"signed {count:,} labels in {time.perf_counter() - started:.2f} s")
        first = qr_text(*parse_qr_text(labels[0]))  # the registry's check, on one label
        print(f"QR text: {len(first.encode())} bytes, QR version {qr_version(first)} (first label)")
        jwks = keyring.jwks()
        trusted = TrustedKeys.from_jwks(jwks)

        # the baselines get the signed bytes and signature already split and decoded
        signed: dict[str, tuple[bytes, bytes]] = {}
        for text in labels:
            _, token = parse_qr_text(text)
            header, payload, signature = token.split(".")
            signed[text] = (
                f"{header}.{payload}".encode(),
                base64.urlsafe_b64decode(signature + "=="),
            )
        openssl_key = Ed25519PublicKey.from_public_bytes(
            base64.urlsafe_b64decode(str(jwks["keys"][0]["x"]) + "=")
        )
        sodium_key = VerifyKey(openssl_key.public_bytes_raw())

        def openssl(text: str) -> bool:
            msg, sig = signed[text]
            openssl_key.verify(sig, msg)  # raises if invalid
            return True

        def sodium(text: str) -> bool:
            msg, sig = signed[text]
            sodium_key.verify(msg, sig)  # raises if invalid
            return True

        checks: dict[str, Callable[[str], bool]] = {
            "baseline: Ed25519 verify, cryptography (OpenSSL)": openssl,
            "baseline: Ed25519 verify, PyNaCl (libsodium)": sodium,
            "verify_offline, keys parsed once": lambda t: verify_offline(t, trusted, TODAY).valid,
            "verify_offline, JWKS dict on every call": lambda t: (
                verify_offline(t, jwks, TODAY).valid
            ),
        }
        rates = best_rate(checks, labels, rounds)
        print(f"best of {rounds} interleaved passes over {count:,} labels, one process:")
        for name, per_s in rates.items():
            print(f"  {name:<50} {per_s:>9,.0f} /s  {1e6 / per_s:7.1f} µs each")
        workers = os.cpu_count() or 1
        parallel = parallel_rate(labels, jwks, workers, rounds)
        print(
            f"  verify_offline, {workers} processes (fork, labels split evenly)"
            f"{'':<14} {parallel:>9,.0f} /s"
        )
        full = rates["verify_offline, keys parsed once"]
        floor = rates["baseline: Ed25519 verify, PyNaCl (libsodium)"]
        print(f"verify_offline runs at {full / floor:.0%} of the bare libsodium signature check")


if __name__ == "__main__":
    main()
