"""Inspect a firmware image with the firmware checks only (as ``probe`` does for the network)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import InputError, load_profile
from jcstar.assessment.models import AssessmentPlan, AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import PlanError, build_plan
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import OnAttempt, check_input, run_plan_async
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.base import CheckInput
from jcstar.checks.firmware.image import PROGRESS, unpacked_image
from jcstar.checks.firmware.params import FirmwareParams
from jcstar.targets.firmware import UnpackedImage, workspace
from jcstar.targets.firmware.unblob import Progress

FIRMWARE_PREFIX = "firmware."
#: firmware fields the command line may set (paths: relative to the working directory)
FILE_OPTIONS = ("update_package", "signature", "public_key", "vuln_feed")


def only_checks(plan: AssessmentPlan, prefix: str) -> AssessmentPlan:
    """The part of a plan that checks whose id starts with ``prefix`` can evidence."""
    kept = []
    for planned in plan.requirements:
        checks = tuple(c for c in planned.checks if c.startswith(prefix))
        if checks:
            kept.append(planned.model_copy(update={"checks": checks}))
    return plan.model_copy(update={"requirements": tuple(kept)})


@contextmanager
def firmware_workspace(
    profile: ProductProfile, keep_dir: Path | None = None
) -> Iterator[Path | None]:
    """Where the profile's image is unpacked: a temporary directory removed after the
    run (or ``keep_dir``, left in place); None when the profile names no firmware."""
    if profile.firmware is None:
        yield None
        return
    if keep_dir is not None and keep_dir.is_dir() and any(keep_dir.iterdir()):
        raise InputError(f"--keep: {keep_dir}: the directory to keep must be empty")
    with workspace(keep_dir) as path:
        yield path


def firmware_profile(
    image: Path, profile_path: Path | None, options: dict[str, Any]
) -> tuple[ProductProfile, list[InputDigest]]:
    """The profile to inspect with: the given one pointed at ``image`` (the command
    line's files win over the profile's), or a bare one."""
    if not image.exists():
        raise InputError(f"{image}: firmware image not found")
    for name in FILE_OPTIONS:
        value = options.get(name)
        if value is not None and not Path(value).is_file():
            raise InputError(f"--{name.replace('_', '-')}: {value}: file not found")
    if profile_path is None:
        profile = ProductProfile(
            vendor="(not given)",
            product=f"firmware {image.name}",
            model_numbers=("(unknown)",),
            product_type="(unknown)",
            firmware_version="(unknown)",
        )
        digests: list[InputDigest] = []
        base: dict[str, Any] = {}
    else:
        profile, digest = load_profile(profile_path)
        digests = [digest]
        # the profile's own paths are relative to its directory
        given = profile.firmware.resolved(profile_path.parent) if profile.firmware else None
        base = given.model_dump(exclude_none=True) if given else {}
    absolute = {k: os.path.abspath(v) for k, v in options.items() if v is not None}
    firmware = FirmwareParams.model_validate(base | {"image": os.path.abspath(image)} | absolute)
    return profile.model_copy(update={"firmware": firmware}), digests


async def _unpacked(given: CheckInput) -> UnpackedImage | None:
    """The run's unpacked image, if it was unpacked (the checks did it once)."""
    try:
        return await unpacked_image(given)
    except Exception:
        return None


async def inspect_async(
    profile: ProductProfile,
    digests: list[InputDigest],
    keep_dir: Path | None = None,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
    on_progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> tuple[AssessmentReport, UnpackedImage | None]:
    """Run the firmware checks on ``profile.firmware``; the report and what was unpacked."""
    catalog = load_catalog()
    plan = only_checks(build_plan(catalog, profile), FIRMWARE_PREFIX)
    if not plan.requirements:  # nothing to run must never read as conformant
        raise PlanError(f"catalog {catalog.version} binds no firmware check to any requirement")
    if on_plan:
        on_plan(len(plan.check_ids))
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    with firmware_workspace(profile, keep_dir) as workdir:
        given = check_input(profile, Path("."), firmware_workdir=workdir)
        if on_progress:
            given.params[PROGRESS] = on_progress
        attempts = await run_plan_async(plan, given, timeout_s, on_attempt)
        unpacked = await _unpacked(given) if plan.check_ids else None
    if unpacked is not None:
        name = Path(unpacked.image).name
        digests = [*digests, InputDigest(role="firmware", name=name, sha256=unpacked.sha256)]
    verdicts = evaluate(plan, requirements, attempts, {})
    return assemble_report(catalog, plan, profile, digests, attempts, verdicts), unpacked
