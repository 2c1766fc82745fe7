"""Recognition both ways (issue 15): what holding one scheme gives towards another, requirement
by requirement, and whether a ★1 label is deemed compliant with UK PSTI on a day."""

from __future__ import annotations

import datetime as dt

import pytest

from jcstar.assessment.application_rules import psti_waived
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.recognition import (
    LabelOnDay,
    Recognition,
    RecognitionError,
    carries_met,
    recognize,
    recognize_report,
)
from jcstar.assessment.service import assess_files
from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.registry.applications.fees import fee_table
from tests.conftest import CONFORMANT, NONCONFORMANT

CATALOG = load_catalog()
CATALOG_INDEX = CatalogIndex(CATALOG)
#: a day every route below is in effect on
ON = dt.date(2026, 7, 1)
STAR1_VERSION = "JST-CR-01-01-2024R1"
NOT_WAIVED_BY_PSTI = [
    "S1.1-01",
    "S1.1-03",
    "S1.1-04",
    "S1.1-06",
    "S1.1-07",
    "S1.1-08",
    "S1.1-09",
    "S1.1-10",
    "S1.1-11",
    "S1.1-12",
    "S1.1-13",
    "S1.1-14",
    "S1.1-15",
]


@pytest.fixture(scope="module")
def star1_report() -> AssessmentReport:
    """The conformant example assessed for ★1 only."""
    return assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")


@pytest.fixture(scope="module")
def also_report() -> AssessmentReport:
    """The conformant example assessed with --also cls-1,psti and the added answers."""
    return assess_files(
        CONFORMANT / "profile.yaml",
        CONFORMANT / "answers-also-cls1-psti.yaml",
        also=("cls-1", "psti"),
    )


@pytest.fixture(scope="module")
def bad_report() -> AssessmentReport:
    return assess_files(NONCONFORMANT / "profile.yaml", NONCONFORMANT / "answers.yaml")


def ids(result: Recognition, coverage: str) -> list[str]:
    return [row.requirement for row in result.rows if row.coverage == coverage]


def star1_label(**changes: object) -> LabelOnDay:
    fields: dict[str, object] = {
        "registration_no": "JC1-0001",
        "level": 1,
        "criteria_version": STAR1_VERSION,
        "on": ON,
        "status": "valid",
        "issued_on": dt.date(2025, 5, 1),
        "expires_on": dt.date(2027, 4, 30),
    }
    return LabelOnDay.model_validate(fields | changes)


def test_psti_leaves_exactly_the_13_star1_requirements_it_does_not_waive():
    result = recognize(CATALOG, "psti", "jcstar-1", ON, fees=fee_table())
    assert ids(result, "needs_evidence") == NOT_WAIVED_BY_PSTI
    assert ids(result, "covered") == ["S1.1-02", "S1.1-05", "S1.1-16"]
    assert result.outcome == "needs_evidence"
    assert (result.covered, result.total) == (3, 16)
    for row in result.rows:
        if row.coverage == "covered":
            # the route comes first, then the recognised crosswalk links it rests on
            assert row.covered_by[0].kind == "route"
            assert row.covered_by[0].source == "psti-to-jcstar-1"
            assert all(c.recognised for c in row.covered_by[1:])
        else:
            assert row.needs, f"{row.requirement} says nothing about what to show"


def test_the_psti_route_names_its_waiver_and_the_reduced_fee():
    route = recognize(CATALOG, "psti", "jcstar-1", ON, fees=fee_table()).route
    assert route is not None
    assert (route.kind, route.basis, route.in_effect) == ("waiver", "official", True)
    # the waiver is the registry's own (the PSTI route of an application), not a second copy
    assert route.waives == ("S1.1-02", "S1.1-05", "S1.1-16")
    assert set(route.waives) == psti_waived(CATALOG)
    assert route.fee is not None
    assert (route.fee.amount_jpy, route.fee.source) == (140_000, "V")
    assert any("statement of compliance" in c for c in route.conditions)


