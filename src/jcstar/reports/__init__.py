"""Report renderers: one canonical :class:`AssessmentReport`, several formats.

Renderers only read the report; no verdict is ever re-derived here.
"""

from __future__ import annotations

from jcstar.assessment.models import AssessmentReport

FORMATS: tuple[str, ...] = ("md", "html", "xlsx", "oscal", "json")


def render(report: AssessmentReport, fmt: str) -> bytes:
    """Render ``report`` as ``fmt`` (one of :data:`FORMATS`)."""
    # Renderer modules are imported on demand: openpyxl and trestle are slow to
    # import and most runs want a single format.
    if fmt == "md":
        from jcstar.reports.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        from jcstar.reports.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "xlsx":
        from jcstar.reports.xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "oscal":
        from jcstar.reports.oscal import render_oscal

        return render_oscal(report).encode("utf-8")
    if fmt == "json":
        return (report.model_dump_json(indent=2) + "\n").encode("utf-8")
    allowed = ", ".join(FORMATS)
    raise ValueError(f"unknown report format {fmt!r}; choose one of: {allowed}")


__all__ = ["FORMATS", "render"]
