"""The UK PSTI statement of compliance: made only when all four Schedule 1 requirements are
MET, a draft naming what is missing otherwise, and the ★1 label's deemed-compliance route
decided by the label's standing on the day of supply."""

from __future__ import annotations

import datetime as dt

import pytest

from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.models import Catalog
from jcstar.declarations.common import TO_COMPLETE
from jcstar.declarations.psti import DRAFT, STATEMENT, psti_statement
from jcstar.declarations.render import render_declaration
from tests.declarations.conftest import label_record

SCHEDULE_1 = ["5.1-1", "5.1-2", "5.2-1", "5.3-13"]


def test_a_report_answering_psti_in_full_makes_the_statement(
    catalog: Catalog, conformant_for_psti: AssessmentReport
) -> None:
    statement = psti_statement(catalog, conformant_for_psti)
    assert [r.requirement for r in statement.requirements] == SCHEDULE_1
    assert [r.verdict for r in statement.requirements] == ["MET"] * 4
    assert statement.made and statement.missing == ()
    text = render_declaration(statement, "md").decode()
    assert STATEMENT in text and "DRAFT" not in text
    assert "HG-100, HG-100W" in text and "2031-03-31" in text
    assert "psirt@example-energy.example" in text


def test_a_nonconformant_report_gives_a_draft_naming_what_is_missing(
    catalog: Catalog, nonconformant: AssessmentReport
) -> None:
    statement = psti_statement(catalog, nonconformant)
    assert not statement.made
    assert statement.statement == DRAFT
    missing = {line.split()[0] for line in statement.missing}
    assert {"5.1-1", "5.2-1"} <= missing
    assert any("NOT_MET" in line for line in statement.missing)
    text = render_declaration(statement, "md").decode()
    assert "NOT A STATEMENT OF COMPLIANCE" in text
    assert STATEMENT not in text  # never the compliant wording in a draft


