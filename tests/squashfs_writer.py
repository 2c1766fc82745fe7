"""Write small SquashFS 3.x and 4.0 images byte by byte, for the vendor variants that
Debian's ``mksquashfs`` (standard v4, little endian only) cannot make.

Layouts follow the SquashFS 3.1 and 4.0 on-disk formats (``squashfs_fs.h`` of
squashfs-tools 3.x and 4.x, whose ``unsquashfs`` reads both): superblock, data blocks,
inode table, directory table, (empty) fragment table, then the id tables. Every file is
stored in whole blocks (no fragments); the inode and directory tables are written in
8 KiB metadata blocks as they fill, as ``mksquashfs`` does. Big-endian images store every field
big endian, and the sub-byte bitfields from the most significant bit, as the kernel's
big-endian build wrote them.

Compression: ``gzip`` (zlib), ``lzma`` (raw LZMA with no header, as the vendor
"squashfs-lzma" patches of SquashFS 3 and some v4 kernels wrote it under the gzip id),
``lzma-alone`` (LZMA with the 13-byte ``.lzma`` header, as Broadcom's ``shsq`` images),
``xz``. ``magic`` overrides the four magic bytes (``shsq``, ``hsqt``, ``sqlz``...).
"""

from __future__ import annotations

import lzma
import struct
import zlib
from dataclasses import dataclass, field

BLOCK_LOG = 15
BLOCK_SIZE = 1 << BLOCK_LOG
METADATA_SIZE = 8192
DIR, FILE, SYMLINK = 1, 2, 3


@dataclass
class Node:
    kind: int
    mode: int
    data: bytes = b""  # file contents or link target
    children: dict[str, Node] = field(default_factory=dict)
    number: int = 0


def tree(files: dict[str, bytes | str]) -> Node:
    """A tree from {"etc/shadow": b"...", "bin/sh": "->/bin/busybox"} (a str starting
    with "->" is a symbolic link to what follows)."""
    root = Node(DIR, 0o755)
    for path, content in files.items():
        *dirs, name = path.strip("/").split("/")
        here = root
        for part in dirs:
            here = here.children.setdefault(part, Node(DIR, 0o755))
        if isinstance(content, str) and content.startswith("->"):
            here.children[name] = Node(SYMLINK, 0o777, content[2:].encode())
        else:
            data = content.encode() if isinstance(content, str) else content
            here.children[name] = Node(FILE, 0o644, data)
    return root


def _compress(data: bytes, method: str) -> bytes:
    if method == "gzip":
        return zlib.compress(data, 9)
    if method == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    if method == "lzma":
        filters = [{"id": lzma.FILTER_LZMA1, "dict_size": BLOCK_SIZE, "lc": 3, "lp": 0, "pb": 2}]
        return lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    if method == "lzma-alone":
        filters = [{"id": lzma.FILTER_LZMA1, "dict_size": BLOCK_SIZE, "lc": 3, "lp": 0, "pb": 2}]
        packed = lzma.compress(data, format=lzma.FORMAT_ALONE, filters=filters)
        return packed[:5] + struct.pack("<Q", len(data)) + packed[13:]  # the real size
    raise ValueError(method)


