"""The SBOM target end to end: ``jcstar assess`` of a profile that names only the vendor's
SBOM (no device, no image) reads it through sbom.components, and the report names the
SBOM's and the feed's digests among its inputs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jcstar.checks.sbom.components import SbomComponentsCheck
from tests.conftest import FIXTURES, invoke

FEED = FIXTURES / "firmware" / "osv-feed.json"
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
SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [
        {"type": "library", "name": "busybox", "version": "1.35.0",
         "purl": "pkg:generic/busybox@1.35.0"},
        {"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"},
    ],
}  # fmt: skip


def profile(tmp_path: Path, sbom: str = "sbom.cdx.json") -> Path:
    (tmp_path / "sbom.cdx.json").write_text(json.dumps(SBOM), encoding="utf-8")
    path = tmp_path / "profile.yaml"
    # the SBOM's path is relative: read from the profile's directory, not the working one
    path.write_text(PROFILE.format(sbom=sbom, feed=FEED), encoding="utf-8")
    return path


def attempt(report: dict, check: str) -> dict:
    (found,) = [a for a in report["attempts"] if a["check"] == check]
    return found


def test_assess_reads_an_sbom_only_profile(cli, tmp_path: Path) -> None:
    code, out, err = invoke(cli, "assess", str(profile(tmp_path)))
    assert code == 3, err  # no answers: incomplete, as any assessment without them
    report = json.loads(out)
    sbom = attempt(report, "sbom.components")
    assert sbom["status"] == "completed" and sbom["check_version"] == SbomComponentsCheck.version
    messages = {o["topic"]: o["message"] for o in sbom["observations"]}
    assert messages["sbom"].startswith("2 component(s) listed in the SBOM sbom.cdx.json")
    assert messages["known_vulnerabilities"].startswith(
        "1 known vulnerability in the SBOM's components (feed osv-feed.json): "
        "busybox@1.35.0 JCSTAR-TEST-0001 (fixed in 1.36.0)"
    )
    # the image and the device are absent: their checks skip, nothing is unpacked or probed
    assert attempt(report, "firmware.components")["status"] == "skipped"
    assert {a["status"] for a in report["attempts"] if a["check"].startswith("network.")} == {
        "skipped"
    }
    s1106 = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-06")
    assert any(e.get("check") == "sbom.components" for e in s1106["evidence"]), s1106
    inputs = {i["role"]: i for i in report["inputs"]}
    expected = hashlib.sha256((tmp_path / "sbom.cdx.json").read_bytes()).hexdigest()
    assert inputs["sbom"] == {"role": "sbom", "name": "sbom.cdx.json", "sha256": expected}
    assert inputs["vulnerability_feed"]["sha256"] == hashlib.sha256(FEED.read_bytes()).hexdigest()
    assert {c["id"] for c in report["checks"]} >= {"sbom.components"}


def test_a_missing_sbom_is_inconclusive_with_its_kind_never_met(cli, tmp_path: Path) -> None:
    code, out, err = invoke(cli, "assess", str(profile(tmp_path, sbom="gone.cdx.json")))
    assert code == 3, err
    report = json.loads(out)
    sbom = attempt(report, "sbom.components")
    assert sbom["status"] == "error" and sbom["kind"] == "unreachable"
    assert "gone.cdx.json: cannot read SBOM" in sbom["reason"]
    assert "sbom" not in {i["role"] for i in report["inputs"]}  # nothing read, no digest
    s1106 = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-06")
    assert s1106["verdict"] == "INCONCLUSIVE"


def test_a_malformed_sbom_is_inconclusive_unsupported(cli, tmp_path: Path) -> None:
    path = profile(tmp_path)
    (tmp_path / "sbom.cdx.json").write_text('{"spdxVersion": "SPDX-2.3"}', encoding="utf-8")
    code, out, err = invoke(cli, "assess", str(path))
    assert code == 3, err
    sbom = attempt(json.loads(out), "sbom.components")
    assert sbom["status"] == "error" and sbom["kind"] == "unsupported"
    assert "malformed SPDX document: SPDXID: Field required" in sbom["reason"]
