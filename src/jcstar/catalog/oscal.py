"""OSCAL catalog and profile exports of the requirement catalog, built with compliance-trestle.

The **catalog** is the master list: one group per top-level requirement (``m-1``), one
control per item (``m-1-1``), and one control per native scheme requirement, nested under
the item or group it is placed under. A scheme requirement's control id is
``<native scheme>_<requirement id>`` (``etsi-en-303-645_5.1-1``) because OSCAL ids must start
with a letter; its ``label`` prop is the requirement id as the scheme writes it.

A **profile** is one scheme (★1, CLS, PSTI, ETSI, …) as a selection of that catalog: it
imports the catalog and includes exactly the controls of the scheme's requirements.

Output is deterministic: uuids are uuid5 over ids and the catalog version, timestamps come
from the catalog version (``2026.12.1`` → 2026-12-01T00:00Z), never from the clock, so two
exports of the same data are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal import common as oc
from trestle.oscal.catalog import Catalog as OscalCatalog
from trestle.oscal.catalog import Control, Group2
from trestle.oscal.profile import Import2, Profile, SelectControl

from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.master import (
    MasterItem,
    MasterList,
    MasterRequirement,
    Placement,
    is_native,
    native_requirement,
)
from jcstar.catalog.models import Catalog, Requirement
from jcstar.oscal_props import line as _line
from jcstar.oscal_props import props as _props

#: where a profile says its catalog is, unless the caller names it
DEFAULT_CATALOG_HREF = "jcstar-master-catalog.json"


class ExportError(ValueError):
    """The catalog cannot be exported as asked (an unknown scheme, an unusable version)."""


def control_id(scheme_id: str, requirement_id: str) -> str:
    """The OSCAL control id of a native scheme requirement."""
    return f"{scheme_id}_{requirement_id}"


def master_id(node_id: str) -> str:
    return f"m-{node_id}"


def _uuid(catalog: Catalog, *parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(("jcstar", catalog.version, *parts))))


def catalog_timestamp(catalog: Catalog) -> dt.datetime:
    """The first day of the month the catalog version names (``YYYY.MM.N``), in UTC."""
    found = re.match(r"^(\d{4})\.(\d{1,2})(\.|$)", catalog.version)
    if not found:
        raise ExportError(f"catalog version {catalog.version!r} is not YYYY.MM.N")
    return dt.datetime(int(found[1]), int(found[2]), 1, tzinfo=dt.UTC)


def _label(value: str) -> oc.Property:
    # ``label`` is OSCAL's own prop for the identifier as the source document writes it
    return oc.Property(name="label", value=value)


def _part(owner: str, name: str, *texts: str | None) -> oc.Part | None:
    prose = "\n\n".join(t for t in texts if t)
    return oc.Part(id=f"{owner}_{name}", name=name, prose=prose) if prose else None


def _parts(*parts: oc.Part | None) -> list[oc.Part] | None:
    return [p for p in parts if p is not None] or None


class _Builder:
    def __init__(self, catalog: Catalog, master: MasterList) -> None:
        self.catalog = catalog
        self.master = master
        self.index = CatalogIndex(catalog)
        self.links: dict[str, list[oc.Link]] = {}
        for walk in catalog.crosswalks:
            for link in walk.links:
                source = self._native_id(walk.source_scheme, link.source)
                target = self._native_id(walk.target_scheme, link.target)
                self.links.setdefault(source, []).append(
                    oc.Link(
                        href=f"#{target}",
                        rel=link.relationship,
                        text=_line(f"crosswalk {walk.id}, basis {link.basis}"),
                    )
                )

    def _native_id(self, scheme_id: str, requirement_id: str) -> str:
        return control_id(*native_requirement(self.index, scheme_id, requirement_id))

    def requirement_control(self, placement: Placement) -> Control:
        req: Requirement = self.index.by_id(placement.scheme)[placement.requirement]
        cid = control_id(placement.scheme, req.id)
        included_in = ", ".join(self.index.selections_containing(req.id))
        return Control(
            id=cid,
            class_="scheme-requirement",
            title=_line(f"{req.id} {req.title}"),
            props=[
                _label(req.id),
                *(
                    _props(
                        scheme=placement.scheme,
                        basis=req.basis,
                        included_in=included_in,
                        relationship=placement.relationship,
                        placement_basis=placement.basis,
                        status=req.status,
                    )
                    or []
                ),
            ],
            links=self.links.get(cid),
            parts=_parts(
                _part(cid, "statement", req.statement_ja or req.title_ja, req.statement_en),
                _part(cid, "guidance", f"Placed here: {placement.rationale}"),
            ),
        )

    def item_control(self, item: MasterItem) -> Control:
        cid = master_id(item.id)
        return Control(
            id=cid,
            class_="master-item",
            title=_line(f"{item.id} {item.text_en}"),
            props=[
                _label(item.id),
                *(_props(basis=item.basis, sources=", ".join(item.sources)) or []),
            ],
            parts=_parts(
                _part(cid, "statement", item.text_ja, item.text_en),
                _part(cid, "guidance", item.note),
            ),
            controls=[self.requirement_control(p) for p in item.placed] or None,
        )

    def group(self, requirement: MasterRequirement) -> Group2:
        gid = master_id(requirement.id)
        controls = [self.item_control(item) for item in requirement.items]
        controls += [self.requirement_control(p) for p in requirement.placed]
        return Group2(
            id=gid,
            class_="master-requirement",
            title=_line(f"{requirement.id}. {requirement.title_en}"),
            props=[
                _label(requirement.id),
                *(_props(basis=requirement.basis, sources=", ".join(requirement.sources)) or []),
            ],
            parts=_parts(
                _part(gid, "statement", requirement.title_ja, requirement.title_en),
                _part(gid, "guidance", requirement.why, requirement.note),
            ),
            controls=controls or None,
        )


def build_catalog(catalog: Catalog, master: MasterList) -> OscalCatalog:
    """The master list, with every native scheme requirement placed in it, as an OSCAL catalog."""
    when = catalog_timestamp(catalog)
    builder = _Builder(catalog, master)
    metadata = oc.Metadata(
        title=_line(f"{master.name_en} - jcstar catalog {catalog.version}"),
        published=when,
        last_modified=when,
        version=catalog.version,
        oscal_version=OSCAL_VERSION,
        props=_props(
            catalog_digest=catalog.digest,
            basis=master.basis,
            seed_total_items=str(master.seed_total_items),
            seed_quoted_items=str(master.seed_quoted_items),
        ),
        remarks=master.note,
    )
    return OscalCatalog(
        uuid=_uuid(catalog, "master-catalog"),
        metadata=metadata,
        groups=[builder.group(requirement) for requirement in master.requirements],
    )


def build_profile(
    catalog: Catalog, scheme_id: str, catalog_href: str = DEFAULT_CATALOG_HREF
) -> Profile:
    """One scheme as a selection of the master catalog: its requirements' controls."""
    index = CatalogIndex(catalog)
    if scheme_id not in index.schemes:
        known = ", ".join(sorted(index.schemes))
        raise ExportError(f"unknown scheme {scheme_id!r} (known: {known})")
    scheme = index.scheme(scheme_id)
    natives = [
        native_requirement(index, scheme_id, rid) for rid in index.requirement_ids(scheme_id)
    ]
    ids = [control_id(*n) for n in natives if is_native(index.scheme(n[0]))]
    # a category profile's operator-supplied requirements are not in the master catalog
    left_out = len(natives) - len(ids)
    if not ids:
        raise ExportError(f"scheme {scheme_id!r} has no requirements in the master catalog")
    remarks = [scheme.note]
    if left_out:
        remarks.append(
            f"{left_out} requirements this profile defines itself (operator-supplied) are not "
            "in the master catalog and not included."
        )
    when = catalog_timestamp(catalog)
    metadata = oc.Metadata(
        title=_line(f"{scheme.name_en} as a profile of the jcstar master list"),
        published=when,
        last_modified=when,
        version=catalog.version,
        oscal_version=OSCAL_VERSION,
        props=_props(
            scheme=scheme.id,
            scheme_version=scheme.version,
            selects_from=scheme.selects_from,
            extends=scheme.extends,
            basis=scheme.basis,
            catalog_digest=catalog.digest,
        ),
        remarks=" ".join(r for r in remarks if r) or None,
    )
    return Profile(
        uuid=_uuid(catalog, "profile", scheme_id),
        metadata=metadata,
        imports=[Import2(href=catalog_href, include_controls=[SelectControl(with_ids=ids)])],
    )


def _render(model: OscalCatalog | Profile) -> str:
    data: dict[str, Any] = model.oscal_dict()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_catalog(catalog: Catalog, master: MasterList) -> str:
    return _render(build_catalog(catalog, master))


def render_profile(
    catalog: Catalog, scheme_id: str, catalog_href: str = DEFAULT_CATALOG_HREF
) -> str:
    return _render(build_profile(catalog, scheme_id, catalog_href))
