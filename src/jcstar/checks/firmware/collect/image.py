"""The firmware image the checks read: unpacked once per run, shared by every check."""

from __future__ import annotations

import asyncio
import tempfile
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from jcstar.checks.base import (
    ABSENT,
    FIRMWARE_IMAGE,
    CannotJudge,
    CannotJudgeKind,
    CheckInput,
    Frozen,
    SkipCheck,
)
from jcstar.checks.firmware.collect.params import ANALYSIS_S, FirmwareParams
from jcstar.targets.firmware import UnpackedImage, UnpackError, remove_tree, sha256_file, unpack
from jcstar.targets.firmware.unblob import Progress

T = TypeVar("T")

TARGET = FIRMWARE_IMAGE
#: a firmware check's budget under the default limits (the runner asks ``budget_for``)
DEFAULT_BUDGET_S = FirmwareParams(image="-").budget_s()


@dataclass(frozen=True)
class FirmwareTarget:
    """The firmware image a run reads: the profile's ``firmware:`` section (paths
    resolved), where to unpack it and whom to tell how extraction goes."""

    params: FirmwareParams
    #: directory to unpack into (the assessment makes and removes it); None: a private
    #: one that goes with the run (checks run on their own: tests, scripts)
    workdir: str | None = None
    #: given each extraction tally (a progress display)
    on_progress: Progress | None = None


def _target(given: CheckInput) -> FirmwareTarget:
    target = given.firmware_target()
    if target is None:
        raise SkipCheck(ABSENT[FIRMWARE_IMAGE])
    return target


def firmware_params(given: CheckInput) -> FirmwareParams:
    return _target(given).params.resolved(Path(given.base_dir))


def _workdir(given: CheckInput) -> Path:
    given_dir = _target(given).workdir
    if given_dir:
        return Path(given_dir)
    path = Path(tempfile.mkdtemp(prefix="jcstar-firmware-"))
    weakref.finalize(given.shared, remove_tree, path)
    return path


async def image_sha256(given: CheckInput, path: str) -> str:
    """SHA-256 of an image file (of its listing for a directory), computed once per run."""
    if Path(path).is_dir():
        return (await _unpack(given, path, None)).sha256
    return await given.shared.once(f"firmware.sha256:{path}", lambda: _hash(path))


async def _hash(path: str) -> str:
    return await asyncio.to_thread(sha256_file, Path(path))


async def _unpack(given: CheckInput, path: str, subdir: str | None) -> UnpackedImage:
    params = firmware_params(given)
    main = subdir is None

    async def make() -> UnpackedImage:
        workdir = _workdir(given) if main else _workdir(given) / str(subdir)
        progress = _target(given).on_progress if main else None
        # the digest is computed (once per run) while unblob extracts
        digest = None if Path(path).is_dir() else image_sha256(given, path)
        return await unpack(Path(path), workdir, params.limits, progress, sha256=digest)

    return await given.shared.once(f"firmware.unpack:{path}", make)


class CannotUnpack(CannotJudge, UnpackError):
    """The image could not be unpacked: the check cannot judge (INCONCLUSIVE), of the kind
    :func:`unpack_kind` reads from the unpacker's one-line reason."""


def unpack_kind(reason: str) -> CannotJudgeKind:
    """The kind of an unpack failure. ``targets/firmware`` states it only in words (its
    messages: "found no format it knows", "extraction stopped…", "not found", "cannot
    read"); a reason not recognised here stays ``undetermined``."""
    if "no format it knows" in reason:
        return "unsupported"
    if "stopped" in reason or "outgrew" in reason:
        return "cut_short"
    if "not found" in reason or "cannot read" in reason:
        return "unreachable"
    return "undetermined"


async def unpacked_image(given: CheckInput) -> UnpackedImage:
    """The profile's image, unpacked once per run (``given.shared``).

    SkipCheck when the profile names no firmware; :class:`CannotUnpack` (an UnpackError)
    when it cannot be unpacked."""
    try:
        return await _unpack(given, firmware_params(given).image, None)
    except UnpackError as exc:
        raise CannotUnpack(str(exc), unpack_kind(str(exc))) from exc


async def unpacked_same_model(given: CheckInput, index: int) -> UnpackedImage:
    """The ``index``-th other image of the same model, unpacked within the same limits
    into its own directory beside the image's (``same-model-1``, …)."""
    path = firmware_params(given).same_model[index]
    return await _unpack(given, path, f"same-model-{index + 1}")


def discard(image: UnpackedImage) -> None:
    """Remove what was extracted from an image once read (never a directory image)."""
    if image.extractor != "directory":
        remove_tree(Path(image.root))


def check_budget(given: CheckInput, same_model: bool = False) -> float:
    """A firmware check's time budget from the profile's limits: the extraction's
    ``timeout_s`` for each image it waits on (with ``same_model``, the other images of
    the model too, unpacked one after another), plus time to read them."""
    try:
        params = firmware_params(given)
    except Exception:  # no firmware (the check skips at once) or invalid (it fails at once)
        return ANALYSIS_S
    return params.budget_s(1 + (len(params.same_model) if same_model else 0))


class OtherImage(Frozen, Generic[T]):
    """What was read from another image of the same model, or why it could not be."""

    label: str
    read: T | None = None
    #: why the image could not be read, or not whole ("" when it was)
    problem: str = ""
    #: byte for byte the inspected image (the same file twice, not another unit's)
    identical: bool = False


def image_labels(paths: Sequence[str]) -> list[str]:
    """Short names for images in a report: the file name, or the path when two share it."""
    names = [Path(p).name or p for p in paths]
    return [p if names.count(n) > 1 else n for p, n in zip(paths, names, strict=True)]


async def read_same_model(
    given: CheckInput, image: UnpackedImage, read: Callable[[UnpackedImage], T]
) -> list[OtherImage[T]]:
    """``read`` applied to each other image of the same model, one image after another
    (each extraction is removed once read, so the disk holds one at a time)."""
    params = firmware_params(given)
    labels = image_labels([params.image, *params.same_model])[1:]
    found: list[OtherImage[T]] = []
    for index, label in enumerate(labels):
        try:
            other = await unpacked_same_model(given, index)
        except UnpackError as exc:  # its message starts with the image: the label says it
            path = params.same_model[index]
            why = str(exc).removeprefix(f"{path}: ").removeprefix(f"{Path(path).name}: ")
            found.append(OtherImage[T](label=label, problem=why))
            continue
        try:
            result = await asyncio.to_thread(read, other)
        finally:
            await asyncio.to_thread(discard, other)
        problem = "" if other.complete else "; ".join(other.problems[:3]) or "cut short"
        found.append(
            OtherImage[T](
                label=label, read=result, problem=problem, identical=other.sha256 == image.sha256
            )
        )
    return found
