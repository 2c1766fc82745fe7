"""Inspect a firmware image with the firmware checks only (as ``probe`` does for the
network): the profile an image is inspected with, and the pipeline run on it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jcstar.assessment.inputs import InputError, load_profile, unnamed_profile
from jcstar.assessment.models import AssessmentReport, InputDigest, ProductProfile
from jcstar.assessment.pipeline import assess
from jcstar.assessment.runner import OnAttempt
from jcstar.assessment.targets import TARGETS, with_target
from jcstar.assessment.targets.firmware import FirmwareInputs
from jcstar.checks.base import FIRMWARE_IMAGE
from jcstar.checks.firmware.collect.inputs import FILE_FIELDS, check_files
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.targets.firmware import UnpackedImage
from jcstar.targets.firmware.unblob import Progress

FIRMWARE_PREFIX = "firmware."
#: firmware fields the command line may set (paths: relative to the working directory)
FILE_OPTIONS = (*FILE_FIELDS, "same_model")


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


async def inspect_async(
    profile: ProductProfile,
    digests: list[InputDigest],
    keep_dir: Path | None = None,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
    on_progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> tuple[AssessmentReport, UnpackedImage | None]:
    """The firmware checks on ``profile.firmware`` (its paths already absolute): the
    pipeline with the image kept in ``keep_dir`` if given and only the ``firmware.`` checks
    selected; the report and what was unpacked."""
    assessed = await assess(
        profile,
        Path("."),
        inputs=digests,
        targets=with_target(TARGETS, FirmwareInputs(keep_dir, on_progress)),
        select=FIRMWARE_PREFIX,
        timeout_s=timeout_s,
        on_attempt=on_attempt,
        on_plan=on_plan,
    )
    unpacked = assessed.details.get(FIRMWARE_IMAGE)
    return assessed.report, unpacked if isinstance(unpacked, UnpackedImage) else None
