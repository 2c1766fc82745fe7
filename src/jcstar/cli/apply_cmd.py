"""``jcstar apply``: a vendor creates an application from a report, attaches documents, submits.

``--check`` answers offline whether the registry would accept the report, with the library's
label decision (the one the registry runs at submission), and sends nothing.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from jcstar.assessment.application_rules import DOCUMENT_KINDS, ROUTES
from jcstar.assessment.decision import label_decision
from jcstar.assessment.inputs import InputError
from jcstar.catalog.loader import load_catalog
from jcstar.cli.common import (
    EXIT_NOT_CONFORMANT,
    console,
    err_console,
    fail,
    input_errors,
    print_json,
)
from jcstar.cli.registry_options import (
    OptionalRegistryOption,
    OptionalTokenOption,
    connect,
    registry_errors,
)
from jcstar.cli.report_cmd import load_report

__all__ = ["DOCUMENT_KINDS", "Route", "apply", "document_spec", "read_report"]

#: the routes an application may take, from the one list the registry reads too
Route = StrEnum("Route", {route: route for route in ROUTES})  # type: ignore[misc]


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


def check_report(report: Path, route: str, kinds: set[str]) -> None:
    """Answer, offline, whether the registry would accept ``report``: exit 0, or 1 with each
    problem in the words the registry refuses with."""
    with input_errors(InputError):
        loaded = load_report(report)
    decision = label_decision(loaded, load_catalog(), route=route, document_kinds=kinds)
    if decision.grantable:
        console.print(
            "the registry would accept this report (this catalog's criteria; the registry also "
            "checks the criteria versions it has published, the maker and any renewal)",
            highlight=False,
        )
        return
    for problem in decision.problems:
        console.print(str(problem), highlight=False, markup=False)
    fail(decision.refusal(), EXIT_NOT_CONFORMANT)


def apply(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="From jcstar assess")],
    registry: OptionalRegistryOption = None,
    token: OptionalTokenOption = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", metavar="M", help="Model number (repeat)")
    ] = None,
    document: Annotated[
        list[str] | None,
        typer.Option(
            "--document", metavar="[KIND=]FILE", help="Attach a document (repeat); .xlsx=checklist"
        ),
    ] = None,
    route: Annotated[Route, typer.Option(help="standard, or psti")] = Route("standard"),
    lab: Annotated[
        str | None, typer.Option(metavar="NAME", help="Evaluation lab named on the application")
    ] = None,
    renews: Annotated[
        str | None,
        typer.Option(
            metavar="REG_NO", help="Renew this label of yours (a current report, all its models)"
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only say whether the registry would accept the report; send nothing"
        ),
    ] = False,
) -> None:
    """Apply for a label: create the application, attach documents and submit it.

    With --renews REG_NO the application renews that label: it opens a set number of days
    before the label expires (the registry says when), and needs a recent report.

    With --check nothing is sent (no registry or token needed): the registry's own decision is
    run here on the report, the route and the kinds of the documents given. Exit 0 it would
    accept the report, 1 it would not (each problem printed), 2 bad input.

    Prints the application as JSON. Exit 0 submitted, 1 the registry refused the report
    (its reason names the requirement), 2 bad input, 4 token or role refused, 5 unreachable.
    """
    documents = [document_spec(spec) for spec in document or []]
    if check:
        check_report(report, route.value, {kind for kind, _ in documents})
        return
    if registry is None:
        fail("give the registry: --registry URL or JCSTAR_REGISTRY (or --check to ask offline)")
    if token is None:
        fail("give an API token: --token T or JCSTAR_TOKEN")
    data = read_report(report)
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
