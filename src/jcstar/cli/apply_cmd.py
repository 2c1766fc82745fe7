"""``jcstar apply``: a vendor creates an application from a report, attaches documents, submits."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from jcstar.assessment.inputs import InputError
from jcstar.cli.common import err_console, fail, input_errors, print_json
from jcstar.cli.registry_options import RegistryOption, TokenOption, connect, registry_errors
from jcstar.cli.report_cmd import load_report

DOCUMENT_KINDS = ("checklist", "declaration", "evaluation_report", "psti_statement", "other")


class Route(StrEnum):
    standard = "standard"
    psti = "psti"


def document_spec(spec: str) -> tuple[str, Path]:
    """``KIND=FILE`` or just ``FILE`` (an ``.xlsx`` is the checklist, anything else ``other``)."""
    kind, sep, name = spec.partition("=")
    if sep and kind in DOCUMENT_KINDS:
        path = Path(name)
    elif sep and not Path(spec).exists():
        fail(f"--document {spec}: kind {kind!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    else:
        path = Path(spec)
        kind = "checklist" if path.suffix.lower() == ".xlsx" else "other"
    if not path.is_file():
        fail(f"--document {spec}: {path} is not a readable file")
    return kind, path


def read_report(path: Path) -> dict[str, Any]:
    """The report as written by ``jcstar assess``; checked locally so a typo fails fast."""
    with input_errors(InputError):
        load_report(path)
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def apply(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="From jcstar assess")],
    registry: RegistryOption,
    token: TokenOption,
    model: Annotated[
        list[str] | None, typer.Option("--model", metavar="M", help="Model number (repeat)")
    ] = None,
    document: Annotated[
        list[str] | None,
        typer.Option(
            "--document", metavar="[KIND=]FILE", help="Attach a document (repeat); .xlsx=checklist"
        ),
    ] = None,
    route: Annotated[Route, typer.Option(help="standard, or psti")] = Route.standard,
    lab: Annotated[
        str | None, typer.Option(metavar="NAME", help="Evaluation lab named on the application")
    ] = None,
    renews: Annotated[
        str | None,
        typer.Option(
            metavar="REG_NO", help="Renew this label of yours (a current report, all its models)"
        ),
    ] = None,
) -> None:
    """Apply for a label: create the application, attach documents and submit it.

    With --renews REG_NO the application renews that label: it opens a set number of days
    before the label expires (the registry says when), and needs a recent report.

    Prints the application as JSON. Exit 0 submitted, 1 the registry refused the report
    (its reason names the requirement), 2 bad input, 4 token or role refused, 5 unreachable.
    """
    data = read_report(report)
    documents = [document_spec(spec) for spec in document or []]
    with connect(registry, token) as client, registry_errors():
        application = client.create_application(data, model or None, route.value, lab, renews)
        app_id = str(application["id"])
        err_console.print(
            f"created draft {application.get('draft_no')} (id {app_id}); if a step below fails"
            " it stays a draft on the registry",
            highlight=False,
        )
        for kind, path in documents:
            client.upload_document(app_id, kind, path)
            err_console.print(f"attached {kind}: {path.name}", highlight=False)
        application = client.submit(app_id)
    err_console.print(
        f"submitted: application number {application.get('application_no')}", highlight=False
    )
    print_json(application)
