"""Update integrity (S1.1-08): verify an update package's detached signature with the
vendor's public key (:mod:`.signature`), and report whether the image has an update
verification step and a key to verify with.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import ClassVar

from jcstar.checks.base import Check, CheckInput, Frozen, Observation
from jcstar.checks.firmware.collect.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    check_budget,
    firmware_params,
    unpacked_image,
)
from jcstar.checks.firmware.collect.reading import (
    cut_short,
    location,
    require_complete,
    rootfs_dirs,
    text_files,
)
from jcstar.checks.firmware.collect.signature import verify_signature
from jcstar.targets.firmware import UnpackError


class Verifier(Frozen):
    path: str
    line: int
    #: e.g. "openssl signature check", "opkg check_signature"
    method: str
    text: str


#: (method, lower-case needles, pattern) for an update verification step in a script or
#: config; the regex runs only on text that contains a needle
VERIFIERS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (method, needles, re.compile(pattern, re.M))
    for method, needles, pattern in (
        ("openssl signature check", ("openssl",),
         r"\bopenssl\s+(?:dgst|pkeyutl|rsautl|smime|cms)\b.*-verify"),
        ("gpg signature check", ("gpg",), r"\bgpgv2?\b|\bgpg2?\b.*--verify"),
        ("usign/signify/minisign signature check", ("usign", "signify", "minisign"),
         r"\b(?:usign|signify|minisign)\b.*\s-V\b"),
        ("swupdate with a public key", ("swupdate",), r"\bswupdate\b.*\s-k\s"),
        ("RAUC keyring", ("[keyring]",), r"^[ \t]*\[keyring\]"),
        ("opkg check_signature", ("check_signature",),
         r"^[ \t]*option[ \t]+check_signature(?:[ \t]+1)?[ \t]*$"),
        ("Mender artifact verify key", ("artifactverifykey",), r"ArtifactVerifyKey"),
        ("firmware verify helper", ("verify", "sysupgrade"),
         r"\bfw_?verify\b|\bverify_firmware\b|\bsysupgrade\b.*--test"),
    )
)  # fmt: skip
#: where update scripts, their configs and keys live
UPDATE_DIRS = ("/etc", "/sbin", "/usr/sbin", "/bin", "/usr/bin", "/lib", "/usr/lib", "/usr/share")
KEY_DIRS = ("/etc/opkg/keys", "/etc/rauc", "/etc/keys", "/etc/swupdate", "/usr/share/keys")


class VerifierScan(Frozen):
    verifiers: tuple[Verifier, ...]
    keys: tuple[str, ...]


def _verifiers_in(path: str, text: str) -> list[Verifier]:
    found: dict[int, Verifier] = {}  # one method per line, the first that matches
    lowered = text.lower()
    for method, needles, pattern in VERIFIERS:
        if not any(needle in lowered for needle in needles):
            continue
        for match in pattern.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.start())
            line = text[start : end if end >= 0 else len(text)]
            number = text.count("\n", 0, start) + 1
            if not line.lstrip().startswith("#") and number not in found:
                found[number] = Verifier(
                    path=path, line=number, method=method, text=line.strip()[:200]
                )
    return [found[n] for n in sorted(found)]


def scan_verifiers(rootfs: Path, entries: int | None = None) -> VerifierScan:
    """Update verification steps in scripts and configs, and public keys to verify with
    (at most ``entries`` directory entries looked at below each directory searched)."""
    verifiers: list[Verifier] = []
    keys: list[str] = []
    for under in UPDATE_DIRS:
        for path, text in text_files(rootfs, under, 256 * 1024, entries):
            if "-----BEGIN PUBLIC KEY-----" in text or (
                path.startswith(KEY_DIRS)
                and ("BEGIN CERTIFICATE" in text or "untrusted comment" in text)
            ):
                keys.append(path)
            verifiers += _verifiers_in(path, text)
    return VerifierScan(verifiers=tuple(verifiers), keys=tuple(dict.fromkeys(keys)))


def verifier_observation(scans: list[tuple[str, VerifierScan]], cut: str = "") -> Observation:
    """What the search found; ``cut`` (why the image is incomplete) makes finding
    nothing say it is no evidence."""
    verifiers = [v.model_copy(update={"path": p + v.path}) for p, s in scans for v in s.verifiers]
    keys = [p + k for p, s in scans for k in s.keys]
    details = {
        "verifiers": [v.model_dump() for v in verifiers],
        "public_keys": keys,
        "complete": not cut,
    }
    if verifiers:
        steps = "; ".join(f"{v.path}:{v.line} {v.method}" for v in verifiers[:10])
        key_note = (
            f"; public key(s): {', '.join(keys[:10])}" if keys else "; no public key file found"
        )
        message = f"the image has an update verification step: {steps}{key_note}"
        if cut:
            message += f" ({cut}: the search may have missed others)"
    elif cut:
        message = (
            f"{cut}: finding no update verification step is not conclusive (what was not "
            "extracted was not searched)"
        ) + (f"; public key(s): {', '.join(keys[:10])}" if keys else "")
    else:
        message = (
            "no update verification step found in the image's scripts and configs"
            " (it may be inside a binary or the bootloader)"
            + (f"; public key(s): {', '.join(keys[:10])}" if keys else "")
        )
    return Observation(topic="update_verifier", outcome="info", message=message, details=details)


def signature_observation(
    package: str | None, signature: str | None, public_key: str | None
) -> Observation | None:
    """The verdict on the given update package, or None when none was given."""
    if package is None:
        return None
    if signature is None or public_key is None:
        missing = "signature" if signature is None else "public key"
        return Observation(
            topic="update_signature",
            outcome="info",
            message=f"update package {Path(package).name} given without a {missing}: "
            "its integrity was not checked",
        )
    result = verify_signature(Path(package), Path(signature), Path(public_key))
    details = {"package": package, "signature": signature, "key": result.key}
    if result.valid:
        return Observation(
            topic="update_signature",
            outcome="pass",
            conclusive=True,
            message=f"the signature of {Path(package).name} verifies ({result.algorithm})",
            details=details | {"algorithm": result.algorithm},
        )
    return Observation(
        topic="update_signature",
        outcome="fail",
        message=f"signature does not verify: {Path(package).name} against {Path(signature).name}"
        f" with the {result.key} key",
        details=details,
    )


class FirmwareUpdateCheck(Check):
    id: ClassVar[str] = "firmware.update"
    version: ClassVar[str] = "1.1"
    title: ClassVar[str] = "Firmware update: package signature and the image's verification step"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("update_signature", "update_verifier")
    budget_s = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        params = firmware_params(given)
        signed = await asyncio.to_thread(
            signature_observation, params.update_package, params.signature, params.public_key
        )
        try:
            image = await unpacked_image(given)
        except UnpackError as exc:
            if signed is None:
                raise
            # the package's signature is evidence on its own; say what could not be looked at
            return (
                signed,
                Observation(
                    topic="update_verifier",
                    outcome="info",
                    message=f"the image could not be searched for a verification step: {exc}",
                ),
            )
        scans = await asyncio.to_thread(
            lambda: [
                (location(image, fs, ""), scan_verifiers(fs, image.files))
                for fs in rootfs_dirs(image)
            ]
        )
        found = any(scan.verifiers for _, scan in scans)
        if signed is None and not found:
            # nothing else to report: as every firmware check, an absence in an image cut
            # short is no evidence, so the attempt is an error (INCONCLUSIVE)
            require_complete(image.complete, image.problems, "finding no update verification step")
        cut = cut_short(image.complete, image.problems)
        return (*([signed] if signed else []), verifier_observation(scans, cut))
