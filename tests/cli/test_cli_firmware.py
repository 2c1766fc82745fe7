"""``jcstar firmware`` and ``jcstar assess`` with a ``firmware:`` section, end to end
with images packed by the real tools."""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests import firmware_images as fi
from tests.conftest import FIXTURES, invoke, require_tool
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
@pytest.mark.slow
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
@pytest.mark.slow
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


@pytest.mark.slow
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
@pytest.mark.slow
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
@pytest.mark.slow
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


# --- bad input is refused before anything runs --------------------------------------------

BROKEN_FEED = '{"vulns": [{"summary": "a record without an id"}]}'


def _one_line(err: str) -> bool:
    return err.strip().count("\n") == 0


def test_a_malformed_feed_is_bad_input_not_a_check_error(cli: CliRunner, tmp_path: Path) -> None:
    rootfs = fi.sample_rootfs(tmp_path / "rootfs")
    feed = tmp_path / "broken-feed.json"
    feed.write_text(BROKEN_FEED)
    code, out, err = invoke(cli, "firmware", str(rootfs), "--vuln-feed", str(feed))
    assert code == 2, err
    assert _one_line(err) and "broken-feed.json" in err and "vulns.0.id" in err
    assert out == "" and "unpacked" not in err  # refused before any check ran


def test_a_malformed_public_key_is_bad_input(cli: CliRunner, tmp_path: Path) -> None:
    rootfs = fi.sample_rootfs(tmp_path / "rootfs")
    package, key = tmp_path / "update.bin", tmp_path / "vendor.pem"
    package.write_bytes(b"UPDT")
    key.write_text("-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n")
    code, out, err = invoke(
        cli, "firmware", str(rootfs), "--update-package", str(package), "--public-key", str(key)
    )
    assert code == 2, err
    assert _one_line(err) and "vendor.pem" in err and "not a PEM or DER public key" in err
    assert out == ""


def test_assess_refuses_a_profile_with_a_malformed_feed(cli: CliRunner, tmp_path: Path) -> None:
    fi.sample_rootfs(tmp_path / "rootfs")
    (tmp_path / "feed.json").write_text(BROKEN_FEED)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: camera\n"
        'firmware_version: "1"\nfirmware:\n  image: rootfs\n  vuln_feed: feed.json\n'
    )
    code, out, err = invoke(cli, "assess", str(profile))
    assert code == 2, err
    assert _one_line(err) and "profile.yaml" in err and "feed.json: vulns.0.id" in err
    assert out == ""


def test_the_host_root_is_refused(cli: CliRunner) -> None:
    code, out, err = invoke(cli, "firmware", "/")
    assert code == 2 and _one_line(err) and "root directory" in err
    assert out == ""


# --- evidence paths as the device has them --------------------------------------------------


@pytest.mark.external
@pytest.mark.slow
def test_secret_paths_are_device_paths_in_a_squashfs(cli: CliRunner, squashfs_image: Any) -> None:
    code, out, err = invoke(cli, "firmware", str(squashfs_image(True)), "--format", "json")
    assert code == 1, err
    evidence = evidence_text(verdicts(out)["S1.1-11"])
    assert "/etc/ssl/private/server.key:" in evidence  # path, then what it is
    assert "_extract" not in evidence  # not the path inside jcstar's extraction


# --- the report names every firmware input ----------------------------------------------------


def _signed_update(at: Path) -> dict[str, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    files = {
        "update_package": at / "update.bin",
        "signature": at / "update.sig",
        "public_key": at / "vendor.pem",
    }
    files["update_package"].write_bytes(b"UPDT" + bytes(1000))
    files["signature"].write_bytes(key.sign(files["update_package"].read_bytes()))
    files["public_key"].write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return files


@pytest.mark.external
@pytest.mark.slow
def test_assess_and_firmware_list_the_same_firmware_inputs(
    cli: CliRunner, squashfs_image: Any, tmp_path: Path
) -> None:
    image = squashfs_image(False)
    files = _signed_update(tmp_path)
    feed = FIXTURES / "firmware" / "osv-feed.json"
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: Cam\nmodel_numbers: [C1]\nproduct_type: camera\n"
        f'firmware_version: "1"\nfirmware:\n  image: {image.name}\n'
        + "".join(f"  {name}: {path.name}\n" for name, path in files.items())
        + f"  vuln_feed: {feed}\n"
    )
    code, assessed, err = invoke(cli, "assess", str(profile))
    assert code in (0, 3), err
    inputs = {i["role"]: i for i in json.loads(assessed)["inputs"]}
    sha256 = hashlib.sha256
    assert inputs["firmware"]["sha256"] == sha256(image.read_bytes()).hexdigest()
    assert inputs["firmware"]["name"] == image.name
    for role, path in (
        ("update_package", files["update_package"]),
        ("update_signature", files["signature"]),
        ("update_public_key", files["public_key"]),
        ("vulnerability_feed", feed),
    ):
        assert inputs[role]["sha256"] == sha256(path.read_bytes()).hexdigest(), role
    code, inspected, err = invoke(
        cli, "firmware", str(image), "--profile", str(profile), "--format", "json"
    )
    assert [i for i in json.loads(inspected)["inputs"] if i["role"] != "profile"] == [
        i for i in json.loads(assessed)["inputs"] if i["role"] != "profile"
    ]


