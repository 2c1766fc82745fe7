"""``jcstar declare``: a declaration for another market from one assessment report.

``psti``: the UK PSTI statement of compliance (with ``--registration``, the ★1 label's
deemed-compliance route on ``--on``, asked of ``--registry``); ``cra``: the EU CRA pack;
``etsi-ics``: the ETSI EN 303 645 implementation conformance statement.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import fail, input_errors, write_output

if TYPE_CHECKING:
    from jcstar.client.status import StatusSource
    from jcstar.labels.standing import LabelRecord


class DeclarationKind(StrEnum):
    psti = "psti"
    cra = "cra"
    etsi_ics = "etsi-ics"


class DeclarationFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    pdf = "pdf"


def open_status_source(registry: str) -> StatusSource:
    """The registry's bulk status endpoint (tests put records in memory here)."""
    from jcstar.client.bulk import RegistryStatusSource

    with input_errors(ValueError):
        return RegistryStatusSource(registry)
    raise AssertionError("unreachable")  # input_errors exits on a problem


def declare(
    kind: Annotated[DeclarationKind, typer.Argument(metavar="psti|cra|etsi-ics")],
    report: Annotated[Path, typer.Argument(metavar="REPORT.json")],
    registration: Annotated[
        str | None,
        typer.Option(metavar="NO", help="psti: the ★1 label's registration number"),
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry", envvar="JCSTAR_REGISTRY", metavar="URL", help="Registry base URL"
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="psti: the day of supply (YYYY-MM-DD; default today)"),
    ] = None,
    product_class: Annotated[
        str | None,
        typer.Option(metavar="CLASS", help="cra: default, important-1, important-2 or critical"),
    ] = None,
    fmt: Annotated[
        DeclarationFormat, typer.Option("--format", help="md, html, json or pdf")
    ] = DeclarationFormat.md,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
) -> None:
    """Write a declaration for another market (UK PSTI, EU CRA, ETSI EN 303 645 ICS).

    From an assessment report (jcstar assess). psti takes the ★1 label too (--registration,
    --registry, --on the day of supply); cra takes --product-class to set the class.

    Exit code 0 written, 2 usage or input error, 4/5 the registry refused or is unavailable.
    """
    if fmt is DeclarationFormat.pdf and output is None:
        fail("--format pdf writes a binary file: give -o FILE")
    if kind is not DeclarationKind.psti and (registration or on):
        fail("--registration and --on belong to psti (the ★1 label's UK route)")
    if kind is not DeclarationKind.cra and product_class is not None:
        fail("--product-class belongs to cra")
    if registration is not None and not registry:
        fail("--registration needs --registry URL (or JCSTAR_REGISTRY): where to read the label")
    if on is not None and registration is None:
        fail("--on is the label's day of supply: give --registration NO too")
    day = _day(on)

    from jcstar.assessment.inputs import InputError
    from jcstar.catalog.loader import load_catalog
    from jcstar.cli.report_cmd import load_report
    from jcstar.declarations.render import Declaration, render_declaration

    with input_errors(InputError):
        loaded = load_report(report)
    catalog = load_catalog()
    declaration: Declaration
    if kind is DeclarationKind.psti:
        from jcstar.declarations.psti import psti_statement

        label = _label(registry, registration) if registration and registry else None
        declaration = psti_statement(catalog, loaded, label, day)
    elif kind is DeclarationKind.cra:
        from jcstar.declarations.cra import cra_pack

        with input_errors(KeyError):
            declaration = cra_pack(catalog, loaded, product_class)
    else:
        from jcstar.declarations.etsi_ics import etsi_ics

        declaration = etsi_ics(catalog, loaded)
    write_output(render_declaration(declaration, fmt.value), output, binary=fmt.value == "pdf")


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--on {text}: not a date (YYYY-MM-DD)")


def _label(registry: str, registration: str) -> LabelRecord:
    """The label's public record, asked of the registry; not there is bad input."""
    from jcstar.cli.registry_options import registry_errors

    source = open_status_source(registry)
    try:
        with registry_errors():
            record = source.lookup([], [registration]).by_registration.get(registration)
    finally:
        close = getattr(source, "close", None)  # a live registry holds connections
        if close is not None:
            close()
    if record is None:
        fail(f"--registration {registration}: no such label in {source.description}")
    return record
