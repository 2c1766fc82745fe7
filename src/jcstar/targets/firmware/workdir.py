"""The work directory an image is unpacked into, removed afterwards unless kept."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def remove_tree(path: Path) -> None:
    """Remove an extracted tree, even its read-only directories (a rootfs has them);
    links are removed, never followed."""

    def make_writable(func: Any, failed: str, _exc: Any) -> None:
        parent = os.path.dirname(failed)
        os.chmod(parent, stat.S_IRWXU)
        if os.path.isdir(failed) and not os.path.islink(failed):
            os.chmod(failed, stat.S_IRWXU)
        func(failed)

    if path.exists() or path.is_symlink():
        shutil.rmtree(path, onerror=make_writable)


@contextmanager
def workspace(keep_dir: Path | None = None) -> Iterator[Path]:
    """A fresh directory for one run: a private temporary one, removed at the end,
    or ``keep_dir`` (created, must be empty) that is left for the user."""
    if keep_dir is not None:
        keep_dir.mkdir(parents=True, exist_ok=True)
        if any(keep_dir.iterdir()):
            raise FileExistsError(f"{keep_dir}: the directory to keep must be empty")
        yield keep_dir
        return
    path = Path(tempfile.mkdtemp(prefix="jcstar-firmware-"))  # mode 0700, ours
    try:
        yield path
    finally:
        remove_tree(path)
