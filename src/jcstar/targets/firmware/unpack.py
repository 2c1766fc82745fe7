"""Unpack a firmware image (or take a root filesystem directory as it is)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

from jcstar.targets.firmware.models import Limits, UnpackedImage, UnpackError
from jcstar.targets.firmware.rootfs import find_filesystems
from jcstar.targets.firmware.tally import tally
from jcstar.targets.firmware.unblob import Progress, run_unblob


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_tree(root: Path) -> str:
    """A digest of a directory's listing (paths, sizes, link targets): enough to tell
    two trees apart in a report without reading every byte."""
    digest = hashlib.sha256()
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files + dirs):
            path = Path(directory, name)
            info = path.lstat()
            target = os.readlink(path) if path.is_symlink() else ""
            line = (
                f"{path.relative_to(root).as_posix()}\0{info.st_mode:o}\0{info.st_size}\0{target}\n"
            )
            digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _directory(image: Path) -> UnpackedImage:
    count = tally(image)
    found = find_filesystems(image)
    return UnpackedImage(
        image=str(image),
        sha256=_sha256_tree(image),
        size=count.bytes,
        root=str(image),
        filesystems=found if str(image) in found else (str(image), *found),
        files=count.files,
        total_bytes=count.bytes,
        extractor="directory",
    )


async def unpack(
    image: Path,
    workdir: Path,
    limits: Limits | None = None,
    on_progress: Progress | None = None,
) -> UnpackedImage:
    """Everything in ``image`` under ``workdir``, within ``limits``.

    A directory is used in place (nothing is copied). Raises :class:`UnpackError`
    when the image cannot be read or unblob fails outright; a limit that cuts
    extraction short is recorded in ``problems`` with ``complete=False``.
    """
    limits = limits or Limits()
    image = Path(os.path.abspath(image))
    if image.is_dir():
        return await asyncio.to_thread(_directory, image)
    try:
        size = image.stat().st_size
        sha256 = await asyncio.to_thread(_sha256_file, image)
    except FileNotFoundError:
        raise UnpackError(f"{image}: firmware image not found") from None
    except OSError as exc:
        raise UnpackError(f"{image}: cannot read: {exc.strerror}") from None
    extract, run = await run_unblob(image, workdir, limits, on_progress)
    count, filesystems = await asyncio.to_thread(
        lambda: (tally(extract), find_filesystems(extract))
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
