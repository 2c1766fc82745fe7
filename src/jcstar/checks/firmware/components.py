"""Software components in the image, for the SBOM and the vulnerability match.

From package databases (opkg and dpkg status files), SPDX documents the image carries
(``collect/spdx.py``) and from version strings in the
binaries named in ``checks/data/firmware-components.yaml``; the kernel also from
``/lib/modules/<version>``. What evidence the result gives is informative: ★1 asks
that components can be updated (S1.1-06), not that none is vulnerable.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Literal

import yaml
from packageurl import PackageURL
from pydantic import Field

from jcstar.checks.base import Check, CheckInput, Frozen, Observation, data_path
from jcstar.checks.firmware.collect.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    check_budget,
    firmware_params,
    unpacked_image,
)
from jcstar.checks.firmware.collect.reading import (
    cut_short,
    device_location,
    location,
    read_text,
    rootfs_dirs,
)
from jcstar.checks.firmware.collect.spdx import Refused, image_spdx
from jcstar.checks.vulnfeed import (
    Component,
    Feed,
    load_feed,
    match_feed,
    vulnerability_observation,
)
from jcstar.targets.firmware import PathEscape, UnpackedImage, iter_files, open_in_rootfs, safe_path

PACKAGE_DATABASES = {
    "/usr/lib/opkg/status": "opkg",
    "/var/lib/opkg/status": "opkg",
    "/var/lib/dpkg/status": "dpkg",
}
#: binaries larger than this are not searched for a version string
BINARY_LIMIT = 64 * 1024**2
CHUNK = 1024**2
OVERLAP = 256


class VersionPattern(Frozen):
    name: str
    files: tuple[str, ...] = Field(min_length=1)
    regex: str = ""
    name_regex: str = ""
    purl: str
    cpe: str = ""
    type: Literal["application", "library", "operating-system"] = "library"


@cache
def version_patterns() -> tuple[VersionPattern, ...]:
    path = data_path("firmware-components.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(VersionPattern.model_validate(c) for c in data["components"])


def component_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {p.name: p.type for p in version_patterns()}
    return kinds | {"linux": "operating-system"}


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep and not line.startswith((" ", "\t")):
                fields[key.strip()] = value.strip()
        if fields:
            yield fields


#: distributions whose dpkg databases purl-spec names by their own namespace
DEB_VENDORS = ("debian", "ubuntu", "raspbian", "devuan", "kali", "linuxmint", "pureos")


def _os_release(rootfs: Path) -> dict[str, str]:
    text = read_text(rootfs, "/etc/os-release") or read_text(rootfs, "/usr/lib/os-release") or ""
    found = re.findall(r'^([A-Z_]+)="?([^"\n]*)"?\s*$', text, re.M)
    return {key: value.strip().lower() for key, value in found}


def deb_vendor(rootfs: Path, stanzas: list[dict[str, str]]) -> str:
    """The purl namespace of a dpkg database: the distribution of os-release (or the one
    it is like), else Debian when the image says it is Debian-based (debian_version, a
    Debian maintainer); "" when nothing says whose packages these are."""
    release = _os_release(rootfs)
    for candidate in (release.get("ID", ""), *release.get("ID_LIKE", "").split()):
        if candidate in DEB_VENDORS:
            return candidate
    if read_text(rootfs, "/etc/debian_version") is not None:
        return "debian"
    maintainers = " ".join(s.get("Maintainer", "") for s in stanzas[:50]).lower()
    if "debian.org" in maintainers or "ubuntu.com" in maintainers:
        return "ubuntu" if "ubuntu.com" in maintainers else "debian"
    return ""


def _source(fields: dict[str, str]) -> tuple[str, str]:
    """dpkg's ``Source: name`` or ``Source: name (version)``."""
    found = re.match(r"^\s*([^\s(]+)(?:\s*\(([^)]+)\))?", fields.get("Source", ""))
    return (found.group(1), found.group(2) or "") if found else ("", "")


