"""Issue 15, "one assessment that really answers many": ``--also SCHEME`` adds the other
schemes' requirements that ★1 does not cover, with their questions; with the answers to them
the report projects onto those schemes with nothing left to review, and the label is still
decided on ★1's own requirements only."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from jcstar.assessment.also import also_holders, verdict_groups
from jcstar.assessment.decision import label_decision, parse_report
from jcstar.assessment.inputs import load_profile
from jcstar.assessment.models import AssessmentReport, RequirementVerdict
from jcstar.assessment.plan import PlanError, build_plan, plan_requirements
from jcstar.assessment.projection import project_report
from jcstar.assessment.questionnaire import answers_template
from jcstar.assessment.report import overall
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import CatalogIndex, load_catalog
from tests.conftest import CONFORMANT

ALSO = ("cls-1", "psti")
ALSO_ANSWERS = CONFORMANT / "answers-also-cls1-psti.yaml"
STAR1 = {f"S1.1-{n:02d}" for n in range(1, 17)}


@pytest.fixture(scope="module")
def answered() -> AssessmentReport:
    """The conformant example assessed with ``--also cls-1,psti`` and the added answers."""
    return assess_files(CONFORMANT / "profile.yaml", ALSO_ANSWERS, also=ALSO)


@pytest.fixture(scope="module")
def unanswered() -> AssessmentReport:
    """The same with ★1's answers only: the added requirements are asked but not answered."""
    return assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml", also=ALSO)


def _plan(*also: str) -> tuple[Any, Any]:
    catalog = load_catalog()
    profile, _ = load_profile(CONFORMANT / "profile.yaml")
    return catalog, build_plan(catalog, profile, also)


def _added(report: AssessmentReport) -> list[RequirementVerdict]:
    return [v for v in report.verdicts if v.requirement not in STAR1]


def test_the_plan_adds_what_star1_does_not_cover_with_its_questions() -> None:
    catalog, plan = _plan(*ALSO)
    index = CatalogIndex(catalog)
    wanted = set(index.requirement_ids("cls-1")) | set(index.requirement_ids("psti"))
    planned = [p.requirement for p in plan.requirements]
    assert planned[:16] == sorted(STAR1)  # ★1's own first, in its order
    added = set(planned[16:])
    assert added < wanted
    # the disclosure policy and the support period reach CLS/PSTI through ★1's own
    # requirements (S1.1-05 equal, S1.1-16 superset): nothing more to ask for them
    assert wanted - added == {"5.2-1", "5.3-13"}
    for p in plan.requirements[16:]:
        assert p.questions, f"{p.requirement} is asked nothing"
    assert plan.also == ALSO


def test_the_questionnaire_asks_the_added_questions_under_the_scheme_that_added_them() -> None:
    catalog, plan = _plan(*ALSO)
    requirements = plan_requirements(catalog, plan)
    text = answers_template(plan, requirements, catalog)
    head, _, added_part = text.partition("── cls-1 (")
    assert "S1.1-16:" in head and "5.1-1:" not in head
    for p in plan.requirements[16:]:
        assert f"  {p.requirement}:\n" in added_part
        for question in requirements[p.requirement].questions:
            assert question.text_ja in added_part and question.text_en in added_part
    # PSTI's password provisions are CLS-1's too: asked once, saying it answers both
    assert "# 5.1-1 Passwords unique per device or set by the user\n  # also answers: psti" in text
    # the template is YAML the vendor fills in: one entry per planned requirement
    filled = yaml.safe_load(text)["answers"]
    assert list(filled) == [p.requirement for p in plan.requirements]


def test_the_questionnaire_without_also_is_unchanged_by_grouping() -> None:
    catalog, plan = _plan()
    requirements = plan_requirements(catalog, plan)
    assert answers_template(plan, requirements, catalog) == answers_template(plan, requirements)
    assert "──" not in answers_template(plan, requirements, catalog)


def test_the_example_answers_every_added_question() -> None:
    _, plan = _plan(*ALSO)
    answers = yaml.safe_load(ALSO_ANSWERS.read_text("utf-8"))["answers"]
    assert set(answers) == {p.requirement for p in plan.requirements}


def test_answered_also_projects_onto_cls1_and_psti_with_nothing_to_review(
    answered: AssessmentReport,
) -> None:
    assert answered.catalog.also == ALSO
    assert answered.overall == "CONFORMANT"
    for scheme in ALSO:
        projection = project_report(load_catalog(), answered, scheme)
        verdicts = Counter(v.verdict for v in projection.verdicts)
        assert verdicts == {"MET": len(projection.verdicts)}, (scheme, verdicts)
    cls1 = {v.requirement: v for v in project_report(load_catalog(), answered, "cls-1").verdicts}
    # a provision the report assessed itself answers directly; the others through a link
    assert "5.1-3 was assessed itself: MET" in cls1["5.1-3"].reason
    assert "5.1-3" in cls1["5.1-3"].from_requirements
    assert cls1["5.2-1"].from_requirements == ("S1.1-05",)


