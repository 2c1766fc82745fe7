"""A declaration as Markdown, HTML (Jinja2, autoescaped), JSON or PDF (the HTML printed by
``reports.pdf``). One template pair per declaration under ``templates/``."""

from __future__ import annotations

import json
from functools import cache
from typing import Literal

import jinja2

from jcstar import __version__
from jcstar.declarations.cra import CraPack
from jcstar.declarations.etsi_ics import EtsiIcs
from jcstar.declarations.psti import PstiStatement

Declaration = PstiStatement | CraPack | EtsiIcs
DeclarationFormat = Literal["md", "html", "json", "pdf"]
DECLARATION_FORMATS: tuple[DeclarationFormat, ...] = ("md", "html", "json", "pdf")


def md_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, lines joined."""
    return " ".join(str(value).split("\n")).replace("|", "\\|")


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    # HTML: autoescape on, vendor text reaches the page unfiltered. Markdown: plain text
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("jcstar.declarations", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["cell"] = md_cell
    return environment


def render_declaration(declaration: Declaration, fmt: str) -> bytes:
    """``declaration`` in ``fmt`` (ValueError naming the formats for another)."""
    if fmt == "json":
        data = declaration.model_dump(mode="json", by_alias=True)
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "md":
        return _render(declaration, "md", autoescape=False).encode("utf-8")
    if fmt == "html":
        return _render(declaration, "html", autoescape=True).encode("utf-8")
    if fmt == "pdf":
        from jcstar.reports.pdf import html_to_pdf

        return html_to_pdf(_render(declaration, "html", autoescape=True))
    raise ValueError(
        f"unknown declaration format {fmt!r}; choose one of: {', '.join(DECLARATION_FORMATS)}"
    )


def _render(declaration: Declaration, suffix: str, autoescape: bool) -> str:
    template = _environment(autoescape).get_template(f"{declaration.kind}.{suffix}.j2")
    return template.render(d=declaration, version=__version__)
