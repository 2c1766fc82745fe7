"""SPDX documents a firmware image carries about itself (some Yocto images install their
SBOM under /usr/share/spdx), read as the vendor's SBOM is: their packages are components of
the image like the ones its package databases list.

A document this reader cannot use (malformed, SPDX 3.0, not text, over the size limit) is
left out of the components, since it is a file of the image, not the input the vendor
named, and the image's own components are still found. It is never left out silently: each
one is returned with why (:class:`ImageSpdx`), and ``firmware.components`` reports how many
and why, since the packages it would have listed are missing from the SBOM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packageurl import PackageURL

from jcstar.checks.base import CannotJudge
from jcstar.checks.firmware.collect.reading import read_text
from jcstar.checks.spdx import document_packages, purl_ecosystem
from jcstar.checks.vulnfeed import Component
from jcstar.targets.firmware import PathEscape, iter_files, safe_path

#: where an image keeps its SBOM (our judgement: Yocto's image SPDX is usually deployed
#: beside the image; these are the places a vendor that installs it has chosen)
SPDX_DIRS = ("/usr/share/spdx", "/usr/share/sbom")
#: an SBOM document in an image larger than this is not read (our judgement)
DOCUMENT_LIMIT = 64 * 1024**2
#: directory entries looked at under each of SPDX_DIRS
ENTRIES = 5000


@dataclass(frozen=True)
class Refused:
    """An SPDX document of the image that was not read: where it is, and why."""

    path: str
    reason: str


@dataclass
class ImageSpdx:
    """What the image's SPDX documents gave: their packages, and the documents left out."""

    components: list[Component] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _is_document(path: str) -> bool:
    return path.endswith((".spdx.json", ".spdx")) and not path.endswith(".index.json")


def image_spdx(rootfs: Path, name: Callable[[str], str]) -> ImageSpdx:
    """The packages of the SPDX documents under :data:`SPDX_DIRS` of ``rootfs`` (each
    component naming the document it came from as ``name`` gives its path), and every
    document left out with why."""
    found = ImageSpdx()
    for under in SPDX_DIRS:
        for path, text in _documents(rootfs, under, found.refused, name):
            try:
                listed = document_packages(text, path)
            except CannotJudge as refused:
                # the reason names the path in the image; the report names it the device's way
                found.refused.append(Refused(name(path), refused.reason.removeprefix(f"{path}: ")))
                continue
            for entry in listed:
                # the image's SBOM is written with generic purls, as firmware.components
                # names a component found by its version string, where the SBOM gives none
                purl = (
                    entry.purl
                    or PackageURL("generic", None, entry.name, entry.version or None).to_string()
                )
                found.components.append(
                    Component(
                        name=entry.name, version=entry.version, source="sbom", purl=purl,
                        cpe=entry.cpe, ecosystem=purl_ecosystem(purl), paths=(name(path),),
                    )
                )  # fmt: skip
    return found


def _documents(
    rootfs: Path, under: str, refused: list[Refused], name: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """(device path, text) of each SPDX document below ``under``, in the walk's order, one
    at a time (a document may be tens of MB); one too large or not text goes to ``refused``
    instead."""
    try:
        start = safe_path(rootfs, under)
    except PathEscape:
        return
    if not start.is_dir():
        return
    prefix = "/" + under.strip("/")
    for rel, host in iter_files(start, ENTRIES):
        path = prefix + rel
        if not _is_document(path):
            continue
        try:
            size = host.lstat().st_size
        except OSError as exc:
            refused.append(Refused(name(path), f"cannot read it ({exc.strerror})"))
            continue
        if size > DOCUMENT_LIMIT:
            refused.append(
                Refused(name(path), f"{size:,} bytes, over the {DOCUMENT_LIMIT:,}-byte limit")
            )
            continue
        text = read_text(rootfs, path, DOCUMENT_LIMIT)
        if text is None:
            refused.append(Refused(name(path), "not a text file (binary content)"))
            continue
        yield path, text