def package_components(rootfs: Path) -> list[Component]:
    """Installed packages from the opkg and dpkg status files."""
    found: list[Component] = []
    for path, manager in PACKAGE_DATABASES.items():
        text = read_text(rootfs, path, limit=32 * 1024**2)
        if not text:
            continue
        stanzas = list(_stanzas(text))
        vendor = deb_vendor(rootfs, stanzas) if manager == "dpkg" else ""
        for fields in stanzas:
            name, version = fields.get("Package", ""), fields.get("Version", "")
            if not name or not version or "installed" not in fields.get("Status", "installed"):
                continue
            status = fields.get("Status", "").split()
            if status and status[-1] != "installed":
                continue  # not-installed, config-files, half-installed, unpacked
            qualifiers = {"arch": fields["Architecture"]} if fields.get("Architecture") else None
            source, source_version = _source(fields) if manager == "dpkg" else ("", "")
            if vendor:
                purl = PackageURL("deb", vendor, name, version, qualifiers)
                ecosystem = vendor.title()
            else:
                purl = PackageURL("generic", None, name, version, qualifiers)
                ecosystem = ""
            found.append(
                Component(
                    name=name, version=version, source=manager, purl=purl.to_string(),
                    ecosystem=ecosystem, paths=(path,), source_package=source,
                    source_version=source_version,
                )
            )  # fmt: skip
    return found


def _search(rootfs: Path, path: str, regex: re.Pattern[bytes]) -> str:
    """The first version ``regex`` finds in a file, read in overlapping chunks."""
    with os.fdopen(open_in_rootfs(rootfs, path), "rb") as handle:
        tail = b""
        while chunk := handle.read(CHUNK):
            found = regex.search(tail + chunk)
            if found:
                return found.group(1).decode("ascii", "replace")
            tail = chunk[-OVERLAP:]
    return ""


def binary_components(
    rootfs: Path, name: Callable[[str], str] | None = None, limit: int | None = None
) -> list[Component]:
    """Components identified by version strings in their binaries (and kernel modules)
    under ``rootfs`` (at most ``limit`` entries), each path named as ``name`` gives it."""
    patterns = [
        (p, re.compile(p.regex.encode()) if p.regex else None, re.compile(p.name_regex))
        for p in version_patterns()
    ]
    found: list[Component] = []
    for path, host in iter_files(rootfs, limit):
        filename = PurePosixPath(path).name
        for pattern, regex, name_regex in patterns:
            if not any(fnmatch.fnmatch(filename, glob) for glob in pattern.files):
                continue
            version = ""
            if pattern.name_regex:
                hit = name_regex.search(filename)
                version = hit.group(1) if hit else ""
            elif regex is not None:
                try:
                    if host.lstat().st_size <= BINARY_LIMIT:
                        version = _search(rootfs, path, regex)
                except (OSError, PathEscape):
                    continue
            if version:
                shown = name(path) if name else path
                found.append(_from_pattern(pattern, version, shown, "binary"))
    return found + kernel_components(rootfs)


def kernel_components(rootfs: Path, prefix: str = "") -> list[Component]:
    """The kernel, from ``/lib/modules/<version>`` (``prefix`` names the filesystem)."""
    linux = next((p for p in version_patterns() if p.name == "linux"), None)
    if linux is None:
        return []
    return [
        _from_pattern(linux, version, f"{prefix}/lib/modules/{version}", "kernel")
        for version in kernel_module_versions(rootfs)
    ]


def kernel_module_versions(rootfs: Path) -> list[str]:
    try:
        modules = safe_path(rootfs, "/lib/modules")
        names = sorted(e.name for e in os.scandir(modules) if e.is_dir(follow_symlinks=False))
    except (OSError, PathEscape):
        return []
    return [n for n in names if re.match(r"^\d+\.\d+(\.\d+)?", n)]


def _from_pattern(
    pattern: VersionPattern, version: str, path: str, source: Literal["binary", "kernel"]
) -> Component:
    if source == "kernel":
        version = re.match(r"^\d+\.\d+(\.\d+)?", version).group(0)  # type: ignore[union-attr]
    return Component(
        name=pattern.name,
        version=version,
        source=source,
        purl=pattern.purl.format(version=version),
        cpe=pattern.cpe.format(version=version),
        paths=(path,),
    )


