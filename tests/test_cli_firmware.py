"""``jcstar firmware`` and ``jcstar assess`` with a ``firmware:`` section, end to end
with images packed by the real tools."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests import firmware_images as fi
from tests.conftest import invoke, require_tool
from tests.firmware_rootfs import make_rootfs

FOUND_IN_IMAGE = {  # requirement -> a path the evidence must name
    "S1.1-02": "/etc/shadow",
    "S1.1-11": "etc/ssl/private/server.key",
    "S1.1-13": "/etc/init.d/rcS",
}


@pytest.fixture
def squashfs_image(tmp_path: Path) -> Any:
    require_tool("mksquashfs")
    require_tool("unsquashfs")

    def build(vulnerable: bool) -> Path:
        name = "vulnerable" if vulnerable else "clean"
        rootfs = make_rootfs(tmp_path / name, vulnerable)
        return fi.squashfs(rootfs, tmp_path / f"{name}.squashfs")

    return build


def verdicts(stdout: str) -> dict[str, dict[str, Any]]:
    return {v["requirement"]: v for v in json.loads(stdout)["verdicts"]}


def evidence_text(verdict: dict[str, Any]) -> str:
    return " ".join([*verdict["reasons"], *(e["summary"] for e in verdict["evidence"])])


@pytest.mark.external
def test_vulnerable_image_fails_02_11_13_with_paths(cli: CliRunner, squashfs_image: Any) -> None:
    code, out, err = invoke(cli, "firmware", str(squashfs_image(True)), "--format", "json")
    assert code == 1, err
    found = verdicts(out)
    for requirement, path in FOUND_IN_IMAGE.items():
        assert found[requirement]["verdict"] == "NOT_MET", found[requirement]
        assert path in evidence_text(found[requirement])
    report = json.loads(out)
    assert [i["role"] for i in report["inputs"]] == ["firmware"]  # the image's digest


@pytest.mark.external
def test_clean_image_fails_none_of_them(cli: CliRunner, squashfs_image: Any) -> None:
    code, out, err = invoke(cli, "firmware", str(squashfs_image(False)), "--format", "json")
    found = verdicts(out)
    assert [r for r in FOUND_IN_IMAGE if found[r]["verdict"] == "NOT_MET"] == []
    assert code != 1, err


def test_missing_image_is_one_line_and_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(cli, "firmware", str(tmp_path / "nope.bin"))
    assert code == 2
    assert err.strip().count("\n") == 0 and "nope.bin" in err and "not found" in err


def test_signature_without_package_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    sig = tmp_path / "x.sig"
    sig.write_bytes(b"x")
    code, _, err = invoke(cli, "firmware", str(tmp_path), "--signature", str(sig))
    assert code == 2 and "--update-package" in err


def test_update_package_needs_a_public_key(cli: CliRunner, tmp_path: Path) -> None:
    package = tmp_path / "update.bin"
    package.write_bytes(b"x")
    code, _, err = invoke(cli, "firmware", str(tmp_path), "--update-package", str(package))
    assert code == 2 and "--public-key" in err


def test_a_missing_option_file_is_named(cli: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(cli, "firmware", str(tmp_path), "--vuln-feed", str(tmp_path / "f.json"))
    assert code == 2 and "--vuln-feed" in err and "f.json" in err


def test_bomb_is_incomplete_never_conformant(cli: CliRunner, tmp_path: Path) -> None:
    require_tool("7z")  # unblob's zip extractor
    fi.zip_bomb(tmp_path / "bomb.zip", megabytes=300)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: camera\n"
        'firmware_version: "1"\nfirmware:\n  image: bomb.zip\n  max_total_bytes: 30000000\n'
    )
    code, out, err = invoke(
        cli, "firmware", str(tmp_path / "bomb.zip"), "--profile", str(profile), "--format", "json"
    )
    assert code == 3, err
    assert json.loads(out)["overall"] == "INCOMPLETE"
    assert "decompression bomb" in err
    found = verdicts(out)
    assert all(found[r]["verdict"] == "INCONCLUSIVE" for r in FOUND_IN_IMAGE)


@pytest.mark.external
def test_assess_runs_the_firmware_checks_and_removes_its_work_dir(
    cli: CliRunner, squashfs_image: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = squashfs_image(True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: Cam\nmodel_numbers: [C1]\nproduct_type: camera\n"
        f'firmware_version: "1"\nfirmware:\n  image: {image.name}\n'
    )
    code, out, err = invoke(cli, "assess", str(profile))
    assert code == 1, err
    report = json.loads(out)
    by_id = {v["requirement"]: v["verdict"] for v in report["verdicts"]}
    assert by_id["S1.1-02"] == by_id["S1.1-11"] == by_id["S1.1-13"] == "NOT_MET"
    firmware_attempts = [a for a in report["attempts"] if a["check"].startswith("firmware.")]
    assert firmware_attempts and all(a["status"] == "completed" for a in firmware_attempts)
    assert list(scratch.iterdir()) == []  # the unpacked image is gone


@pytest.mark.external
def test_keep_leaves_the_unpacked_image(
    cli: CliRunner, squashfs_image: Any, tmp_path: Path
) -> None:
    keep = tmp_path / "kept"
    code, _, err = invoke(
        cli, "firmware", str(squashfs_image(True)), "--keep", str(keep), "--format", "json"
    )
    assert code == 1, err
    assert list(keep.rglob("etc/shadow"))


def test_keep_refuses_a_directory_with_files(cli: CliRunner, tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    keep.mkdir()
    (keep / "precious.txt").write_text("mine")
    rootfs = fi.sample_rootfs(tmp_path / "rootfs")
    code, _, err = invoke(cli, "firmware", str(rootfs), "--keep", str(keep))
    assert code == 2 and "must be empty" in err
    assert (keep / "precious.txt").read_text() == "mine"
