"""Secrets stored unprotected in the image (S1.1-11): private keys (PEM, OpenSSH,
dropbear host keys), certificates shipped with their keys, API tokens and cleartext
passwords in config files.

A finding names the path, the kind and a SHA-256 fingerprint: of the public key for a
key (the same key in two images has the same fingerprint), of the value for a token or
password. The secret itself is never kept. Files are streamed in chunks; special files
are skipped, symlinks are never followed and files above a size cap are not read.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import Field

from jcstar.checks.base import CheckInput, Frozen, Observation
from jcstar.checks.firmware.image import DEFAULT_BUDGET_S, TARGET, check_budget, unpacked_image
from jcstar.checks.firmware.keys import CHUNK, Kind, Secret, dropbear_secret, pem_blocks, pem_secret
from jcstar.checks.firmware.reading import (
    OUTSIDE,
    device_location,
    fingerprint,
    is_text,
    require_complete,
)
from jcstar.targets.firmware import PathEscape, UnpackedImage, iter_files, open_in_rootfs

#: files larger than this are not read (firmware blobs, media); they are counted
SCAN_LIMIT = 32 * 1024**2
#: text files (configs, scripts) larger than this are not searched for tokens
TEXT_LIMIT = 1024**2
CONFIG_SUFFIXES = (
    ".conf", ".cfg", ".cnf", ".ini", ".json", ".yaml", ".yml", ".xml", ".properties", ".env",
    ".config", ".txt",
)  # fmt: skip
PLACEHOLDER = re.compile(r"^(?:[$%{<@*]|(?:null|none|true|false|yes|no|x+)$)", re.I)


class SecretPattern(Frozen):
    id: str
    kind: str
    prefix: str
    regex: str
    basis: Literal["official", "seed", "judgement"]
    needles: tuple[str, ...] = Field(min_length=1)
    config_only: bool = False


@cache
def secret_patterns() -> tuple[tuple[SecretPattern, re.Pattern[str]], ...]:
    path = resources.files("jcstar.checks") / "data" / "firmware-secret-patterns.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns = [SecretPattern.model_validate(p) for p in data["patterns"]]
    return tuple((p, re.compile(p.regex)) for p in patterns)


class SecretScan(Frozen):
    secrets: tuple[Secret, ...]
    files: int
    #: certificates seen (reported only when their key ships too)
    certificates: int = 0
    #: files above the size cap, not read
    skipped_large: tuple[str, ...] = Field(default_factory=tuple)


def is_config(path: str) -> bool:
    return path.startswith("/etc/") or "/etc/" in path or path.endswith(CONFIG_SUFFIXES)


def text_secrets(text: str, path: str) -> list[Secret]:
    found: list[Secret] = []
    seen: set[str] = set()
    config = is_config(path)
    lowered = text.lower()
    for pattern, regex in secret_patterns():
        if pattern.config_only and not config:
            continue
        if not any(needle in lowered for needle in pattern.needles):
            continue  # a substring test is far cheaper than the regex
        for match in regex.finditer(text):
            value = match.group("secret") if "secret" in regex.groupindex else match.group(0)
            if PLACEHOLDER.match(value) or value in seen:
                continue
            seen.add(value)
            kind: Kind = "password" if pattern.id == "password-assignment" else "token"
            found.append(
                Secret(
                    path=path,
                    kind=kind,
                    type=pattern.kind,
                    fingerprint=fingerprint(value.encode()),
                    fingerprint_of="value",
                    line=text.count("\n", 0, match.start()) + 1,
                )
            )
    return found


def scan_file(root: Path, path: str, certs: dict[str, str], shown: str = "") -> list[Secret]:
    """Secrets in one regular file (``path`` inside ``root``), each byte read once, in
    chunks; findings name it ``shown`` (where the device has it) when given."""
    opened = path
    path = shown or path
    with os.fdopen(open_in_rootfs(root, opened), "rb") as handle:
        head = handle.read(CHUNK)
        size = os.fstat(handle.fileno()).st_size
        found: list[Secret] = []
        if size <= 16 * 1024 and head[:3] == b"\0\0\0":
            key = dropbear_secret(head, path)
            if key:
                return [key]
        if size <= TEXT_LIMIT and is_text(head):
            found += text_secrets(head.decode("utf-8", "replace"), path)
        if b"-----BEGIN " in head or size > CHUNK:
            # the head already read starts the search: the file is not read again
            for block in pem_blocks(handle, head):
                secret = pem_secret(block, path, certs)
                if secret:
                    found.append(secret)
        return found


def scan_secrets(
    root: Path, name: Callable[[str], str] | None = None, limit: int | None = None
) -> SecretScan:
    """Every file under ``root`` (at most ``limit`` entries), each reported as ``name``
    gives it (its path on the device) or by its path under ``root``."""
    certs: dict[str, str] = {}
    secrets: list[Secret] = []
    large: list[str] = []
    files = 0
    for path, host in iter_files(root, limit):
        try:
            size = host.lstat().st_size
        except OSError:
            continue
        if size > SCAN_LIMIT:
            large.append(name(path) if name else path)
            continue
        files += 1
        try:
            found = scan_file(root, path, certs)
        except (OSError, PathEscape):
            continue
        if found and name:  # named only when it matters: most files hold nothing
            shown = name(path)
            found = [s.model_copy(update={"path": shown}) for s in found]
        secrets += found
    return SecretScan(
        secrets=_merge(secrets, certs),
        files=files,
        certificates=len(certs),
        skipped_large=tuple(large),
    )


def _merge(secrets: list[Secret], certs: dict[str, str]) -> tuple[Secret, ...]:
    """One finding per secret, with every other file it is in; a private key whose public
    key a shipped certificate carries names the certificate (its identity leaks too)."""
    merged: dict[tuple[str, str], Secret] = {}
    # a copy inside a root filesystem names the finding before one in a raw container
    for secret in sorted(secrets, key=lambda s: s.path.startswith(OUTSIDE)):
        key = (secret.type, secret.fingerprint)
        first = merged.get(key)
        if first is None:
            merged[key] = secret.model_copy(
                update={"certificate": certs.get(secret.fingerprint, "")}
            )
        elif secret.path != first.path and len(first.also_at) < 20:
            merged[key] = first.model_copy(update={"also_at": (*first.also_at, secret.path)})
    return tuple(merged.values())


def _describe(secret: Secret) -> str:
    where = f"{secret.path}:{secret.line}" if secret.line else secret.path
    cert = f" (key of certificate {secret.certificate})" if secret.certificate else ""
    if secret.also_at:
        cert += (
            f" (also in {', '.join(secret.also_at[:3])}{', …' if len(secret.also_at) > 3 else ''})"
        )
    return f"{where}: {secret.type}{cert} [{secret.fingerprint[:23]}…]"


def secrets_observation(
    scan: SecretScan, complete: bool = True, problems: tuple[str, ...] = ()
) -> Observation:
    exposed = [s for s in scan.secrets if not s.encrypted]
    protected = [s for s in scan.secrets if s.encrypted]
    details: dict[str, Any] = {
        "secrets": [s.model_dump() for s in scan.secrets],
        "files_read": scan.files,
        "certificates_seen": scan.certificates,
        "skipped_above_size_cap": list(scan.skipped_large[:50]),
    }
    if exposed:
        return Observation(
            topic="stored_secrets",
            outcome="fail",
            message=f"{len(exposed)} secret(s) stored unprotected in the image: "
            + "; ".join(_describe(s) for s in exposed),
            details=details,
        )
    require_complete(complete, problems, "finding no stored secret")
    note = (
        f"; {len(protected)} encrypted private key(s): "
        + "; ".join(_describe(s) for s in protected)
        if protected
        else ""
    )
    skipped = (
        f"; {len(scan.skipped_large)} file(s) above the size cap not read"
        if scan.skipped_large
        else ""
    )
    return Observation(
        topic="stored_secrets",
        outcome="pass",
        message="no unprotected private key, token or password"
        f" in {scan.files} files{note}{skipped}",
        details=details,
    )


class FirmwareSecretsCheck:
    id: ClassVar[str] = "firmware.secrets"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "Firmware: private keys, tokens and passwords stored unprotected"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("stored_secrets",)
    budget_s: ClassVar[float] = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        image: UnpackedImage = await unpacked_image(given)
        # one walk over the whole extraction (a key may sit outside every root
        # filesystem), each file named where the device has it
        scan = await asyncio.to_thread(
            scan_secrets, Path(image.root), partial(device_location, image), image.files
        )
        return (secrets_observation(scan, image.complete, image.problems),)
