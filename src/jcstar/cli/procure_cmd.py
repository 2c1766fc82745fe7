"""``jcstar procure``: check a model list against a procurement policy; list and show policies.

Exit codes: 0 every line meets the policy, 1 some line does not (or is ambiguous or unknown),
2 bad input (the list, the policy, an option), 5 the registry could not be reached.
"""

from __future__ import annotations

from enum import StrEnum
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
    print_json,
    print_table,
    write_output,
)
from jcstar.cli.procure_options import (
    DayOption,
    ImportanceOption,
    JwksOption,
    PolicyOption,
    RegistryOption,
    SigOption,
    SnapshotOption,
    check_product_types,
    day_of,
    importance_of,
    open_source,
    policy_for,
)
from jcstar.cli.procure_system_cmd import system
from jcstar.cli.registry_options import registry_errors
from jcstar.procurement.loader import load_policy, shipped_policy_names
from jcstar.procurement.models import Policy, basis_text

if TYPE_CHECKING:
    from jcstar.procurement.evaluate import CheckResult

app = typer.Typer(help="Check model lists against procurement policies.", no_args_is_help=True)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


@app.command()
def check(
    models: Annotated[
        Path, typer.Argument(metavar="MODELS", help="Model list: CSV (UTF-8 or Shift_JIS) or XLSX")
    ],
    policy_name: PolicyOption,
    importance: Annotated[
        ImportanceOption | None,
        typer.Option(help="The information system's importance (重要度)"),
    ] = None,
    product_type: Annotated[
        str | None,
        typer.Option(metavar="T", help="Product type of every line (see: jcstar procure show)"),
    ] = None,
    on: DayOption = None,
    registry: RegistryOption = None,
    snapshot: SnapshotOption = None,
    sig: SigOption = None,
    jwks: JwksOption = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, json, xlsx or pdf")] = (
        ReportFormat.table
    ),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the report here")
    ] = None,
) -> None:
    """Check every model of a list against a procurement policy on a day."""
    from jcstar.procurement.check import run_check
    from jcstar.procurement.model_list import ModelListError, read_model_list

    policy = policy_for(policy_name)
    day = day_of(on)
    level = importance_of(importance)
    with input_errors(ModelListError):
        lines = read_model_list(models)
    check_product_types(policy, product_type, [(line.source, line.product_type) for line in lines])
    if fmt in (ReportFormat.xlsx, ReportFormat.pdf) and output is None:
        fail(f"--format {fmt.value} is binary: give -o FILE")
    source = open_source(registry, snapshot, sig, jwks)
    try:
        with registry_errors():
            result = run_check(lines, source, policy, day, level, product_type)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    _report(result, policy, fmt, output)
    raise typer.Exit(EXIT_OK if result.summary.all_met else EXIT_NOT_CONFORMANT)


@app.command("policies")
def policies(
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """List the shipped procurement policies."""
    loaded = [load_policy(name) for name in shipped_policy_names()]
    rows = [
        {
            "id": p.id,
            "name_en": p.name_en,
            "version": p.version,
            "issuer": p.issuer,
            "rules": len(p.rules),
            "product_types": [t.id for t in p.product_types],
        }
        for p in loaded
    ]
    if fmt is TextFormat.json:
        print_json(rows)
        return
    print_table(
        "Procurement policies",
        ("id", "name", "version", "rules", "product types"),
        (
            (
                p.id,
                p.name_en,
                p.version,
                str(len(p.rules)),
                ", ".join(t.id for t in p.product_types),
            )
            for p in loaded
        ),
    )


@app.command()
def show(
    name: Annotated[
        str, typer.Argument(metavar="NAME|FILE", help="A shipped policy or a policy file")
    ],
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """Show a policy's rules (with their basis), product types and guidelines."""
    policy = policy_for(name)
    if fmt is TextFormat.json:
        print_json(policy.model_dump(mode="json"))
        return
    console.print(f"[bold]{policy.id}[/] {policy.name_en} ({policy.version})", highlight=False)
    if policy.name_ja:
        console.print(f"  {policy.name_ja}", highlight=False)
    console.print(f"  issuer: {policy.issuer}", highlight=False)
    print_table(
        "Rules",
        ("id", "requires", "applies", "status", "basis"),
        (
            (
                rule.id,
                f"★{rule.requires.min_level}+",
                _applies(policy, rule.id),
                rule.status,
                basis_text(rule.basis),
            )
            for rule in policy.rules
        ),
        show_lines=True,
    )
    if policy.product_types:
        print_table(
            "Product types",
            ("id", "name", "background", "network checks"),
            (
                (
                    t.id,
                    f"{t.name_ja}\n{t.name_en}",
                    "\n".join(t.background_ja),
                    "\n".join(t.network_checks),
                )
                for t in policy.product_types
            ),
            show_lines=True,
        )
    if policy.guidelines:
        print_table(
            "Guidelines",
            ("name", "scope", "issuer", "summary"),
            (
                (
                    f"{g.short_ja}: {g.name_ja}\n{g.name_en}",
                    g.scope_ja,
                    f"{g.issuer_ja}\n{g.issuer_en}",
                    g.summary_ja + "".join(f"\n・{m}" for m in g.measures_ja),
                )
                for g in policy.guidelines
            ),
            show_lines=True,
        )


def _applies(policy: Policy, rule_id: str) -> str:
    rule = next(r for r in policy.rules if r.id == rule_id)
    when = rule.applies
    parts = [
        f"importance {', '.join(when.importance)}" if when.importance else "",
        f"type {', '.join(when.product_types)}" if when.product_types else "",
        f"from {when.effective_from}" if when.effective_from else "",
        f"to {when.effective_to}" if when.effective_to else "",
    ]
    return "; ".join(p for p in parts if p) or "always"


def _report(result: CheckResult, policy: Policy, fmt: ReportFormat, output: Path | None) -> None:
    if fmt is ReportFormat.json:
        from jcstar.procurement.render_json import render_json

        write_output(render_json(result), output)
    elif fmt is ReportFormat.xlsx:
        from jcstar.procurement.render_xlsx import render_xlsx

        write_output(render_xlsx(result, policy), output, binary=True)
    elif fmt is ReportFormat.pdf:
        from jcstar.procurement.render_pdf import render_pdf

        write_output(render_pdf(result, policy), output, binary=True)
    else:
        from jcstar.procurement.render_text import (
            COLUMNS,
            heading,
            rule_bases,
            summary_text,
            table_rows,
        )

        print_table(heading(result), COLUMNS, table_rows(result), show_lines=True)
        # printed as lines, not in the table: a script or a test reads them whole
        console.print(summary_text(result), highlight=False)
        for line in rule_bases(result, policy):
            console.print(f"  {line}", highlight=False)
        console.print(result.scope_note, highlight=False)


app.command("system")(system)  # issue 13: systems, in cli/procure_system_cmd.py