def test_star1_alone_leaves_the_password_provisions_to_review(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    # ★1's S1.1-02 covers only part of ETSI 5.1-1/5.1-2: a ★1 report cannot claim them
    statement = psti_statement(catalog, conformant)
    assert not statement.made
    assert [line.split()[0] for line in statement.missing] == ["5.1-1", "5.1-2"]
    assert all("NEEDS_REVIEW" in line for line in statement.missing)


def test_what_the_report_does_not_know_is_left_to_the_manufacturer(
    catalog: Catalog, conformant_for_psti: AssessmentReport
) -> None:
    fields = {f.field: f.value for f in psti_statement(catalog, conformant_for_psti).fields}
    assert fields["Manufacturer's address"] == TO_COMPLETE
    assert fields["Signature"] == TO_COMPLETE
    assert fields["Manufacturer"] == "Example Energy Systems K.K."
    assert fields["Defined support period"] == "2031-03-31"


def test_the_statement_says_its_duties_are_a_paraphrase(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    statement = psti_statement(catalog, conformant)
    assert any("paraphrase" in n.text and n.basis == "judgement" for n in statement.notes)
    assert statement.label is None  # no label given: no deemed-compliance section
    assert "S.I. 2025/1267" not in render_declaration(statement, "md").decode()


def test_a_valid_star1_label_is_deemed_compliant_on_the_day_marked_secondary(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    day = dt.date(2026, 6, 1)
    statement = psti_statement(catalog, conformant, label_record(), day)
    assert statement.label is not None
    assert statement.label.deemed and statement.label.status == "valid"
    assert "deemed compliant on 2026-06-01" in statement.label.why
    assert statement.label.basis.basis == "secondary"
    text = render_declaration(statement, "md").decode()
    assert "S.I. 2025/1267" in text and "basis: secondary" in text
    # the label route does not turn the assessment's draft into a statement
    assert not statement.made


@pytest.mark.parametrize(
    ("record", "day", "why"),
    [
        (label_record(revoked="2026-03-01"), "2026-03-01", "revoked on 2026-03-01"),
        (label_record(expires="2026-05-31"), "2026-06-01", "expired on 2026-06-01"),
        (label_record(), "2025-12-31", "not issued on 2025-12-31"),
        (label_record(level=2), "2026-06-01", "the UK recognises ★1 labels only"),
        (label_record(models=("OTHER-1",)), "2026-06-01", "names none of the assessed models"),
        (
            label_record(criteria_version="JST-CR-01-01-2099R9"),
            "2026-06-01",
            "not JST-CR-01-01-2024R1",
        ),
        # as jcstar recognize answers: a label naming no criteria version is not shown to be
        # on the one the UK recognises
        (
            label_record(criteria_version=None),
            "2026-06-01",
            "no recorded criteria version, not JST-CR-01-01-2024R1",
        ),
    ],
    ids=[
        "revoked",
        "expired",
        "before-issue",
        "star2",
        "other-model",
        "other-criteria",
        "no-criteria",
    ],
)
def test_a_label_not_valid_that_day_is_not_deemed_compliant(
    catalog: Catalog, conformant: AssessmentReport, record, day: str, why: str
) -> None:
    route = psti_statement(catalog, conformant, record, dt.date.fromisoformat(day)).label
    assert route is not None and not route.deemed
    assert why in route.why


def test_a_label_is_matched_by_model_number_in_any_width(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    record = label_record(models=("ｈｇ－１００",))  # full-width, as some registries hold it
    route = psti_statement(catalog, conformant, record, dt.date(2026, 6, 1)).label
    assert route is not None and route.deemed


def test_a_star1_only_draft_names_the_next_step_from_what_also_psti_adds(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    statement = psti_statement(catalog, conformant)
    assert statement.made_by == "draft"
    assert statement.next_step == "assess again with --also psti and answer QE5.1-1-1, QE5.1-2-1"
    text = render_declaration(statement, "md").decode()
    assert "Next step: assess again with --also psti and answer QE5.1-1-1, QE5.1-2-1" in text


def test_following_the_next_step_makes_the_manufacturers_statement(
    catalog: Catalog, conformant_for_psti: AssessmentReport
) -> None:
    # the questions the draft named are the ones the --also psti answers file answers
    statement = psti_statement(catalog, conformant_for_psti)
    assert (statement.made_by, statement.next_step) == ("manufacturer", "")
    assert "Next step" not in render_declaration(statement, "md").decode()


def test_a_draft_with_failures_says_to_fix_them_first(
    catalog: Catalog, nonconformant: AssessmentReport
) -> None:
    step = psti_statement(catalog, nonconformant).next_step
    assert step.startswith("make 5.1-1, 5.2-1 MET; ")
    assert step.endswith("then assess again with --also psti and answer QE5.1-2-1")


def test_a_valid_label_makes_the_deemed_compliance_statement_as_the_label_route(
    catalog: Catalog, conformant: AssessmentReport
) -> None:
    statement = psti_statement(catalog, conformant, label_record(), dt.date(2026, 6, 1))
    assert statement.made_by == "label" and not statement.made
    assert statement.statement.startswith(
        "DEEMED COMPLIANT THROUGH THE JC-STAR ★1 LABEL JC1-000123 on 2026-06-01"
    )
    assert "not the manufacturer's own statement of compliance" in statement.statement
    for fmt in ("md", "html"):
        text = render_declaration(statement, fmt).decode()
        assert STATEMENT not in text and "NOT A STATEMENT OF COMPLIANCE" not in text
        assert "Not shown by the assessment itself" in text
        assert "Next step (for the manufacturer" in text


def test_a_revoked_label_leaves_the_draft(catalog: Catalog, conformant: AssessmentReport) -> None:
    record = label_record(revoked="2026-03-01")
    statement = psti_statement(catalog, conformant, record, dt.date(2026, 3, 2))
    assert statement.made_by == "draft" and statement.statement == DRAFT
