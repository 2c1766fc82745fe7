"""sbom.components reads SPDX: 2.3 JSON as syft writes it, 2.2 JSON split over many
documents as Yocto's create-spdx writes them (a directory, its index, a tar, a tar.zst),
tag-value; the product's own root package is not a component; a component no feed can
name is reported unmatched, never unaffected; malformed input names the field and is never
a pass; SPDX 3.0 is refused as unsupported. firmware.components reads an SPDX document the
image carries."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import zstandard

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.firmware.collect.image import FirmwareTarget
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.checks.firmware.components import FirmwareComponentsCheck
from jcstar.checks.sbom.collect import reading
from jcstar.checks.sbom.collect.params import SbomParams
from jcstar.checks.sbom.components import SbomComponentsCheck
from tests.conftest import FIXTURES, invoke

VEX = FIXTURES / "firmware" / "csaf-vex.json"

# -- feeds -------------------------------------------------------------------------------


def osv_feed(tmp_path: Path) -> Path:
    """TEST DATA: made-up ids; busybox before 1.36.0 is affected, by purl."""
    path = tmp_path / "osv.json"
    record = {
        "id": "JCSTAR-TEST-SPDX-1",
        "summary": "TEST DATA: made-up busybox flaw, fixed in 1.36.0",
        "affected": [
            {
                "package": {"ecosystem": "generic", "name": "busybox",
                            "purl": "pkg:generic/busybox"},
                "ranges": [{"type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": "1.36.0"}]}],
            }
        ],
    }  # fmt: skip
    path.write_text(json.dumps({"vulns": [record]}), encoding="utf-8")
    return path


def yocto_cpe(product: str, version: str) -> str:
    # how Yocto's oe.cve_check.get_cpe_ids writes a recipe's CPE: part left as '*'
    return f"cpe:2.3:*:{product}:{product}:{version}:*:*:*:*:*:*:*"


def cpe_vex(tmp_path: Path) -> Path:
    """TEST DATA: a CSAF VEX naming Yocto recipes by their CPE, as a vendor's PSIRT would for
    a Yocto build: busybox 1.35.0 affected, openssl 3.0.13 declared not affected."""
    path = tmp_path / "vex.json"
    document = {
        "document": {"category": "csaf_vex", "csaf_version": "2.0", "title": "TEST DATA"},
        "product_tree": {
            "full_product_names": [
                {"product_id": "BB", "name": "busybox 1.35.0",
                 "product_identification_helper": {"cpe": yocto_cpe("busybox", "1.35.0")}},
                {"product_id": "OSSL", "name": "openssl 3.0.13",
                 "product_identification_helper": {"cpe": yocto_cpe("openssl", "3.0.13")}},
            ]
        },
        "vulnerabilities": [
            {"ids": [{"system_name": "test", "text": "JCSTAR-TEST-YOCTO-1"}],
             "title": "TEST DATA: made-up busybox flaw",
             "product_status": {"known_affected": ["BB"]}},
            {"ids": [{"system_name": "test", "text": "JCSTAR-TEST-YOCTO-2"}],
             "title": "TEST DATA: made-up openssl flaw",
             "product_status": {"known_not_affected": ["OSSL"]}},
        ],
    }  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# -- SPDX as syft writes it (syft dir:rootfs -o spdx-json) --------------------------------

SYFT_ROOT = "SPDXRef-DocumentRoot-Directory-rootfs"


def syft_package(name: str, version: str, *, purl: bool = True) -> dict[str, Any]:
    refs = [
        {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
         "referenceLocator": f"cpe:2.3:a:{name}:{name}:{version}:*:*:*:*:*:*:*"},
    ]  # fmt: skip
    if purl:
        refs.append(
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
             "referenceLocator": f"pkg:generic/{name}@{version}"}
        )  # fmt: skip
    return {
        "name": name, "SPDXID": f"SPDXRef-Package-binary-{name}-0d1c2b3a", "versionInfo": version,
        "supplier": "NOASSERTION", "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "sourceInfo": "acquired package info from the following paths: /bin/busybox",
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION", "externalRefs": refs,
    }  # fmt: skip


def syft_document(*packages: dict[str, Any]) -> dict[str, Any]:
    root = {
        "name": "rootfs", "SPDXID": SYFT_ROOT, "supplier": "NOASSERTION",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "primaryPackagePurpose": "FILE",
    }  # fmt: skip
    return {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "rootfs", "documentNamespace": "https://anchore.com/syft/dir/rootfs-6f0e",
        "creationInfo": {"licenseListVersion": "3.25", "created": "2026-11-30T09:00:00Z",
                         "creators": ["Organization: Anchore, Inc", "Tool: syft-1.18.1"]},
        "packages": [root, *packages],
        "relationships": [
            *({"spdxElementId": SYFT_ROOT, "relatedSpdxElement": p["SPDXID"],
               "relationshipType": "CONTAINS"} for p in packages),
            {"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": SYFT_ROOT,
             "relationshipType": "DESCRIBES"},
        ],
    }  # fmt: skip


# -- SPDX 2.2 as Yocto's create-spdx writes it: one document per recipe, per package, per
# package's runtime dependencies, and one for the image that contains the packages ------


def yocto_head(name: str) -> dict[str, Any]:
    return {
        "spdxVersion": "SPDX-2.2", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": name, "documentNamespace": f"http://spdx.org/spdxdoc/{name}-1b2c3d",
        "creationInfo": {"created": "2026-11-30T09:00:00Z", "creators": [
            "Tool: OpenEmbedded Core create-spdx.bbclass", "Organization: OpenEmbedded ()",
            "Person: N/A ()"]},
    }  # fmt: skip


def yocto_recipe(recipe: str, version: str) -> dict[str, Any]:
    spdx_id = f"SPDXRef-Recipe-{recipe}"
    return yocto_head(f"recipe-{recipe}") | {
        "packages": [{
            "SPDXID": spdx_id, "name": recipe, "versionInfo": version,
            "supplier": "Organization: OpenEmbedded ()",
            "downloadLocation": f"https://example.org/{recipe}-{version}.tar.gz",
            "licenseDeclared": "GPL-2.0-only",
            "externalRefs": [{"referenceCategory": "SECURITY",
                              "referenceType": "http://spdx.org/rdf/references/cpe23Type",
                              "referenceLocator": yocto_cpe(recipe, version)}],
        }],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": spdx_id},
            {"spdxElementId": "DocumentRef-dependency-recipe-zlib:SPDXRef-Recipe-zlib",
             "relationshipType": "BUILD_DEPENDENCY_OF", "relatedSpdxElement": spdx_id},
        ],
    }  # fmt: skip


def yocto_package(package: str, version: str, recipe: str) -> dict[str, Any]:
    spdx_id = f"SPDXRef-Package-{package}"
    return yocto_head(package) | {
        "packages": [{"SPDXID": spdx_id, "name": package, "versionInfo": version,
                      "supplier": "Organization: OpenEmbedded ()",
                      "downloadLocation": "NOASSERTION"}],
        "files": [{"SPDXID": f"SPDXRef-PackagedFile-{package}-1", "fileName": "/etc/init.d/x",
                   "checksums": [{"algorithm": "SHA1", "checksumValue": "0" * 40}]}],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": spdx_id},
            {"spdxElementId": spdx_id, "relationshipType": "CONTAINS",
             "relatedSpdxElement": f"SPDXRef-PackagedFile-{package}-1"},
            {"spdxElementId": spdx_id, "relationshipType": "GENERATED_FROM",
             "relatedSpdxElement": f"DocumentRef-recipe-{recipe}:SPDXRef-Recipe-{recipe}"},
        ],
    }  # fmt: skip


def yocto_runtime(package: str) -> dict[str, Any]:
    return yocto_head(f"runtime-{package}") | {
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "AMENDS",
             "relatedSpdxElement": f"DocumentRef-package-{package}:SPDXRef-DOCUMENT"},
        ],
    }  # fmt: skip


def yocto_image(packages: list[str]) -> dict[str, Any]:
    return yocto_head("core-image-minimal-qemuarm64") | {
        "packages": [{"SPDXID": "SPDXRef-Image-core-image-minimal", "name": "core-image-minimal",
                      "versionInfo": "1.0", "supplier": "Organization: OpenEmbedded ()",
                      "downloadLocation": "NOASSERTION"}],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-Image-core-image-minimal"},
            *({"spdxElementId": "SPDXRef-Image-core-image-minimal",
               "relationshipType": "CONTAINS",
               "relatedSpdxElement": f"DocumentRef-package-{p}:SPDXRef-Package-{p}"}
              for p in packages),
        ],
    }  # fmt: skip


def yocto_documents() -> dict[str, dict[str, Any]]:
    """busybox 1.35.0 (its recipe carries a CPE; its -syslog package carries none) and
    openssl 3.0.13, in an image whose own document contains them."""
    return {
        "recipes/recipe-busybox.spdx.json": yocto_recipe("busybox", "1.35.0"),
        "recipes/recipe-openssl.spdx.json": yocto_recipe("openssl", "3.0.13"),
        "packages/busybox-syslog.spdx.json": yocto_package("busybox-syslog", "1.35.0", "busybox"),
        "runtime/runtime-busybox-syslog.spdx.json": yocto_runtime("busybox-syslog"),
        "core-image-minimal-qemuarm64.spdx.json": yocto_image(["busybox-syslog"]),
    }


def yocto_tar(path: Path, documents: dict[str, dict[str, Any]], zstd: bool = False) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, document in documents.items():
            data = json.dumps(document).encode()
            member = tarfile.TarInfo(f"./{Path(name).name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        index = json.dumps({"documents": [{"filename": Path(n).name} for n in documents]})
        member = tarfile.TarInfo("./index.json")
        member.size = len(index)
        tar.addfile(member, io.BytesIO(index.encode()))
    raw = buffer.getvalue()
    path.write_bytes(zstandard.ZstdCompressor().compress(raw) if zstd else raw)
    return path


def yocto_directory(path: Path, documents: dict[str, dict[str, Any]]) -> Path:
    for name, document in documents.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(json.dumps(document), encoding="utf-8")
    return path


def yocto_index(path: Path, documents: dict[str, dict[str, Any]]) -> Path:
    """The documents flat beside ``IMAGE.spdx.index.json``, as Yocto deploys them."""
    path.mkdir()
    flat = {Path(name).name: document for name, document in documents.items()}
    yocto_directory(path, flat)
    index = path / "core-image-minimal-qemuarm64.spdx.index.json"
    index.write_text(json.dumps({"documents": [
        {"filename": name, "documentNamespace": d["documentNamespace"], "sha1": "0" * 40}
        for name, d in flat.items()]}), encoding="utf-8")  # fmt: skip
    return index


TAG_VALUE = """\
SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: camera-firmware-1.0.3
DocumentNamespace: https://example.com/spdx/camera-firmware-1.0.3
Creator: Tool: example-sbom-tool-2.1
Created: 2026-11-30T09:00:00Z
DocumentComment: <text>Firmware 1.0.3 of the camera.
Built from the vendor's tree.</text>
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-firmware

