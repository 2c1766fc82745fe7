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

#: each reason a verdict gives, by code, with its English sentence (``str.format`` fields).
#: The report keeps the sentence (API, CLI and files read it); the portal reads the code back
#: from it and says the frame in the reader's language, a check's message or the vendor's
#: words inside it as given. ``plan.PLAN_REASON_TEXTS`` are the plan's.
REASON_TEXTS = {
    # a check's own message: the frame is the check's id
    "check_said": "{check}: {message}",
    "attempt_note": "{check} {status}: {reason}",
    "test_record_failed": "vendor test record {record}: failed",
    "test_record_passed": "vendor test record {record}: passed",
    "not_implemented": "vendor states it is not implemented",
    "check_error": "an automated check could not complete",
    "claims_na_applies": "vendor claims not applicable, but it applies to every product",
    "claims_na_unjustified": "vendor claims not applicable without a justification",
    "justification": "vendor justification: {statement}",
    "device_evidence": (
        "{requirement} is evaluated on the device itself: a statement with document "
        "references is not enough; give device evidence (a probe of the device) or a "
        "test record (evidence of kind test_report naming the test and its result)"
    ),
    "implemented": "vendor states it is implemented, with evidence",
    "implemented_no_evidence": "vendor states it is implemented but cites no evidence",
    "no_evidence": "no evidence: no conclusive check result and no vendor answer",
}


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
    notes = [
        REASON_TEXTS["attempt_note"].format(check=a.check, status=a.status, reason=a.reason)
        for a in attempts
        if a.status != "completed"
    ]

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
    failures = [_said(check, obs) for check, obs in observed if obs.outcome == "fail"]
    failures += [
        REASON_TEXTS["test_record_failed"].format(record=_cite(ref))
        for ref in _test_records(answer, "fail")
    ]
    if failures:
        return verdict("NOT_MET", *failures)
    if answer and answer.status == "not_implemented":
        return verdict("NOT_MET", REASON_TEXTS["not_implemented"])
    errors = [a for a in attempts if a.status == "error"]
    if errors:
        return verdict("INCONCLUSIVE", REASON_TEXTS["check_error"])
    undecided = [_said(check, obs) for check, obs in observed if obs.outcome == "inconclusive"]
    if undecided:
        return verdict("INCONCLUSIVE", *undecided)
    if answer and answer.status == "not_applicable":
        if not req.conditional:
            return verdict("NEEDS_REVIEW", REASON_TEXTS["claims_na_applies"])
        if not answer.statement.strip():
            return verdict("NEEDS_REVIEW", REASON_TEXTS["claims_na_unjustified"])
        statement = answer.statement.strip()
        return verdict("NOT_APPLICABLE", REASON_TEXTS["justification"].format(statement=statement))
    claimed = bool(answer and answer.status == "implemented" and answer.evidence)
    if planned.applicability == "review" and not claimed:
        return verdict("NEEDS_REVIEW", planned.reason)
    conclusive = [
        _said(check, obs) for check, obs in observed if obs.outcome == "pass" and obs.conclusive
    ]
    on_device = req.eval_mode == "device"
    tested = [
        REASON_TEXTS["test_record_passed"].format(record=_cite(ref))
        for ref in _test_records(answer, "pass")
    ]
    if on_device and claimed and not conclusive and not tested:
        return verdict("NEEDS_REVIEW", REASON_TEXTS["device_evidence"].format(requirement=req.id))
    if conclusive or claimed:
        if on_device and not conclusive:
            claim = tested
        else:
            claim = [REASON_TEXTS["implemented"]] if claimed else []
        return verdict("MET", *conclusive, *claim)
    if answer and answer.status == "implemented":
        return verdict("NEEDS_REVIEW", REASON_TEXTS["implemented_no_evidence"])
    return verdict("NEEDS_REVIEW", REASON_TEXTS["no_evidence"])


def _said(check: str, obs: Observation) -> str:
    return REASON_TEXTS["check_said"].format(check=check, message=obs.message)


def _test_records(answer: Answer | None, result: str) -> list[EvidenceRef]:
    if answer is None:
        return []
    return [r for r in answer.evidence if r.kind == "test_report" and r.result == result]


def _cite(ref: EvidenceRef) -> str:
    where = f", {ref.section}" if ref.section else ""
    return f"{ref.document}{where} ({ref.test})"
