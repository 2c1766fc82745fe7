"""The report formats, listed once: what ``--format`` accepts and which renderer makes each.

Light on purpose: it imports no renderer and no assessment model, so a command's ``--help``
can list the formats (``tests/cli/test_cli_startup.py`` holds that). A new format is one
entry here and its renderer module (docs/adding-a-report-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportFormat:
    #: what ``--format`` takes
    name: str
    #: ``module:function`` that renders an :class:`AssessmentReport` to str (text) or bytes
    renderer: str
    #: bytes that make no sense on a terminal: the CLI asks for ``-o FILE``
    binary: bool = False


REPORT_FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("md", "jcstar.reports.markdown:render_markdown"),
    ReportFormat("html", "jcstar.reports.html:render_html"),
    ReportFormat("xlsx", "jcstar.reports.xlsx:render_xlsx", binary=True),
    ReportFormat("pdf", "jcstar.reports.pdf:render_pdf", binary=True),
    ReportFormat("oscal", "jcstar.reports.oscal:render_oscal"),
    ReportFormat("sarif", "jcstar.reports.sarif:render_sarif"),
    ReportFormat("json", "jcstar.reports.canonical:render_json"),
)
FORMATS: tuple[str, ...] = tuple(f.name for f in REPORT_FORMATS)


def report_format(name: str) -> ReportFormat:
    """The format called ``name``; ValueError naming the choices for any other (the CLI
    reports it as a usage error)."""
    for candidate in REPORT_FORMATS:
        if candidate.name == name:
            return candidate
    raise ValueError(f"unknown report format {name!r}; choose one of: {', '.join(FORMATS)}")


def format_name(value: str) -> str:
    """``--format``'s parser: the name, once known to be a format."""
    return report_format(value).name
