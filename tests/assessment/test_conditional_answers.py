"""A requirement that applies only under a condition no profile fact expresses (ETSI's
"where telemetry data is collected", CRA's "where applicable"): the vendor's justified "not
applicable" is taken, as for one a profile fact decides; an unconditional requirement's is not."""

from __future__ import annotations

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.models import Answer, ProductProfile
from jcstar.assessment.plan import build_plan, plan_requirements
from jcstar.catalog.loader import load_catalog

PROFILE = ProductProfile(
    vendor="Example Co.",
    product="Example hub",
    model_numbers=("EX-1",),
    product_type="smart-home-hub",
    firmware_version="1.0",
)
NOT_USED = Answer(status="not_applicable", statement="The hub collects no telemetry at all.")


def verdicts(answers: dict[str, Answer]) -> dict[str, str]:
    catalog = load_catalog()
    plan = build_plan(catalog, PROFILE, ("etsi-en-303-645", "cra"))
    found = evaluate(plan, plan_requirements(catalog, plan), (), answers)
    return {v.requirement: v.verdict for v in found}


def test_a_justified_not_applicable_is_taken_where_a_stated_condition_decides() -> None:
    got = verdicts({"6.5": NOT_USED, "CRA-I-2a": NOT_USED})
    assert got["6.5"] == "NOT_APPLICABLE"  # ETSI: where telemetry data is collected
    assert got["CRA-I-2a"] == "NOT_APPLICABLE"  # CRA: where applicable


def test_not_applicable_without_a_justification_or_for_an_unconditional_one_needs_review() -> None:
    bare = Answer(status="not_applicable")
    got = verdicts({"6.5": bare, "5.6-1": NOT_USED})
    assert got["6.5"] == "NEEDS_REVIEW"
    assert got["5.6-1"] == "NEEDS_REVIEW"  # every product: no condition at all