def test_what_needs_evidence_is_the_requirements_checks_and_questions():
    rows = {r.requirement: r for r in recognize(CATALOG, "psti", "jcstar-1", ON).rows}
    assert "check network.bruteforce" in rows["S1.1-04"].needs
    assert any(need.startswith("answer Q04-1:") for need in rows["S1.1-04"].needs)
    assert rows["S1.1-02"].needs == ()


def test_before_ipa_handles_the_route_nothing_is_waived_by_it():
    result = recognize(CATALOG, "psti", "jcstar-1", dt.date(2025, 12, 31))
    assert result.route is not None and not result.route.in_effect
    assert all(c.kind != "route" for row in result.rows for c in row.covered_by)


def test_a_valid_star1_label_is_deemed_compliant_with_psti_on_the_day():
    result = recognize(CATALOG, "jcstar-1", "psti", ON, label=star1_label())
    assert result.label is not None and result.label.deemed_compliant
    assert result.label.answer == "JC1-0001: deemed compliant on 2026-07-01"
    assert result.outcome == "deemed_compliant"
    # every PSTI requirement is then answered through the route
    assert ids(result, "covered") == ["5.1-1", "5.1-2", "5.2-1", "5.3-13"]
    assert all(row.covered_by[0].source == "jcstar-1-to-psti" for row in result.rows)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {"status": "expired", "on": dt.date(2027, 5, 1)},
            "expired: valid until 2027-04-30",
        ),
        (
            {"status": "revoked", "since": dt.date(2026, 2, 10), "reason": "false declaration"},
            "revoked on 2026-02-10 (false declaration)",
        ),
        ({"status": "suspended", "since": dt.date(2026, 3, 1)}, "suspended on 2026-03-01"),
        ({"criteria_version": "JST-CR-01-01-2026"}, "criteria version JST-CR-01-01-2026 is not"),
        ({"criteria_version": None}, "criteria version none is not JST-CR-01-01-2024R1"),
        ({"level": 3}, "it is a ★3 label; the route recognises ★1"),
    ],
    ids=["expired", "revoked", "suspended", "other-version", "no-version", "star3"],
)
def test_a_label_not_as_the_route_asks_is_not_deemed_compliant(
    changes: dict[str, object], why: str
):
    label = star1_label(**changes)
    result = recognize(CATALOG, "jcstar-1", "psti", label.on, label=label)
    assert result.outcome == "not_deemed_compliant"
    assert result.label is not None
    assert result.label.answer.startswith(f"JC1-0001: not deemed compliant on {label.on}: ")
    assert why in result.label.answer
    # the per-requirement answer falls back to the crosswalk: no route covers anything
    assert all(c.kind != "route" for row in result.rows for c in row.covered_by)


def test_before_the_uk_instrument_is_in_force_a_valid_label_is_not_deemed_compliant():
    day = dt.date(2025, 12, 1)
    result = recognize(CATALOG, "jcstar-1", "psti", day, label=star1_label(on=day))
    assert result.label is not None and not result.label.deemed_compliant
    assert "the route takes effect on 2025-12-04" in result.label.reasons


def test_without_a_label_star1_to_psti_gives_the_conditions_and_the_crosswalk():
    result = recognize(CATALOG, "jcstar-1", "psti", ON)
    assert result.route is not None
    assert result.route.basis == "secondary"
    assert "S.I. 2025/1267" in result.route.confirm
    assert result.route.label_condition is not None
    assert STAR1_VERSION in result.route.label_condition
    assert any("PSTI-declared products" in c for c in result.route.conditions)
    assert ids(result, "covered") == ["5.2-1", "5.3-13"]
    assert result.outcome == "needs_evidence"


def test_a_label_for_a_route_that_takes_none_is_refused():
    with pytest.raises(RecognitionError, match="rests on a label"):
        recognize(CATALOG, "psti", "jcstar-1", ON, label=star1_label())


