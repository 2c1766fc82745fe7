"""Report renderers: one canonical :class:`AssessmentReport`, several formats.

Renderers only read the report; no verdict is ever re-derived here. The formats are listed
once, in :mod:`jcstar.reports.formats`; each renderer is imported when a report is rendered in
its format (openpyxl and trestle are slow to import and most runs want a single format).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from jcstar.reports.formats import FORMATS, REPORT_FORMATS, ReportFormat, report_format

if TYPE_CHECKING:
    from jcstar.assessment.models import AssessmentReport


def render(report: AssessmentReport, fmt: str) -> bytes:
    """Render ``report`` as ``fmt`` (one of :data:`FORMATS`; ValueError for another)."""
    module, _, function = report_format(fmt).renderer.partition(":")
    rendered: str | bytes = getattr(importlib.import_module(module), function)(report)
    return rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")


__all__ = ["FORMATS", "REPORT_FORMATS", "ReportFormat", "render", "report_format"]
