"""Vendor SquashFS variants: which ones the unpacker opens, and what the report says of
the ones it cannot.

Standard v4 images are made with Debian's ``mksquashfs``; the variants it cannot write
(3.x, big endian, LZMA vendor formats, other magics) with ``tests/squashfs_writer.py``,
byte by byte. Debian's ``unsquashfs`` and 7-Zip both read the writer's standard images,
which checks the writer against two independent readers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from jcstar.targets.firmware import Limits, UnpackedImage, read_in_rootfs, safe_path, unpack
from jcstar.targets.firmware.squashfs import detect
from tests import firmware_images as fi
from tests import squashfs_writer as sw
from tests.conftest import require_tool

pytestmark = pytest.mark.external

SHADOW = "root:$1$vendor$Zq0hDq9oT1aLrK3mN5pQw/:19000:0:99999:7:::\n"
FILES: dict[str, bytes | str] = {
    "etc/shadow": SHADOW,
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "etc/version": f"{fi.MARKER}\n",
    "bin/busybox": bytes(range(256)) * 200,  # two blocks of 32 KiB
    "bin/sh": "->/bin/busybox",
    "usr/bin/telnetd": "->../../bin/busybox",
    "sbin/init": "->/bin/busybox",
}

#: variants no Debian tool read before the 7-Zip fallback: (writer options, described as)
OPENED_BY_7ZIP: dict[str, tuple[dict[str, Any], str]] = {
    "3.1 LE LZMA": ({"method": "lzma"}, "SquashFS 3.1 little-endian, LZMA (magic 'hsqs')"),
    "3.1 BE LZMA": (
        {"method": "lzma", "big_endian": True},
        "SquashFS 3.1 big-endian, LZMA (magic 'sqsh')",
    ),
    "3.1 LE Broadcom shsq": (
        {"method": "lzma-alone", "magic": b"shsq"},
        "SquashFS 3.1 little-endian, LZMA (magic 'shsq', Broadcom LZMA)",
    ),
    "3.1 BE Broadcom qshs": (
        {"method": "lzma-alone", "magic": b"qshs", "big_endian": True},
        "SquashFS 3.1 big-endian, LZMA (magic 'qshs', Broadcom LZMA)",
    ),
    "4.0 LE LZMA under the gzip id": (
        {"version": 4, "method": "lzma", "compression_id": 1},
        "SquashFS 4.0 little-endian, LZMA (under the gzip id) (magic 'hsqs')",
    ),
    "4.0 LE Broadcom shsq": (
        {"version": 4, "method": "lzma-alone", "magic": b"shsq", "compression_id": 1},
        "SquashFS 4.0 little-endian, LZMA (magic 'shsq', Broadcom LZMA)",
    ),
}

#: variants nothing installed here opens: (writer options, the report's line)
UNOPENED: dict[str, tuple[dict[str, Any], str]] = {
    "4.0 BE gzip": (
        {"version": 4, "big_endian": True},
        "SquashFS 4.0 big-endian, gzip (magic 'sqsh') not extracted: "
        "no installed reader opens this variant; needs sasquatch-v4be",
    ),
    "3.1 LE DD-WRT hsqt": (
        {"magic": b"hsqt"},
        "SquashFS 3.1 little-endian, gzip (magic 'hsqt', DD-WRT) not extracted: "
        "no installed reader opens this variant; needs sasquatch",
    ),
    "3.1 BE DD-WRT tqsh LZMA": (
        {"magic": b"tqsh", "big_endian": True, "method": "lzma"},
        "SquashFS 3.1 big-endian, LZMA (magic 'tqsh', DD-WRT) not extracted: "
        "no installed reader opens this variant; needs sasquatch",
    ),
    "3.1 BE sqlz LZMA": (
        {"magic": b"sqlz", "big_endian": True, "method": "lzma-alone"},
        "SquashFS 3.1 big-endian, LZMA (magic 'sqlz', non-standard) not extracted: "
        "no installed reader opens this variant; needs sasquatch",
    ),
}

#: standard images the writer makes, read by Debian's unsquashfs before and after
STANDARD_WRITTEN: dict[str, dict[str, Any]] = {
    "3.1 LE gzip": {},
    "3.1 BE gzip": {"big_endian": True},
    "4.0 LE LZMA (.lzma header, id 2)": {"version": 4, "method": "lzma-alone"},
}


def run_unpack(image: Path, workdir: Path, limits: Limits | None = None) -> UnpackedImage:
    return asyncio.run(unpack(image, workdir, limits))


def written(tmp_path: Path, options: dict[str, Any], files: dict[str, bytes | str] = FILES) -> Path:
    image = tmp_path / "firmware.squashfs"
    image.write_bytes(sw.build(sw.tree(files), **options))
    return image


def assert_rootfs_read(result: UnpackedImage) -> None:
    assert result.complete, result.problems
    assert result.filesystems, result.problems
    fs = result.filesystems[0]
    assert read_in_rootfs(fs, "/etc/shadow").decode() == SHADOW
    assert read_in_rootfs(fs, "/etc/version").decode().strip() == fi.MARKER
    assert read_in_rootfs(fs, "/bin/busybox") == FILES["bin/busybox"]
    # links stay links, read the device's way: inside the rootfs
    assert Path(fs, "bin/sh").is_symlink() and Path(fs, "usr/bin/telnetd").is_symlink()
    assert safe_path(fs, "/usr/bin/telnetd").name == "busybox"
    assert safe_path(fs, "/sbin/init").is_relative_to(Path(fs).resolve())


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_tool("unsquashfs")
    require_tool("7z")
    if shutil.which("sasquatch"):
        pytest.skip("a real sasquatch is installed: these test jcstar's stand-in")


@pytest.mark.parametrize("comp", ["gzip", "xz", "lzo", "lz4", "zstd", "lzma"])
@pytest.mark.slow
def test_standard_v4_from_mksquashfs_is_read_by_unsquashfs(comp: str, tmp_path: Path) -> None:
    require_tool("mksquashfs")
    src = fi.sample_rootfs(tmp_path / "rootfs")
    (src / "etc/shadow").write_text(SHADOW)
    image = fi.squashfs(src, tmp_path / "rootfs.squashfs", comp=comp)
    result = run_unpack(image, tmp_path / "work")
    assert result.complete, result.problems
    assert read_in_rootfs(result.filesystems[0], "/etc/shadow").decode() == SHADOW
    assert "7-Zip" not in result.extractor  # the standard path, as before


@pytest.mark.parametrize("name", STANDARD_WRITTEN)
@pytest.mark.slow
def test_standard_images_from_the_writer_are_read_by_unsquashfs(name: str, tmp_path: Path) -> None:
    result = run_unpack(written(tmp_path, STANDARD_WRITTEN[name]), tmp_path / "work")
    assert_rootfs_read(result)
    assert "7-Zip" not in result.extractor


@pytest.mark.parametrize("name", OPENED_BY_7ZIP)
@pytest.mark.slow
def test_vendor_variants_are_read_with_7zip(name: str, tmp_path: Path) -> None:
    options, described = OPENED_BY_7ZIP[name]
    image = written(tmp_path, options)
    assert detect(image) is not None and detect(image).describe() == described  # type: ignore[union-attr]
    result = run_unpack(image, tmp_path / "work")
    assert_rootfs_read(result)
    assert result.extractor.endswith("+ stand-in sasquatch + 7-Zip")
    assert f"{described} read with 7-Zip (vendor variant)" in result.problems


@pytest.mark.parametrize("name", UNOPENED)
@pytest.mark.slow
def test_unopened_variants_are_named_with_the_extractor_they_need(
    name: str, tmp_path: Path
) -> None:
    options, line = UNOPENED[name]
    result = run_unpack(written(tmp_path, options), tmp_path / "work")
    assert line in result.problems
    assert not result.complete  # nothing read: every absence is inconclusive
    assert not any(Path(fs, "etc/shadow").exists() for fs in result.filesystems)


@pytest.mark.slow
def test_the_fallback_keeps_link_targets_as_the_image_has_them(tmp_path: Path) -> None:
    """7-Zip alone would point /bin/sh at the host's extraction directory and drop
    "../" targets; the stand-in makes each link itself, never following one."""
    sentinel = f"jcstar-sentinel-{uuid.uuid4().hex}"
    files: dict[str, bytes | str] = {
        **FILES,
        "etc/host-passwd": "->/etc/passwd",
        "etc/up": f"->../../../../../../tmp/{sentinel}",
    }
    result = run_unpack(written(tmp_path, {"method": "lzma"}, files), tmp_path / "work")
    fs = Path(result.filesystems[0])
    # a link, to where the image says (unblob makes absolute targets relative)
    assert (fs / "etc/host-passwd").is_symlink()
    assert (fs / "etc/host-passwd").resolve() == (fs / "etc/passwd").resolve()
    assert read_in_rootfs(fs, "/etc/host-passwd") == b"root:x:0:0:root:/root:/bin/sh\n"
    # the link out of the image is removed by unblob, and said so
    assert not os.path.lexists(fs / "etc/up")
    assert any(p.startswith("link leaving the image removed") for p in result.problems)
    assert not Path("/tmp", sentinel).exists()
    for link in Path(result.root).rglob("*"):
        if link.is_symlink() and os.path.isabs(os.readlink(link)):
            assert not os.readlink(link).startswith(str(tmp_path))  # no host paths


@pytest.mark.slow
def test_dot_dot_names_in_a_vendor_image_write_nothing_outside(tmp_path: Path) -> None:
    sentinel = f"jcstar-sentinel-{uuid.uuid4().hex}"
    files: dict[str, bytes | str] = {**FILES, f"etc/../../../{sentinel}": "escaped\n"}
    work = tmp_path / "work"
    run_unpack(written(tmp_path, {"method": "lzma"}, files), work)
    for outside in (Path("/") / sentinel, Path("/tmp") / sentinel, tmp_path / sentinel):
        assert not outside.exists()
    assert all(p.is_relative_to(work) for p in work.rglob(f"*{sentinel}*"))


@pytest.mark.slow
def test_the_fallback_reader_stays_within_the_file_limit(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        **FILES,
        **{f"var/d{n % 20}/f{n}": f"{n}\n" for n in range(400)},
    }
    result = run_unpack(
        written(tmp_path, {"method": "lzma"}, files), tmp_path / "work", Limits(max_files=100)
    )
    assert not result.complete
    assert any("limit 100" in p for p in result.problems)


def test_detect_reads_the_superblock(tmp_path: Path) -> None:
    not_squashfs = tmp_path / "blob"
    not_squashfs.write_bytes(b"\0" * 4096)
    assert detect(not_squashfs) is None
    variant = detect(written(tmp_path, {"big_endian": True}))
    assert variant is not None
    assert (variant.major, variant.big_endian, variant.compression) == (3, True, "gzip")
    assert variant.readers() == ["unsquashfs", "7-Zip"]
    v4be = detect(written(tmp_path, {"version": 4, "big_endian": True, "method": "xz"}))
    assert v4be is not None and v4be.readers() == [] and v4be.needs() == "sasquatch-v4be"