# --- the same password hash in several images of one model ------------------------------------


def _unit_rootfs(at: Path, salt: str) -> Path:
    """A unit's root filesystem whose admin password is on no public list, hashed with ``salt``."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.hash import sha512_crypt

    rootfs = fi.sample_rootfs(at)
    stored = sha512_crypt.using(salt=salt, rounds=5000).hash("Unit-Pass-4f9!")
    (rootfs / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\nadmin:x:1000:1000::/:/bin/sh\n")
    (rootfs / "etc/shadow").write_text(f"root:!:19000::::::\nadmin:{stored}:19000::::::\n")
    return rootfs


def _report_of(cli: CliRunner, image: Path, *others: Path) -> tuple[int, str, str]:
    same = [arg for other in others for arg in ("--same-model", str(other))]
    return invoke(cli, "firmware", str(image), *same, "--format", "json")


@pytest.mark.slow
def test_the_same_hash_in_two_images_of_a_model_is_a_shared_default(
    cli: CliRunner, tmp_path: Path
) -> None:
    require_tool("tar")
    rootfs = _unit_rootfs(tmp_path / "rootfs", "SameSalt1")
    (rootfs / "etc/hostname").write_text("unit-a\n")
    first = fi.tar(rootfs, tmp_path / "unit-a.tar")
    (rootfs / "etc/hostname").write_text("unit-b\n")  # dumps of two units differ a little
    second = fi.tar(rootfs, tmp_path / "unit-b.tar")
    code, out, err = _report_of(cli, first, second)
    assert code == 1, err
    s02 = verdicts(out)["S1.1-02"]
    assert s02["verdict"] == "NOT_MET"
    text = evidence_text(s02)
    assert "the same password hash ships on every unit: a shared default" in text
    assert "admin (/etc/shadow, sha512_crypt) in unit-a.tar, unit-b.tar" in text
    assert "byte-identical" not in text  # two units' images, not one file twice
    stored = (rootfs / "etc/shadow").read_text().splitlines()[1].split(":")[1]
    assert stored not in out and stored.split("$")[-1] not in out  # never the hash
    assert [i["role"] for i in json.loads(out)["inputs"]] == ["firmware", "same_model"]


@pytest.mark.slow
def test_differently_salted_hashes_are_not_shared(cli: CliRunner, tmp_path: Path) -> None:
    require_tool("tar")
    first = fi.tar(_unit_rootfs(tmp_path / "a", "SaltOfUnitA"), tmp_path / "unit-a.tar")
    second = fi.tar(_unit_rootfs(tmp_path / "b", "SaltOfUnitB"), tmp_path / "unit-b.tar")
    code, out, err = _report_of(cli, first, second)
    assert code == 3, err
    s02 = verdicts(out)["S1.1-02"]
    assert s02["verdict"] == "NEEDS_REVIEW", s02  # no default found, none shared
    assert "no password hash is the same in unit-b.tar" in evidence_text(s02)
    assert "shared default" not in out


@pytest.mark.slow
def test_a_same_model_image_that_cannot_be_read_leaves_the_comparison_open(
    cli: CliRunner, tmp_path: Path
) -> None:
    require_tool("tar")
    first = fi.tar(_unit_rootfs(tmp_path / "a", "SaltOfUnitA"), tmp_path / "unit-a.tar")
    garbage = tmp_path / "unit-b.bin"
    garbage.write_bytes(random.Random(3).randbytes(64 * 1024))
    code, out, err = _report_of(cli, first, garbage)
    assert code == 3, err
    s02 = verdicts(out)["S1.1-02"]
    assert s02["verdict"] == "INCONCLUSIVE"
    assert "unit-b.bin: unblob found no format it knows in it" in " ".join(s02["reasons"])


def test_a_missing_same_model_image_is_bad_input(cli: CliRunner, tmp_path: Path) -> None:
    rootfs = fi.sample_rootfs(tmp_path / "rootfs")
    code, _, err = _report_of(cli, rootfs, tmp_path / "nope.bin")
    assert code == 2 and _one_line(err) and "nope.bin" in err
