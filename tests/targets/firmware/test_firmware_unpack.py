"""Unpacking firmware images: every format we claim, found root filesystems, and
hostile archives that stay inside the work directory and within the limits."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import shutil
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from jcstar.assessment.inputs import load_profile
from jcstar.assessment.runner import check_input
from jcstar.checks.base import CheckInput, SkipCheck
from jcstar.checks.firmware.collect.image import unpacked_image
from jcstar.targets.firmware import (
    Limits,
    PathEscape,
    UnpackedImage,
    UnpackError,
    iter_files,
    open_in_rootfs,
    read_in_rootfs,
    safe_path,
    unpack,
    workspace,
)
from tests import firmware_images as fi
from tests.conftest import FIXTURES, require_tool

MB = 1024**2
FEED = FIXTURES / "firmware" / "osv-feed.json"


def run_unpack(image: Path, workdir: Path, limits: Limits | None = None) -> UnpackedImage:
    return asyncio.run(unpack(image, workdir, limits))


def marker_in_rootfs(result: UnpackedImage) -> str:
    """The marker file as the first root filesystem holds it (read the device's way)."""
    assert result.filesystems, result.problems
    return read_in_rootfs(result.filesystems[0], "/etc/version").decode().strip()


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    return fi.sample_rootfs(tmp_path / "rootfs")


def _squashfs(src: Path, d: Path) -> Path:
    require_tool("mksquashfs")
    return fi.squashfs(src, d / "rootfs.squashfs")


def _cpio(src: Path, d: Path) -> Path:
    require_tool("cpio")
    return fi.cpio(src, d / "initramfs.cpio")


def _tar(src: Path, d: Path) -> Path:
    return fi.tar(src, d / "rootfs.tar")


def _tar_gz(src: Path, d: Path) -> Path:
    return fi.compress("gzip", fi.tar(src, d / "rootfs.tar"))


def _cpio_xz(src: Path, d: Path) -> Path:
    require_tool("cpio")
    require_tool("xz")
    return fi.compress("xz", fi.cpio(src, d / "initramfs.cpio"))


def _tar_zst(src: Path, d: Path) -> Path:
    require_tool("zstd")
    return fi.compress("zstd", fi.tar(src, d / "rootfs.tar"))


def _zip(src: Path, d: Path) -> Path:
    require_tool("zip")
    require_tool("7z")
    return fi.zip_dir(src, d / "rootfs.zip")


def _ext4(src: Path, d: Path) -> Path:
    require_tool("mkfs.ext4")
    require_tool("debugfs")
    return fi.ext4(src, d / "rootfs.ext4")


def _jffs2(src: Path, d: Path) -> Path:
    require_tool("mkfs.jffs2")
    return fi.jffs2(src, d / "rootfs.jffs2")


def _ubi(src: Path, d: Path) -> Path:
    require_tool("mkfs.ubifs")
    require_tool("ubinize")
    return fi.ubi(src, d / "rootfs.ubi")


def _uimage_blob(src: Path, d: Path) -> Path:
    require_tool("mkimage")
    return fi.uimage_firmware(_squashfs(src, d), d / "firmware.bin")


FORMATS: dict[str, Callable[[Path, Path], Path]] = {
    "squashfs": _squashfs,
    "cpio": _cpio,
    "tar": _tar,
    "tar.gz": _tar_gz,
    "cpio.xz": _cpio_xz,
    "tar.zst": _tar_zst,
    "zip": _zip,
    "ext4": _ext4,
    "jffs2": _jffs2,
    "ubi": _ubi,
    "uImage+padding+squashfs": _uimage_blob,
}


@pytest.mark.external
@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.slow
def test_each_format_unpacks_to_a_root_filesystem(kind: str, rootfs: Path, tmp_path: Path) -> None:
    require_tool("unsquashfs")
    image = FORMATS[kind](rootfs, tmp_path)
    result = run_unpack(image, tmp_path / "work")
    assert marker_in_rootfs(result) == fi.MARKER
    assert result.extractor.startswith("unblob ")
    # hashed while unblob ran: still the image file's own digest
    assert result.sha256 == hashlib.sha256(image.read_bytes()).hexdigest()
    assert result.size == image.stat().st_size
    assert Path(result.filesystems[0]).is_relative_to(tmp_path / "work")
    # the busybox applet link still leads to busybox, inside the rootfs
    assert safe_path(result.filesystems[0], "/bin/sh").name == "busybox"


@pytest.mark.external
@pytest.mark.slow
def test_standin_sasquatch_is_named_when_used(rootfs: Path, tmp_path: Path) -> None:
    image = _squashfs(rootfs, tmp_path)
    result = run_unpack(image, tmp_path / "work")
    if shutil.which("sasquatch"):
        pytest.skip("a real sasquatch is installed")
    assert "stand-in sasquatch" in result.extractor
    assert any("standard SquashFS only" in p for p in result.problems)
    assert result.complete


@pytest.mark.slow
def test_tar_without_squashfs_does_not_mention_the_standin(rootfs: Path, tmp_path: Path) -> None:
    result = run_unpack(_tar(rootfs, tmp_path), tmp_path / "work")
    assert "sasquatch" not in result.extractor
    assert result.complete and not result.problems


def test_a_directory_is_used_in_place(rootfs: Path, tmp_path: Path) -> None:
    result = run_unpack(rootfs, tmp_path / "unused")
    assert result.extractor == "directory"
    assert result.root == result.filesystems[0] == str(rootfs)
    assert result.complete and result.files > 0
    assert not (tmp_path / "unused").exists()  # nothing copied


def test_a_directory_walk_stops_at_the_file_limit(tmp_path: Path) -> None:
    big = tmp_path / "big"
    for number in range(300):
        (big / f"d{number % 10}").mkdir(parents=True, exist_ok=True)
        (big / f"d{number % 10}" / f"f{number}").write_bytes(b"x")
    result = run_unpack(big, tmp_path / "unused", Limits(max_files=50))
    assert not result.complete
    assert result.problems == ("directory walk stopped at 51 files (limit 50)",)
    assert result.files == 51  # it stopped there: the rest was never listed
    whole = run_unpack(big, tmp_path / "unused")
    assert whole.complete and whole.files == 310


def test_a_directory_walk_stops_at_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for number in range(8):
        (big / f"blob{number}").write_bytes(os.urandom(MB))
    result = run_unpack(big, tmp_path / "unused", Limits(max_total_bytes=3 * MB))
    assert not result.complete
    (problem,) = result.problems
    assert problem.startswith("directory walk stopped at") and "(limit 3 MB)" in problem
    assert result.total_bytes < 5 * MB  # stopped soon after the limit, not at all 8 MB


def test_the_checks_read_a_cut_short_directory_no_further(tmp_path: Path) -> None:
    big = tmp_path / "big"
    for number in range(200):
        (big / f"d{number:03}").mkdir(parents=True)
        (big / f"d{number:03}" / "cfg.conf").write_text("password=Hunter-22-secret\n")
    result = run_unpack(big, tmp_path / "unused", Limits(max_files=40))
    assert len(list(iter_files(big, result.files))) <= 40 < len(list(iter_files(big)))


def test_the_host_root_is_never_walked(tmp_path: Path) -> None:
    with pytest.raises(UnpackError, match="root directory"):
        run_unpack(Path("/"), tmp_path / "unused")
    with pytest.raises(UnpackError, match="root directory"):
        run_unpack(Path("/usr/.."), tmp_path / "unused")


def test_a_missing_image_is_an_unpack_error(tmp_path: Path) -> None:
    with pytest.raises(UnpackError, match="not found"):
        run_unpack(tmp_path / "nope.bin", tmp_path / "work")


@pytest.mark.slow
def test_data_in_no_known_format_is_an_unpack_error(tmp_path: Path) -> None:
    blob = tmp_path / "random.bin"
    blob.write_bytes(random.Random(7).randbytes(64 * 1024))  # fixed: no accidental header
    with pytest.raises(UnpackError, match="no format"):
        run_unpack(blob, tmp_path / "work")


# -- containment ----------------------------------------------------------------


@pytest.mark.slow
def test_zip_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    require_tool("7z")  # unblob's zip extractor
    bomb = fi.zip_bomb(tmp_path / "bomb.zip", megabytes=400)
    assert bomb.stat().st_size < 2 * MB
    result = run_unpack(bomb, tmp_path / "work", Limits(max_total_bytes=40 * MB))
    assert not result.complete
    assert any("decompression bomb" in p or "size limit" in p for p in result.problems)
    # what is left on disk stays near the limit, far from the 400 MB the bomb holds
    on_disk = sum(p.stat().st_size for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert on_disk < 120 * MB


@pytest.mark.slow
def test_too_many_files_stops_at_the_file_limit(tmp_path: Path) -> None:
    require_tool("7z")
    archive = fi.many_files_zip(tmp_path / "many.zip", 5000)
    result = run_unpack(archive, tmp_path / "work", Limits(max_files=300))
    assert not result.complete
    assert any("limit 300" in p for p in result.problems)


@pytest.mark.parametrize("build", [fi.traversal_tar, fi.traversal_zip])
@pytest.mark.slow
def test_path_traversal_writes_nothing_outside(
    build: Callable[[Path, str], Path], tmp_path: Path
) -> None:
    require_tool("7z")
    name = f"jcstar-sentinel-{uuid.uuid4().hex}"
    archive = build(tmp_path / "evil.archive", name)
    result = run_unpack(archive, tmp_path / "work")
    for outside in (Path("/") / name, Path("/tmp") / name, tmp_path / name):
        assert not outside.exists()
    # whatever was kept of those members is inside the work directory
    kept = [p for p in (tmp_path / "work").rglob(name)]
    assert all(p.is_relative_to(tmp_path / "work") for p in kept)
    assert result.filesystems  # the honest part (etc/passwd) is still there


@pytest.mark.slow
def test_symlink_escape_writes_nothing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = fi.symlink_escape_tar(tmp_path / "links.tar", outside)
    result = run_unpack(archive, tmp_path / "work")
    assert list(outside.iterdir()) == []
    fs = result.filesystems[0]
    # no link left in the extraction points out of it when followed on the host
    for link in Path(result.root).rglob("*"):
        if link.is_symlink():
            assert Path(os.path.realpath(link)).is_relative_to(tmp_path / "work")
    # and a check reading through the link name stays in the rootfs
    assert safe_path(fs, "etc/outside/pwned").is_relative_to(fs)


@pytest.mark.slow
def test_nesting_beyond_the_depth_limit_is_not_unpacked(tmp_path: Path) -> None:
    archive = fi.nested_gzip_tar(tmp_path / "nested.tar", levels=12)
    result = run_unpack(archive, tmp_path / "work", Limits(max_depth=4))
    assert not result.complete
    assert any("nesting limit" in p for p in result.problems)
    found = [p for p in Path(result.root).rglob("innermost.txt")]
    assert found == []


def test_time_limit_stops_the_extractor_and_its_children(tmp_path: Path, rootfs: Path) -> None:
    image = _tar(rootfs, tmp_path)
    work = tmp_path / "work"
    try:
        # unblob alone takes longer than this to start
        result = run_unpack(image, work, Limits(timeout_s=0.05))
        stopped = " ".join(result.problems)
        assert not result.complete
    except UnpackError as exc:
        stopped = str(exc)
    assert "time limit" in stopped
    assert processes_mentioning(str(work)) == []


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text in (proc / "cmdline").read_bytes().decode(
                "utf-8", "replace"
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


# -- reading inside a root filesystem --------------------------------------------


def test_absolute_links_are_read_inside_the_rootfs_not_on_the_host(tmp_path: Path) -> None:
    fs = tmp_path / "fs"
    (fs / "etc").mkdir(parents=True)
    (fs / "etc/passwd").write_text("device passwd\n")
    (fs / "etc/shadow").symlink_to("/etc/passwd")  # on the host: the host's passwd
    (fs / "etc/up").symlink_to("../../../../../../etc/passwd")
    assert read_in_rootfs(fs, "/etc/shadow") == b"device passwd\n"
    assert read_in_rootfs(fs, "etc/up") == b"device passwd\n"
    assert read_in_rootfs(fs, "/../../etc/passwd") == b"device passwd\n"


def test_link_loops_and_special_files_are_refused(tmp_path: Path) -> None:
    fs = tmp_path / "fs"
    fs.mkdir()
    (fs / "a").symlink_to("b")
    (fs / "b").symlink_to("/a")
    os.mkfifo(fs / "fifo")
    with pytest.raises(PathEscape, match="symbolic links"):
        safe_path(fs, "a")
    with pytest.raises(OSError):
        open_in_rootfs(fs, "fifo")
    with pytest.raises(OSError):
        open_in_rootfs(fs, "/")


def test_iter_files_lists_regular_files_only(rootfs: Path) -> None:
    listed = dict(iter_files(rootfs))
    assert "/etc/passwd" in listed and "/bin/busybox" in listed
    assert "/bin/sh" not in listed  # a link, never followed


def test_workspace_removes_read_only_trees(tmp_path: Path) -> None:
    with workspace() as work:
        locked = work / "squashfs-root" / "etc"
        locked.mkdir(parents=True)
        (locked / "shadow").write_text("x")
        (locked / "shadow").chmod(0o400)
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        (work / "link").symlink_to(tmp_path)  # removed, never followed
    assert not work.exists()
    assert tmp_path.exists()


def test_workspace_keep_dir_is_left_in_place(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    with workspace(keep) as work:
        (work / "x").write_text("kept")
    assert (keep / "x").read_text() == "kept"


# -- the profile's firmware section and the shared accessor ----------------------


def test_profile_paths_are_relative_to_the_profile(rootfs: Path, tmp_path: Path) -> None:
    product = tmp_path / "product"
    product.mkdir()
    shutil.move(rootfs, product / "rootfs")
    shutil.copy(FEED, product / "feed.json")
    profile_file = product / "profile.yaml"
    profile_file.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M1]\nproduct_type: camera\n"
        'firmware_version: "1.0"\nfirmware:\n  image: rootfs\n  vuln_feed: feed.json\n'
    )
    profile, _ = load_profile(profile_file)
    given = check_input(profile, profile_file.parent)
    assert given.targets["firmware_image"] == str(product / "rootfs")
    assert given.firmware is not None
    assert given.firmware.params.vuln_feed == str(product / "feed.json")

    async def twice() -> tuple[UnpackedImage, UnpackedImage]:
        return await unpacked_image(given), await unpacked_image(given)

    first, second = asyncio.run(twice())
    assert first is second  # unpacked once per run
    assert first.root == str(product / "rootfs")


def test_no_firmware_in_the_profile_skips() -> None:
    with pytest.raises(SkipCheck, match="firmware"):
        asyncio.run(unpacked_image(CheckInput()))
