"""What every firmware check shares: the root filesystems of an unpacked image, read
the device's way, and the rule that nothing found on a cut-short image proves nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from jcstar.checks.base import CannotJudge
from jcstar.targets.firmware import (
    PathEscape,
    UnpackedImage,
    iter_files,
    read_in_rootfs,
    safe_path,
)

#: a config file or script larger than this is not a config file or script
TEXT_LIMIT = 1024 * 1024


class IncompleteImage(CannotJudge):
    """The image was cut short, so an absence (no key, no telnetd) is not evidence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "cut_short")


def rootfs_dirs(image: UnpackedImage) -> list[Path]:
    """The image's root filesystems, best first (the whole tree when none looks like one)."""
    return [Path(fs) for fs in image.filesystems] or [Path(image.root)]


def location(image: UnpackedImage, rootfs: Path, path: str) -> str:
    """``/etc/shadow`` as the device sees it, prefixed by its filesystem when the image
    has several (``rootfs_1/squashfs-root:/etc/shadow``)."""
    if len(image.filesystems) <= 1 or rootfs == Path(image.root):
        return path
    return f"{rootfs.relative_to(image.root).as_posix()}:{path}"


#: names a file found outside every root filesystem by its path in the extraction
OUTSIDE = "extraction:"


def device_location(image: UnpackedImage, path: str) -> str:
    """Where a file found by walking the whole extraction (``/fw.sqfs_extract/etc/x``)
    is: its path inside the innermost root filesystem holding it, named as
    :func:`location` does; a file outside every root filesystem (a key in a separate
    partition) keeps its path in the extraction, marked ``extraction:/…``."""
    root = Path(image.root)
    host = root / path.lstrip("/")
    holders = [Path(fs) for fs in image.filesystems if host.is_relative_to(fs)]
    if not holders:
        return path if not image.filesystems else OUTSIDE + path
    rootfs = max(holders, key=lambda fs: len(fs.parts))
    inside = "/" + host.relative_to(rootfs).as_posix()
    return location(image, rootfs, inside)


def read_text(rootfs: Path, path: str, limit: int = TEXT_LIMIT) -> str | None:
    """A text file inside the rootfs, or None when absent, not a regular file or binary."""
    try:
        data = read_in_rootfs(rootfs, path, limit)
    except (OSError, PathEscape):
        return None
    if not is_text(data):
        return None
    return data.decode("utf-8", "replace")


def is_text(data: bytes) -> bool:
    return b"\0" not in data[:8192]


def exists(rootfs: Path, path: str) -> bool:
    try:
        read_in_rootfs(rootfs, path, 0)
    except (OSError, PathEscape):
        return False
    return True


def text_files(
    rootfs: Path, under: str = "/", limit: int = TEXT_LIMIT, entries: int | None = None
) -> Iterator[tuple[str, str]]:
    """(device path, text) of every regular text file below ``under`` up to ``limit``
    bytes, looking at no more than ``entries`` directory entries."""
    try:
        start = safe_path(rootfs, under)
    except PathEscape:
        return
    if not start.is_dir():
        return
    prefix = "/" + under.strip("/") if under.strip("/") else ""
    for rel, host in iter_files(start, entries):
        try:
            if host.lstat().st_size > limit:
                continue
        except OSError:
            continue
        text = read_text(rootfs, prefix + rel, limit)
        if text is not None:
            yield prefix + rel, text


def cut_short(complete: bool, problems: Sequence[str]) -> str:
    """ "image extraction was cut short (why)" for an incomplete image, "" for a whole one."""
    if complete:
        return ""
    return f"image extraction was cut short ({'; '.join(problems[:3]) or 'extraction incomplete'})"


def require_complete(complete: bool, problems: Sequence[str], what: str) -> None:
    """Raise when extraction was cut short: an absence ("{what}") is then not conclusive."""
    if not complete:
        raise IncompleteImage(f"{cut_short(complete, problems)}: {what} is not conclusive")


def fingerprint(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_size(host: Path) -> int:
    try:
        return os.lstat(host).st_size
    except OSError:
        return -1
