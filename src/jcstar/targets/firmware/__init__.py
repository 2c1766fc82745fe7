"""Firmware images: unpacking within limits, and reading inside a root filesystem."""

from jcstar.targets.firmware.models import Limits, UnpackedImage, UnpackError
from jcstar.targets.firmware.paths import (
    PathEscape,
    iter_files,
    open_in_rootfs,
    read_in_rootfs,
    safe_path,
)
from jcstar.targets.firmware.unpack import refuse_host_root, sha256_file, unpack
from jcstar.targets.firmware.workdir import remove_tree, workspace

__all__ = [
    "Limits",
    "PathEscape",
    "UnpackError",
    "UnpackedImage",
    "iter_files",
    "open_in_rootfs",
    "read_in_rootfs",
    "refuse_host_root",
    "remove_tree",
    "safe_path",
    "sha256_file",
    "unpack",
    "workspace",
]
