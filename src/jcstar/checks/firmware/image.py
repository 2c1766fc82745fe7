"""The firmware image the checks read: unpacked once per run, shared by every check."""

from __future__ import annotations

import tempfile
import weakref
from pathlib import Path

from jcstar.checks.base import CheckInput, SkipCheck
from jcstar.checks.firmware.params import FirmwareParams
from jcstar.targets.firmware import UnpackedImage, remove_tree, unpack

TARGET = "firmware_image"
#: params key of the directory to unpack into (set by the assessment, which removes it)
WORKDIR = "firmware_workdir"
#: params key of a callable given each extraction tally (progress display)
PROGRESS = "firmware_progress"


def firmware_params(given: CheckInput) -> FirmwareParams:
    raw = given.params.get("firmware")
    if raw is None:
        raise SkipCheck("profile names no firmware image (firmware.image)")
    params = raw if isinstance(raw, FirmwareParams) else FirmwareParams.model_validate(raw)
    return params.resolved(Path(given.base_dir))


def _workdir(given: CheckInput) -> Path:
    given_dir = given.params.get(WORKDIR)
    if given_dir:
        return Path(given_dir)
    # checks run on their own (tests, scripts): a private directory that goes with the run
    path = Path(tempfile.mkdtemp(prefix="jcstar-firmware-"))
    weakref.finalize(given.shared, remove_tree, path)
    return path


async def unpacked_image(given: CheckInput) -> UnpackedImage:
    """The profile's image, unpacked once per run (``given.shared``).

    SkipCheck when the profile names no firmware; UnpackError when it cannot be
    unpacked (the runner makes that an error attempt, so INCONCLUSIVE)."""
    params = firmware_params(given)

    async def make() -> UnpackedImage:
        return await unpack(
            Path(params.image), _workdir(given), params.limits, given.params.get(PROGRESS)
        )

    return await given.shared.once("firmware.unpack", make)
