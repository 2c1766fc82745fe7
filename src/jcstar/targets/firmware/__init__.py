"""Firmware images: unpacking within limits, and reading inside a root filesystem."""

from jcstar.targets.firmware.models import Limits, UnpackedImage, UnpackError
from jcstar.targets.firmware.paths import (
    PathEscape,
    iter_files,
    open_in_rootfs,
    read_in_rootfs,
    safe_path,
)
from jcstar.targets.firmware.unpack import unpack
from jcstar.targets.firmware.workdir import remove_tree, workspace

__all__ = [
    "Limits",
    "PathEscape",
    "UnpackError",
    "UnpackedImage",
    "iter_files",
    "open_in_rootfs",
    "read_in_rootfs",
    "remove_tree",
    "safe_path",
    "unpack",
    "workspace",
]
