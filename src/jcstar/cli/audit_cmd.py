"""``jcstar audit``: a deployed fleet's labels, and with ``--probe`` each device's own ★1 verdicts.

Exit codes: 0 every device meets the policy, has no finding, runs no firmware version its
label does not name and (with --probe) was tested; 1 otherwise; 2 bad input (the inventory,
the policy, an option); 5 the registry could not be reached; 130 interrupted (probe results
kept: run again with --resume).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    console,
    err_console,
    fail,
    input_errors,
    print_table,
    write_output,
)
from jcstar.cli.procure_options import (
    DayOption,
    ImportanceOption,
    JwksOption,
    RegistryOption,
    SigOption,
    SnapshotOption,
    check_product_types,
    day_of,
    importance_of,
    open_source,
    policy_for,
)
from jcstar.cli.registry_options import registry_errors

if TYPE_CHECKING:
    from jcstar.procurement.audit import AuditResult, Device, ProbeOutcome


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


def audit(
    inventory: Annotated[
        Path,
        typer.Argument(
            metavar="INVENTORY",
            help="Devices: CSV or XLSX with address, model number, firmware version, site",
        ),
    ],
    policy_name: Annotated[
        str | None,
        typer.Option(
            "--policy",
            metavar="NAME|FILE",
            help="A shipped policy or a policy file (default: a valid label of any level)",
        ),
    ] = None,
    importance: Annotated[
        ImportanceOption | None, typer.Option(help="The information system's importance (重要度)")
    ] = None,
    product_type: Annotated[
        str | None,
        typer.Option(metavar="T", help="Product type of every device (or a product_type column)"),
    ] = None,
    on: DayOption = None,
    registry: RegistryOption = None,
    snapshot: SnapshotOption = None,
    sig: SigOption = None,
    jwks: JwksOption = None,
    probe: Annotated[
        bool, typer.Option("--probe", help="Probe every device for its own ★1 network verdicts")
    ] = False,
    probe_results: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.jsonl",
            help="Where the probe keeps each device's result (default: INVENTORY.probe.jsonl)",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Probe only the devices not yet in the probe results")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=1024, help="Devices probed at once")] = 32,
    rate: Annotated[
        float | None, typer.Option(min=0.1, help="New connections per second, all devices")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds allowed per check (default: each check's own)")
    ] = None,
    fmt: Annotated[
        AuditFormat | None,
        typer.Option("--format", help="table, json, xlsx or pdf (default: from -o, else table)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the report here")
    ] = None,
) -> None:
    """Audit a deployed fleet: each device's label, firmware and own ★1 probe."""
    from jcstar.procurement.audit import (
        ANY_VALID_LABEL,
        InventoryError,
        audit_devices,
        model_lines,
        read_inventory_devices,
    )
    from jcstar.procurement.check import lookup_lines

    policy = policy_for(policy_name) if policy_name else ANY_VALID_LABEL
    day = day_of(on)
    level = importance_of(importance)
    report_format = _format(fmt, output)
    with input_errors(InventoryError):
        devices = read_inventory_devices(inventory)
    check_product_types(policy, product_type, [(d.source, d.product_type) for d in devices])
    results_file = probe_results or inventory.with_name(inventory.name + ".probe.jsonl")
    if probe:
        _check_addresses(inventory, devices)
    elif resume or probe_results:
        fail("--resume and --probe-results go with --probe")
    source = open_source(registry, snapshot, sig, jwks)
    try:
        with registry_errors():
            lookup = lookup_lines(source, model_lines(devices))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    probes = (
        _probe(inventory, devices, results_file, resume, concurrency, rate, timeout)
        if probe
        else None
    )
    result = audit_devices(
        devices, lookup, policy, day, source.description, probes, level, product_type
    )
    _report(result, report_format, output)
    raise typer.Exit(EXIT_OK if result.clean else EXIT_NOT_CONFORMANT)


