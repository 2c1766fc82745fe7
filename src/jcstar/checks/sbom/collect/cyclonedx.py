"""The components a CycloneDX JSON SBOM lists (cyclonedx-python-lib), nested ones included.

What the file says is taken as the vendor's statement: a component is listed with the name,
version and purl the SBOM gives it; nothing is checked against the product itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from packageurl import PackageURL

from jcstar.checks.base import CannotJudge
from jcstar.checks.vulnfeed import Component


def read_sbom(path: Path) -> tuple[Component, ...]:
    """The components of the CycloneDX JSON SBOM in ``path``, sorted, one per name and
    version. CannotJudge ``unreachable`` when the file cannot be read, ``unsupported`` when
    it is not a CycloneDX JSON SBOM: one line naming the file and what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CannotJudge(f"{path}: cannot read SBOM: {exc.strerror}", "unreachable") from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CannotJudge(f"{path}: SBOM is not JSON: {exc}", "unsupported") from None
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        kind = "SPDX (not read yet)" if isinstance(data, dict) and "spdxVersion" in data else ""
        raise CannotJudge(
            f'{path}: not a CycloneDX JSON SBOM (no "bomFormat": "CycloneDX")'
            + (f": it is {kind}" if kind else ""),
            "unsupported",
        )
    try:
        bom = Bom.from_json(data)  # type: ignore[attr-defined]  # added by serializable
    except Exception as exc:  # the library raises whatever a malformed field provokes
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CannotJudge(f"{path}: malformed CycloneDX SBOM: {first}", "unsupported") from None
    if bom is None:
        raise CannotJudge(f"{path}: malformed CycloneDX SBOM: empty document", "unsupported")
    found = {(c.name, c.version): c for c in map(_component, _walk(bom.components))}
    return tuple(sorted(found.values(), key=lambda c: (c.name, c.version)))


def _walk(components: Iterable[CdxComponent]) -> Iterator[CdxComponent]:
    for component in components:
        yield component
        yield from _walk(component.components)


def _component(listed: CdxComponent) -> Component:
    purl = listed.purl.to_string() if listed.purl is not None else ""
    return Component(
        name=listed.name,
        version=listed.version or "",
        source="sbom",
        purl=purl,
        cpe=listed.cpe or "",
        ecosystem=_ecosystem(listed.purl),
    )


def _ecosystem(purl: PackageURL | None) -> str:
    """The OSV ecosystem of a Debian-family purl (``pkg:deb/debian/...`` -> Debian), as the
    firmware reader names its dpkg packages; "" otherwise (purl matching needs none)."""
    if purl is None or purl.type != "deb" or not purl.namespace:
        return ""
    return purl.namespace.title()
