"""``jcstar procure system``: a power-sector system description checked component by component.

Registered on ``jcstar procure`` (``cli/procure_cmd.py``). Exit codes: 0 every component meets
the policy, 1 some component does not (or is ambiguous or unknown), 2 bad input (the
description, the policy, an option), 5 the registry could not be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    TextFormat,
    console,
    fail,
    input_errors,
    print_table,
    write_output,
)
from jcstar.cli.procure_options import (
    DayOption,
    JwksOption,
    RegistryOption,
    SigOption,
    SnapshotOption,
    day_of,
    open_source,
    policy_for,
)
from jcstar.cli.registry_options import registry_errors

if TYPE_CHECKING:
    from jcstar.procurement.system import SystemResult


def system(
    description: Annotated[
        Path, typer.Argument(metavar="SYSTEM.yaml", help="The system: components, zones, roles")
    ],
    policy_name: Annotated[
        str,
        typer.Option(
            "--policy", metavar="NAME|FILE", help="A shipped policy (power-sector) or a file"
        ),
    ] = "power-sector",
    on: DayOption = None,
    registry: RegistryOption = None,
    snapshot: SnapshotOption = None,
    sig: SigOption = None,
    jwks: JwksOption = None,
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON report here")
    ] = None,
) -> None:
    """Check a system's components against a sector policy; say what no label covers."""
    from jcstar.procurement.system import (
        SystemDescriptionError,
        check_product_types,
        check_system,
        load_system,
        lookup_system,
    )

    policy = policy_for(policy_name)
    day = day_of(on)
    if output is not None and fmt is not TextFormat.json:
        fail("-o writes the JSON report: give --format json")
    with input_errors(SystemDescriptionError):
        described = load_system(description)
        check_product_types(description, described, policy)
    source = open_source(registry, snapshot, sig, jwks)
    try:
        with registry_errors():
            lookup = lookup_system(source, described)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    result = check_system(described, lookup, policy, day, source.description)
    if fmt is TextFormat.json:
        write_output((result.model_dump_json(indent=2) + "\n").encode("utf-8"), output)
    else:
        _print(result)
    raise typer.Exit(EXIT_OK if result.meets_policy else EXIT_NOT_CONFORMANT)


def _print(result: SystemResult) -> None:
    from jcstar.procurement.render_text import VERDICT_TEXT, label_cell, shown_labels

    print_table(
        f"System {result.system} ({result.operator}): policy {result.policy} "
        f"({result.policy_version}), on {result.on}; source: {result.source}",
        ("component", "role", "zone", "remote", "model", "verdict", "label", "reason"),
        (
            (
                r.component.id,
                r.component.role,
                r.component.zone,
                "yes" if r.component.remote_access else "no",
                r.component.model,
                VERDICT_TEXT[r.line.verdict],
                "\n".join(
                    f"{label_cell(j)} ★{j.standing.level} {j.standing.status}"
                    for j in shown_labels(r.line)
                ),
                r.line.reason,
            )
            for r in result.components
        ),
        show_lines=True,
    )
    # printed as lines, not in the table: a script or a test reads them whole
    s = result.summary
    verdict = "meets the policy" if result.meets_policy else "does not meet the policy"
    console.print(
        f"system {verdict}: {s.components} components, {s.met} met, {s.not_met} not met, "
        f"{s.ambiguous} ambiguous, {s.unknown} unknown",
        highlight=False,
    )
    for reason in result.reasons:
        console.print(f"  {reason}", highlight=False)
    for warning in result.warnings:
        console.print(f"  warning: {warning}", highlight=False)
    console.print(result.scope_note, highlight=False)
    console.print("What the labels cannot tell about this system:", highlight=False)
    for aspect in result.not_covered:
        console.print(f"  - {aspect.title}: {aspect.detail}", highlight=False)