PackageName: camera-firmware
SPDXID: SPDXRef-firmware
PackageVersion: 1.0.3
PrimaryPackagePurpose: FIRMWARE
PackageDownloadLocation: NOASSERTION

PackageName: dropbear
SPDXID: SPDXRef-dropbear
PackageVersion: 2022.83
PackageSupplier: Organization: Dropbear SSH (matt@example.org)
PackageDownloadLocation: https://matt.ucc.asn.au/dropbear/releases/dropbear-2022.83.tar.bz2
ExternalRef: PACKAGE-MANAGER purl pkg:generic/dropbear@2022.83
ExternalRefComment: <text>as built
for the camera</text>
ExternalRef: SECURITY cpe23Type cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*

PackageName: busybox
SPDXID: SPDXRef-busybox
PackageVersion: 1.36.1
ExternalRef: PACKAGE-MANAGER purl pkg:generic/busybox@1.36.1

FileName: ./bin/busybox
SPDXID: SPDXRef-file-busybox
FileChecksum: SHA1: 0000000000000000000000000000000000000000
Relationship: SPDXRef-firmware CONTAINS SPDXRef-dropbear
Relationship: SPDXRef-firmware CONTAINS SPDXRef-busybox
"""

# -- running the check ---------------------------------------------------------------------


def attempt(sbom: Path, feed: Path | None = None) -> CheckAttempt:
    params = SbomParams(file=str(sbom), vuln_feed=str(feed) if feed else None)
    given = CheckInput(extra={"sbom": params}).for_check(SbomComponentsCheck.needs)
    return asyncio.run(run_check(SbomComponentsCheck(), given, None))


def observed(result: CheckAttempt, topic: str) -> tuple[str, dict[str, Any]]:
    assert result.status == "completed", result.reason
    (observation,) = [o for o in result.observations if o.topic == topic]
    assert observation.outcome == "info"  # informative, as for a CycloneDX SBOM
    return observation.message, observation.details


def write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def refused(result: CheckAttempt) -> str:
    """The reason of an attempt that could not judge: one line, no observation."""
    assert result.status == "error" and result.kind == "unsupported", result
    assert "\n" not in result.reason and result.observations == ()
    return result.reason


# -- syft's SPDX 2.3 JSON ------------------------------------------------------------------


def test_a_vulnerable_version_in_syft_spdx_is_named(tmp_path: Path) -> None:
    sbom = write(
        tmp_path / "rootfs.spdx.json",
        syft_document(syft_package("busybox", "1.35.0"), syft_package("zlib", "1.3.1")),
    )
    result = attempt(sbom, osv_feed(tmp_path))
    listed, details = observed(result, "sbom")
    # the scanned directory the document describes is the product, not a component
    assert (
        listed == "2 component(s) listed in the SBOM rootfs.spdx.json: busybox 1.35.0, zlib 1.3.1"
    )
    assert details["format"] == "SPDX-2.3 JSON"
    busybox = details["components"][0]
    assert busybox["purl"] == "pkg:generic/busybox@1.35.0"
    assert busybox["cpe"] == "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*"
    found, _ = observed(result, "known_vulnerabilities")
    assert found == (
        "1 known vulnerability in the SBOM's components (feed osv.json): "
        "busybox@1.35.0 JCSTAR-TEST-SPDX-1 (fixed in 1.36.0)"
    )


def test_a_patched_version_in_syft_spdx_is_not_affected(tmp_path: Path) -> None:
    sbom = write(tmp_path / "rootfs.spdx.json", syft_document(syft_package("busybox", "1.36.1")))
    found, details = observed(attempt(sbom, osv_feed(tmp_path)), "known_vulnerabilities")
    assert found == "no component is affected by any of the 1 record(s) of osv.json"
    assert details["matches"] == [] and "unmatched" not in details


def test_a_vex_not_affected_statement_is_honoured(tmp_path: Path) -> None:
    # the firmware tests' CSAF VEX: dropbear 2022.83 declared not affected, busybox affected
    sbom = write(
        tmp_path / "rootfs.spdx.json",
        syft_document(syft_package("busybox", "1.35.0"), syft_package("dropbear", "2022.83")),
    )
    found, _ = observed(attempt(sbom, VEX), "known_vulnerabilities")
    assert found.startswith("1 known vulnerability in the SBOM's components (feed csaf-vex.json)")
    assert "busybox@1.35.0 JCSTAR-TEST-VEX-1" in found
    assert found.endswith("; dropbear@2022.83 JCSTAR-TEST-VEX-2 not affected")


def test_components_without_purl_are_unmatched_never_unaffected(tmp_path: Path) -> None:
    # syft names a binary it cannot place in an ecosystem by CPE only; an OSV feed names
    # packages by purl, so nothing can be said about it either way
    sbom = write(
        tmp_path / "rootfs.spdx.json",
        syft_document(syft_package("busybox", "1.35.0", purl=False), syft_package("zlib", "1.3.1")),
    )
    found, details = observed(attempt(sbom, osv_feed(tmp_path)), "known_vulnerabilities")
    assert found == (
        "no component the feed can name is affected by any of the 1 record(s) of osv.json; "
        "1 component(s) not matched (no purl to match the feed by), their vulnerabilities "
        "unknown: busybox 1.35.0"
    )
    assert details["unmatched"] == ["busybox@1.35.0"]


# -- tag-value -------------------------------------------------------------------------------


def test_tag_value_is_read_like_json(tmp_path: Path) -> None:
    result = attempt(write(tmp_path / "camera.spdx", TAG_VALUE), osv_feed(tmp_path))
    listed, details = observed(result, "sbom")
    # the FIRMWARE package the document describes is the product itself
    assert (
        listed == "2 component(s) listed in the SBOM camera.spdx: busybox 1.36.1, dropbear 2022.83"
    )
    assert details["format"] == "SPDX-2.3 tag-value"
    dropbear = details["components"][1]
    assert dropbear["supplier"] == "Dropbear SSH"
    assert dropbear["purl"] == "pkg:generic/dropbear@2022.83"
    assert dropbear["cpe"].startswith("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:")
    found, _ = observed(result, "known_vulnerabilities")
    assert found == "no component is affected by any of the 1 record(s) of osv.json"
    vulnerable = write(tmp_path / "old.spdx", TAG_VALUE.replace("1.36.1", "1.35.0"))
    found, _ = observed(attempt(vulnerable, osv_feed(tmp_path)), "known_vulnerabilities")
    assert "busybox@1.35.0 JCSTAR-TEST-SPDX-1 (fixed in 1.36.0)" in found


# -- Yocto: many documents, one SBOM ---------------------------------------------------------


@pytest.mark.parametrize("shape", ["directory", "index", "tar", "tar.zst"])
def test_yocto_documents_are_one_sbom(tmp_path: Path, shape: str) -> None:
    documents = yocto_documents()
    sbom = {
        "directory": lambda: yocto_directory(tmp_path / "spdx", documents),
        "index": lambda: yocto_index(tmp_path / "deploy", documents),
        "tar": lambda: yocto_tar(tmp_path / "image.spdx.tar", documents),
        "tar.zst": lambda: yocto_tar(tmp_path / "image.spdx.tar.zst", documents, zstd=True),
    }[shape]()
    result = attempt(sbom, cpe_vex(tmp_path))
    listed, details = observed(result, "sbom")
    # the image document's own package (it contains the others) is not a component; the
    # recipe and package documents' packages are
    assert listed == (
        f"3 component(s) listed in the SBOM {sbom.name}: busybox 1.35.0, busybox-syslog "
        "1.35.0, openssl 3.0.13; 1 with no purl or CPE, which no vulnerability feed can name"
    )
    assert details["format"] == "5 SPDX document(s)"
    assert {c["name"]: c["supplier"] for c in details["components"]} == dict.fromkeys(
        ("busybox", "busybox-syslog", "openssl"), "OpenEmbedded"
    )
    found, vex = observed(result, "known_vulnerabilities")
    assert found == (
        "1 known vulnerability in the SBOM's components (feed vex.json): "
        "busybox@1.35.0 JCSTAR-TEST-YOCTO-1; openssl@3.0.13 JCSTAR-TEST-YOCTO-2 not affected; "
        "1 component(s) not matched (no purl or CPE to match the feed by), their "
        "vulnerabilities unknown: busybox-syslog 1.35.0"
    )
    assert vex["unmatched"] == ["busybox-syslog@1.35.0"]


def test_too_many_documents_are_refused_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_DOCUMENTS", 4)
    for sbom in (
        yocto_directory(tmp_path / "spdx", yocto_documents()),
        yocto_tar(tmp_path / "image.spdx.tar.zst", yocto_documents(), zstd=True),
    ):
        assert refused(attempt(sbom)).endswith(
            f"{sbom}: more than 4 SPDX documents (the limit): not read"
        )


def test_too_many_bytes_are_refused_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_BYTES", 2000)
    for sbom in (
        yocto_directory(tmp_path / "spdx", yocto_documents()),
        yocto_index(tmp_path / "deploy", yocto_documents()),
        yocto_tar(tmp_path / "image.spdx.tar", yocto_documents()),
        write(
            tmp_path / "big.spdx.json",
            syft_document(*(syft_package(f"lib{n}", "1.0") for n in range(10))),
        ),
    ):
        assert refused(attempt(sbom)).endswith(
            f"{sbom}: SBOM over 2,000 bytes (the limit): not read"
        )


def test_a_corrupt_tar_zst_is_refused(tmp_path: Path) -> None:
    sbom = yocto_tar(tmp_path / "image.spdx.tar.zst", yocto_documents(), zstd=True)
    sbom.write_bytes(sbom.read_bytes()[:60] + b"\0" * 60)  # the zstd frame cut and padded
    assert refused(attempt(sbom)).startswith(f"{sbom}: not a readable tar of SPDX documents: ")


def test_an_index_naming_a_file_outside_its_directory_is_refused(tmp_path: Path) -> None:
    index = yocto_index(tmp_path / "deploy", yocto_documents())
    write(tmp_path / "elsewhere.spdx.json", syft_document())
    data = json.loads(index.read_text(encoding="utf-8"))
    data["documents"][1]["filename"] = "../elsewhere.spdx.json"
    write(index, data)
    assert refused(attempt(index)).endswith(
        "malformed SPDX index: documents.1.filename: '../elsewhere.spdx.json' is outside "
        "the index's directory"
    )


def test_a_malformed_document_in_a_tar_names_the_document_and_field(tmp_path: Path) -> None:
    documents = yocto_documents()
    documents["recipes/recipe-openssl.spdx.json"]["packages"][0]["versionInfo"] = 3
    sbom = yocto_tar(tmp_path / "image.spdx.tar.zst", documents, zstd=True)
    assert refused(attempt(sbom, cpe_vex(tmp_path))) == (
        f"{sbom}:recipe-openssl.spdx.json: malformed SPDX document: "
        "packages.0.versionInfo: Input should be a valid string"
    )


# -- malformed input and SPDX 3.0 ------------------------------------------------------------


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def _bad_purl() -> dict[str, Any]:
    data = syft_document(syft_package("busybox", "1.35.0"))
    data["packages"][1]["externalRefs"][1]["referenceLocator"] = "busybox@1.35.0"
    return data


MALFORMED: list[tuple[str, object, str]] = [
    ("truncated.spdx.json", json.dumps(syft_document())[:-40], "SBOM is not JSON"),
    (
        "no-name.spdx.json",
        _without(syft_document(syft_package("busybox", "1.35.0")), "packages", 1, "name"),
        "malformed SPDX document: packages.1.name: Field required",
    ),
    (
        "bad-purl.spdx.json",
        _bad_purl(),
        "malformed SPDX document: packages.1.externalRefs.1.referenceLocator: "
        "not a package URL: 'busybox@1.35.0'",
    ),
    (
        "no-locator.spdx.json",
        _without(
            syft_document(syft_package("busybox", "1.35.0")),
            "packages",
            1,
            "externalRefs",
            0,
            "referenceLocator",
        ),
        "malformed SPDX document: packages.1.externalRefs.0.referenceLocator: Field required",
    ),
    (
        "relations.spdx.json",
        syft_document() | {"relationships": {"spdxElementId": "SPDXRef-DOCUMENT"}},
        "malformed SPDX document: relationships: Input should be a valid tuple",
    ),
    (
        "old.spdx.json",
        syft_document() | {"spdxVersion": "SPDX-2.1"},
        "spdxVersion 'SPDX-2.1' is not read (SPDX-2.2 and SPDX-2.3 are)",
    ),
    (
        "broken.spdx",
        TAG_VALUE.replace("PackageVersion: 2022.83", "PackageVersion 2022.83"),
        "malformed SPDX document: line 20: not 'Tag: value'",
    ),
    (
        "short-ref.spdx",
        TAG_VALUE.replace(
            "ExternalRef: PACKAGE-MANAGER purl pkg:generic/busybox@1.36.1",
            "ExternalRef: PACKAGE-MANAGER purl",
        ),
        "malformed SPDX document: line 31: ExternalRef needs a category, a type and a locator",
    ),
    (
        "no-id.spdx",
        TAG_VALUE.replace("SPDXID: SPDXRef-busybox\n", ""),
        "malformed SPDX document: packages.2.SPDXID: Field required",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "reason"), MALFORMED, ids=[name for name, _, _ in MALFORMED]
)
def test_malformed_spdx_cannot_be_judged_naming_the_field(
    tmp_path: Path, name: str, content: object, reason: str
) -> None:
    sbom = write(tmp_path / name, content)
    assert refused(attempt(sbom, osv_feed(tmp_path))).startswith(f"{sbom}: {reason}")


SPDX3 = {
    "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
    "@graph": [
        {"type": "CreationInfo", "@id": "_:creationinfo", "specVersion": "3.0.1",
         "created": "2026-11-30T09:00:00Z", "createdBy": ["http://example.org/agent"]},
        {"type": "software_Package", "spdxId": "http://example.org/busybox",
         "creationInfo": "_:creationinfo", "name": "busybox", "software_packageVersion": "1.35.0",
         "software_packageUrl": "pkg:generic/busybox@1.35.0"},
    ],
}  # fmt: skip


def test_spdx_3_is_refused_as_unsupported(tmp_path: Path) -> None:
    sbom = write(tmp_path / "image.spdx.json", SPDX3)
    assert refused(attempt(sbom, osv_feed(tmp_path))) == (
        f"{sbom}: SPDX 3.0 JSON-LD is not read yet (SPDX 2.2/2.3 JSON and tag-value are)"
    )
    # Yocto's own 3.0 output in a tar is refused the same way, naming the document
    bundle = yocto_tar(tmp_path / "image.spdx.tar.zst", {"busybox.spdx.json": SPDX3}, zstd=True)
    assert refused(attempt(bundle)) == (
        f"{bundle}:busybox.spdx.json: SPDX 3.0 JSON-LD is not read yet "
        "(SPDX 2.2/2.3 JSON and tag-value are)"
    )


# -- end to end, and inside a firmware image ---------------------------------------------------


PROFILE = """\
vendor: Example Corp
product: Example camera
model_numbers: [EC-100]
product_type: network camera
firmware_version: "1.0"
sbom:
  file: {sbom}
  vuln_feed: {feed}
