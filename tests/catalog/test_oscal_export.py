"""OSCAL catalog and profile exports: they parse back with trestle's models, the catalog holds
every scheme requirement once under its master node, a profile includes exactly its scheme's
requirements, and two exports are byte-identical."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from trestle.oscal.catalog import Catalog as OscalCatalog
from trestle.oscal.catalog import Control
from trestle.oscal.profile import Profile

from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.master import is_native, load_master, native_requirement
from jcstar.catalog.oscal import (
    ExportError,
    build_profile,
    catalog_timestamp,
    render_catalog,
    render_profile,
)

SCHEMES = sorted(scheme.id for scheme in load_catalog().schemes)


def parsed_catalog() -> OscalCatalog:
    text = render_catalog(load_catalog(), load_master())
    return OscalCatalog.parse_obj(json.loads(text)["catalog"])


def walk(controls: list[Control] | None, parent: str) -> Iterator[tuple[str, Control]]:
    for control in controls or []:
        yield parent, control
        yield from walk(control.controls, control.id)


def group_controls(group: Any) -> list[Control]:
    # a group with no controls (top-level 23 places nothing yet) parses as trestle's Group1
    return getattr(group, "controls", None) or []


def label(control: Control) -> str:
    return next(p.value for p in control.props or [] if p.name == "label")


def prop(control: Control, name: str) -> str | None:
    return next((p.value for p in control.props or [] if p.name == name), None)


def test_the_catalog_parses_back_with_one_group_per_top_level_requirement() -> None:
    oscal = parsed_catalog()
    master = load_master()
    assert [g.id for g in oscal.groups or []] == [f"m-{r.id}" for r in master.requirements]
    assert oscal.metadata.version == load_catalog().version
    first = (oscal.groups or [])[0]
    assert (
        first.title
        == "1. Do not use universal default passwords (our translation of the seed's title)"
    )
    items = [c for c in group_controls(first) if c.class_ == "master-item"]
    assert [label(c) for c in items] == ["1-1", "1-2", "1-3", "1-4", "1-5"]
    statement = (items[0].parts or [])[0].prose or ""
    assert statement.startswith("パスワードが使用され、工場出荷時のデフォルト以外の状態にある製品")


def test_every_native_requirement_is_one_control_under_the_node_it_is_placed_under() -> None:
    catalog = load_catalog()
    master = load_master()
    expected = {
        (f"m-{node_id}", f"{p.scheme}_{p.requirement}", p.relationship)
        for node_id, p in master.placements()
    }
    found = []
    for group in parsed_catalog().groups or []:
        for parent, control in walk(group_controls(group), group.id or ""):
            if control.class_ == "scheme-requirement":
                found.append((parent, control.id, prop(control, "jcstar-relationship")))
    assert len(found) == len(set(found))
    assert set(found) == expected
    natives = sum(len(s.requirements) for s in catalog.schemes if is_native(s))
    assert len(found) == natives


def test_a_crosswalk_link_points_at_a_control_in_the_catalog() -> None:
    controls = {
        c.id: c
        for g in parsed_catalog().groups or []
        for _, c in walk(group_controls(g), g.id or "")
    }
    star1 = controls["jcstar-1_S1.1-02"]
    targets = {(link.href, link.rel) for link in star1.links or []}
    # ★1 S1.1-02 ⊂ ETSI 5.1-1 in the ★1 → ETSI crosswalk
    assert ("#etsi-en-303-645_5.1-1", "subset") in targets
    for link in star1.links or []:
        assert link.href.removeprefix("#") in controls


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_a_profile_includes_exactly_its_schemes_requirements(scheme_id: str) -> None:
    catalog = load_catalog()
    index = CatalogIndex(catalog)
    profile = Profile.parse_obj(json.loads(render_profile(catalog, scheme_id))["profile"])
    (imported,) = profile.imports
    assert imported.href == "jcstar-master-catalog.json"
    included = [i for select in imported.include_controls for i in select.with_ids or []]
    controls = {
        c.id: c
        for g in parsed_catalog().groups or []
        for _, c in walk(group_controls(g), g.id or "")
    }
    # every included id is a control of the catalog, whose label is the scheme's own id
    assert [label(controls[i]) for i in included] == [
        rid
        for rid in index.requirement_ids(scheme_id)
        if is_native(index.scheme(native_requirement(index, scheme_id, rid)[0]))
    ]
    assert prop_value(profile.metadata.props, "jcstar-scheme") == scheme_id


def prop_value(props: list[Any] | None, name: str) -> str | None:
    return next((p.value for p in props or [] if p.name == name), None)


def test_the_psti_profile_is_the_four_etsi_provisions_of_the_seed() -> None:
    profile = build_profile(load_catalog(), "psti", catalog_href="catalog.json")
    (imported,) = profile.imports
    assert imported.href == "catalog.json"
    assert imported.include_controls[0].with_ids == [
        "etsi-en-303-645_5.1-1",
        "etsi-en-303-645_5.1-2",
        "etsi-en-303-645_5.2-1",
        "etsi-en-303-645_5.3-13",
    ]


def test_two_exports_are_byte_identical_and_dated_by_the_catalog_version() -> None:
    catalog = load_catalog()
    master = load_master()
    assert render_catalog(catalog, master) == render_catalog(catalog, master)
    assert render_profile(catalog, "jcstar-1") == render_profile(catalog, "jcstar-1")
    published = json.loads(render_profile(catalog, "jcstar-1"))["profile"]["metadata"]["published"]
    year, month = catalog.version.split(".")[:2]
    assert published == f"{year}-{int(month):02d}-01T00:00:00+00:00"
    assert catalog_timestamp(catalog).isoformat() == published


def test_an_unknown_scheme_is_refused_by_name() -> None:
    with pytest.raises(ExportError, match="unknown scheme 'cls-9'"):
        build_profile(load_catalog(), "cls-9")
