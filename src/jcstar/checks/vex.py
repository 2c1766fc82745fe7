"""Product status from a CSAF 2.0 VEX document, matched to an image's or an SBOM's components.

A CSAF product is one of the components when its identification helper names the
same purl (type, namespace, name and version; qualifiers aside) or CPE, or when its
branch path names the component (``product_name``) and its version (``product_version``).
Products combined through ``relationships`` count as the product they refer to. The
status lists then say, per vulnerability, which components are affected and which the
vendor declares not affected or fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from packageurl import PackageURL
from pydantic import BaseModel, ConfigDict, Field

Status = Literal["known_affected", "first_affected", "last_affected", "known_not_affected",
                 "fixed", "first_fixed", "under_investigation"]  # fmt: skip
AFFECTED = ("known_affected", "first_affected", "last_affected")
NOT_AFFECTED = ("known_not_affected", "fixed", "first_fixed")


class _Open(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Helper(_Open):
    purl: str = ""
    cpe: str = ""


class FullProductName(_Open):
    product_id: str = Field(min_length=1)
    name: str = ""
    product_identification_helper: Helper | None = None


class Branch(_Open):
    category: str = ""
    name: str = ""
    branches: tuple[Branch, ...] = ()
    product: FullProductName | None = None


class Relationship(_Open):
    product_reference: str
    full_product_name: FullProductName


class ProductTree(_Open):
    branches: tuple[Branch, ...] = ()
    full_product_names: tuple[FullProductName, ...] = ()
    relationships: tuple[Relationship, ...] = ()


class VulnId(_Open):
    system_name: str = ""
    text: str = ""


class CsafVulnerability(_Open):
    cve: str = ""
    ids: tuple[VulnId, ...] = ()
    title: str = ""
    product_status: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.cve or next((i.text for i in self.ids if i.text), "") or self.title


class CsafDocument(_Open):
    document: dict[str, Any]
    product_tree: ProductTree = ProductTree()
    vulnerabilities: tuple[CsafVulnerability, ...] = ()


class Product(_Open):
    """One CSAF product as the matcher sees it."""

    product_id: str
    purl: str = ""
    cpe: str = ""
    #: from the branch path: product_name and product_version names
    name: str = ""
    version: str = ""


def is_csaf(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("document"), dict)
        and ("csaf_version" in data["document"])
    )


def _walk(branches: tuple[Branch, ...], path: dict[str, str]) -> Iterator[Product]:
    for branch in branches:
        here = path | {branch.category: branch.name}
        if branch.product:
            helper = branch.product.product_identification_helper or Helper()
            yield Product(
                product_id=branch.product.product_id,
                purl=helper.purl,
                cpe=helper.cpe,
                name=here.get("product_name", ""),
                version=here.get("product_version", ""),
            )
        yield from _walk(branch.branches, here)


def products(tree: ProductTree) -> dict[str, Product]:
    found = {p.product_id: p for p in _walk(tree.branches, {})}
    for full in tree.full_product_names:
        helper = full.product_identification_helper or Helper()
        found.setdefault(full.product_id, Product(product_id=full.product_id, purl=helper.purl,
                                                  cpe=helper.cpe))  # fmt: skip
    for relation in tree.relationships:
        referred = found.get(relation.product_reference)
        if referred:  # "busybox as a component of the camera firmware" is still busybox
            found[relation.full_product_name.product_id] = referred.model_copy(
                update={"product_id": relation.full_product_name.product_id}
            )
    return found


def _purl_key(purl: str) -> tuple[str, str, str, str] | None:
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return parsed.type, (parsed.namespace or "").lower(), parsed.name.lower(), parsed.version or ""


def names(product: Product, purl: str, cpe: str, name: str, version: str) -> bool:
    """Whether a CSAF product is this component (at this version)."""
    if product.purl:
        # an unreadable purl on either side matches nothing: two unreadable ones are not the
        # same product, and a wrong match could hide a vulnerability ("not affected")
        key = _purl_key(product.purl)
        return key is not None and key == _purl_key(purl)
    if product.cpe:
        return bool(cpe) and product.cpe.lower() == cpe.lower()
    return bool(product.name) and (product.name.lower(), product.version) == (name.lower(), version)
