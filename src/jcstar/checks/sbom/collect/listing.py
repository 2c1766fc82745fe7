"""What an SBOM lists, whatever its format: components as the vulnerability matcher reads
them, with the supplier each SBOM names beside them (the matcher has no use for it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jcstar.checks.spdx import Listed, purl_ecosystem
from jcstar.checks.vulnfeed import Component


@dataclass(frozen=True)
class SbomListing:
    """The components of one SBOM (one file, or every document of a multi-document one)."""

    #: "CycloneDX JSON", "SPDX-2.3 JSON", "SPDX-2.3 tag-value", "12 SPDX documents"
    form: str
    components: tuple[Component, ...]
    #: supplier by component ref (name@version), for the ones the SBOM names a supplier of
    suppliers: Mapping[str, str] = field(default_factory=dict)


def listing(form: str, listed: Iterable[Listed]) -> SbomListing:
    """One component per name and version, sorted; the first purl, CPE and supplier any
    entry of that name and version gives (multi-document SBOMs repeat packages)."""
    merged: dict[tuple[str, str], Listed] = {}
    for entry in listed:
        key = (entry.name, entry.version)
        old = merged.get(key)
        merged[key] = (
            entry
            if old is None
            else Listed(
                name=old.name,
                version=old.version,
                purl=old.purl or entry.purl,
                cpe=old.cpe or entry.cpe,
                supplier=old.supplier or entry.supplier,
            )
        )
    ordered = sorted(merged.values(), key=lambda e: (e.name, e.version))
    components = tuple(_component(e) for e in ordered)
    suppliers = {c.ref: e.supplier for c, e in zip(components, ordered, strict=True) if e.supplier}
    return SbomListing(form=form, components=components, suppliers=suppliers)


def _component(entry: Listed) -> Component:
    return Component(
        name=entry.name,
        version=entry.version,
        source="sbom",
        purl=entry.purl,
        cpe=entry.cpe,
        ecosystem=purl_ecosystem(entry.purl),
    )
