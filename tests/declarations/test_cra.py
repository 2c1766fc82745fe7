"""The EU CRA pack: the class from the product type with its reason and route, the Annex V/VII
skeletons filled with what the assessment knows, the support-period warning, and the
Article 14 clocks."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

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


def _assess_with(
    tmp_path: Path, answers_extra: dict, sbom: dict | None = None, also: tuple[str, ...] = ("cra",)
) -> AssessmentReport:
    """The conformant example assessed again in ``tmp_path``: its answers plus
    ``answers_extra``, its profile plus an SBOM file when ``sbom`` is given."""
    from jcstar.assessment.service import assess_files
    from tests.conftest import CONFORMANT

    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text(encoding="utf-8"))
    answers["answers"].update(answers_extra)
    answers_path = tmp_path / "answers.yaml"
    answers_path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    profile = yaml.safe_load((CONFORMANT / "profile.yaml").read_text(encoding="utf-8"))
    if sbom is not None:
        (tmp_path / "hg-100.cdx.json").write_text(json.dumps(sbom), encoding="utf-8")
        profile["sbom"] = {"file": "hg-100.cdx.json"}
    for key, value in list(profile.get("documents", {}).items()):
        # the example's document paths are relative to its own folder
        if isinstance(value, str) and not value.startswith(("http:", "https:")):
            profile["documents"][key] = str(CONFORMANT / value)
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return assess_files(profile_path, answers_path, also=also)


def test_a_report_assessed_also_for_cra_gives_its_own_cra_verdicts(
    catalog: Catalog, tmp_path: Path
) -> None:
    report = _assess_with(
        tmp_path,
        {
            "CRA-I-1": {
                "status": "implemented",
                "statement": "The HG-100 risk assessment (threats, measures) drove its design.",
                "evidence": [{"document": "HG-100 cybersecurity risk assessment", "section": "2"}],
            },
            "CRA-II-1": {
                "status": "not_implemented",
                "statement": "No SBOM is kept for the HG-100 yet.",
                "evidence": [],
            },
        },
    )
    rows = {row.requirement: row for row in cra_pack(catalog, report).annex_i}
    assert rows["CRA-I-1"].verdict == "MET"
    assert rows["CRA-I-1"].reason.startswith("CRA-I-1 was assessed itself: MET")
    assert "HG-100 cybersecurity risk assessment §2" in rows["CRA-I-1"].evidence
    assert rows["CRA-II-1"].verdict == "NOT_MET"
    text = render_declaration(cra_pack(catalog, report), "md").decode()
    assert "CRA-I-1 was assessed itself: MET" in text


def test_the_annex_vii_skeleton_counts_the_sboms_components(
    catalog: Catalog, tmp_path: Path
) -> None:
    components = [
        {
            "type": "library",
            "name": name,
            "version": version,
            "purl": f"pkg:generic/{name}@{version}",
        }
        for name, version in (("busybox", "1.36.1"), ("openssl", "3.0.13"), ("dropbear", "2022.83"))
    ]
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
    report = _assess_with(tmp_path, {}, sbom=sbom, also=())
    ran = [a for a in report.attempts if a.check == "sbom.components"]
    assert ran and ran[0].status == "completed"
    pack = cra_pack(catalog, report)
    entry = next(e for e in pack.technical_documentation if "bill of materials" in e.item)
    assert entry.state == "filled"
    assert "3 component(s) listed by sbom.components" in entry.value
    assert "hg-100.cdx.json" in entry.value
    assert "3 component(s) listed by sbom.components" in render_declaration(pack, "md").decode()


def test_without_an_sbom_check_no_count_is_claimed(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    pack = cra_pack(catalog, conformant)
    entry = next(e for e in pack.technical_documentation if "bill of materials" in e.item)
    assert "component(s)" not in entry.value
