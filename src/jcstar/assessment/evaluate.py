"""Turn plan, check attempts and vendor answers into verdicts. Pure: no I/O.

The rules, in order (the first that fires decides):

1. the profile makes the requirement not applicable -> NOT_APPLICABLE
2. an automated check observed a failure -> NOT_MET (evidence beats a claim)
3. the vendor says it is not implemented -> NOT_MET
4. a check could not run to the end, or could not judge part of what it saw (an
   ``inconclusive`` observation, e.g. an open port that spoke no protocol we know)
   -> INCONCLUSIVE (never MET)
5. the vendor says not applicable: with a justification, and only for a
   requirement that has applicability conditions -> NOT_APPLICABLE; else NEEDS_REVIEW
6. a possible exemption is unconfirmed and the vendor shows no implementation -> NEEDS_REVIEW
7. a conclusive automated pass, or the vendor's claim with an evidence reference -> MET;
   for a requirement evaluated on the device itself (catalog ``eval_mode: device``) the
   claim's evidence must include a passing test record (``kind: test_report``)
8. anything else (no evidence, a claim without evidence, an unanswered entry) -> NEEDS_REVIEW

A vendor test record whose result is ``fail`` counts as a failure observed on the
device (rule 2).
"""

from __future__ import annotations

from jcstar.assessment.models import (
    Answer,
    AssessmentPlan,
    EvidenceItem,
    EvidenceRef,
    PlannedRequirement,
    RequirementVerdict,
    Verdict,
)
from jcstar.catalog.models import Requirement
from jcstar.checks.base import CheckAttempt, Observation


def evaluate(
    plan: AssessmentPlan,
    requirements: dict[str, Requirement],
    attempts: tuple[CheckAttempt, ...],
    answers: dict[str, Answer],
) -> tuple[RequirementVerdict, ...]:
    by_check = {attempt.check: attempt for attempt in attempts}
    return tuple(
        _evaluate_one(
            planned, requirements[planned.requirement], by_check, answers.get(planned.requirement)
        )
        for planned in plan.requirements
    )


def _bound_observations(req: Requirement, attempt: CheckAttempt) -> tuple[Observation, ...]:
    topics = {b.topic for b in req.checks if b.check == attempt.check}
    if None in topics:
        return attempt.observations
    return tuple(obs for obs in attempt.observations if obs.topic in topics)


def _evaluate_one(
    planned: PlannedRequirement,
    req: Requirement,
    by_check: dict[str, CheckAttempt],
    answer: Answer | None,
) -> RequirementVerdict:
    attempts = [by_check[c] for c in planned.checks if c in by_check]
    observed = [(a.check, obs) for a in attempts for obs in _bound_observations(req, a)]
    evidence = [
        EvidenceItem(source="check", check=check, outcome=obs.outcome, summary=obs.message)
        for check, obs in observed
    ]
    if answer:
        evidence += [
            EvidenceItem(
                source="vendor",
                summary=ref.document,
                document=ref.document,
                section=ref.section,
                url=ref.url,
                test=ref.test,
                result=ref.result,
            )
            for ref in answer.evidence
        ]
    notes = [f"{a.check} {a.status}: {a.reason}" for a in attempts if a.status != "completed"]

    def verdict(value: Verdict, *reasons: str) -> RequirementVerdict:
        return RequirementVerdict(
            requirement=req.id,
            title_ja=req.title_ja,
            title_en=req.title_en,
            verdict=value,
            reasons=tuple(r for r in (*reasons, *notes) if r),
            evidence=tuple(evidence),
            vendor_statement=answer.statement if answer and answer.statement else None,
        )

    if planned.applicability == "not_applicable":
        return verdict("NOT_APPLICABLE", planned.reason)
    failures = [f"{check}: {obs.message}" for check, obs in observed if obs.outcome == "fail"]
    failures += [
        f"vendor test record {_cite(ref)}: failed" for ref in _test_records(answer, "fail")
    ]
    if failures:
        return verdict("NOT_MET", *failures)
    if answer and answer.status == "not_implemented":
        return verdict("NOT_MET", "vendor states it is not implemented")
    errors = [a for a in attempts if a.status == "error"]
    if errors:
        return verdict("INCONCLUSIVE", "an automated check could not complete")
    undecided = [
        f"{check}: {obs.message}" for check, obs in observed if obs.outcome == "inconclusive"
    ]
    if undecided:
        return verdict("INCONCLUSIVE", *undecided)
    if answer and answer.status == "not_applicable":
        if not req.conditional:
            return verdict(
                "NEEDS_REVIEW", "vendor claims not applicable, but it applies to every product"
            )
        if not answer.statement.strip():
            return verdict("NEEDS_REVIEW", "vendor claims not applicable without a justification")
        return verdict("NOT_APPLICABLE", "vendor justification: " + answer.statement.strip())
    claimed = bool(answer and answer.status == "implemented" and answer.evidence)
    if planned.applicability == "review" and not claimed:
        return verdict("NEEDS_REVIEW", planned.reason)
    conclusive = [
        f"{check}: {obs.message}"
        for check, obs in observed
        if obs.outcome == "pass" and obs.conclusive
    ]
    on_device = req.eval_mode == "device"
    tested = [f"vendor test record {_cite(ref)}: passed" for ref in _test_records(answer, "pass")]
    if on_device and claimed and not conclusive and not tested:
        return verdict(
            "NEEDS_REVIEW",
            f"{req.id} is evaluated on the device itself: a statement with document "
            "references is not enough; give device evidence (a probe of the device) or a "
            "test record (evidence of kind test_report naming the test and its result)",
        )
    if conclusive or claimed:
        if on_device and not conclusive:
            claim = tested
        else:
            claim = ["vendor states it is implemented, with evidence"] if claimed else []
        return verdict("MET", *conclusive, *claim)
    if answer and answer.status == "implemented":
        return verdict("NEEDS_REVIEW", "vendor states it is implemented but cites no evidence")
    return verdict("NEEDS_REVIEW", "no evidence: no conclusive check result and no vendor answer")


def _test_records(answer: Answer | None, result: str) -> list[EvidenceRef]:
    if answer is None:
        return []
    return [r for r in answer.evidence if r.kind == "test_report" and r.result == result]


def _cite(ref: EvidenceRef) -> str:
    where = f", {ref.section}" if ref.section else ""
    return f"{ref.document}{where} ({ref.test})"
