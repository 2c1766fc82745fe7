"""The canonical JSON report, as every other format reads it back."""

from __future__ import annotations

from jcstar.assessment.models import AssessmentReport


def render_json(report: AssessmentReport) -> str:
    return report.model_dump_json(indent=2) + "\n"
