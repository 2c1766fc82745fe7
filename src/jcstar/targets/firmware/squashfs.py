"""Tell SquashFS variants apart from their superblock, and which reader opens each.

Debian's ``unsquashfs`` reads standard SquashFS: 1.x–3.x (gzip, either byte order) and
4.0 little endian (gzip, LZMA, LZO, xz, LZ4, zstd). 7-Zip also reads 1.x–3.x with LZMA
data (vendor "squashfs-lzma" patches), the ``shsq``/``qshs`` magic (Broadcom's LZMA
SquashFS, 3.x and 4.0 little endian) and 4.0 with LZMA data under the gzip id. Nothing on
Debian reads big-endian 4.0 (AVM and some other vendors), DD-WRT's ``hsqt``/``tqsh`` or
the ``sqlz`` magic: those need onekey-sec's sasquatch (``sasquatch-v4be`` for big-endian
4.0), and the report names the variant and that tool.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

#: magic bytes as they sit in the image -> (who uses it, big endian)
MAGICS: dict[bytes, tuple[str, bool]] = {
    b"hsqs": ("", False),
    b"sqsh": ("", True),
    b"shsq": ("Broadcom LZMA", False),
    b"qshs": ("Broadcom LZMA", True),
    b"hsqt": ("DD-WRT", False),
    b"tqsh": ("DD-WRT", True),
    b"zlqs": ("non-standard", False),
    b"sqlz": ("non-standard", True),
}
COMPRESSIONS = {1: "gzip", 2: "LZMA", 3: "LZO", 4: "xz", 5: "LZ4", 6: "zstd"}
#: what a vendor variant needs when nothing installed opens it (unblob's names)
SASQUATCH, SASQUATCH_V4BE = "sasquatch", "sasquatch-v4be"
UNSQUASHFS, SEVEN_ZIP = "unsquashfs", "7-Zip"


@dataclass(frozen=True)
class Variant:
    magic: bytes
    big_endian: bool
    major: int
    minor: int
    compression: str  # "gzip", "LZMA", "LZMA (under the gzip id)", "xz", ...
    vendor: str = ""  # "Broadcom LZMA", "DD-WRT", "non-standard" or "" (standard magic)

    @property
    def standard_magic(self) -> bool:
        return self.magic in (b"hsqs", b"sqsh")

    def describe(self) -> str:
        """e.g. "SquashFS 3.0 big-endian, LZMA (magic 'sqsh')"."""
        order = "big-endian" if self.big_endian else "little-endian"
        vendor = f", {self.vendor}" if self.vendor else ""
        magic = self.magic.decode("latin-1")
        return (
            f"SquashFS {self.major}.{self.minor} {order}, {self.compression} "
            f"(magic '{magic}'{vendor})"
        )

    def readers(self) -> list[str]:
        """The readers installed here that open this variant, best first."""
        found = []
        lzma_data = self.compression.startswith("LZMA") and self.major < 4
        if self.standard_magic and 1 <= self.major <= 3 and not lzma_data:
            found.append(UNSQUASHFS)
        if self.magic == b"hsqs" and self.major == 4 and self.compression in COMPRESSIONS.values():
            found.append(UNSQUASHFS)
        opens_7z = self.magic in (b"hsqs", b"sqsh", b"shsq", b"qshs") and 1 <= self.major <= 4
        if opens_7z and not (self.major == 4 and self.big_endian) and self.compression != "LZ4":
            found.append(SEVEN_ZIP)
        return found

    def needs(self) -> str:
        """The extractor this variant needs when no installed reader opens it."""
        return SASQUATCH_V4BE if self.major == 4 and self.big_endian else SASQUATCH

    def unreadable(self) -> str:
        return (
            f"{self.describe()} not extracted: no installed reader opens this variant; "
            f"needs {self.needs()}"
        )


def _sniff(first: bytes, labelled: str) -> str:
    """The compression the first metadata block really uses (vendors put LZMA data
    under the gzip id, or in SquashFS 3, which has no id at all)."""
    if labelled != "gzip" or not first:
        return labelled
    if first[0] == 0x78:  # zlib header
        return "gzip"
    if first[0] in (0x00, 0x5D):  # raw LZMA starts with 0; .lzma headers with 0x5d
        return "LZMA (under the gzip id)" if first[0] == 0x00 else "LZMA"
    return labelled


def detect(image: Path, offset: int = 0) -> Variant | None:
    """The variant of the SquashFS at ``offset`` in ``image``; None if it is none."""
    try:
        with image.open("rb") as handle:
            handle.seek(offset)
            head = handle.read(0x77)
            if len(head) < 0x60 or head[:4] not in MAGICS:
                return None
            vendor, big = MAGICS[head[:4]]
            end = ">" if big else "<"
            major, minor = struct.unpack_from(end + "HH", head, 0x1C)
            if major == 4:
                comp_id, flags = struct.unpack_from(end + "H", head, 0x14)[0], 0
                inode_table = struct.unpack_from(end + "Q", head, 0x40)[0]
                labelled = COMPRESSIONS.get(comp_id, f"unknown compression (id {comp_id})")
            elif 1 <= major <= 3:
                flags = head[0x24]
                if major == 3 and len(head) >= 0x77:
                    inode_table = struct.unpack_from(end + "Q", head, 0x57)[0]
                else:
                    inode_table = struct.unpack_from(end + "I", head, 0x14)[0]
                labelled = "gzip"  # before 4.0 there was no compression id
            else:
                return None
            handle.seek(offset + inode_table)
            block = handle.read(3 + 1)
    except OSError:
        return None
    first = b""
    if len(block) == 4:
        length = struct.unpack_from(end + "H", block)[0]
        check = 1 if major < 4 and flags & 0x04 else 0
        if not length & 0x8000:  # a compressed metadata block
            first = block[2 + check : 3 + check]
    compression = _sniff(first, labelled)
    if major < 4 and compression == "LZMA (under the gzip id)":
        compression = "LZMA"  # 3.x has no id to be under
    if vendor == "Broadcom LZMA" and compression == "gzip":
        compression = "gzip or LZMA"  # Broadcom's reader picks per block
    return Variant(head[:4], big, major, minor, compression, vendor)
