"""Find the root filesystems among extracted files."""

from __future__ import annotations

import os
from pathlib import Path

#: what a Linux root filesystem usually has; a directory needs one of the first three
REQUIRED = ("etc", "bin", "usr")
MARKERS = (*REQUIRED, "sbin", "lib", "var", "dev", "proc", "etc/passwd", "etc/init.d", "bin/sh")
EXTRACT_SUFFIX = "_extract"  # unblob's name for what it unpacked from a file


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def score(directory: Path) -> int:
    if not any(_is_real_dir(directory / name) for name in REQUIRED):
        return 0
    return sum(os.path.lexists(directory / marker) for marker in MARKERS)


def find_filesystems(root: Path, max_dirs: int | None = None) -> tuple[str, ...]:
    """Directories under ``root`` (``root`` itself included) that look like a root
    filesystem, best first. A directory inside a found one (its ``usr/``) is not
    another rootfs, unless it is an image unpacked from a file in it (``*_extract``).
    At most ``max_dirs`` directories are looked into (a huge directory image)."""
    found: list[tuple[int, str]] = []
    stack: list[tuple[Path, bool]] = [(root, False)]
    looked = 0
    while stack and (max_dirs is None or looked < max_dirs):
        looked += 1
        directory, inside_fs = stack.pop()
        points = 0 if inside_fs else score(directory)
        if points >= 2:
            found.append((points, str(directory)))
        try:
            children = [e for e in os.scandir(directory) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for child in children:
            nested = inside_fs or points >= 2
            if nested and child.name.endswith(EXTRACT_SUFFIX):
                nested = False
            stack.append((Path(child.path), nested))
    found.sort(key=lambda item: (-item[0], item[1].count(os.sep), item[1]))
    return tuple(path for _, path in found)
