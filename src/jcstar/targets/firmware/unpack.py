"""Unpack a firmware image (or take a root filesystem directory as it is)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Awaitable
from pathlib import Path

from jcstar.targets.firmware.models import Limits, UnpackedImage, UnpackError
from jcstar.targets.firmware.rootfs import find_filesystems
from jcstar.targets.firmware.tally import Tally, tally
from jcstar.targets.firmware.unblob import Progress, run_unblob


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _walk_directory(root: Path, limits: Limits) -> tuple[str, Tally, str]:
    """One walk of a directory image, stopped at the limits: a digest of its listing
    (paths, modes, sizes, link targets: enough to tell two trees apart without reading
    every byte), what it holds, and why the walk stopped ("" when it saw everything)."""
    digest = hashlib.sha256()
    files = size = deepest = 0
    started = time.monotonic()
    stack: list[tuple[str, int]] = [(str(root), 0)]
    while stack:
        directory, depth = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                target = os.readlink(entry.path) if entry.is_symlink() else ""
            except OSError:
                continue
            files += 1
            size += info.st_blocks * 512
            deepest = max(deepest, depth + 1)
            rel = os.path.relpath(entry.path, root)
            line = f"{rel}\0{info.st_mode:o}\0{info.st_size}\0{target}\n"
            digest.update(line.encode("utf-8", "surrogateescape"))
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, depth + 1))
            stop = _over_limits(files, size, time.monotonic() - started, limits)
            if stop:
                return digest.hexdigest(), Tally(files, size, deepest), stop
    return digest.hexdigest(), Tally(files, size, deepest), ""


def _over_limits(files: int, size: int, elapsed: float, limits: Limits) -> str:
    if files > limits.max_files:
        return f"directory walk stopped at {files} files (limit {limits.max_files})"
    if size > limits.max_total_bytes:
        return (
            f"directory walk stopped at {size // 1024**2} MB "
            f"(limit {limits.max_total_bytes // 1024**2} MB)"
        )
    if elapsed > limits.timeout_s:
        return f"directory walk stopped after {limits.timeout_s:g} s (time limit)"
    return ""


def refuse_host_root(image: Path) -> None:
    """The host's own ``/`` is no firmware image: walking it reads the whole machine."""
    if os.path.realpath(image) == os.path.realpath(os.sep):
        raise UnpackError(f"{image}: is this machine's root directory, not a firmware image")


def _directory(image: Path, limits: Limits) -> UnpackedImage:
    refuse_host_root(image)
    sha256, count, stopped = _walk_directory(image, limits)
    found = find_filesystems(image, limits.max_files)
    return UnpackedImage(
        image=str(image),
        sha256=sha256,
        size=count.bytes,
        root=str(image),
        filesystems=found if str(image) in found else (str(image), *found),
        files=count.files,
        total_bytes=count.bytes,
        extractor="directory",
        problems=(stopped,) if stopped else (),
        complete=not stopped,
    )


async def _digest(image: Path, given: str | Awaitable[str] | None) -> str:
    if isinstance(given, str):
        return given
    return await (given if given is not None else asyncio.to_thread(sha256_file, image))


def _read_error(image: Path, exc: OSError) -> UnpackError:
    if isinstance(exc, FileNotFoundError):
        return UnpackError(f"{image}: firmware image not found")
    return UnpackError(f"{image}: cannot read: {exc.strerror}")


async def unpack(
    image: Path,
    workdir: Path,
    limits: Limits | None = None,
    on_progress: Progress | None = None,
    sha256: str | Awaitable[str] | None = None,
) -> UnpackedImage:
    """Everything in ``image`` under ``workdir``, within ``limits``.

    A directory is used in place (nothing is copied) and walked within the same
    limits; for an image file, ``sha256`` is its digest when the caller has it (or
    will: an awaitable giving it), else it is computed. Raises :class:`UnpackError`
    when the image cannot be read or unblob fails outright; a limit that cuts
    extraction short is recorded in ``problems`` with ``complete=False``.
    """
    limits = limits or Limits()
    image = Path(os.path.abspath(image))
    if image.is_dir():
        return await asyncio.to_thread(_directory, image, limits)
    # hashed while unblob runs rather than before it: one pass over the image less
    # between the command and the extraction (a quarter of a second per 256 MB)
    hashing = asyncio.ensure_future(_digest(image, sha256))
    hashing.add_done_callback(lambda task: task.cancelled() or task.exception())
    try:
        try:
            size = image.stat().st_size
        except OSError as exc:
            raise _read_error(image, exc) from None
        extract, run = await run_unblob(image, workdir, limits, on_progress)
    except BaseException:
        hashing.cancel()
        raise
    try:
        sha256 = await hashing
    except OSError as exc:
        raise _read_error(image, exc) from None
    count, filesystems = await asyncio.to_thread(
        lambda: (tally(extract), find_filesystems(extract, limits.max_files))
    )
    if count.files == 0 and not run.cut_short:
        raise UnpackError(f"{image.name}: unblob found no format it knows in it")
    problems = list(run.problems)
    if not filesystems:
        problems.append("no root filesystem found (no directory with etc/, bin/ or usr/)")
    return UnpackedImage(
        image=str(image),
        sha256=sha256,
        size=size,
        root=str(extract),
        filesystems=filesystems,
        files=count.files,
        total_bytes=count.bytes,
        extractor=run.version,
        problems=tuple(problems),
        complete=not run.cut_short and bool(filesystems),
    )
