"""The firmware image (and the files beside it) the firmware checks read: unpacked once in a
work directory held for the run, and each file's digest named in the report's inputs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from jcstar.assessment.inputs import InputError
from jcstar.assessment.models import InputDigest, ProductProfile
from jcstar.assessment.targets.base import Finished
from jcstar.checks.base import FIRMWARE_IMAGE, CheckInput
from jcstar.checks.firmware.collect.image import (
    FirmwareTarget,
    firmware_params,
    image_labels,
    image_sha256,
    unpacked_image,
)
from jcstar.targets.firmware import UnpackedImage, sha256_file, workspace
from jcstar.targets.firmware.unblob import Progress

#: report ``inputs[].role`` of each firmware file besides the image
INPUT_ROLES = {
    "update_package": "update_package",
    "signature": "update_signature",
    "public_key": "update_public_key",
    "vuln_feed": "vulnerability_feed",
}


@dataclass(frozen=True)
class FirmwareInputs:
    #: unpack here and leave it in place (``firmware --keep``); None: a temporary directory
    keep_dir: Path | None = None
    #: given each extraction tally (a progress display)
    on_progress: Progress | None = None
    name: str = FIRMWARE_IMAGE

    def present(self, profile: ProductProfile) -> bool:
        return profile.firmware is not None

    def prepare(
        self, profile: ProductProfile, base_dir: Path, resources: ExitStack | None
    ) -> Mapping[str, object]:
        assert profile.firmware is not None
        workdir = None
        if resources is not None:
            workdir = resources.enter_context(firmware_workspace(profile, self.keep_dir))
        # paths in the profile are relative to its directory, as documents are
        firmware = FirmwareTarget(
            profile.firmware.resolved(base_dir),
            workdir=str(workdir) if workdir is not None else None,
            on_progress=self.on_progress,
        )
        return {"firmware": firmware}

    async def finish(self, given: CheckInput, used: bool) -> Finished:
        # what was unpacked is asked only when a check unpacked it (asking would unpack)
        unpacked = await _unpacked(given) if used else None
        return Finished(digests=tuple(await firmware_inputs(given)), detail=unpacked)


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
