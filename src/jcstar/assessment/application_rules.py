"""What an application for a label may be: its routes, the kinds of document it carries, and
what the PSTI route waives. The CLI and the registry both read these from here.
"""

from __future__ import annotations

from typing import Literal, get_args

from jcstar.catalog.models import Catalog

#: ``standard``, or ``psti`` for a product already declared compliant with UK PSTI ([V] §4)
Route = Literal["standard", "psti"]
ROUTES: tuple[str, ...] = get_args(Route)

DocumentKind = Literal["checklist", "declaration", "evaluation_report", "psti_statement", "other"]
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)

#: the crosswalk IPA's recognition of a PSTI statement of compliance is encoded in
PSTI_CROSSWALK = "psti__jcstar-1"


def psti_waived(catalog: Catalog) -> frozenset[str]:
    """The requirements the PSTI route waives when a statement of compliance is attached:
    the ★1 items the official PSTI crosswalk recognises ([V] §4: S1.1-02, -05 and -16).
    Read from the catalog so the list lives in one place, with its sources."""
    crosswalk = next((c for c in catalog.crosswalks if c.id == PSTI_CROSSWALK), None)
    if crosswalk is None:
        return frozenset()
    return frozenset(
        link.target for link in crosswalk.links if link.recognised and link.basis == "official"
    )