"""


def test_assess_reads_an_spdx_sbom_and_a_malformed_one_is_inconclusive(
    cli: Any, tmp_path: Path
) -> None:
    feed = osv_feed(tmp_path)
    write(tmp_path / "rootfs.spdx.json", syft_document(syft_package("busybox", "1.35.0")))
    profile = write(tmp_path / "profile.yaml", PROFILE.format(sbom="rootfs.spdx.json", feed=feed))
    code, out, err = invoke(cli, "assess", str(profile))
    assert code == 3, err  # no answers: incomplete, as any assessment without them
    report = json.loads(out)
    (sbom,) = [a for a in report["attempts"] if a["check"] == "sbom.components"]
    assert sbom["status"] == "completed"
    messages = {o["topic"]: o["message"] for o in sbom["observations"]}
    assert "busybox@1.35.0 JCSTAR-TEST-SPDX-1" in messages["known_vulnerabilities"]

    write(tmp_path / "rootfs.spdx.json", _without(syft_document(), "SPDXID"))
    code, out, err = invoke(cli, "assess", str(profile))
    report = json.loads(out)
    (sbom,) = [a for a in report["attempts"] if a["check"] == "sbom.components"]
    assert sbom["status"] == "error" and "malformed SPDX document: SPDXID" in sbom["reason"]
    s1106 = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-06")
    assert s1106["verdict"] == "INCONCLUSIVE"


def test_firmware_components_reads_the_spdx_an_image_carries(tmp_path: Path) -> None:
    rootfs = tmp_path / "rootfs"
    write_at = rootfs / "usr" / "share" / "spdx"
    write_at.mkdir(parents=True)
    write(write_at / "recipe-busybox.spdx.json", yocto_recipe("busybox", "1.35.0"))
    write(write_at / "recipe-zlib.spdx.json", yocto_recipe("zlib", "1.3.1"))
    write(write_at / "broken.spdx.json", "{")  # the image's file: left out and reported
    given = CheckInput(
        firmware=FirmwareTarget(
            FirmwareParams(image=str(rootfs), vuln_feed=str(osv_feed(tmp_path)))
        )
    )
    result = asyncio.run(run_check(FirmwareComponentsCheck(), given, None))
    assert result.status == "completed", result.reason
    (listed,) = [o for o in result.observations if o.topic == "sbom"]
    assert listed.message.startswith("2 component(s) identified: busybox 1.35.0, zlib 1.3.1; ")
    assert "1 SPDX document(s) in the image not read" in listed.message  # named, not silent
    busybox = listed.details["components"][0]
    assert busybox["paths"] == ("/usr/share/spdx/recipe-busybox.spdx.json",)
    assert busybox["cpe"] == yocto_cpe("busybox", "1.35.0")
    (found,) = [o for o in result.observations if o.topic == "known_vulnerabilities"]
    assert "busybox@1.35.0 JCSTAR-TEST-SPDX-1 (fixed in 1.36.0)" in found.message
