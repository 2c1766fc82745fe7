"""Every declaration in every format: HTML escapes what the vendor wrote, JSON is the model,
the same input gives the same bytes."""

from __future__ import annotations

import json

import pytest

from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.models import Catalog
from jcstar.declarations.cra import cra_pack
from jcstar.declarations.etsi_ics import etsi_ics
from jcstar.declarations.psti import psti_statement
from jcstar.declarations.render import DECLARATION_FORMATS, Declaration, render_declaration

MAKERS = {"psti": psti_statement, "cra": cra_pack, "etsi-ics": etsi_ics}


def declarations(catalog: Catalog, report: AssessmentReport) -> list[Declaration]:
    return [make(catalog, report) for make in MAKERS.values()]


def test_html_escapes_the_vendors_text(catalog: Catalog, conformant: AssessmentReport) -> None:
    hostile = conformant.model_copy(
        update={
            "product": conformant.product.model_copy(
                update={"vendor": "<script>alert(1)</script> & Co"}
            )
        }
    )
    for declaration in declarations(catalog, hostile):
        html = render_declaration(declaration, "html").decode()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_markdown_cells_escape_pipes(catalog: Catalog, conformant: AssessmentReport) -> None:
    piped = conformant.model_copy(
        update={"product": conformant.product.model_copy(update={"vendor": "A | B"})}
    )
    md = render_declaration(psti_statement(catalog, piped), "md").decode()
    assert "| Manufacturer | A \\| B |" in md


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_json_is_the_declaration_itself(
    catalog: Catalog, conformant: AssessmentReport, kind: str
) -> None:
    declaration = MAKERS[kind](catalog, conformant)
    data = json.loads(render_declaration(declaration, "json"))
    assert data["kind"] == kind
    assert data["report_id"] == conformant.report_id
    assert type(declaration).model_validate(data) == declaration


@pytest.mark.parametrize("fmt", [f for f in DECLARATION_FORMATS if f != "pdf"])
def test_the_same_report_gives_the_same_bytes(
    catalog: Catalog, conformant: AssessmentReport, fmt: str
) -> None:
    for declaration in declarations(catalog, conformant):
        assert render_declaration(declaration, fmt) == render_declaration(declaration, fmt)


def test_an_unknown_format_is_refused_naming_the_formats(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    with pytest.raises(ValueError, match="choose one of: md, html, json, pdf"):
        render_declaration(etsi_ics(catalog, conformant), "docx")
