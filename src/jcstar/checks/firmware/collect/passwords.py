"""Stored password hashes: which scheme a crypt(3) string is, whether it is cheap enough
to try, and whether a password verifies against it (passlib; bcrypt directly)."""

from __future__ import annotations

import re
import warnings
from typing import Literal

import bcrypt

with warnings.catch_warnings():
    # passlib imports the stdlib crypt module, deprecated in 3.11; its own code is used
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.hash import (  # type: ignore[import-untyped]
        apr_md5_crypt,
        des_crypt,
        md5_crypt,
        sha256_crypt,
        sha512_crypt,
    )

#: sha256/512-crypt rounds and bcrypt cost above these are not tried (5000 and 10 are
#: the usual defaults; an image cannot make one verification take seconds)
MAX_SHA_ROUNDS = 100_000
MAX_BCRYPT_COST = 12

Scheme = Literal[
    "empty",
    "locked",
    "des_crypt",
    "md5_crypt",
    "sha256_crypt",
    "sha512_crypt",
    "bcrypt",
    "apr_md5_crypt",
    "yescrypt",
    "plaintext",
    "unknown",
]
_PASSLIB = {
    "apr_md5_crypt": apr_md5_crypt,
    "des_crypt": des_crypt,
    "md5_crypt": md5_crypt,
    "sha256_crypt": sha256_crypt,
    "sha512_crypt": sha512_crypt,
}
_DES = re.compile(r"[./0-9A-Za-z]{13}")
_ROUNDS = re.compile(r"^\$[56]\$rounds=(\d+)\$")
_BCRYPT_COST = re.compile(r"^\$2[abxy]?\$(\d\d)\$")


def hash_scheme(field: str) -> Scheme:
    if field == "":
        return "empty"
    if field[0] in "!*" or field in ("x", "LK", "NP"):
        return "locked"  # also "!$6$…": a hash with the account locked
    prefixes: dict[str, Scheme] = {
        "$1$": "md5_crypt",
        "$5$": "sha256_crypt",
        "$6$": "sha512_crypt",
        "$2a$": "bcrypt",
        "$2b$": "bcrypt",
        "$2y$": "bcrypt",
        "$apr1$": "apr_md5_crypt",
        "$y$": "yescrypt",
    }
    for prefix, scheme in prefixes.items():
        if field.startswith(prefix):
            return scheme
    return "des_crypt" if _DES.fullmatch(field) else "unknown"


def too_costly(scheme: Scheme, field: str) -> str:
    """Why this hash is not tried, or "" when it is cheap enough."""
    if scheme in ("sha256_crypt", "sha512_crypt"):
        rounds = _ROUNDS.match(field)
        if rounds and int(rounds.group(1)) > MAX_SHA_ROUNDS:
            return f"{rounds.group(1)} rounds, above the cap of {MAX_SHA_ROUNDS}"
    if scheme == "bcrypt":
        cost = _BCRYPT_COST.match(field)
        if cost is None or int(cost.group(1)) > MAX_BCRYPT_COST:
            return f"bcrypt cost above the cap of {MAX_BCRYPT_COST}"
    return ""


def verifies(scheme: Scheme, password: str, field: str) -> bool:
    try:
        if scheme == "plaintext":
            return password == field
        if scheme == "bcrypt":
            # bcrypt directly: passlib 1.7.4's bcrypt backend fails on bcrypt 5
            return bcrypt.checkpw(password.encode(), field.encode())
        handler = _PASSLIB.get(scheme)
        return bool(handler and handler.verify(password, field))
    except ValueError:  # a malformed hash, or a password bcrypt refuses (> 72 bytes)
        return False