@pytest.mark.parametrize(
    ("have", "want"),
    [("cls-1", "jcstar-1"), ("jcstar-1", "cls-1"), ("etsi-en-303-645", "jcstar-1")],
)
def test_cls_and_etsi_are_answered_from_the_crosswalks_each_row_naming_its_link(
    have: str, want: str
):
    result = recognize(CATALOG, have, want, ON)
    projected = CrosswalkGraph(CATALOG).project(have, want)
    # the same answer `jcstar crosswalk` gives: covered exactly where a link carries MET
    assert ids(result, "covered") == [r.id for r in projected.rows if r.coverage == "covered"]
    assert 0 < result.covered < result.total
    for row, proj in zip(result.rows, projected.rows, strict=True):
        if row.coverage == "covered":
            assert row.covered_by and all(c.kind == "crosswalk" for c in row.covered_by)
            carried = [link.source for link in proj.covered_by if carries_met(link)]
            assert [c.source for c in row.covered_by] == carried
        else:
            assert row.needs


def test_etsi_has_no_arrangement_and_says_the_crosswalk_is_ours():
    result = recognize(CATALOG, "etsi-en-303-645", "jcstar-1", ON)
    assert result.route is not None
    assert (result.route.kind, result.route.basis, result.route.in_effect) == (
        "none",
        "judgement",
        False,
    )
    assert "not IPA's mapping table" in result.route.note
    rows = {r.requirement: r for r in result.rows}
    assert [c.describe() for c in rows["S1.1-06"].covered_by] == ["5.3-1 (superset, judgement)"]


def test_cls_level_1_route_is_secondary_and_starts_2026_06_01():
    before = recognize(CATALOG, "cls-1", "jcstar-1", dt.date(2026, 5, 31)).route
    after = recognize(CATALOG, "cls-1", "jcstar-1", dt.date(2026, 6, 1)).route
    assert before is not None and after is not None
    assert (before.in_effect, after.in_effect) == (False, True)
    assert after.basis == "secondary" and "Brightsight" in after.confirm
    assert after.waives == ()


