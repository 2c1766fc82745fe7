"""The components a CycloneDX JSON SBOM lists (cyclonedx-python-lib), nested ones included.

What the file says is taken as the vendor's statement: a component is listed with the name,
version and purl the SBOM gives it; nothing is checked against the product itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent

from jcstar.checks.base import CannotJudge
from jcstar.checks.sbom.collect.listing import SbomListing, listing
from jcstar.checks.spdx import Listed


def is_cyclonedx(data: Any) -> bool:
    return isinstance(data, dict) and data.get("bomFormat") == "CycloneDX"


def cyclonedx_listing(data: dict[str, Any], where: str) -> SbomListing:
    """The components of a CycloneDX JSON SBOM (``data``, parsed). CannotJudge
    ``unsupported`` when it is malformed: one line naming ``where`` and what is wrong."""
    try:
        bom = Bom.from_json(data)  # type: ignore[attr-defined]  # added by serializable
    except Exception as exc:  # the library raises whatever a malformed field provokes
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CannotJudge(f"{where}: malformed CycloneDX SBOM: {first}", "unsupported") from None
    if bom is None:
        raise CannotJudge(f"{where}: malformed CycloneDX SBOM: empty document", "unsupported")
    return listing("CycloneDX JSON", map(_listed, _walk(bom.components)))


def _walk(components: Iterable[CdxComponent]) -> Iterator[CdxComponent]:
    for component in components:
        yield component
        yield from _walk(component.components)


def _listed(component: CdxComponent) -> Listed:
    supplier = component.supplier.name if component.supplier is not None else None
    return Listed(
        name=component.name,
        version=component.version or "",
        purl=component.purl.to_string() if component.purl is not None else "",
        cpe=component.cpe or "",
        supplier=supplier or "",
    )