def merge(components: list[Component]) -> tuple[Component, ...]:
    """One component per name and version, with every path it was seen at."""
    merged: dict[tuple[str, str], Component] = {}
    for component in components:
        key = (component.name, component.version)
        if key in merged:
            old = merged[key]
            paths = tuple(dict.fromkeys(old.paths + component.paths))
            merged[key] = old.model_copy(update={"paths": paths, "cpe": old.cpe or component.cpe})
        else:
            merged[key] = component
    return tuple(sorted(merged.values(), key=lambda c: (c.name, c.version)))


def identify_components(
    image: UnpackedImage, refused: list[Refused] | None = None
) -> tuple[Component, ...]:
    """The image's components; the SPDX documents it carries but that could not be read
    are added to ``refused`` (so the report says how many and why)."""
    found: list[Component] = []
    root = Path(image.root)
    for rootfs in rootfs_dirs(image):
        found += package_components(rootfs)
        spdx = image_spdx(rootfs, partial(location, image, rootfs))
        found += spdx.components
        if refused is not None:
            refused += spdx.refused
        if rootfs != root:  # the walk of the whole extraction below reads root's own
            found += kernel_components(rootfs, location(image, rootfs, ""))
    # binaries anywhere in the extraction, named where the device has them
    found += binary_components(root, partial(device_location, image), image.files)
    return merge(found)


def refused_note(refused: list[Refused]) -> str:
    """``; 2 SPDX document(s) in the image not read (…)`` for the sbom observation."""
    if not refused:
        return ""
    shown = "; ".join(f"{r.path}: {r.reason}" for r in refused[:3])
    more = f"; and {len(refused) - 3} more" if len(refused) > 3 else ""
    return (
        f"; {len(refused)} SPDX document(s) in the image not read, their packages not "
        f"listed ({shown}{more})"
    )


class FirmwareComponentsCheck(Check):
    id: ClassVar[str] = "firmware.components"
    version: ClassVar[str] = "1.4"
    data_files: ClassVar[tuple[str, ...]] = ("firmware-components.yaml",)
    title: ClassVar[str] = "Firmware components (SBOM) and known vulnerabilities from a feed"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("sbom", "known_vulnerabilities")
    budget_s = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        # imported here: cyclonedx takes a quarter of a second to import, which every
        # jcstar command would pay through the check registry
        from jcstar.checks.firmware.collect.sbom import build_sbom, sbom_json, write_sbom

        params = firmware_params(given)
        feed: Feed | None = None
        if params.vuln_feed:
            feed = await asyncio.to_thread(load_feed, Path(params.vuln_feed))
        image = await unpacked_image(given)
        refused: list[Refused] = []
        components = await asyncio.to_thread(identify_components, image, refused)
        # a cut-short image may hide components: the list is then no evidence of absence
        cut = cut_short(image.complete, image.problems)
        matches = match_feed(components, feed) if feed else ()
        bom = build_sbom(
            Path(image.image).name,
            image.sha256,
            components,
            component_kinds(),
            matches,
            feed.name if feed else "",
            file_digest=image.extractor != "directory",
            incomplete=cut,
        )
        text = sbom_json(bom)
        if params.sbom_out:
            await asyncio.to_thread(write_sbom, text, Path(params.sbom_out))
        partial_note = f" ({cut}: the SBOM may be incomplete)" if cut else ""
        listed = ", ".join(f"{c.name} {c.version}" for c in components[:30])
        details: dict[str, Any] = {
            "components": [c.model_dump() for c in components],
            "sbom_out": params.sbom_out,
            "complete": image.complete,
            "problems": list(image.problems),
            "spdx_refused": [{"path": r.path, "reason": r.reason} for r in refused],
        }
        observations = [
            Observation(
                topic="sbom",
                outcome="info",
                message=f"{len(components)} component(s) identified{partial_note}: "
                f"{listed or 'none'}"
                + refused_note(refused)
                + (f"; CycloneDX 1.6 SBOM written to {params.sbom_out}" if params.sbom_out else ""),
                details=details,
            )
        ]
        if feed:
            observations.append(vulnerability_observation(matches, feed, cut))
        return tuple(observations)
