"""Probe a live device (or a fleet of them) with the network checks only."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import InputError, load_profile
from jcstar.assessment.models import AssessmentPlan, AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import build_plan
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import OnAttempt, check_input, run_plan_async
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.network.device import DeviceParams
from jcstar.checks.network.pacing import Pacer
from jcstar.checks.network.target import TargetError, parse_host

NETWORK_PREFIX = "network."


def network_only(plan: AssessmentPlan) -> AssessmentPlan:
    """The part of a plan the network checks can evidence."""
    kept = []
    for planned in plan.requirements:
        checks = tuple(c for c in planned.checks if c.startswith(NETWORK_PREFIX))
        if checks:
            kept.append(planned.model_copy(update={"checks": checks}))
    return plan.model_copy(update={"requirements": tuple(kept)})


def device_profile(
    host: str, ports: str | None, profile_path: Path | None
) -> tuple[ProductProfile, list[InputDigest]]:
    """The profile to probe with: the given one pointed at ``host``, or a bare one."""
    try:
        address = parse_host(host)
    except TargetError as exc:
        raise InputError(f"HOST: {exc}") from None
    if profile_path is None:
        profile = ProductProfile(
            vendor="(not given)",
            product=f"device at {address}",
            model_numbers=("(unknown)",),
            product_type="(unknown)",
            firmware_version="(unknown)",
        )
        digests: list[InputDigest] = []
    else:
        profile, digest = load_profile(profile_path)
        digests = [digest]
    base = profile.device.model_dump() if profile.device else {}
    update = {"address": address} | ({"ports": ports} if ports else {})
    try:
        device = DeviceParams.model_validate(base | update)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"--ports: {first['msg']}") from None
    return profile.model_copy(update={"device": device}), digests


async def probe_async(
    profile: ProductProfile,
    digests: list[InputDigest],
    base_dir: Path = Path("."),
    timeout_s: float | None = None,
    pacer: Pacer | None = None,
    on_attempt: OnAttempt | None = None,
) -> AssessmentReport:
    catalog = load_catalog()
    plan = network_only(build_plan(catalog, profile))
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    given = check_input(profile, base_dir, pacer)
    attempts = await run_plan_async(plan, given, timeout_s, on_attempt)
    verdicts = evaluate(plan, requirements, attempts, {})
    return assemble_report(catalog, plan, profile, digests, attempts, verdicts)


# -- fleet mode -------------------------------------------------------------------


@dataclass(frozen=True)
class InventoryRow:
    line: int
    address: str
    model_number: str | None
    ports: str | None
    profile: Path | None


def read_inventory(path: Path) -> list[InventoryRow]:
    """CSV with a header: ``address`` (required), ``model_number``, ``ports``, ``profile``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "address" not in reader.fieldnames:
        raise InputError(f"{path}: the header must name an 'address' column")
    rows, seen = [], set()
    for number, record in enumerate(reader, start=2):
        raw = (record.get("address") or "").strip()
        try:
            address = parse_host(raw)
        except TargetError as exc:
            raise InputError(f"{path}: line {number}: address: {exc}") from None
        if address in seen:
            raise InputError(f"{path}: line {number}: address {address} is listed twice")
        seen.add(address)
        profile = (record.get("profile") or "").strip()
        rows.append(
            InventoryRow(
                line=number,
                address=address,
                model_number=(record.get("model_number") or "").strip() or None,
                ports=(record.get("ports") or "").strip() or None,
                profile=(path.parent / profile) if profile else None,
            )
        )
    return rows


def completed_addresses(results: Path) -> set[str]:
    """Devices already in ``results`` (resume); a torn last line is dropped from the file."""
    if not results.exists():
        return set()
    good: list[str] = []
    done: set[str] = set()
    for line in results.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # an interrupted write: that device runs again
        if isinstance(record, dict) and "address" in record:
            good.append(line)
            done.add(str(record["address"]))
    results.write_text("".join(f"{line}\n" for line in good), encoding="utf-8")
    return done


def result_line(row: InventoryRow, report: AssessmentReport | None, error: str | None) -> str:
    record: dict[str, Any] = {"address": row.address, "model_number": row.model_number}
    if report is None:
        record |= {"overall": "INCOMPLETE", "error": error, "verdicts": []}
    else:
        record |= {
            "overall": report.overall,
            "verdicts": [
                {"requirement": v.requirement, "verdict": v.verdict, "reasons": list(v.reasons)}
                for v in report.verdicts
            ],
            "report": report.model_dump(mode="json"),
        }
    return json.dumps(record, ensure_ascii=False)


async def probe_fleet(
    rows: list[InventoryRow],
    concurrency: int,
    rate: float | None,
    timeout_s: float | None,
    on_start: Callable[[InventoryRow], None] | None = None,
) -> AsyncIterator[str]:
    """Probe ``rows`` with bounded concurrency and one global connection rate;
    yield each device's JSON line as soon as it finishes."""
    pacer = Pacer(rate)
    gate = asyncio.Semaphore(concurrency)

    async def one(row: InventoryRow) -> str:
        async with gate:
            if on_start:
                on_start(row)
            try:
                profile, digests = device_profile(row.address, row.ports, row.profile)
                if row.model_number:
                    profile = profile.model_copy(update={"model_numbers": (row.model_number,)})
                report = await probe_async(profile, digests, timeout_s=timeout_s, pacer=pacer)
            except InputError as exc:
                return result_line(row, None, str(exc))
            return result_line(row, report, None)

    tasks = [asyncio.ensure_future(one(row)) for row in rows]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    finally:
        for task in tasks:
            task.cancel()
