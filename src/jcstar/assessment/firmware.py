"""Inspect a firmware image with the firmware checks only (as ``probe`` does for the
network), and what ``assess`` and ``firmware`` share: the work directory an image is
unpacked in, and the digests of the firmware files a report names as its inputs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.inputs import InputError, load_profile, unnamed_profile
from jcstar.assessment.models import AssessmentPlan, AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.plan import PlanError, build_plan, only_checks
from jcstar.assessment.report import assemble_report
from jcstar.assessment.runner import OnAttempt, check_input, run_plan_async
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.firmware.collect.image import (
    firmware_params,
    image_labels,
    image_sha256,
    unpacked_image,
)
from jcstar.checks.firmware.collect.inputs import FILE_FIELDS, check_files
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.targets.firmware import UnpackedImage, sha256_file, workspace
from jcstar.targets.firmware.unblob import Progress

FIRMWARE_PREFIX = "firmware."
#: firmware fields the command line may set (paths: relative to the working directory)
FILE_OPTIONS = (*FILE_FIELDS, "same_model")
#: report ``inputs[].role`` of each firmware file besides the image
INPUT_ROLES = {
    "update_package": "update_package",
    "signature": "update_signature",
    "public_key": "update_public_key",
    "vuln_feed": "vulnerability_feed",
}


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
    line's files win over the profile's), or a bare one. Every file is checked here,
    before anything runs: a missing one, a key or feed that does not load is an
    InputError naming it."""
    if not image.exists():
        raise InputError(f"{image}: firmware image not found")
    for name in FILE_OPTIONS:
        values = options.get(name)
        for value in values if isinstance(values, list | tuple) else [values]:
            if value is not None and not Path(value).exists():
                raise InputError(f"--{name.replace('_', '-')}: {value}: file not found")
    if profile_path is None:
        profile = unnamed_profile(f"firmware {image.name}")
        digests: list[InputDigest] = []
        base: dict[str, Any] = {}
    else:
        profile, digest = load_profile(profile_path)  # checks the profile's own files
        digests = [digest]
        # the profile's own paths are relative to its directory
        given = profile.firmware.resolved(profile_path.parent) if profile.firmware else None
        base = given.model_dump(exclude_none=True) if given else {}
    given_options = {k: _absolute(v) for k, v in options.items() if v not in (None, [], ())}
    firmware = FirmwareParams.model_validate(
        base | {"image": os.path.abspath(image)} | given_options
    )
    try:  # the command line's files (the profile's were checked as it was loaded)
        check_files(firmware, tuple(k for k in FILE_FIELDS if k in given_options))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return profile.model_copy(update={"firmware": firmware}), digests


def _absolute(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(os.path.abspath(v) for v in value)
    return os.path.abspath(value) if isinstance(value, str | Path) else value


async def _unpacked(given: CheckInput) -> UnpackedImage | None:
    """The run's unpacked image, if it was unpacked (the checks did it once)."""
    try:
        return await unpacked_image(given)
    except Exception:
        return None


async def firmware_inputs(given: CheckInput) -> list[InputDigest]:
    """SHA-256 of every firmware file the run read, for the report's ``inputs[]``: the
    image (role ``firmware``; of its listing for a directory), the other images of the
    model (``same_model``), the update package, its signature, the public key and the
    vulnerability feed. A file that could not be read is left out (the attempts say why)."""
    if given.firmware is None:
        return []
    params = firmware_params(given)
    images = [params.image, *params.same_model]
    digests = []
    for index, (path, label) in enumerate(zip(images, image_labels(images), strict=True)):
        try:
            sha256 = await image_sha256(given, path)
        except Exception:  # unreadable, or refused: the checks' attempts say so
            continue
        role = "firmware" if index == 0 else "same_model"
        digests.append(InputDigest(role=role, name=label, sha256=sha256))
    for field, role in INPUT_ROLES.items():
        value = getattr(params, field)
        if value is None:
            continue
        try:
            sha256 = await asyncio.to_thread(sha256_file, Path(value))
        except OSError:
            continue
        digests.append(InputDigest(role=role, name=Path(value).name, sha256=sha256))
    return digests


async def run_with_firmware(
    plan: AssessmentPlan,
    profile: ProductProfile,
    base_dir: Path,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
    keep_dir: Path | None = None,
    on_progress: Progress | None = None,
) -> tuple[tuple[CheckAttempt, ...], list[InputDigest], UnpackedImage | None]:
    """Run a plan with the profile's firmware image unpacked for it (and removed after):
    the attempts, the firmware files' digests and what was unpacked. ``assess`` and
    ``firmware`` both run through here, so their reports name the same inputs."""
    with firmware_workspace(profile, keep_dir) as workdir:
        given = check_input(
            profile, base_dir, firmware_workdir=workdir, on_unpack_progress=on_progress
        )
        attempts = await run_plan_async(plan, given, timeout_s, on_attempt)
        firmware = profile.firmware is not None and any(
            c.startswith(FIRMWARE_PREFIX) for c in plan.check_ids
        )
        unpacked = await _unpacked(given) if firmware else None
        digests = await firmware_inputs(given)
    return attempts, digests, unpacked


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
    attempts, firmware_digests, unpacked = await run_with_firmware(
        plan, profile, Path("."), timeout_s, on_attempt, keep_dir, on_progress
    )
    verdicts = evaluate(plan, requirements, attempts, {})
    inputs = [*digests, *firmware_digests]
    return assemble_report(catalog, plan, profile, inputs, attempts, verdicts), unpacked