def _format(fmt: AuditFormat | None, output: Path | None) -> AuditFormat:
    if fmt is None and output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ("json", "xlsx", "pdf"):
            fail(f"-o {output}: give --format (json, xlsx or pdf) or a file ending in one")
        return AuditFormat(suffix)
    chosen = fmt or AuditFormat.table
    if chosen is AuditFormat.table and output is not None:
        fail("--format table prints to the terminal: give --format json, xlsx or pdf with -o")
    if chosen in (AuditFormat.xlsx, AuditFormat.pdf) and output is None:
        fail(f"--format {chosen.value} is binary: give -o FILE")
    return chosen


def _check_addresses(inventory: Path, devices: tuple[Device, ...]) -> None:
    """A device to probe needs an address the probe can parse: one line naming it if not."""
    from jcstar.checks.network.collect.target import TargetError, parse_host

    for device in devices:
        try:
            parse_host(device.address)
        except TargetError as exc:
            fail(f"{inventory}:{device.line}: address: {exc}")
        if device.profile and not (inventory.parent / device.profile).is_file():
            fail(f"{inventory}:{device.line}: profile: {device.profile}: no such file")


def _probe(
    inventory: Path,
    devices: tuple[Device, ...],
    results: Path,
    resume: bool,
    concurrency: int,
    rate: float | None,
    timeout: float | None,
) -> dict[str, ProbeOutcome]:
    """Probe the devices not yet in ``results`` (the fleet machinery of ``jcstar probe
    --inventory``: bounded concurrency, one connection rate, each device kept as it ends)."""
    from jcstar.assessment.probe import (
        InventoryRow,
        completed_addresses,
        probe_fleet,
        run_probe_loop,
    )
    from jcstar.checks.network.collect.target import parse_host
    from jcstar.cli.probe_cmd import keep
    from jcstar.procurement.audit import read_probe_results

    if not resume and results.exists() and results.stat().st_size > 0:
        fail(f"{results}: probe results exist: give --resume to continue them, or remove the file")
    done = completed_addresses(results) if resume else set()
    rows = [
        InventoryRow(
            line=d.line,
            address=parse_host(d.address),
            model_number=d.model,
            ports=d.ports,
            profile=(inventory.parent / d.profile) if d.profile else None,
        )
        for d in devices
    ]
    todo = [row for row in rows if row.address not in done]
    err_console.print(
        f"probing {len(todo)} devices" + (f" ({len(done)} already in {results})" if done else ""),
        highlight=False,
    )

    async def run() -> None:
        with results.open("a", encoding="utf-8") as sink:
            async for line in probe_fleet(todo, concurrency, rate, timeout):
                keep(sink, line)

    try:
        run_probe_loop(run())
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished devices are in {results}; run again with --resume"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    found = read_probe_results(results.read_text(encoding="utf-8").splitlines())
    # the probe names a device by its parsed address; the audit by the inventory's text
    return {
        d.address: found[r.address]
        for d, r in zip(devices, rows, strict=True)
        if r.address in found
    }


def _report(result: AuditResult, fmt: AuditFormat, output: Path | None) -> None:
    from jcstar.procurement import render_audit

    if fmt is AuditFormat.json:
        write_output(render_audit.render_json(result), output)
    elif fmt is AuditFormat.xlsx:
        write_output(render_audit.render_xlsx(result), output, binary=True)
    elif fmt is AuditFormat.pdf:
        write_output(render_audit.render_pdf(result), output, binary=True)
    else:
        print_table(
            render_audit.heading(result),
            render_audit.COLUMNS,
            render_audit.table_rows(result),
            show_lines=True,
        )
        print_table("By site", render_audit.SITE_COLUMNS, render_audit.site_rows(result))
        # printed as lines, not in the table: a script or a test reads them whole
        for line in render_audit.finding_lines(result):
            console.print(line, highlight=False)
        console.print(render_audit.summary_text(result), highlight=False)
        console.print(result.scope_note, highlight=False)
