"""Count what an extraction wrote, without following links."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tally:
    files: int  # every entry: files, directories, links, nodes
    bytes: int  # space actually allocated (a sparse bomb counts as what it uses)
    deepest: int  # path components below the root


def tally(root: Path) -> Tally:
    files = size = deepest = 0
    stack: list[tuple[str, int]] = [(str(root), 0)]
    while stack:
        directory, depth = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            files += 1
            deepest = max(deepest, depth + 1)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            size += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, depth + 1))
    return Tally(files, size, deepest)
