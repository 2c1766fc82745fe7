"""What unpacking a firmware image gives the checks, and how it fails."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnpackError(Exception):
    """The image could not be unpacked safely: one line saying why (bomb, timeout,
    unreadable image, escape attempt). The runner turns it into an error attempt."""


class Limits(Frozen):
    """Bounds on what one image may cost; hitting one cuts extraction short."""

    max_total_bytes: int = 4 * 1024**3
    max_files: int = 200_000
    max_depth: int = 8
    timeout_s: float = 900


class UnpackedImage(Frozen):
    image: str
    sha256: str
    size: int
    #: directory holding everything extracted
    root: str
    #: directories that look like a root filesystem (etc/, bin/ or usr/), best first
    filesystems: tuple[str, ...]
    files: int
    total_bytes: int
    #: e.g. "unblob 26.6.4", "directory"
    extractor: str
    #: what was not extracted and why (limit hit, unknown chunk, tool missing)
    problems: tuple[str, ...] = ()
    #: False when anything was cut short: absence findings are then not conclusive
    complete: bool = True
