"""``jcstar procure``: check a model list against a procurement policy; list and show policies.

Exit codes: 0 every line meets the policy, 1 some line does not (or is ambiguous or unknown),
2 bad input (the list, the policy, an option), 5 the registry could not be reached.
"""

from __future__ import annotations

import datetime as dt
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
from jcstar.cli.procure_system_cmd import system
from jcstar.cli.registry_options import registry_errors
from jcstar.procurement.loader import PolicyError, load_policy, shipped_policy_names
from jcstar.procurement.models import IMPORTANCES, Importance, Policy, basis_text

if TYPE_CHECKING:
    from jcstar.client.status import StatusSource
    from jcstar.procurement.evaluate import CheckResult

app = typer.Typer(help="Check model lists against procurement policies.", no_args_is_help=True)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


class ImportanceOption(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


PolicyOption = Annotated[
    str,
    typer.Option(
        "--policy",
        metavar="NAME|FILE",
        help=f"A shipped policy ({', '.join(shipped_policy_names())}) or a policy YAML file",
    ),
]


def policy_for(name_or_file: str) -> Policy:
    """The policy, loaded and linted; a problem is a one-line error (exit 2)."""
    from jcstar.procurement.lint import lint_policy

    with input_errors(PolicyError):
        policy = load_policy(name_or_file)
    if name_or_file not in shipped_policy_names():
        problems = lint_policy(policy, name_or_file)
        if problems:
            fail(str(problems[0]))
    return policy


def open_source(
    registry: str | None, snapshot: Path | None, sig: Path | None, jwks: str | None
) -> StatusSource:
    """Where labels are read from: a live registry's bulk endpoint or a signed snapshot."""
    if registry and snapshot:
        fail("give --registry URL or --snapshot FILE, not both")
    if snapshot is not None:
        return _snapshot_source(snapshot, sig, jwks)
    if registry:
        from jcstar.client.bulk import RegistryStatusSource

        with input_errors(ValueError):
            return RegistryStatusSource(registry)
    fail("give --registry URL (or JCSTAR_REGISTRY) or --snapshot FILE: where to read labels from")


def _snapshot_source(snapshot: Path, sig: Path | None, jwks: str | None) -> StatusSource:
    """A snapshot verified offline with the keys the user trusts; the signature and the keys
    default to ``snapshot.sig`` and ``jwks.json`` beside it, as ``jcstar snapshot fetch``
    saves them (the same defaults as ``jcstar snapshot verify``)."""
    from jcstar.cli.snapshot_cmd import JWKS_FILE, SIGNATURE_FILE
    from jcstar.client.snapshot import SnapshotStatusSource
    from jcstar.client.verify import LabelInputError, trusted_keys

    if not snapshot.is_file():
        fail(f"--snapshot {snapshot}: no such file")
    signature = sig or snapshot.with_name(SIGNATURE_FILE)
    if not signature.is_file():
        fail(f"{signature}: no such signature file (give --sig FILE)")
    with registry_errors(), input_errors(LabelInputError):
        keys = trusted_keys(jwks or str(snapshot.with_name(JWKS_FILE)), None)
    # a snapshot that does not verify is bad input here: nothing in it is used
    with input_errors(ValueError):
        return SnapshotStatusSource(snapshot, signature, keys)
    raise AssertionError("unreachable")  # input_errors exits on a problem


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
    on: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="The day to judge (YYYY-MM-DD; default today, UTC)"),
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry", envvar="JCSTAR_REGISTRY", metavar="URL", help="Registry base URL"
        ),
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(metavar="FILE", help="A signed registry snapshot, read offline")
    ] = None,
    sig: Annotated[
        Path | None,
        typer.Option(
            metavar="F", help="The snapshot's signature (default: snapshot.sig beside it)"
        ),
    ] = None,
    jwks: Annotated[
        str | None,
        typer.Option(
            metavar="F", help="The registry's keys you trust (default: jwks.json beside it)"
        ),
    ] = None,
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
    day = _day(on)
    level = _importance(importance)
    with input_errors(ModelListError):
        lines = read_model_list(models)
    _check_product_types(policy, product_type, [(line.source, line.product_type) for line in lines])
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


def _importance(option: ImportanceOption | None) -> Importance | None:
    return next((i for i in IMPORTANCES if option is not None and i == option.value), None)


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--on {text}: not a date (YYYY-MM-DD)")


def _check_product_types(
    policy: Policy, product_type: str | None, lines: list[tuple[str | None, str | None]]
) -> None:
    known = [t.id for t in policy.product_types]
    given = [("--product-type", product_type)] + [
        (f"{where}: product_type", t) for where, t in lines
    ]
    for where, type_id in given:
        if type_id is not None and type_id not in known:
            names = ", ".join(known) if known else "none"
            fail(f"{where} {type_id}: not a product type of policy {policy.id} (known: {names})")


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
