"""SPDX documents a firmware image carries that cannot be read are reported, never left out
silently: firmware.components says how many and why in the attempt's evidence, beside the
components it still found (the image's directory is the test's own, under tmp_path)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.firmware.collect import spdx
from jcstar.checks.firmware.collect.image import FirmwareTarget
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.checks.firmware.components import FirmwareComponentsCheck
from tests.checks.sbom.test_spdx import yocto_recipe


def _image(tmp_path: Path, documents: dict[str, bytes]) -> Path:
    rootfs = tmp_path / "rootfs"
    at = rootfs / "usr" / "share" / "spdx"
    at.mkdir(parents=True)
    for name, data in documents.items():
        (at / name).write_bytes(data)
    return rootfs


def _run(rootfs: Path) -> CheckAttempt:
    given = CheckInput(firmware=FirmwareTarget(FirmwareParams(image=str(rootfs))))
    return asyncio.run(run_check(FirmwareComponentsCheck(), given, None))


def _sbom_observation(result: CheckAttempt):
    assert result.status == "completed", result.reason
    (listed,) = [o for o in result.observations if o.topic == "sbom"]
    return listed


def _recipe(name: str, version: str) -> bytes:
    return json.dumps(yocto_recipe(name, version)).encode()


def test_malformed_spdx_documents_in_an_image_are_counted_and_named(tmp_path: Path) -> None:
    spdx3 = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}
    rootfs = _image(
        tmp_path,
        {
            "recipe-busybox.spdx.json": _recipe("busybox", "1.35.0"),
            "broken.spdx.json": b"{",
            "no-id.spdx.json": json.dumps({"spdxVersion": "SPDX-2.3"}).encode(),
            "next.spdx.json": json.dumps(spdx3).encode(),
        },
    )
    listed = _sbom_observation(_run(rootfs))
    assert listed.message.startswith("1 component(s) identified: busybox 1.35.0; ")
    assert "3 SPDX document(s) in the image not read, their packages not listed" in listed.message
    refused = {r["path"]: r["reason"] for r in listed.details["spdx_refused"]}
    assert set(refused) == {
        "/usr/share/spdx/broken.spdx.json",
        "/usr/share/spdx/no-id.spdx.json",
        "/usr/share/spdx/next.spdx.json",
    }
    assert all(reason for reason in refused.values())  # each says why
    assert "3.0" in refused["/usr/share/spdx/next.spdx.json"]
    assert "/usr/share/spdx/" not in refused["/usr/share/spdx/broken.spdx.json"]  # not twice


def test_a_document_over_the_size_limit_or_binary_is_reported(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spdx, "DOCUMENT_LIMIT", 4096)
    rootfs = _image(
        tmp_path,
        {
            "recipe-zlib.spdx.json": _recipe("zlib", "1.3.1"),
            "huge.spdx.json": b" " * 5000,
            "binary.spdx": b"\x00\x01\x02",
        },
    )
    listed = _sbom_observation(_run(rootfs))
    refused = {r["path"]: r["reason"] for r in listed.details["spdx_refused"]}
    assert "over the 4,096-byte limit" in refused["/usr/share/spdx/huge.spdx.json"]
    assert "not a text file" in refused["/usr/share/spdx/binary.spdx"]
    assert "2 SPDX document(s) in the image not read" in listed.message


def test_an_image_whose_spdx_all_reads_says_nothing_more(tmp_path: Path) -> None:
    rootfs = _image(tmp_path, {"recipe-zlib.spdx.json": _recipe("zlib", "1.3.1")})
    listed = _sbom_observation(_run(rootfs))
    assert listed.message == "1 component(s) identified: zlib 1.3.1"
    assert listed.details["spdx_refused"] == []


def test_many_refused_documents_are_counted_whole_and_shown_in_part(tmp_path: Path) -> None:
    rootfs = _image(tmp_path, {f"broken-{n}.spdx.json": b"{" for n in range(5)})
    listed = _sbom_observation(_run(rootfs))
    assert "5 SPDX document(s) in the image not read" in listed.message
    assert "; and 2 more)" in listed.message
    assert len(listed.details["spdx_refused"]) == 5
