"""Pack a directory into firmware-like images with the real tools, and build hostile
archives with Python's own zipfile/tarfile (for the containment tests)."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

MARKER = "jcstar-marker-7f3a9c"


def sample_rootfs(at: Path) -> Path:
    """A small busybox-like tree: etc/passwd, bin/busybox (a real ELF), links, a marker."""
    for name in ("etc/init.d", "bin", "sbin", "usr/bin", "lib", "var", "dev", "proc"):
        (at / name).mkdir(parents=True, exist_ok=True)
    (at / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
    (at / "etc/version").write_text(f"{MARKER}\n", encoding="utf-8")
    shutil.copy2("/bin/ls", at / "bin/busybox")
    (at / "bin/sh").symlink_to("/bin/busybox")  # absolute, as in every rootfs
    (at / "usr/bin/telnetd").symlink_to("../../bin/busybox")
    return at


def run(*command: str | Path, cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, input=stdin, capture_output=True, check=True
    )
    return done.stdout


def squashfs(src: Path, out: Path, comp: str = "xz") -> Path:
    run("mksquashfs", src, out, "-comp", comp, "-all-root", "-noappend", "-quiet")
    return out


def cpio(src: Path, out: Path) -> Path:
    names = run("find", ".", "-mindepth", "1", cwd=src)
    out.write_bytes(run("cpio", "--quiet", "-o", "-H", "newc", cwd=src, stdin=names))
    return out


def tar(src: Path, out: Path) -> Path:
    run("tar", "-cf", out, "-C", src, ".")
    return out


def compress(tool: str, src_file: Path) -> Path:
    """``gzip``, ``xz`` or ``zstd`` a file; returns the compressed file (the input is kept)."""
    suffix = {"gzip": ".gz", "xz": ".xz", "zstd": ".zst"}[tool]
    out = src_file.with_name(src_file.name + suffix)
    out.write_bytes(run(tool, "-c", src_file))
    return out


def zip_dir(src: Path, out: Path) -> Path:
    run("zip", "-qry", out.resolve(), ".", cwd=src)  # -y: links stay links
    return out


def ext4(src: Path, out: Path, size: str = "16M") -> Path:
    run("mkfs.ext4", "-q", "-F", "-d", src, out, size)
    return out


def jffs2(src: Path, out: Path) -> Path:
    run("mkfs.jffs2", "-r", src, "-o", out, "-e", "128KiB", "-l", "-n")
    return out


def ubi(src: Path, out: Path) -> Path:
    """A UBI image (2 KiB pages, 128 KiB erase blocks) holding one UBIFS volume."""
    volume = out.with_name("rootfs.ubifs")
    run("mkfs.ubifs", "-r", src, "-m", "2048", "-e", "126976", "-c", "64", "-o", volume)
    config = out.with_name("ubinize.cfg")
    config.write_text(
        f"[rootfs]\nmode=ubi\nimage={volume}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n",
        encoding="utf-8",
    )
    run("ubinize", "-o", out, "-m", "2048", "-p", "128KiB", "-s", "2048", config)
    return out


def uimage_firmware(rootfs_image: Path, out: Path) -> Path:
    """A vendor-style blob: a uImage kernel, 0xff padding to 64 KiB, then the rootfs."""
    kernel = out.with_name("kernel.gz")
    kernel.write_bytes(gzip.compress(os.urandom(100_000)))
    uimage = out.with_name("uImage")
    header = ("-A", "mips", "-O", "linux", "-T", "kernel", "-C", "gzip", "-a", "0x80000000")
    run("mkimage", *header, "-e", "0x80000000", "-n", "TESTCAM Linux-4.9", "-d", kernel, uimage)
    head = uimage.read_bytes()
    offset = (len(head) + 0xFFFF) & ~0xFFFF
    out.write_bytes(head + b"\xff" * (offset - len(head)) + rootfs_image.read_bytes())
    return out


# -- hostile archives -------------------------------------------------------------


def zip_bomb(out: Path, megabytes: int) -> Path:
    """One member of ``megabytes`` zeros: a few hundred KB on disk."""
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        block = bytes(1024 * 1024)
        for _ in range(megabytes):
            member.write(block)
    return out


def many_files_zip(out: Path, count: int) -> Path:
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(count):
            archive.writestr(f"d{number % 50}/f{number}", b"x")
    return out


def traversal_tar(out: Path, escape_name: str) -> Path:
    """Members named ``../../…/escape_name`` and ``/abs/escape_name`` (path traversal)."""
    with tarfile.open(out, "w") as archive:
        for name in (f"../../../../../../../../{escape_name}", f"/tmp/{escape_name}"):
            data = b"escaped"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        _add_text(archive, "etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    return out


def traversal_zip(out: Path, escape_name: str) -> Path:
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"../../../../../../../../{escape_name}", b"escaped")
        archive.writestr("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
    return out


def symlink_escape_tar(out: Path, outside_dir: Path) -> Path:
    """A link to a host directory, then a file written through it (the classic escape)."""
    with tarfile.open(out, "w") as archive:
        link = tarfile.TarInfo("etc/outside")
        link.type = tarfile.SYMTYPE
        link.linkname = str(outside_dir)
        archive.addfile(link)
        up = tarfile.TarInfo("etc/up")
        up.type = tarfile.SYMTYPE
        up.linkname = "../../../../../../../../../" + str(outside_dir).lstrip("/")
        archive.addfile(up)
        _add_text(archive, "etc/outside/pwned", "escaped")
        _add_text(archive, "etc/up/pwned2", "escaped")
        _add_text(archive, "etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    return out


def nested_gzip_tar(out: Path, levels: int) -> Path:
    """A tar in a gzip in a tar in a gzip … ``levels`` deep; the innermost has a marker."""
    inner = tarfile.TarInfo("innermost.txt")
    payload = f"{MARKER} depth {levels}\n".encode()
    inner.size = len(payload)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(inner, io.BytesIO(payload))
    blob = buffer.getvalue()
    for level in range(levels):
        blob = gzip.compress(blob)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            info = tarfile.TarInfo(f"level{level}.tar.gz")
            info.size = len(blob)
            archive.addfile(info, io.BytesIO(blob))
        blob = buffer.getvalue()
    out.write_bytes(blob)
    return out


def _add_text(archive: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))