class _Writer:
    def __init__(self, version: int, big_endian: bool, method: str) -> None:
        self.v4 = version == 4
        self.e = ">" if big_endian else "<"
        self.be = big_endian
        self.method = method

    def pack(self, fmt: str, *values: int) -> bytes:
        return struct.pack(self.e + fmt, *values)

    def metadata(self, data: bytes) -> bytes:
        packed = _compress(data, self.method)
        if len(packed) < len(data):
            return self.pack("H", len(packed)) + packed
        return self.pack("H", len(data) | 0x8000) + data

    def data_blocks(self, data: bytes) -> tuple[bytes, list[int]]:
        out, sizes = b"", []
        for start in range(0, len(data), BLOCK_SIZE):
            block = data[start : start + BLOCK_SIZE]
            packed = _compress(block, self.method)
            if len(packed) < len(block):
                out, sizes = out + packed, [*sizes, len(packed)]
            else:
                out, sizes = out + block, [*sizes, len(block) | 1 << 24]
        return out, sizes

    # -- inodes ------------------------------------------------------------------

    def base(self, node: Node, kind: int) -> bytes:
        if self.v4:
            return self.pack("HHHHII", kind, node.mode, 0, 0, 0, node.number)
        if self.be:  # type:4 mode:12 from the top bit
            head = self.pack("H", kind << 12 | node.mode)
        else:
            head = self.pack("H", kind | node.mode << 4)
        return head + bytes([0, 0xFF]) + self.pack("II", 0, node.number)  # guid 0xff: = uid

    def file_inode(self, node: Node, start: int, sizes: list[int]) -> bytes:
        blocks = self.pack(f"{len(sizes)}I", *sizes)
        if self.v4:
            return (
                self.base(node, FILE)
                + self.pack("IIII", start, 0xFFFFFFFF, 0, len(node.data))
                + blocks
            )
        return (
            self.base(node, FILE) + self.pack("QIII", start, 0xFFFFFFFF, 0, len(node.data)) + blocks
        )

    def link_inode(self, node: Node) -> bytes:
        if self.v4:
            return self.base(node, SYMLINK) + self.pack("II", 1, len(node.data)) + node.data
        return self.base(node, SYMLINK) + self.pack("IH", 1, len(node.data)) + node.data

    def dir_inode(self, node: Node, block: int, offset: int, length: int, parent: int) -> bytes:
        """``block``/``offset``: where its listing starts in the directory table."""
        links = 2 + sum(c.kind == DIR for c in node.children.values())
        if self.v4:
            return self.base(node, DIR) + self.pack(
                "IIHHI", block, links, length + 3, offset, parent
            )
        size = length + 3
        packed = (size << 13 | offset) if self.be else (size | offset << 19)
        return self.base(node, DIR) + self.pack("IIII", links, packed, block, parent)

    def listing(self, node: Node, refs: dict[int, tuple[int, int]]) -> bytes:
        """A directory's entries, one header per run of children whose inodes share
        a metadata block (at most 256 each)."""
        names = sorted(node.children)
        runs: list[list[str]] = []
        for name in names:
            block = refs[node.children[name].number][0]
            if runs and len(runs[-1]) < 256 and refs[node.children[runs[-1][0]].number][0] == block:
                runs[-1].append(name)
            else:
                runs.append([name])
        out = b""
        for run in runs:
            first = node.children[run[0]].number
            block = refs[first][0]
            if self.v4:
                out += self.pack("III", len(run) - 1, block, first)
            else:
                out += bytes([len(run) - 1]) + self.pack("II", block, first)
            for name in run:
                child = node.children[name]
                raw = name.encode()
                offset, delta = refs[child.number][1], child.number - first
                if self.v4:
                    out += self.pack("HhHH", offset, delta, child.kind, len(raw) - 1) + raw
                else:
                    bits = (offset << 3 | child.kind) if self.be else (offset | child.kind << 13)
                    out += self.pack("H", bits) + bytes([len(raw) - 1]) + self.pack("h", delta)
                    out += raw
        return out


