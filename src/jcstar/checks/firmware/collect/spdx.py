"""SPDX documents a firmware image carries about itself (some Yocto images install their
SBOM under /usr/share/spdx), read as the vendor's SBOM is: their packages are components of
the image like the ones its package databases list.

A document this reader refuses (malformed, SPDX 3.0) is left out: it is a file of the
image, not the input the vendor named, and the image's own components are still found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from packageurl import PackageURL

from jcstar.checks.base import CannotJudge
from jcstar.checks.firmware.collect.reading import text_files
from jcstar.checks.spdx import document_packages, purl_ecosystem
from jcstar.checks.vulnfeed import Component

#: where an image keeps its SBOM (our judgement: Yocto's image SPDX is usually deployed
#: beside the image; these are the places a vendor that installs it has chosen)
SPDX_DIRS = ("/usr/share/spdx", "/usr/share/sbom")
#: an SBOM document in an image larger than this is not read (our judgement)
DOCUMENT_LIMIT = 64 * 1024**2
#: directory entries looked at under each of SPDX_DIRS
ENTRIES = 5000


def image_spdx_components(rootfs: Path, name: Callable[[str], str]) -> list[Component]:
    """The packages of the SPDX documents under :data:`SPDX_DIRS` of ``rootfs``, each
    component naming the document it came from as ``name`` gives its path."""
    found: list[Component] = []
    for under in SPDX_DIRS:
        for path, text in text_files(rootfs, under, DOCUMENT_LIMIT, ENTRIES):
            if not path.endswith((".spdx.json", ".spdx")) or path.endswith(".index.json"):
                continue
            try:
                listed = document_packages(text, path)
            except CannotJudge:
                continue
            for entry in listed:
                # the image's SBOM is written with generic purls, as firmware.components
                # names a component found by its version string, where the SBOM gives none
                purl = (
                    entry.purl
                    or PackageURL("generic", None, entry.name, entry.version or None).to_string()
                )
                found.append(
                    Component(
                        name=entry.name, version=entry.version, source="sbom", purl=purl,
                        cpe=entry.cpe, ecosystem=purl_ecosystem(purl), paths=(name(path),),
                    )
                )  # fmt: skip
    return found
