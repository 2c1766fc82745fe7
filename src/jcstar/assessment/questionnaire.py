"""The vendor's questionnaire: an answers.yaml template for the applicable requirements."""

from __future__ import annotations

from jcstar.assessment.models import AssessmentPlan
from jcstar.catalog.models import Requirement


def _comment(text: str, indent: str = "  ") -> str:
    return "\n".join(f"{indent}# {line}" for line in text.splitlines())


def answers_template(plan: AssessmentPlan, requirements: dict[str, Requirement]) -> str:
    """YAML the vendor fills in; questions and evidence guidance ride along as comments."""
    out = [
        "# jcstar questionnaire: answer each requirement, cite where the evidence is.",
        "# status: implemented | not_implemented | not_applicable (needs a justification)",
        "answers:",
    ]
    for planned in plan.requirements:
        req = requirements[planned.requirement]
        out.append(_comment(f"{req.id} {req.title_ja or ''} / {req.title_en or ''}"))
        if planned.applicability == "not_applicable":
            out.append(_comment(f"not applicable: {planned.reason}"))
            continue
        if planned.applicability == "review":
            out.append(_comment(f"review: {planned.reason}"))
        for question in req.questions:
            out.append(_comment(f"Q: {question.text_ja}"))
            out.append(_comment(f"   {question.text_en}"))
        if req.evidence_guidance_en:
            out.append(_comment(f"evidence: {req.evidence_guidance_en}"))
        if planned.checks:
            out.append(_comment(f"automated: {', '.join(planned.checks)}"))
        if req.eval_mode == "device":
            out.append(
                _comment(
                    "evaluated on the device itself: cite a test record, e.g. - {document: "
                    'Test report TR-1, section: "5", kind: test_report, test: Brute-force '
                    "test, result: pass} (or let jcstar probe the device)"
                )
            )
        # unanswered until the vendor fills it in: an empty status evaluates to NEEDS_REVIEW
        out += [
            f"  {req.id}:",
            "    status:  # implemented | not_implemented | not_applicable",
            '    statement: ""',
            '    evidence: []  # e.g. - {document: User manual, section: "4.3", url: https://…}',
        ]
    return "\n".join(out) + "\n"