class _Table:
    """A metadata table written as it fills: a position in it is (start of the current
    block, relative to the table, offset in the block's uncompressed bytes)."""

    def __init__(self, writer: _Writer) -> None:
        self.writer, self.done, self.buffer = writer, b"", b""

    def ref(self) -> tuple[int, int]:
        return len(self.done), len(self.buffer)

    def add(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= METADATA_SIZE:
            self.done += self.writer.metadata(self.buffer[:METADATA_SIZE])
            self.buffer = self.buffer[METADATA_SIZE:]

    def finish(self) -> bytes:
        return self.done + (self.writer.metadata(self.buffer) if self.buffer else b"")


def build(
    root: Node,
    *,
    version: int = 3,
    big_endian: bool = False,
    method: str = "gzip",
    magic: bytes | None = None,
    compression_id: int | None = None,
    mkfs_time: int = 1_700_000_000,
) -> bytes:
    """The image of ``root``. ``compression_id`` (v4 only) is the id written in the
    superblock: by default the method's own, 1 (gzip) to label LZMA data as gzip."""
    w = _Writer(version, big_endian, method)
    nodes: list[Node] = []

    def number(node: Node) -> None:  # children before their directory, root last
        for name in sorted(node.children):
            number(node.children[name])
        nodes.append(node)
        node.number = len(nodes)

    number(root)
    parents = {root.number: len(nodes) + 1}
    for node in nodes:
        for child in node.children.values():
            parents[child.number] = node.number

    header = 0x60 if w.v4 else 0x77
    body = b""
    starts: dict[int, tuple[int, list[int]]] = {}
    for node in nodes:
        if node.kind == FILE:
            packed, sizes = w.data_blocks(node.data)
            starts[node.number] = (header + len(body), sizes)
            body += packed

    inodes, listings = _Table(w), _Table(w)
    refs: dict[int, tuple[int, int]] = {}
    for node in nodes:  # children come first: their inodes' places are known
        refs[node.number] = inodes.ref()
        if node.kind == FILE:
            inodes.add(w.file_inode(node, *starts[node.number]))
        elif node.kind == SYMLINK:
            inodes.add(w.link_inode(node))
        else:
            (block, offset), listed = listings.ref(), w.listing(node, refs)
            listings.add(listed)
            inodes.add(w.dir_inode(node, block, offset, len(listed), parents[node.number]))

    inode_table = header + len(body)
    inode_block = inodes.finish()
    dir_table = inode_table + len(inode_block)
    dir_block = listings.finish()
    frag_table = dir_table + len(dir_block)
    root_ref = refs[root.number][0] << 16 | refs[root.number][1]
    if w.v4:
        ids = w.metadata(w.pack("I", 0))
        id_block = frag_table
        id_index = id_block + len(ids)
        tail = ids + w.pack("Q", id_block)
        end = id_index + 8
        comp = compression_id or {"gzip": 1, "lzma": 2, "lzma-alone": 2, "xz": 4}[method]
        superblock = w.pack(
            "IIIIIHHHHHHQQQQQQQQ",
            0,  # the magic, written below
            len(nodes),
            mkfs_time,
            BLOCK_SIZE,
            0,
            comp,
            BLOCK_LOG,
            0x0010 | 0x0200,  # no fragments, no xattrs
            1,
            4,
            0,
            root_ref,
            end,
            id_index,
            0xFFFFFFFFFFFFFFFF,
            inode_table,
            dir_table,
            frag_table,
            0xFFFFFFFFFFFFFFFF,
        )
    else:
        uid_table = frag_table
        guid_table = uid_table + 4
        tail = w.pack("II", 0, 0)  # one uid and one gid: root
        end = guid_table + 4
        sb = w.pack("IIIIII", 0, len(nodes), end, uid_table, guid_table, inode_table)
        sb += w.pack("IHHHH", dir_table, 3, 1, BLOCK_SIZE, BLOCK_LOG)
        sb += bytes([0x10, 1, 1])  # flags: no fragments; one uid, one guid
        sb += w.pack("iQIII", mkfs_time, root_ref, BLOCK_SIZE, 0, frag_table)
        sb += w.pack(
            "QQQQQQQ", end, uid_table, guid_table, inode_table, dir_table, frag_table, 2**64 - 1
        )
        superblock = sb
    default_magic = b"sqsh" if big_endian else b"hsqs"
    superblock = (magic or default_magic) + superblock[4:]
    assert len(superblock) == header
    image = superblock + body + inode_block + dir_block + tail
    assert len(image) == end
    return image + b"\0" * (-len(image) % 4096)
