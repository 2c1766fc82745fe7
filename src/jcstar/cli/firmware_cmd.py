"""``jcstar firmware``: unpack a firmware image and run the firmware checks on it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from jcstar.assessment.firmware import firmware_profile, inspect_async
from jcstar.assessment.inputs import InputError
from jcstar.assessment.models import AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import PlanError
from jcstar.checks.base import CheckAttempt
from jcstar.cli.assess_cmd import show_attempt
from jcstar.cli.common import console, err_console, fail, input_errors, print_table
from jcstar.cli.run_output import RunFormat, RunFormatOption, finish_run
from jcstar.targets.firmware import UnpackedImage
from jcstar.targets.firmware.tally import Tally


def firmware(
    image: Annotated[
        Path, typer.Argument(metavar="IMAGE", help="Firmware image, or a root filesystem directory")
    ],
    profile: Annotated[
        Path | None, typer.Option(metavar="PROFILE.yaml", help="Product profile")
    ] = None,
    update_package: Annotated[
        Path | None, typer.Option(metavar="PKG", help="Update package to verify (S1.1-08)")
    ] = None,
    signature: Annotated[
        Path | None, typer.Option(metavar="SIG", help="Detached signature of the update package")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(metavar="KEY", help="Vendor public key or certificate (PEM)")
    ] = None,
    vuln_feed: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Vulnerability feed: OSV JSON or CSAF/VEX")
    ] = None,
    sbom_out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write the CycloneDX SBOM here")
    ] = None,
    same_model: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="OTHER_IMAGE",
            help="Another image of the same model (repeatable): a password hash identical "
            "in them is a shared default (S1.1-02)",
        ),
    ] = None,
    fmt: RunFormatOption = RunFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
    keep: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Unpack into DIR and leave it there")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds allowed per check (default: each check's own)")
    ] = None,
) -> None:
    """Inspect a firmware image for ★1 evidence (S1.1-02, -06, -08, -11, -13).

    Exit code 0 conformant, 1 not conformant, 3 incomplete, 2 usage or input error.
    """
    if signature is not None and update_package is None:
        fail("--signature needs --update-package")
    options = {
        "update_package": update_package,
        "signature": signature,
        "public_key": public_key,
        "vuln_feed": vuln_feed,
        "sbom_out": sbom_out,
        "same_model": same_model or [],
    }
    with input_errors(InputError, PlanError):
        loaded, digests = firmware_profile(image, profile, options)
        assert loaded.firmware is not None
        if loaded.firmware.update_package and not loaded.firmware.public_key:
            raise InputError("--update-package needs --public-key (the vendor's key)")
        report, unpacked = _run(loaded, digests, keep, timeout)
    if unpacked is not None:
        _show_unpacked(unpacked)
    finish_run(report, fmt, output, after_table=_show_vulnerabilities)


def _show_vulnerabilities(report: AssessmentReport) -> None:
    """Known vulnerabilities the SBOM matched in the feed, below the verdicts: they are
    information (no ★1 requirement asks for none), but a reader of the table must see
    them, not only a reader of the JSON."""
    rows = [
        (
            str(match.get("component", "")),
            str(match.get("id", "")),
            str(match.get("status", "affected")).replace("_", " "),
            str(match.get("fixed", "")),
            str(match.get("summary", ""))[:120],
        )
        for attempt in report.attempts
        if attempt.check == "firmware.components"
        for observation in attempt.observations
        if observation.topic == "known_vulnerabilities"
        for match in observation.details.get("matches", [])
    ]
    if rows:
        affected = sum(1 for row in rows if row[2] == "affected")
        print_table(
            f"Known vulnerabilities (information, S1.1-06): {affected} affected",
            ("component", "vulnerability", "status", "fixed in", "summary"),
            rows,
        )
        return
    for attempt in report.attempts:
        for observation in attempt.observations:
            if attempt.check == "firmware.components" and observation.topic == (
                "known_vulnerabilities"
            ):
                console.print(f"Known vulnerabilities: {observation.message}", highlight=False)


def _run(
    loaded: ProductProfile, digests: list[InputDigest], keep: Path | None, timeout: float | None
) -> tuple[AssessmentReport, UnpackedImage | None]:
    """Run with progress on stderr: extraction (files, MB so far), then the checks."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        unpacking = progress.add_task("unpacking", total=None)
        checking = progress.add_task("checks", total=None)

        def on_progress(count: Tally) -> None:
            mb = count.bytes / 1024**2
            progress.update(unpacking, description=f"unpacking: {count.files} files, {mb:.0f} MB")

        def on_attempt(attempt: CheckAttempt) -> None:
            progress.update(unpacking, total=1, completed=1)  # a check finished: unpacked
            progress.advance(checking)
            show_attempt(attempt)

        def on_plan(checks: int) -> None:
            progress.update(checking, total=checks)

        return asyncio.run(
            inspect_async(loaded, digests, keep, timeout, on_attempt, on_progress, on_plan)
        )


def _show_unpacked(unpacked: UnpackedImage) -> None:
    state = "complete" if unpacked.complete else "[bold yellow]INCOMPLETE[/]"
    err_console.print(
        f"unpacked {Path(unpacked.image).name} with {unpacked.extractor}: {unpacked.files} files, "
        f"{unpacked.total_bytes / 1024**2:.1f} MB, {len(unpacked.filesystems)} root filesystem(s), "
        f"{state}",
        highlight=False,
    )
    for problem in unpacked.problems:
        err_console.print(f"  [yellow]note:[/] {problem}", highlight=False)
