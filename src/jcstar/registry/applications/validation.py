"""Re-validate an assessment report at submission: the library's label decision
(``jcstar.assessment.decision``), given what only the registry knows. ``jcstar apply --check``
calls the same decision before applying, so both refuse in the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from jcstar.assessment.criteria import Version
from jcstar.assessment.decision import (
    NotReevaluable,
    Problem,
    ReportFormatError,
    label_decision,
    parse_report,
    reevaluate,
)
from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.models import Catalog

__all__ = [
    "NotReevaluable",
    "Problem",
    "ReportFormatError",
    "parse_report",
    "reevaluate",
    "submission_problems",
]


def submission_problems(
    report: AssessmentReport,
    catalog: Catalog,
    *,
    route: str = "standard",
    document_kinds: Collection[str] = (),
    psti_waived: Collection[str] | None = None,
    criteria: Sequence[Version] | None = None,
    on: dt.date | None = None,
    refuse_superseded: bool = False,
) -> list[Problem]:
    """Everything that stops ``report`` from being submitted; empty when it holds."""
    decision = label_decision(
        report,
        catalog,
        route=route,
        document_kinds=document_kinds,
        psti_waived=psti_waived,
        criteria=criteria,
        on=on,
        refuse_superseded=refuse_superseded,
    )
    return list(decision.problems)
