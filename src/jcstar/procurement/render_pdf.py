"""``--format pdf``: the check as an HTML page (Jinja2), printed to PDF by WeasyPrint."""

from __future__ import annotations

from functools import cache

import jinja2

from jcstar import __version__
from jcstar.procurement.evaluate import CheckResult
from jcstar.procurement.models import Policy
from jcstar.procurement.render_text import (
    COLUMNS,
    VERDICT_TEXT,
    heading,
    summary_text,
    table_rows,
)


@cache
def _environment() -> jinja2.Environment:
    # autoescape: model numbers, vendor names and notice titles come from the list and registry
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jcstar.procurement", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: CheckResult, policy: Policy) -> str:
    return (
        _environment()
        .get_template("check.html.j2")
        .render(
            result=result,
            policy=policy,
            heading=heading(result),
            summary=summary_text(result),
            columns=COLUMNS,
            rows=table_rows(result),
            verdict_column=COLUMNS.index("verdict"),
            verdict_text=VERDICT_TEXT,
            version=__version__,
        )
    )


def render_pdf(result: CheckResult, policy: Policy) -> bytes:
    # WeasyPrint loads Pango and its fonts (~1 s): only when a PDF is asked for
    from weasyprint import HTML  # type: ignore[import-untyped]  # ships no type hints

    pdf = HTML(string=render_html(result, policy)).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)
