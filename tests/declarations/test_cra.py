"""The EU CRA pack: the class from the product type with its reason and route, the Annex V/VII
skeletons filled with what the assessment knows, the support-period warning, and the
Article 14 clocks."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
import yaml

from jcstar.assessment.models import AssessmentReport, InputDigest
from jcstar.catalog.loader import data_dir
from jcstar.catalog.models import Catalog
from jcstar.declarations.cra import cra_pack
from jcstar.declarations.cra_classes import CLASS_IDS, decide_class, load_cra_classes
from jcstar.declarations.render import render_declaration


def with_product(report: AssessmentReport, **changes: object) -> AssessmentReport:
    return report.model_copy(update={"product": report.product.model_copy(update=changes)})


def assessed_on(report: AssessmentReport) -> dt.date:
    return report.generated_at.astimezone(dt.UTC).date()


@pytest.mark.parametrize(
    ("product_type", "expected", "because"),
    [
        ("home-gateway", "important-1", "Routers, modems"),
        ("Wi-Fi router", "important-1", "Routers, modems"),
        ("network_camera", "important-1", "security cameras"),
        ("firewall appliance", "important-2", "Firewalls"),
        ("smart-meter-gateway", "critical", "Smart meter gateways"),
        ("ERAB gateway", "default", "matches none of the Annex III or IV categories"),
    ],
)
def test_the_class_comes_from_the_product_type_with_the_reason(
    product_type: str, expected: str, because: str
) -> None:
    decision = decide_class(product_type)
    assert decision.product_class.id == expected
    assert because in decision.reason and repr(product_type) in decision.reason
    assert decision.basis == "judgement"  # the type → category step is always ours


def test_the_pack_names_the_class_and_the_route_it_implies(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    pack = cra_pack(catalog, with_product(conformant, product_type="home-gateway"))
    assert pack.product_class.product_class.id == "important-1"
    text = render_declaration(pack, "md").decode()
    assert "Important product, class I (Annex III)" in text
    assert "notified body" in text and "Module B" in text
    assert "third-party certification" in text  # METI's overview table (seed)


def test_an_explicit_class_overrides_the_product_type(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    pack = cra_pack(catalog, conformant, product_class="important-2")
    assert pack.product_class.product_class.id == "important-2"
    assert pack.product_class.overridden
    assert "--product-class important-2" in pack.product_class.reason
    with pytest.raises(KeyError, match="unknown product class 'huge'"):
        cra_pack(catalog, conformant, product_class="huge")


def test_a_support_period_of_four_years_is_warned_about(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    day = assessed_on(conformant)
    four_years = with_product(conformant, support_period_end=day.replace(year=day.year + 4))
    warnings = cra_pack(catalog, four_years).warnings
    assert any("under 5 years" in w for w in warnings)
    assert "under 5 years" in render_declaration(cra_pack(catalog, four_years), "md").decode()


def test_a_support_period_of_six_years_is_not(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    day = assessed_on(conformant)
    six_years = with_product(conformant, support_period_end=day.replace(year=day.year + 6))
    assert not any("support period" in w for w in cra_pack(catalog, six_years).warnings)


def test_no_support_period_is_warned_about_and_missing(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    pack = cra_pack(catalog, with_product(conformant, support_period_end=None))
    assert any("no support period" in w for w in pack.warnings)
    support = next(e for e in pack.technical_documentation if "support period" in e.item)
    assert support.state == "missing"


def test_the_sbom_is_missing_unless_one_was_assessed(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    sbom = next(
        e
        for e in cra_pack(catalog, conformant).technical_documentation
        if "bill of materials" in e.item
    )
    assert (sbom.state, sbom.value) == ("missing", "missing")
    with_sbom = conformant.model_copy(
        update={
            "inputs": (
                *conformant.inputs,
                InputDigest(role="sbom", name="hg-100.cdx.json", sha256="ab" * 32),
            )
        }
    )
    entries = cra_pack(catalog, with_sbom).technical_documentation
    sbom = next(e for e in entries if "bill of materials" in e.item)
    assert sbom.state == "filled" and "hg-100.cdx.json" in sbom.value


def test_the_technical_documentation_carries_the_contact_and_the_annex_i_projection(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    pack = cra_pack(catalog, conformant)
    assert len(pack.annex_i) == len(catalog_ids(catalog))
    assert any("psirt@example-energy.example" in e.value for e in pack.technical_documentation)
    # nothing the assessment did not show is claimed MET
    by_id = {row.requirement: row.verdict for row in pack.annex_i}
    assert set(by_id) == set(catalog_ids(catalog))


def catalog_ids(catalog: Catalog) -> list[str]:
    from jcstar.catalog.loader import CatalogIndex

    return list(CatalogIndex(catalog).requirement_ids("cra"))


def test_the_article_14_clocks_are_a_checklist(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    clocks = cra_pack(catalog, conformant).reporting_clocks
    deadlines = [c.deadline for c in clocks]
    assert any("24 hours" in d for d in deadlines)
    assert any("72 hours" in d for d in deadlines)
    assert any("14 days after a corrective or mitigating measure" in d for d in deadlines)
    assert any("one month" in d for d in deadlines)
    md = render_declaration(cra_pack(catalog, conformant), "md").decode()
    assert md.count("- [ ] ") == len(clocks)
    assert "our paraphrase of Regulation (EU) 2024/2847" in md


def test_the_class_data_cites_the_regulation_for_every_official_item() -> None:
    data = load_cra_classes()
    assert tuple(c.id for c in data.classes) == CLASS_IDS
    sources = yaml.safe_load((data_dir() / "catalog.yaml").read_text("utf-8"))["sources"]
    for category in data.categories:
        if category.basis == "official":
            assert category.sources and set(category.sources) <= set(sources), category.id
    for product_class in data.classes:
        assert set(product_class.route_sources) <= set(sources)
    shipped = resources.files("jcstar.declarations").joinpath("data/cra-classes.yaml")
    assert "OUR PARAPHRASE" in shipped.read_text("utf-8")
