"""Reading inside an extracted root filesystem as the device would, never on the host.

A rootfs is full of absolute symlinks (``/bin/sh -> /bin/busybox``). Followed on the
host they point at the host's own files; a hostile image uses them (or ``../..``) to
make a tool read or write outside its work directory. Every path a check reads goes
through :func:`safe_path`, which resolves links itself with the device's view: an
absolute target starts at the rootfs, ``..`` stops at the rootfs root (as in a chroot).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_LINKS = 40  # as the kernel's ELOOP limit


class PathEscape(ValueError):
    """A path could not be resolved inside the rootfs (link loop, or it left it)."""


def _parts(path: str) -> list[str]:
    return [p for p in PurePosixPath(path).parts if p not in ("/", "", ".")]


def safe_path(rootfs: str | Path, relpath: str) -> Path:
    """The host path of ``relpath`` (``etc/shadow`` or ``/etc/shadow``) in ``rootfs``,
    with every symlink resolved inside the rootfs. The result has no symlink in it,
    so opening it can only reach a file under ``rootfs``. It may not exist."""
    root = Path(os.path.realpath(rootfs))
    done: list[str] = []  # resolved components, no symlinks among them
    todo = _parts(relpath)
    hops = 0
    while todo:
        part = todo.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = root.joinpath(*done, part)
        try:
            mode = candidate.lstat().st_mode
        except OSError:
            done.append(part)  # does not exist (yet): nothing to follow
            continue
        if not stat.S_ISLNK(mode):
            done.append(part)
            continue
        hops += 1
        if hops > MAX_LINKS:
            raise PathEscape(f"{relpath}: too many levels of symbolic links")
        target = os.readlink(candidate)
        if target.startswith("/"):
            done = []
        todo = _parts(target) + todo
    result = root.joinpath(*done)
    if os.path.commonpath([root, result]) != str(root):
        raise PathEscape(f"{relpath}: resolves outside the root filesystem")
    return result


def open_in_rootfs(rootfs: str | Path, relpath: str) -> int:
    """An O_RDONLY file descriptor for a regular file in the rootfs (never a device
    node, FIFO or a link followed on the host). Raises OSError / PathEscape."""
    host = safe_path(rootfs, relpath)
    fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(f"{relpath}: not a regular file")
    return fd


def read_in_rootfs(rootfs: str | Path, relpath: str, limit: int = 16 * 1024**2) -> bytes:
    """At most ``limit`` bytes of a regular file in the rootfs."""
    with os.fdopen(open_in_rootfs(rootfs, relpath), "rb") as handle:
        return handle.read(limit)


def iter_files(rootfs: str | Path, limit: int | None = None) -> Iterator[tuple[str, Path]]:
    """Every regular file under ``rootfs`` as (``/device/path``, host path); symlinks
    are never followed, devices and FIFOs are skipped. With ``limit``, the walk stops
    after that many entries of any kind (a directory image cut short at its file limit
    is read no further than it was counted)."""
    root = Path(rootfs)
    stack = [root]
    seen = 0
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            seen += 1
            if limit is not None and seen > limit:
                return
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                rel = "/" + Path(entry.path).relative_to(root).as_posix()
                yield rel, Path(entry.path)
