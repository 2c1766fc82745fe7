"""Standalone HTML report: one file, inline CSS, no external assets."""

from __future__ import annotations

from functools import cache

import jinja2

from jcstar.assessment.also import verdict_groups
from jcstar.assessment.models import VERDICTS, AssessmentReport
from jcstar.reports.markdown import (
    DRAFT_BANNER,
    OVERALL_JA,
    VERDICT_JA,
    also_heading,
    consumer_facts,
    criteria_label,
    evidence_ref_parts,
    evidence_source,
    level_label,
    profile_facts,
    short_reason,
)


@cache
def _environment() -> jinja2.Environment:
    # Autoescape is always on: vendor text reaches this page unfiltered.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jcstar.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def is_web_url(value: str) -> bool:
    """Only http(s) URLs become links; a ``javascript:`` href would run even escaped."""
    return value.startswith(("https://", "http://"))


def render_html(report: AssessmentReport) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        verdicts=VERDICTS,
        groups=verdict_groups(report),
        also_heading=also_heading,
        verdict_ja=VERDICT_JA,
        overall_ja=OVERALL_JA,
        level=level_label(report.level),
        criteria=criteria_label(report),
        consumer_facts=consumer_facts(report),
        profile_facts=profile_facts(report),
        draft_banner=DRAFT_BANNER,
        short_reason=short_reason,
        evidence_source=evidence_source,
        evidence_ref_parts=evidence_ref_parts,
        is_web_url=is_web_url,
    )
