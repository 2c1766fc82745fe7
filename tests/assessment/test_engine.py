"""Plan, run and evaluate: the rules that decide a verdict."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest
from pydantic import ValidationError

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.models import Answer, EvidenceRef, ProductFacts, ProductProfile
from jcstar.assessment.plan import PlanError, build_plan
from jcstar.assessment.report import overall
from jcstar.assessment.runner import run_check
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.base import CannotJudge, Check, CheckAttempt, CheckInput, Observation, SkipCheck

CATALOG = load_catalog()
STAR1 = CatalogIndex(CATALOG).by_id("jcstar-1")


def profile(**facts: bool | None) -> ProductProfile:
    return ProductProfile(
        vendor="V",
        product="P",
        model_numbers=("M-1",),
        product_type="camera",
        firmware_version="1.0",
        facts=ProductFacts(**facts),
    )


def verdicts(facts=None, attempts=(), answers=None) -> dict[str, tuple[str, tuple[str, ...]]]:
    plan = build_plan(CATALOG, profile(**(facts or {})))
    result = evaluate(plan, STAR1, tuple(attempts), answers or {})
    return {v.requirement: (v.verdict, v.reasons) for v in result}


def vdp_attempt(outcome: str = "pass", conclusive: bool = True, status: str = "completed"):
    observations = (
        (
            Observation(
                topic="policy", outcome=outcome, message=f"policy {outcome}", conclusive=conclusive
            ),
        )
        if status == "completed"
        else ()
    )
    return CheckAttempt(
        check="documents.vdp",
        check_version="1.0",
        status=status,
        reason="boom" if status != "completed" else "",
        observations=observations,
    )


IMPLEMENTED = Answer(
    status="implemented", statement="done", evidence=(EvidenceRef(document="Manual", section="2"),)
)
BRUTE_FORCE_TEST = EvidenceRef(
    document="Test report TR-1", section="5", kind="test_report",
    test="20 wrong passwords, then the right one", result="pass",
)  # fmt: skip
TESTED = Answer(status="implemented", statement="locks out", evidence=(BRUTE_FORCE_TEST,))


def all_implemented() -> dict[str, Answer]:
    """Every ★1 requirement claimed with evidence; S1.1-04 (evaluated on the device) with
    a passing test record."""
    return {rid: TESTED if rid == "S1.1-04" else IMPLEMENTED for rid in STAR1}


def test_no_evidence_is_needs_review_never_met():
    result = verdicts()
    assert {verdict for verdict, _ in result.values()} == {"NEEDS_REVIEW"}
    assert "no evidence" in result["S1.1-01"][1][0]


def test_vendor_claim_with_evidence_reference_is_met():
    assert verdicts(answers={"S1.1-03": IMPLEMENTED})["S1.1-03"][0] == "MET"


def test_vendor_claim_without_evidence_reference_needs_review():
    bare = Answer(status="implemented", statement="trust us")
    verdict, reasons = verdicts(answers={"S1.1-03": bare})["S1.1-03"]
    assert verdict == "NEEDS_REVIEW"
    assert "cites no evidence" in reasons[0]


def test_automated_failure_beats_the_vendor_claim():
    verdict, reasons = verdicts(attempts=[vdp_attempt("fail")], answers={"S1.1-05": IMPLEMENTED})[
        "S1.1-05"
    ]
    assert verdict == "NOT_MET"
    assert "policy fail" in reasons[0]


def test_check_error_is_inconclusive_even_with_a_claim():
    verdict, reasons = verdicts(
        attempts=[vdp_attempt(status="error")], answers={"S1.1-05": IMPLEMENTED}
    )["S1.1-05"]
    assert verdict == "INCONCLUSIVE"
    assert any("documents.vdp error: boom" in r for r in reasons)


def test_conclusive_pass_is_met_without_an_answer():
    assert verdicts(attempts=[vdp_attempt()])["S1.1-05"][0] == "MET"


def test_inconclusive_pass_alone_needs_review():
    assert verdicts(attempts=[vdp_attempt(conclusive=False)])["S1.1-05"][0] == "NEEDS_REVIEW"


def test_skipped_check_is_reported_and_is_not_evidence():
    verdict, reasons = verdicts(attempts=[vdp_attempt(status="skipped")])["S1.1-05"]
    assert verdict == "NEEDS_REVIEW"
    assert any("documents.vdp skipped" in r for r in reasons)


def test_vendor_not_implemented_is_not_met():
    answer = Answer(status="not_implemented", statement="shared password")
    assert verdicts(answers={"S1.1-02": answer})["S1.1-02"][0] == "NOT_MET"


def test_profile_fact_makes_a_conditional_requirement_not_applicable():
    result = verdicts(facts={"uses_passwords": False, "network_updates": False})
    assert result["S1.1-02"][0] == "NOT_APPLICABLE"
    assert "uses_passwords" in result["S1.1-02"][1][0]
    assert result["S1.1-08"][0] == "NOT_APPLICABLE"
    assert result["S1.1-01"][0] == "NEEDS_REVIEW"


def test_unknown_fact_never_exempts():
    assert verdicts(facts={"uses_passwords": None})["S1.1-02"][0] == "NEEDS_REVIEW"


def test_unconfirmed_exemption_asks_for_review():
    verdict, reasons = verdicts(facts={"constrained_device": True})["S1.1-04"]
    assert verdict == "NEEDS_REVIEW"
    assert "not confirmed" in reasons[0]
    # implementing it anyway, shown by a test of the device, settles the question
    implemented = verdicts(facts={"constrained_device": True}, answers={"S1.1-04": TESTED})
    assert implemented["S1.1-04"][0] == "MET"


def test_vendor_not_applicable_needs_a_condition_and_a_justification():
    universal = Answer(status="not_applicable", statement="no users")
    assert verdicts(answers={"S1.1-01": universal})["S1.1-01"][0] == "NEEDS_REVIEW"
    unjustified = Answer(status="not_applicable")
    assert verdicts(answers={"S1.1-08": unjustified})["S1.1-08"][0] == "NEEDS_REVIEW"
    justified = Answer(status="not_applicable", statement="updates only by USB in the field")
    verdict, reasons = verdicts(answers={"S1.1-08": justified})["S1.1-08"]
    assert verdict == "NOT_APPLICABLE"
    assert "USB" in reasons[0]


def test_overall_outcome():
    all_met = all_implemented()
    plan = build_plan(CATALOG, profile())
    met = evaluate(plan, STAR1, (), all_met)
    assert overall(met) == "CONFORMANT"
    partial = evaluate(plan, STAR1, (), {"S1.1-01": IMPLEMENTED})
    assert overall(partial) == "INCOMPLETE"
    failing = evaluate(plan, STAR1, (vdp_attempt("fail"),), all_met)
    assert overall(failing) == "NOT_CONFORMANT"


def test_a_level_above_one_needs_a_known_category():
    with pytest.raises(PlanError, match="★3 is set per product category: give category:"):
        build_plan(CATALOG, profile().model_copy(update={"level": 3}))
    with pytest.raises(PlanError, match="no ★2 profile for category 'toaster'"):
        build_plan(CATALOG, profile().model_copy(update={"level": 2, "category": "toaster"}))


# -- the runner: every outcome of a check becomes an attempt -------------------------


class FakeCheck(Check):
    id: ClassVar[str] = "test.fake"
    version: ClassVar[str] = "0"
    title: ClassVar[str] = "fake"
    needs: ClassVar[tuple[str, ...]] = ()
    topics: ClassVar[tuple[str, ...]] = ("x",)

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        if self.behaviour == "crash":
            raise ConnectionResetError("peer reset")
        if self.behaviour == "cannot judge":
            raise CannotJudge("the device closed every connection", "refused")
        if self.behaviour == "skip":
            raise SkipCheck("no target")
        if self.behaviour == "empty":
            return ()
        return (Observation(topic="x", outcome="pass", message="ok"),)


@pytest.mark.parametrize(
    ("behaviour", "status", "kind", "reason"),
    [
        ("hang", "error", "timed_out", "no result within 0.2 s"),
        # a fault of the check is named as one (no kind); a check that cannot judge says why,
        # plainly, and of which kind
        (
            "crash",
            "error",
            None,
            "internal error in the check: ConnectionResetError('peer reset')",
        ),
        ("cannot judge", "error", "refused", "the device closed every connection"),
        ("skip", "skipped", None, "no target"),
        ("empty", "error", None, "check returned no observation"),
        ("ok", "completed", None, ""),
    ],
)
def test_runner_wraps_every_outcome_in_an_attempt(behaviour, status, kind, reason):
    attempt = asyncio.run(run_check(FakeCheck(behaviour), CheckInput(), timeout_s=0.2))
    assert (attempt.status, attempt.kind, attempt.reason) == (status, kind, reason)


def test_a_requirement_evaluated_on_the_device_is_not_met_by_documents_alone():
    # S1.1-04 is marked eval_mode: device in the catalog (IPA tests it on the real device)
    verdict, reasons = verdicts(answers={"S1.1-04": IMPLEMENTED})["S1.1-04"]
    assert verdict == "NEEDS_REVIEW"
    assert "evaluated on the device itself" in reasons[0]
    assert "test_report" in reasons[0]
    verdict, reasons = verdicts(answers={"S1.1-04": TESTED})["S1.1-04"]
    assert verdict == "MET"
    assert reasons[0] == (
        "vendor test record Test report TR-1, 5 (20 wrong passwords, then the right one): passed"
    )
    # a document-evaluated requirement is still met by a cited document
    assert verdicts(answers={"S1.1-03": IMPLEMENTED})["S1.1-03"][0] == "MET"


def test_a_conclusive_probe_result_is_device_evidence():
    attempt = CheckAttempt(
        check="network.bruteforce",
        check_version="1.0",
        status="completed",
        observations=(
            Observation(topic="bruteforce", outcome="pass", message="locked out", conclusive=True),
        ),
    )
    verdict, reasons = verdicts(attempts=[attempt], answers={"S1.1-04": IMPLEMENTED})["S1.1-04"]
    assert verdict == "MET"
    assert reasons[0] == "network.bruteforce: locked out"


def test_a_failing_vendor_test_record_is_not_met_whatever_the_claim():
    failed = BRUTE_FORCE_TEST.model_copy(update={"result": "fail"})
    answer = Answer(status="implemented", statement="locks out", evidence=(failed,))
    verdict, reasons = verdicts(answers={"S1.1-04": answer})["S1.1-04"]
    assert verdict == "NOT_MET"
    assert "failed" in reasons[0]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "test_report"},
        {"kind": "test_report", "test": "burst"},
        {"kind": "test_report", "result": "pass"},
        {"test": "burst", "result": "pass"},
    ],
)
def test_a_test_record_names_its_test_and_result(fields):
    with pytest.raises(ValidationError, match="test_report"):
        EvidenceRef(document="TR-1", **fields)


def test_an_unanswered_entry_is_never_met():
    verdict, reasons = verdicts(answers={"S1.1-03": Answer(status=None)})["S1.1-03"]
    assert verdict == "NEEDS_REVIEW"
    assert "no evidence" in reasons[0]


def test_an_observation_that_could_not_be_judged_is_inconclusive_never_met():
    attempt = CheckAttempt(
        check="documents.vdp",
        check_version="1.0",
        status="completed",
        observations=(
            Observation(topic="policy", outcome="inconclusive", message="could not read part"),
        ),
    )
    verdict, reasons = verdicts(attempts=[attempt], answers={"S1.1-05": IMPLEMENTED})["S1.1-05"]
    assert verdict == "INCONCLUSIVE"  # the vendor's claim does not outweigh it
    assert reasons[0] == "documents.vdp: could not read part"