def test_unanswered_added_requirements_need_review_and_so_does_the_projection(
    unanswered: AssessmentReport,
) -> None:
    added = _added(unanswered)
    assert len(added) == 11
    assert {v.verdict for v in added} == {"NEEDS_REVIEW"}
    projection = project_report(load_catalog(), unanswered, "cls-1")
    review = {v.requirement for v in projection.verdicts if v.verdict == "NEEDS_REVIEW"}
    assert review == {v.requirement for v in added}


@pytest.mark.parametrize("scheme", ["etsi-en-303-645", "cra"])
def test_other_schemes_plan_and_are_never_met_without_answers(scheme: str) -> None:
    _, plan = _plan(scheme)
    assert len(plan.requirements) > 16
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml", also=[scheme])
    added = _added(report)
    assert len(added) == len(plan.requirements) - 16
    found = Counter(v.verdict for v in added)
    assert "MET" not in found and "NOT_MET" not in found, found
    assert found["NEEDS_REVIEW"] + found["INCONCLUSIVE"] > 0
    # what is not applicable is so by the product's facts, with the reason named
    for verdict in added:
        if verdict.verdict == "NOT_APPLICABLE":
            assert verdict.reasons


def test_an_unknown_also_scheme_names_the_known_ones() -> None:
    with pytest.raises(PlanError, match=r"--also nope: unknown scheme 'nope' \(known: .*psti"):
        _plan("nope")


def test_a_star1_report_with_also_requirements_is_decided_on_star1_alone(
    answered: AssessmentReport, unanswered: AssessmentReport
) -> None:
    catalog = load_catalog()
    assert label_decision(answered, catalog).grantable
    # the added requirements still need review: the report is INCOMPLETE as a whole, but
    # ★1's 16 are all met, and only they decide a ★1 label
    assert unanswered.overall == "INCOMPLETE"
    assert label_decision(unanswered, catalog).grantable


def test_an_added_requirement_not_met_does_not_refuse_the_star1_label(tmp_path: Path) -> None:
    answers = yaml.safe_load(ALSO_ANSWERS.read_text("utf-8"))
    answers["answers"]["5.3-8"] = {
        "status": "not_implemented",
        "statement": "We have no target time for security updates yet.",
    }
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    report = assess_files(CONFORMANT / "profile.yaml", path, also=ALSO)
    assert {v.requirement: v.verdict for v in report.verdicts}["5.3-8"] == "NOT_MET"
    assert label_decision(report, load_catalog()).grantable
    cls1 = {
        v.requirement: v.verdict for v in project_report(load_catalog(), report, "cls-1").verdicts
    }
    assert cls1["5.3-8"] == "NOT_MET"


def _edited(report: AssessmentReport, requirement: str, verdict: str) -> AssessmentReport:
    """One verdict hand-edited, with the summary and overall made to agree (a careful forger)."""
    data = copy.deepcopy(report.model_dump(mode="json"))
    for item in data["verdicts"]:
        if item["requirement"] == requirement:
            old, item["verdict"] = item["verdict"], verdict
            item["reasons"] = ["vendor states it is implemented, with evidence"]
    data["summary"][old] -= 1
    data["summary"][verdict] = data["summary"].get(verdict, 0) + 1
    parsed = tuple(RequirementVerdict.model_validate(v) for v in data["verdicts"])
    data["overall"] = overall(parsed)
    return parse_report(data)


def test_an_added_verdict_edited_after_the_fact_is_refused(
    unanswered: AssessmentReport,
) -> None:
    forged = _edited(unanswered, "5.1-2", "MET")
    # the forgery would turn the PSTI projection's review into a pass …
    psti = {
        v.requirement: v.verdict for v in project_report(load_catalog(), forged, "psti").verdicts
    }
    assert psti["5.1-2"] == "MET"
    # … but the registry re-evaluates the added requirements too
    decision = label_decision(forged, load_catalog())
    assert not decision.grantable
    assert decision.refusal().startswith(
        "cannot submit: 5.1-2: the report says MET, but its own evidence gives NEEDS_REVIEW"
    )


def test_a_dropped_added_verdict_is_refused(answered: AssessmentReport) -> None:
    data = answered.model_dump(mode="json")
    data["verdicts"] = [v for v in data["verdicts"] if v["requirement"] != "5.3-10"]
    data["summary"]["MET"] -= 1
    decision = label_decision(parse_report(data), load_catalog())
    assert not decision.grantable
    assert any(p.requirement == "5.3-10" for p in decision.problems), decision.problems


def test_verdict_groups_put_the_added_ones_under_the_scheme_that_added_them(
    answered: AssessmentReport,
) -> None:
    groups = verdict_groups(answered)
    assert [g.added_by for g in groups] == [None, "cls-1"]
    assert [v.requirement for v in groups[0].verdicts] == sorted(STAR1)
    assert len(groups[1].verdicts) == 11
    assert groups[1].heading.startswith("cls-1 (Singapore")
    holders = also_holders(load_catalog(), "jcstar-1", ("psti", "cls-1"), ["5.1-1", "5.1-3"])
    assert holders == {"5.1-1": ("psti", "cls-1"), "5.1-3": ("cls-1",)}


def test_verdict_groups_of_a_plain_report_is_one_group() -> None:
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    groups = verdict_groups(report)
    assert len(groups) == 1 and groups[0].added_by is None
    assert list(groups[0].verdicts) == list(report.verdicts)
