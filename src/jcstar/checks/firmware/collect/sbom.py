"""The image's software bill of materials as CycloneDX 1.6 JSON (cyclonedx-python-lib):
the image as the root component, every identified component under it in the dependency
graph, and the feed's matching vulnerabilities attached to the components they affect."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from jcstar import __version__
from jcstar.checks.vulnfeed import Component, VulnMatch

#: a VEX status as CycloneDX analysis; "affected" has none (we do not claim exploitability)
_ANALYSIS = {
    "not_affected": ImpactAnalysisState.NOT_AFFECTED,
    "under_investigation": ImpactAnalysisState.IN_TRIAGE,
}
_TYPES = {
    "application": ComponentType.APPLICATION,
    "library": ComponentType.LIBRARY,
    "operating-system": ComponentType.OPERATING_SYSTEM,
}


def _component(found: Component, kind: str) -> CdxComponent:
    properties = [Property(name="jcstar:source", value=found.source)]
    properties += [Property(name="jcstar:path", value=path) for path in found.paths[:20]]
    return CdxComponent(
        name=found.name,
        version=found.version,
        type=_TYPES.get(kind, ComponentType.LIBRARY),
        bom_ref=found.ref,
        purl=PackageURL.from_string(found.purl),
        cpe=found.cpe or None,
        properties=properties,
    )


def build_sbom(
    image_name: str,
    image_sha256: str,
    components: Sequence[Component],
    kinds: dict[str, str] | None = None,
    vulnerabilities: Sequence[VulnMatch] = (),
    feed_name: str = "",
    file_digest: bool = True,
    incomplete: str = "",
) -> Bom:
    """``kinds``: component name -> CycloneDX type (application, library, operating-system).
    ``file_digest`` False when ``image_sha256`` digests a directory listing, not a file.
    ``incomplete``: why the component list may be partial (extraction cut short); the
    SBOM then says so in a ``jcstar:incomplete`` property of its metadata."""
    root = CdxComponent(
        name=image_name,
        type=ComponentType.FIRMWARE,
        bom_ref="firmware-image",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=image_sha256)] if file_digest else [],
        properties=[] if file_digest else [Property(name="jcstar:tree-sha256", value=image_sha256)],
    )
    bom = Bom()
    bom.metadata.component = root
    if incomplete:
        bom.metadata.properties.add(Property(name="jcstar:incomplete", value=incomplete))
    bom.metadata.tools.components.add(
        CdxComponent(name="jcstar", version=__version__, type=ComponentType.APPLICATION)
    )
    members = [_component(c, (kinds or {}).get(c.name, "library")) for c in components]
    for member in members:
        bom.components.add(member)
    bom.register_dependency(root, members)
    by_ref = {str(m.bom_ref): m for m in members}
    for match in vulnerabilities:
        target = by_ref.get(match.component)
        if target is None:
            continue
        bom.vulnerabilities.add(
            Vulnerability(
                bom_ref=f"{match.id}/{match.component}",
                id=match.id,
                source=VulnerabilitySource(name=feed_name or "vulnerability feed"),
                description=match.summary or None,
                recommendation=f"update to {match.fixed} or later" if match.fixed else None,
                affects=[BomTarget(ref=str(target.bom_ref))],
                analysis=(
                    VulnerabilityAnalysis(state=_ANALYSIS[match.status])
                    if match.status in _ANALYSIS
                    else None
                ),
            )
        )
    return bom


def sbom_json(bom: Bom) -> str:
    return str(JsonV1Dot6(bom).output_as_string(indent=2))


def write_sbom(text: str, path: Path) -> None:
    """Write atomically: a failed run never leaves half an SBOM where an old one was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
