"""The packages an SPDX 2.2/2.3 document lists, from its JSON or its tag-value form: the
vendor's SBOM (``sbom.components``) and a document a firmware image carries
(``firmware.components``) are read the same way.

A small strict reader of the fields a vulnerability match needs (package name, version,
supplier, purl and CPE external references) rather than spdx-tools: that library brings
rdflib, beartype and a validator that builds the whole document, for five fields (our
judgement). Anything else in the document is left alone. A field we read that is missing
or of the wrong type makes the document unreadable: a one-line reason naming the field.

Relationships are read for one thing only: the package the document describes is left out
when it is the product itself (it contains or depends on the other packages, or its
purpose is FIRMWARE or DEVICE) -- a Yocto image document, syft's scanned directory or
image, GitHub's repository root. Where a document describes a package that holds nothing
(a Yocto recipe or package document), that package is a component like any other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from jcstar.checks.base import CannotJudge

#: the SPDX versions whose JSON and tag-value this reader takes (Yocto's create-spdx
#: wrote 2.2 before it moved to 3.0; both 2.x forms name these fields the same way)
READ_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
PACKAGE_MANAGER = ("PACKAGE-MANAGER", "PACKAGE_MANAGER")  # 2.3 spells it with a hyphen
PURL_TYPES = ("purl", "http://spdx.org/rdf/references/purl")
#: Yocto writes the reference type as its full URI
CPE_TYPES = ("cpe23Type", "http://spdx.org/rdf/references/cpe23Type")
#: a described package with one of these purposes is the product, not one of its parts
PRODUCT_PURPOSES = ("FIRMWARE", "DEVICE")
HOLDS = ("CONTAINS", "DEPENDS_ON")
HELD_BY = ("CONTAINED_BY", "DEPENDENCY_OF")
NO_VALUE = ("NOASSERTION", "NONE")


@dataclass(frozen=True)
class Listed:
    """One package or component as an SBOM names it."""

    name: str
    version: str = ""
    purl: str = ""
    cpe: str = ""
    supplier: str = ""


class SpdxError(CannotJudge):
    """An SPDX document this reader does not read: malformed, or another SPDX version."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "unsupported")


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ExternalRef(_Read):
    category: StrictStr = Field(alias="referenceCategory")
    type: StrictStr = Field(alias="referenceType")
    locator: StrictStr = Field(alias="referenceLocator", min_length=1)


class Package(_Read):
    spdx_id: StrictStr = Field(alias="SPDXID", min_length=1)
    name: StrictStr = Field(min_length=1)
    version: StrictStr = Field("", alias="versionInfo")
    supplier: StrictStr = ""
    purpose: StrictStr = Field("", alias="primaryPackagePurpose")
    external_refs: tuple[ExternalRef, ...] = Field((), alias="externalRefs")


class Relationship(_Read):
    element: StrictStr = Field(alias="spdxElementId", min_length=1)
    type: StrictStr = Field(alias="relationshipType", min_length=1)
    related: StrictStr = Field(alias="relatedSpdxElement", min_length=1)


