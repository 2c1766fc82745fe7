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
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import Field

from jcstar.checks.base import Check, CheckInput, Frozen, Observation, data_path
from jcstar.checks.firmware.collect.configfiles import (
    Format,
    KeyKind,
    Setting,
    file_settings,
    is_documentation,
    is_secret,
    key_kind,
    names_no_values,
    nvram_records,
)
from jcstar.checks.firmware.collect.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    check_budget,
    unpacked_image,
)
from jcstar.checks.firmware.collect.keys import (
    CHUNK,
    Kind,
    Secret,
    dropbear_secret,
    pem_blocks,
    pem_secret,
)
from jcstar.checks.firmware.collect.reading import (
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
    path = data_path("firmware-secret-patterns.yaml")
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
    """Tokens by their issuers' formats anywhere in a text file; passwords, Wi-Fi keys
    and tokens in the settings of a config file, read by the file's syntax."""
    found: list[Secret] = []
    seen: set[str] = set()
    lowered = text.lower()
    for pattern, regex in secret_patterns():
        if pattern.config_only and not is_config(path):
            continue
        if not any(needle in lowered for needle in pattern.needles):
            continue  # a substring test is far cheaper than the regex
        for match in regex.finditer(text):
            value = match.group("secret") if "secret" in regex.groupindex else match.group(0)
            if PLACEHOLDER.match(value) or value in seen:
                continue
            seen.add(value)
            found.append(
                Secret(
                    path=path,
                    kind="token",
                    type=pattern.kind,
                    fingerprint=fingerprint(value.encode()),
                    fingerprint_of="value",
                    line=text.count("\n", 0, match.start()) + 1,
                )
            )
    if reads_settings(path) and _NEEDLES.search(lowered):
        fmt, settings = file_settings(path, text)
        found += setting_secrets(settings, path, fmt, seen)
    return found


_NEEDLES = re.compile(r"pass|pwd|psk|key|token|secret|pw")
KIND_NAMES: dict[KeyKind, tuple[Kind, str]] = {
    "password": ("password", "cleartext password"),
    "wifi_key": ("password", "Wi-Fi key in clear"),
    "token": ("token", "API token or secret key"),
}


def reads_settings(path: str) -> bool:
    """A config file whose settings are read: not documentation, not a file whose
    syntax names databases rather than values (nsswitch.conf, PAM)."""
    return is_config(path) and not is_documentation(path) and not names_no_values(path)


def setting_secrets(
    settings: Iterable[Setting], path: str, fmt: Format, seen: set[str] | None = None
) -> list[Secret]:
    """Settings whose key names a credential and whose value is one (see
    :func:`configfiles.is_secret`): the value decides, never the key name alone."""
    seen = set() if seen is None else seen
    found: list[Secret] = []
    for setting in settings:
        kind = key_kind(setting.key, fmt, setting.section)
        if kind is None or not is_secret(setting.value, kind) or setting.value in seen:
            continue
        seen.add(setting.value)
        secret_kind, name = KIND_NAMES[kind]
        found.append(
            Secret(
                path=path,
                kind=secret_kind,
                type=name,
                fingerprint=fingerprint(setting.value.encode()),
                fingerprint_of="value",
                line=setting.line,
                key=setting.key,
            )
        )
    return found


def nvram_secrets(data: bytes, path: str) -> list[Secret]:
    """Secrets in an nvram dump (``key=value\\0`` records), or none when it is not one."""
    records = nvram_records(data)
    if records is None:
        return []
    return setting_secrets((Setting(k, v, None) for k, v in records), path, "nvram")


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
        elif size <= TEXT_LIMIT and not is_documentation(path):
            found += nvram_secrets(head, path)
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
    if secret.key:
        where += f" ({secret.key})"
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


class FirmwareSecretsCheck(Check):
    id: ClassVar[str] = "firmware.secrets"
    version: ClassVar[str] = "1.1"
    data_files: ClassVar[tuple[str, ...]] = ("firmware-secret-patterns.yaml",)
    title: ClassVar[str] = "Firmware: private keys, tokens and passwords stored unprotected"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("stored_secrets",)
    budget_s = DEFAULT_BUDGET_S

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
