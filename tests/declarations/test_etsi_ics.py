"""The ETSI EN 303 645 implementation conformance statement: one Annex B row per provision,
with ETSI's status notation, support that is "Yes" only where the report shows MET, and where
the evidence is."""

from __future__ import annotations

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.projection import project_report
from jcstar.catalog.models import Catalog
from jcstar.declarations.etsi_ics import etsi_ics
from jcstar.declarations.render import render_declaration

SUPPORT = {"MET": "Yes", "NOT_MET": "No", "NOT_APPLICABLE": "N/A"}


def test_one_row_per_provision_with_its_status_notation(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    ics = etsi_ics(catalog, conformant)
    assert len(ics.rows) == 67
    assert len({row.provision for row in ics.rows}) == 67
    first = ics.rows[0]
    assert (first.provision, first.status) == ("5.1-1", "M C(1)")
    assert all(row.status for row in ics.rows)  # every provision has ETSI's notation


def test_yes_only_where_the_report_shows_met(
    catalog: Catalog, conformant: AssessmentReport, nonconformant: AssessmentReport
) -> None:
    for report in (conformant, nonconformant):
        projected = {
            v.requirement: v.verdict
            for v in project_report(catalog, report, "etsi-en-303-645").verdicts
        }
        for row in etsi_ics(catalog, report).rows:
            assert row.support == SUPPORT.get(projected[row.provision], "not assessed")
    no = [row.provision for row in etsi_ics(catalog, nonconformant).rows if row.support == "No"]
    assert "5.1-1" in no  # the monitor's shared default password


def test_each_row_names_its_evidence_and_the_report(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    ics = etsi_ics(catalog, conformant)
    met = next(row for row in ics.rows if row.provision == "5.2-1")
    assert met.support == "Yes"
    assert "check documents.vdp (pass)" in met.evidence
    assert all(any(conformant.report_id in ref for ref in row.evidence) for row in ics.rows)


def test_the_table_renders_every_row(catalog: Catalog, conformant: AssessmentReport) -> None:
    ics = etsi_ics(catalog, conformant)
    md = render_declaration(ics, "md").decode()
    assert (
        sum(1 for line in md.splitlines() if line.startswith("| 5.") or line.startswith("| 6."))
        == 67
    )
    html = render_declaration(ics, "html").decode()
    assert html.count('class="s-') == 67
    counts = ics.counts
    assert sum(counts.values()) == 67
    assert f"Yes {counts['Yes']} · No {counts['No']}" in md
