"""``jcstar probe``: test a live device, or a fleet from an inventory, over the network."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jcstar.assessment.inputs import InputError
from jcstar.assessment.models import AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import PlanError
from jcstar.assessment.probe import (
    FleetWorkerError,
    ShardedFleet,
    completed_addresses,
    default_workers,
    device_profile,
    probe_async,
    probe_fleet,
    read_inventory,
    run_probe_loop,
)
from jcstar.checks.base import CheckAttempt
from jcstar.checks.network.collect.target import TargetError, resolve_host
from jcstar.cli.assess_cmd import show_attempt
from jcstar.cli.common import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    err_console,
    fail,
    input_errors,
    print_table,
)
from jcstar.cli.run_output import RunFormat, RunFormatOption, finish_run


def probe(
    host: Annotated[
        str | None, typer.Argument(metavar="HOST", help="One device: IP or name")
    ] = None,
    ports: Annotated[
        str | None, typer.Option(help="TCP ports, e.g. 22,23,80-90 or 'all' (default: ★1 set)")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option(metavar="PROFILE.yaml", help="Needed ports, credentials…")
    ] = None,
    inventory: Annotated[
        Path | None, typer.Option(metavar="DEVICES.csv", help="Fleet mode: one device a row")
    ] = None,
    fmt: RunFormatOption = RunFormat.table,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to FILE (fleet: JSON lines)")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=1024, help="Fleet: devices at once")] = 32,
    rate: Annotated[
        float | None, typer.Option(min=0.1, help="Fleet: new connections per second, all devices")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds allowed per check (default: each check's own)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Fleet: processes sharing the devices and the --concurrency/--rate limits "
            "(default: one per core)",
        ),
    ] = None,
) -> None:
    """Probe a device over the network for ★1 evidence (S1.1-01, -02, -04, -10, -12, -13, -14).

    Exit code 0 conformant, 1 not conformant, 3 incomplete, 2 usage or input error.
    """
    if inventory is not None:
        if host is not None:
            fail("give HOST or --inventory, not both")
        if ports is not None or profile is not None:
            fail("with --inventory, give ports and profile per device (columns 'ports', 'profile')")
        if output is None:
            fail("--inventory writes JSON lines: give -o RESULTS.jsonl")
        if fmt is RunFormat.sarif:
            fail("--format sarif is for one device; --inventory writes JSON lines")
        assert output is not None
        _fleet(inventory, output, concurrency, rate, timeout, workers or default_workers())
        return
    if host is None:
        fail("give a HOST to probe (or --inventory DEVICES.csv)")
    assert host is not None
    if workers is not None:
        fail("--workers shares a fleet between processes: use it with --inventory")
    with input_errors(InputError, PlanError, TargetError):
        loaded, digests = device_profile(host, ports, profile)
        assert loaded.device is not None
        resolve_host(loaded.device.address)
        base_dir = profile.parent if profile else Path(".")
        report = _probe_showing_progress(loaded, digests, base_dir, timeout)
    finish_run(report, fmt, output, caption=scan_caption(report))


def _probe_showing_progress(
    profile: ProductProfile, digests: list[InputDigest], base_dir: Path, timeout: float | None
) -> AssessmentReport:
    """Probe one device with a live status line on a terminal (a full port scan takes
    tens of seconds before the first check ends); each check's end is printed as before."""
    assert profile.device is not None
    what = f"probing {profile.device.address}: {len(profile.device.port_list)} TCP ports"
    done = 0
    with err_console.status(f"{what}; scanning…") as status:

        def on_attempt(attempt: CheckAttempt) -> None:
            nonlocal done
            done += 1
            show_attempt(attempt)
            status.update(f"{what}; {done} checks done, {attempt.check} last")

        return run_probe_loop(
            probe_async(profile, digests, base_dir, timeout_s=timeout, on_attempt=on_attempt)
        )


def scan_caption(report: AssessmentReport) -> str | None:
    """``scanned 23 TCP ports; open: 22/tcp ssh, 443/tcp https (TLS)`` from the scan's
    evidence in the report, for the table (None when the device was not scanned)."""
    for attempt in report.attempts:
        for observation in attempt.observations:
            scanned = observation.details.get("scanned_tcp_ports")
            if scanned is None:
                continue
            found = [
                f"{s['port']}/{s['protocol']} {s['service']}" + (" (TLS)" if s.get("tls") else "")
                for s in observation.details.get("open", [])
            ]
            return f"scanned {scanned} TCP ports; open: {', '.join(found) or 'none'}"
    return None


def _fleet(
    inventory: Path,
    output: Path,
    concurrency: int,
    rate: float | None,
    timeout: float | None,
    workers: int,
) -> None:
    with input_errors(InputError):
        rows = read_inventory(inventory)
    done = completed_addresses(output)
    todo = [row for row in rows if row.address not in done]
    if done:
        err_console.print(f"resuming: {len(done)} done, {len(todo)} to go", highlight=False)

    progress = Progress(
        TextColumn("probing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    )
    task = progress.add_task("fleet", total=len(rows), completed=len(rows) - len(todo))

    async def in_one_loop(sink: TextIO) -> None:
        async for line in probe_fleet(todo, concurrency, rate, timeout):
            keep(sink, line)
            progress.advance(task)

    try:
        if workers > 1 and len(todo) > 1:
            # workers first: they are forked before the progress bar starts its thread;
            # they probe, and only this process writes the file, whole lines
            with (
                ShardedFleet(todo, workers, concurrency, rate, timeout) as fleet,
                progress,
                output.open("a", encoding="utf-8") as sink,
            ):
                for line in fleet.lines():
                    keep(sink, line)
                    progress.advance(task)
        else:
            with progress, output.open("a", encoding="utf-8") as sink:
                run_probe_loop(in_one_loop(sink))
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished devices are in {output}; run again to resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except FleetWorkerError as exc:
        err_console.print(f"{exc}; finished devices are in {output}; run again to resume")
        raise typer.Exit(EXIT_INCOMPLETE) from None
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    _print_summary(records)
    overall = {r["overall"] for r in records}
    code = (
        EXIT_NOT_CONFORMANT
        if "NOT_CONFORMANT" in overall
        else EXIT_INCOMPLETE
        if "INCOMPLETE" in overall
        else EXIT_OK
    )
    raise typer.Exit(code)


def keep(sink: TextIO, line: str) -> None:
    """Append one device's whole line and flush: it is kept as soon as it is done."""
    sink.write(line + "\n")
    sink.flush()


def _print_summary(records: list[dict[str, Any]]) -> None:
    by_model: dict[str, Counter[str]] = defaultdict(Counter)
    failing: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        model = record.get("model_number") or "(unknown)"
        by_model[model][record["overall"]] += 1
        for v in record["verdicts"]:
            if v["verdict"] == "NOT_MET":
                failing[model][v["requirement"]] += 1
    print_table(
        f"Fleet summary: {len(records)} devices",
        ("model", "devices", "conformant", "not conformant", "incomplete", "NOT_MET"),
        (
            (
                model,
                str(sum(counts.values())),
                str(counts["CONFORMANT"]),
                str(counts["NOT_CONFORMANT"]),
                str(counts["INCOMPLETE"]),
                ", ".join(f"{r}×{n}" for r, n in sorted(failing[model].items())),
            )
            for model, counts in sorted(by_model.items())
        ),
    )