def test_an_unknown_scheme_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown scheme 'uk-psti' \(known: .*psti"):
        recognize(CATALOG, "uk-psti", "jcstar-1", ON)


# --- second pass: CLS ↔ UK PSTI, PSTI → ★2+, and answers from a report ---


@pytest.mark.parametrize("held", ["cls-1", "cls-2"])
def test_any_cls_level_is_deemed_psti_compliant_through_the_csa_uk_route(held: str):
    result = recognize(CATALOG, held, "psti", ON)
    assert result.route is not None
    assert (result.route.id, result.route.kind, result.route.basis) == (
        "cls-to-psti",
        "deemed_compliance",
        "official",
    )
    assert result.route.sources == ("P13",)
    assert result.outcome == "covered"
    assert all(row.covered_by[0].source == "cls-to-psti" for row in result.rows)
    # the UK instrument that gives it effect is secondary, and says so
    assert any("[secondary: UKSI" in c for c in result.route.conditions)
    assert "S.I. 2025/1267" in result.route.confirm


def test_before_the_csa_uk_mou_takes_effect_a_cls_label_covers_by_crosswalk_only():
    result = recognize(CATALOG, "cls-1", "psti", dt.date(2025, 12, 31))
    assert result.route is not None and not result.route.in_effect
    assert all(c.kind != "route" for row in result.rows for c in row.covered_by)


def test_psti_to_cls_level_1_is_a_simplified_route_that_waives_nothing():
    result = recognize(CATALOG, "psti", "cls-1", ON)
    assert result.route is not None
    assert (result.route.id, result.route.kind, result.route.basis) == (
        "psti-to-cls-1",
        "simplified_application",
        "official",
    )
    assert result.route.effective_from == dt.date(2026, 1, 1)
    assert result.route.waives == ()
    projected = CrosswalkGraph(CATALOG).project("psti", "cls-1")
    assert ids(result, "covered") == [r.id for r in projected.rows if r.coverage == "covered"]
    assert result.outcome == "needs_evidence"


def test_psti_to_a_star2_profile_accepts_equivalent_criteria_but_covers_nothing_itself():
    result = recognize(CATALOG, "psti", "jcstar-2-smart-home", ON)
    assert result.route is not None
    assert (result.route.id, result.route.kind) == (
        "psti-to-jcstar-2-and-above",
        "equivalent_criteria",
    )
    assert "not published" in result.route.summary
    assert all(c.kind != "route" for row in result.rows for c in row.covered_by)
    # the profile's ★1 base and its added ETSI provisions each reached through their scheme
    profile_ids = [r.id for r in CATALOG_INDEX.requirements("jcstar-2-smart-home")]
    assert [row.requirement for row in result.rows] == profile_ids
    star1 = recognize(CATALOG, "psti", "jcstar-1", dt.date(2025, 12, 31))
    base = {row.requirement: row.coverage for row in star1.rows}
    assert {r.requirement: r.coverage for r in result.rows if r.requirement in base} == base
    # the evaluation-body condition is ★3's, not ★2's
    assert not any("evaluation body" in c for c in result.route.conditions)


def test_psti_to_a_star3_profile_also_gives_the_statement_to_the_evaluation_body():
    route = recognize(CATALOG, "psti", "jcstar-3-network-cameras", ON).route
    assert route is not None and route.id == "psti-to-jcstar-2-and-above"
    assert any("evaluation body" in c for c in route.conditions)


def test_a_report_answers_each_wanted_requirement_from_its_own_verdicts(
    star1_report: AssessmentReport,
):
    result = recognize_report(CATALOG, star1_report, "psti", ON)
    assert result.report_id == star1_report.report_id
    coverage = {row.requirement: row.coverage for row in result.rows}
    # ★1's S1.1-02 is only part of 5.1-1/5.1-2: the report cannot claim them
    assert coverage == {
        "5.1-1": "needs_evidence",
        "5.1-2": "needs_evidence",
        "5.2-1": "covered",
        "5.3-13": "covered",
    }
    rows = {row.requirement: row for row in result.rows}
    assert rows["5.2-1"].covered_by[0].kind == "report"
    assert "S1.1-05 is MET" in rows["5.2-1"].covered_by[0].rationale
    assert any(need.startswith("answer QE5.1-1-1") for need in rows["5.1-1"].needs)
    assert result.outcome == "needs_evidence"


def test_a_report_assessed_also_for_psti_covers_it_in_full(also_report: AssessmentReport):
    result = recognize_report(CATALOG, also_report, "psti", ON)
    assert result.outcome == "covered"
    assert [row.verdict for row in result.rows] == ["MET"] * 4


def test_a_report_with_failures_shows_them_not_met(bad_report: AssessmentReport):
    result = recognize_report(CATALOG, bad_report, "psti", ON)
    assert result.outcome == "not_met"
    assert [row.requirement for row in result.rows if row.coverage == "not_met"] == [
        "5.1-1",
        "5.2-1",
    ]
    assert result.not_met == 2
    failed = next(row for row in result.rows if row.requirement == "5.2-1")
    assert failed.covered_by == () and "NOT_MET" in failed.partial[0].rationale


def test_a_report_with_a_valid_star1_label_is_covered_through_the_label_route(
    star1_report: AssessmentReport,
):
    result = recognize_report(CATALOG, star1_report, "psti", ON, label=star1_label())
    assert result.outcome == "deemed_compliant"
    assert all(row.coverage == "covered" for row in result.rows)
    assert all(row.covered_by[0].source == "jcstar-1-to-psti" for row in result.rows)


def test_a_report_with_a_revoked_label_keeps_its_own_answers(star1_report: AssessmentReport):
    label = star1_label(status="revoked", since=dt.date(2026, 2, 10))
    result = recognize_report(CATALOG, star1_report, "psti", ON, label=label)
    assert result.outcome == "not_deemed_compliant"
    assert [row.coverage for row in result.rows].count("covered") == 2
