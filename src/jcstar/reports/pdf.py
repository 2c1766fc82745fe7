"""HTML to PDF with WeasyPrint, Japanese text in Noto Sans CJK JP, the same bytes every time.

The report's own page (``--format pdf``) and the declarations (``jcstar declare``) print
through :func:`html_to_pdf`. Reproducible: WeasyPrint writes no creation or modification date
unless the page carries one (ours never do), and the PDF's file identifier is derived from
the page itself, so the same report gives byte-identical PDFs (a digest in a label
application or a CI artefact stays valid). Fonts: Debian's ``fonts-noto-cjk``
(.ci/browser-packages.txt); where it is missing Pango falls back to another font and
Japanese may print as boxes, which the tests catch by rendering a page to an image.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jcstar.assessment.models import AssessmentReport

#: printed-page rules laid over the page's own screen CSS: A4, a CJK font first (the screen
#: CSS names fonts a Debian machine lacks, and Pango's fallback may pick Chinese glyphs)
PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
html, body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif !important; }
body { max-width: none !important; margin: 0 !important; padding: 0 !important;
       font-size: 9pt; }
code, pre { font-family: "Noto Sans Mono CJK JP", monospace !important; }
table { page-break-inside: auto; }
tr { page-break-inside: avoid; }
"""


def html_to_pdf(html: str) -> bytes:
    """``html`` (a standalone page: inline CSS, no external assets) printed to PDF."""
    # WeasyPrint loads Pango and its fonts (~1 s): only when a PDF is asked for
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # ships no type hints

    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    pdf = HTML(string=html).write_pdf(
        stylesheets=[CSS(string=PRINT_CSS)], pdf_identifier=identifier
    )
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)


def render_pdf(report: AssessmentReport) -> bytes:
    """The assessment report's HTML page as a PDF (``--format pdf``)."""
    from jcstar.reports.html import render_html

    return html_to_pdf(render_html(report))