class Document(_Read):
    version: StrictStr = Field(alias="spdxVersion")
    spdx_id: StrictStr = Field(alias="SPDXID", min_length=1)
    packages: tuple[Package, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    describes: tuple[StrictStr, ...] = Field((), alias="documentDescribes")


def is_spdx3(data: Any) -> bool:
    """SPDX 3.0 JSON-LD: its ``@context`` is SPDX's 3.x context."""
    if not isinstance(data, dict):
        return False
    context = data.get("@context", "")
    texts = context if isinstance(context, list) else [context]
    return any(isinstance(t, str) and "spdx.org/rdf/3" in t for t in texts) or str(
        data.get("spdxVersion", "")
    ).startswith("SPDX-3")


def is_spdx2(data: Any) -> bool:
    return isinstance(data, dict) and "spdxVersion" in data


def spdx3_refused(where: str) -> SpdxError:
    return SpdxError(
        f"{where}: SPDX 3.0 JSON-LD is not read yet (SPDX 2.2/2.3 JSON and tag-value are)"
    )


def document_packages(text: str, where: str) -> list[Listed]:
    """The packages of one SPDX 2.x document, JSON or tag-value (``where`` names it)."""
    if looks_like_tag_value(text):
        return tag_value_packages(text, where)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpdxError(f"{where}: SBOM is not JSON ({exc}) nor SPDX tag-value") from None
    if is_spdx3(data):
        raise spdx3_refused(where)
    if not is_spdx2(data):
        raise SpdxError(f'{where}: not an SPDX document (no "spdxVersion")')
    return json_packages(data, where)


def purl_ecosystem(purl: str) -> str:
    """The OSV ecosystem of a Debian-family purl (``pkg:deb/debian/...`` -> Debian), as the
    firmware reader names its dpkg packages; "" otherwise (purl matching needs none)."""
    if not purl:
        return ""
    parsed = PackageURL.from_string(purl)
    if parsed.type != "deb" or not parsed.namespace:
        return ""
    return str(parsed.namespace).title()


def json_packages(data: Any, where: str) -> list[Listed]:
    """The packages of an SPDX 2.x JSON document (``data``, parsed), the product left out."""
    if is_spdx3(data):
        raise spdx3_refused(where)
    if not isinstance(data, dict):
        raise SpdxError(f"{where}: malformed SPDX document: expected a JSON object")
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SpdxError(f"{where}: malformed SPDX document: {field}: {first['msg']}") from None
    if document.version not in READ_VERSIONS:
        raise SpdxError(
            f"{where}: spdxVersion {document.version!r} is not read "
            f"({' and '.join(READ_VERSIONS)} are)"
        )
    return _listed(document, where)


def looks_like_tag_value(text: str) -> bool:
    """Whether ``text`` is an SPDX tag-value document: its first tag is SPDXVersion."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("SPDXVersion:")
    return False


_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9]*):\s*(.*)$")
#: tags that open a section of the document that is not a package
_NOT_PACKAGE = ("FileName", "SnippetSPDXID", "LicenseID")
#: package tags and the JSON field each one is
_PACKAGE_TAGS = {
    "SPDXID": "SPDXID",
    "PackageVersion": "versionInfo",
    "PackageSupplier": "supplier",
    "PrimaryPackagePurpose": "primaryPackagePurpose",
}


def tag_value_packages(text: str, where: str) -> list[Listed]:
    """The packages of an SPDX 2.x tag-value document, read into the JSON form's fields (so
    both forms are held to the same rules), the product left out."""
    document: dict[str, Any] = {"packages": [], "relationships": []}
    package: dict[str, Any] | None = None
    in_package = False
    lines = iter(enumerate(text.splitlines(), start=1))
    for number, line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _TAG.match(line)
        if found is None:
            raise SpdxError(f"{where}: malformed SPDX document: line {number}: not 'Tag: value'")
        tag, value = found.group(1), found.group(2).strip()
        if value.startswith("<text>") and "</text>" not in value:
            # a multi-line value (comments, licence texts): nothing this reader uses
            if not any("</text>" in rest for _, rest in lines):
                raise SpdxError(
                    f"{where}: malformed SPDX document: line {number}: {tag}: "
                    "<text> is never closed"
                )
            continue
        if tag == "PackageName":
            package = {"name": value}
            document["packages"].append(package)
            in_package = True
        elif tag in _NOT_PACKAGE:
            in_package = False
        elif tag == "Relationship":
            parts = value.split()
            if len(parts) != 3:
                raise SpdxError(
                    f"{where}: malformed SPDX document: line {number}: Relationship needs "
                    "an element, a type and a related element"
                )
            document["relationships"].append(
                dict(
                    zip(
                        ("spdxElementId", "relationshipType", "relatedSpdxElement"),
                        parts,
                        strict=True,
                    )
                )
            )
        elif in_package and package is not None and tag == "ExternalRef":
            parts = value.split(None, 2)
            if len(parts) != 3:
                raise SpdxError(
                    f"{where}: malformed SPDX document: line {number}: ExternalRef needs "
                    "a category, a type and a locator"
                )
            package.setdefault("externalRefs", []).append(
                dict(
                    zip(
                        ("referenceCategory", "referenceType", "referenceLocator"),
                        parts,
                        strict=True,
                    )
                )
            )
        elif in_package and package is not None and tag in _PACKAGE_TAGS:
            package[_PACKAGE_TAGS[tag]] = value
        elif not in_package and package is None and tag in ("SPDXVersion", "SPDXID"):
            document["spdxVersion" if tag == "SPDXVersion" else "SPDXID"] = value
    return json_packages(document, where)


def _described(document: Document) -> set[str]:
    described = set(document.describes)
    for relation in document.relationships:
        if relation.element == document.spdx_id and relation.type == "DESCRIBES":
            described.add(relation.related)
        elif relation.related == document.spdx_id and relation.type == "DESCRIBED_BY":
            described.add(relation.element)
    return described


def product_roots(document: Document) -> set[str]:
    """The described packages that are the product: they hold other packages (in this
    document, or in another one it refers to, ``DocumentRef-…``) or say they are firmware
    or a device."""
    packages = {p.spdx_id: p for p in document.packages}

    def package_ref(ref: str, root: str) -> bool:
        return ref != root and (ref in packages or ref.startswith("DocumentRef-"))

    roots = set()
    for root in _described(document) & packages.keys():
        holds = any(
            (r.element == root and r.type in HOLDS and package_ref(r.related, root))
            or (r.related == root and r.type in HELD_BY and package_ref(r.element, root))
            for r in document.relationships
        )
        if holds or packages[root].purpose in PRODUCT_PURPOSES:
            roots.add(root)
    return roots


def _listed(document: Document, where: str) -> list[Listed]:
    product = product_roots(document)
    found = []
    for index, package in enumerate(document.packages):
        if package.spdx_id in product:
            continue
        purl = cpe = ""
        for ref_index, ref in enumerate(package.external_refs):
            if not purl and ref.category in PACKAGE_MANAGER and ref.type in PURL_TYPES:
                if not _readable_purl(ref.locator):
                    raise SpdxError(
                        f"{where}: malformed SPDX document: packages.{index}.externalRefs."
                        f"{ref_index}.referenceLocator: not a package URL: {ref.locator!r}"
                    )
                purl = ref.locator
            elif not cpe and ref.category == "SECURITY" and ref.type in CPE_TYPES:
                cpe = ref.locator
        found.append(
            Listed(
                name=package.name,
                version="" if package.version in NO_VALUE else package.version,
                purl=purl,
                cpe=cpe,
                supplier=_supplier(package.supplier),
            )
        )
    return found


def _readable_purl(text: str) -> bool:
    try:
        PackageURL.from_string(text)
    except ValueError:
        return False
    return True


def _supplier(text: str) -> str:
    """``Organization: OpenEmbedded ()`` -> ``OpenEmbedded``; NOASSERTION -> ""."""
    if text in NO_VALUE:
        return ""
    name = re.sub(r"^(Organization|Person):", "", text)
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()  # the e-mail in brackets
