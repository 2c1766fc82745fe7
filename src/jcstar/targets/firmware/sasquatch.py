"""A stand-in for ``sasquatch`` (and ``sasquatch-v4be``), which unblob runs for every
SquashFS image.

Debian has no sasquatch (onekey-sec's patched unsquashfs for vendor variants). This
reads the superblock (:mod:`jcstar.targets.firmware.squashfs`), then:

- standard SquashFS: Debian's ``unsquashfs``, with the options only sasquatch knows
  dropped;
- vendor variants that 7-Zip opens (LZMA SquashFS 1.x–3.x in either byte order,
  Broadcom's ``shsq``/``qshs``, 4.0 with LZMA data under the gzip id), or a standard
  image that ``unsquashfs`` could not open at all: 7-Zip (``7z``, Debian's
  ``p7zip-full``, LGPL), run as a child process like ``unsquashfs``;
- anything else: nothing is extracted, and stderr says which variant it is and which
  extractor it needs ("SquashFS 4.0 big-endian, gzip (magic 'sqsh') not extracted: ...
  needs sasquatch-v4be"); unblob puts that line in its report.

It runs inside unblob's process group, sandbox and limits, as unblob's child: the
watchdog's byte, file and time limits and its ``killpg`` cover it and its readers.
7-Zip turns absolute links into links to the host's extraction directory and refuses
``..`` in link targets, so links are never left to it: every other entry is
extracted by 7-Zip, then each link is made here with the target stored in the image,
inside the output directory only (it is not followed, as with ``unsquashfs``).

What was read with which reader is appended, one JSON line per image, to the file
named by ``JCSTAR_SQUASHFS_NOTES`` (jcstar's work directory), for the unpack result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jcstar.targets.firmware.squashfs import SEVEN_ZIP, UNSQUASHFS, Variant, detect

SASQUATCH_ONLY = {"-le", "-be", "-no-exit-code"}
NOTES_ENV = "JCSTAR_SQUASHFS_NOTES"
MAX_LINK_TARGET = 4095


@dataclass
class Entry:
    path: str
    mode: str = ""
    size: int = 0

    @property
    def is_link(self) -> bool:
        return self.mode.startswith("l")


def _parse_args(argv: list[str]) -> tuple[list[str], Path | None, Path | None]:
    """(arguments for unsquashfs, output directory, image)."""
    args = [a for a in argv if a not in SASQUATCH_ONLY]
    out = None
    if "-d" in args and args.index("-d") + 1 < len(args):
        out = Path(args[args.index("-d") + 1])
    image = Path(args[-1]) if args and not args[-1].startswith("-") else None
    return args, out, image


def _note(variant: Variant | None, reader: str, ok: bool, detail: str = "") -> None:
    path = os.environ.get(NOTES_ENV)
    if not path or variant is None:
        return
    line = {"variant": variant.describe(), "reader": reader, "ok": ok, "detail": detail}
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
    except OSError:
        pass  # the notes only explain; extraction itself went on


def _seven_zip() -> str | None:
    return shutil.which("7z") or shutil.which("7zz")


def _list(tool: str, image: Path) -> list[Entry]:
    listing = subprocess.run(
        [tool, "l", "-slt", "-ba", "-tSquashFS", "-sccUTF-8", "--", str(image)],
        capture_output=True,
        check=False,
    )
    entries: list[Entry] = []
    for line in listing.stdout.decode("utf-8", "surrogateescape").splitlines():
        key, _, value = line.partition(" = ")
        if key == "Path":
            entries.append(Entry(value))
        elif entries and key == "Mode":
            entries[-1].mode = value
        elif entries and key == "Size" and value.isdigit():
            entries[-1].size = int(value)
    return entries


def _safe_member(name: str) -> bool:
    parts = name.split("/")
    return (
        bool(name)
        and not name.startswith("/")
        and "\0" not in name
        and "\n" not in name
        and all(p not in ("", ".", "..") for p in parts)
    )


def _make_links(out: Path, links: list[Entry], targets: bytes) -> list[str]:
    """Each link at its place under ``out``, pointing where the image says; never
    created through another link, never followed. Returns what was skipped."""
    skipped: list[str] = []
    root = os.path.realpath(out)
    position = 0
    for link in links:
        target = targets[position : position + link.size]
        position += link.size
        parent = os.path.join(root, os.path.dirname(link.path))
        place = os.path.join(root, link.path)
        # the parent must be a real directory inside out, with no link on the way
        if (
            not _safe_member(link.path)
            or len(target) != link.size
            or not 0 < len(target) <= MAX_LINK_TARGET
            or b"\0" in target
            or os.path.realpath(parent) != os.path.normpath(parent)
            or not os.path.isdir(parent)
            or os.path.lexists(place)
        ):
            skipped.append(link.path)
            continue
        os.symlink(os.fsdecode(target), place)
    return skipped


def read_with_7zip(image: Path, out: Path) -> tuple[bool, str]:
    """Extract ``image`` into ``out`` with 7-Zip. (everything read, what went wrong)."""
    tool = _seven_zip()
    if tool is None:
        return False, "7-Zip (7z) is not installed"
    entries = _list(tool, image)
    if not entries:
        return False, "7-Zip cannot open it"
    links = [e for e in entries if e.is_link]
    if any(not _safe_member(e.path) for e in links):
        links = [e for e in links if _safe_member(e.path)]
    out.mkdir(parents=True, exist_ok=True)
    base = [tool, "x", "-tSquashFS", "-y", "-spd", "-bsp0", "-bso0", "-sccUTF-8"]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".lst", dir=out.parent) as lst:
        lst.write("".join(f"{e.path}\n" for e in links))
        lst.flush()
        files = subprocess.run(
            [*base, f"-o{out}", f"-x@{lst.name}", "-scsUTF-8", "--", str(image)],
            capture_output=True,
            check=False,
        )
        targets = b""
        if links:
            targets = subprocess.run(
                [*base, "-so", f"-i@{lst.name}", "-scsUTF-8", "--", str(image)],
                capture_output=True,
                check=False,
            ).stdout
    skipped = _make_links(out, links, targets)
    errors = [
        line.strip()
        for line in files.stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.startswith(("7-Zip", "p7zip"))
    ]
    if skipped:
        errors.append(f"{len(skipped)} links not made, e.g. {skipped[0]}")
    return files.returncode in (0, 1) and not skipped, "; ".join(errors)[:300]


def _empty(path: Path | None) -> bool:
    return path is None or not path.exists() or not any(path.iterdir())


def main(argv: list[str]) -> int:
    args, out, image = _parse_args(argv)
    variant = detect(image) if image is not None else None
    readers = variant.readers() if variant is not None else [UNSQUASHFS]
    lenient = "-no-exit-code" in argv  # sasquatch then reports problems on stderr only
    if UNSQUASHFS in readers or out is None or image is None:
        # unblob's sandbox refuses extended attributes; asking for none avoids an error each file
        code = subprocess.call(["unsquashfs", "-no-xattrs", *args])
        if code == 0 or SEVEN_ZIP not in readers or not _empty(out) or out is None:
            _note(variant, UNSQUASHFS, code == 0)
            return 0 if lenient else code
    if variant is not None and SEVEN_ZIP in readers and out is not None and image is not None:
        shutil.rmtree(out, ignore_errors=True)  # whatever unsquashfs began
        ok, detail = read_with_7zip(image, out)
        _note(variant, SEVEN_ZIP, ok, detail)
        if ok:
            return 0
        if not _empty(out):
            print(
                f"{variant.describe()}: 7-Zip did not extract everything: {detail}", file=sys.stderr
            )
            return 1
    if variant is not None:
        _note(variant, "", False)
        print(variant.unreadable(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
