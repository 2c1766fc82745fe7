"""The vendor's questionnaire: an answers.yaml template for the applicable requirements."""

from __future__ import annotations

from jcstar.assessment.also import also_holders, scheme_name
from jcstar.assessment.models import AssessmentPlan
from jcstar.catalog.models import Catalog, Requirement


def _comment(text: str, indent: str = "  ") -> str:
    return "\n".join(f"{indent}# {line}" for line in text.splitlines())


def _title(req: Requirement) -> str:
    """``S1.1-01 日本語 / English``, or the one title a foreign requirement has."""
    titles = " / ".join(t for t in (req.title_ja, req.title_en) if t)
    return f"{req.id} {titles}".rstrip()


def _section(catalog: Catalog, plan: AssessmentPlan, added_by: str) -> list[str]:
    """The heading over the requirements one ``--also`` scheme added."""
    return [
        "",
        _comment(f"── {scheme_name(catalog, added_by)} ──"),
        _comment(
            f"{added_by} が求め {plan.scheme} が扱わない要件 / what {added_by} asks "
            f"that {plan.scheme} does not cover (--also)"
        ),
    ]


def answers_template(
    plan: AssessmentPlan, requirements: dict[str, Requirement], catalog: Catalog | None = None
) -> str:
    """YAML the vendor fills in; questions and evidence guidance ride along as comments.

    With ``catalog``, the requirements a ``--also`` scheme added follow the scheme's own
    under a heading naming that scheme (the first ``--also`` scheme that holds them)."""
    out = [
        "# jcstar questionnaire: answer each requirement, cite where the evidence is.",
        "# status: implemented | not_implemented | not_applicable (needs a justification)",
        "answers:",
    ]
    added = (
        also_holders(catalog, plan.scheme, plan.also, requirements)
        if catalog is not None and plan.also
        else {}
    )
    section = None
    for planned in plan.requirements:
        req = requirements[planned.requirement]
        holders = added.get(req.id)
        if holders and catalog is not None and holders[0] != section:
            section = holders[0]
            out += _section(catalog, plan, section)
        out.append(_comment(_title(req)))
        if holders and len(holders) > 1:
            out.append(_comment(f"also answers: {', '.join(holders[1:])}"))
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
