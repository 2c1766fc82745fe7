"""sbom.components: the vendor's CycloneDX SBOM read, its components listed and matched
against the same vulnerability feed as firmware.components; a file it cannot read is never
a pass."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.sbom.collect.params import SbomParams
from jcstar.checks.sbom.components import SbomComponentsCheck
from tests.conftest import FIXTURES

FEED = FIXTURES / "firmware" / "osv-feed.json"
VEX = FEED.with_name("csaf-vex.json")


def cyclonedx(*components: dict[str, Any]) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}


def library(name: str, version: str, purl_type: str = "generic") -> dict[str, Any]:
    return {
        "type": "library",
        "name": name,
        "version": version,
        "purl": f"pkg:{purl_type}/{name}@{version}",
        "bom-ref": f"{name}-{version}",
    }


def write(tmp_path: Path, data: object, name: str = "sbom.cdx.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def attempt(sbom: Path, feed: Path | None = FEED) -> CheckAttempt:
    params = SbomParams(file=str(sbom), vuln_feed=str(feed) if feed else None)
    given = CheckInput(extra={"sbom": params}).for_check(SbomComponentsCheck.needs)
    return asyncio.run(run_check(SbomComponentsCheck(), given, None))


def message(result: CheckAttempt, topic: str) -> str:
    assert result.status == "completed", result.reason
    (observation,) = [o for o in result.observations if o.topic == topic]
    assert observation.outcome == "info"  # informative evidence: S1.1-06 asks about updates
    return observation.message


def test_a_vulnerable_component_is_named_as_firmware_components_names_it(tmp_path: Path) -> None:
    sbom = write(
        tmp_path,
        cyclonedx(
            library("busybox", "1.35.0"),
            # nested components are the SBOM's too
            {**library("lighttpd", "1.4.69"), "components": [library("dropbear", "2022.83")]},
        ),
    )
    result = attempt(sbom)
    assert message(result, "sbom") == (
        "3 component(s) listed in the SBOM sbom.cdx.json: "
        "busybox 1.35.0, dropbear 2022.83, lighttpd 1.4.69"
    )
    found = message(result, "known_vulnerabilities")
    assert found.startswith(
        "2 known vulnerabilities in the SBOM's components (feed osv-feed.json): "
    )
    assert "busybox@1.35.0 JCSTAR-TEST-0001 (fixed in 1.36.0)" in found
    assert "dropbear@2022.83 JCSTAR-TEST-0002" in found
    assert "lighttpd" not in found  # 1.4.69 is past the feed's fixed 1.4.61


def test_a_clean_sbom_lists_its_components_and_no_finding(tmp_path: Path) -> None:
    sbom = write(tmp_path, cyclonedx(library("busybox", "1.36.1"), library("zlib", "1.3.1")))
    result = attempt(sbom)
    assert (
        message(result, "sbom")
    ) == "2 component(s) listed in the SBOM sbom.cdx.json: busybox 1.36.1, zlib 1.3.1"
    (listed,) = [o for o in result.observations if o.topic == "sbom"]
    assert [c["purl"] for c in listed.details["components"]] == [
        "pkg:generic/busybox@1.36.1",
        "pkg:generic/zlib@1.3.1",
    ]
    assert message(result, "known_vulnerabilities") == (
        "no component is affected by any of the 5 record(s) of osv-feed.json"
    )


def test_without_a_feed_only_the_components_are_listed(tmp_path: Path) -> None:
    result = attempt(write(tmp_path, cyclonedx(library("busybox", "1.35.0"))), feed=None)
    assert [o.topic for o in result.observations] == ["sbom"]


def test_a_csaf_vex_feed_says_which_listed_components_are_affected(tmp_path: Path) -> None:
    # the firmware test's VEX document, read against the same components named in an SBOM
    sbom = write(tmp_path, cyclonedx(library("busybox", "1.35.0"), library("dropbear", "2022.83")))
    found = message(attempt(sbom, VEX), "known_vulnerabilities")
    assert "in the SBOM's components (feed csaf-vex.json)" in found
    assert "dropbear@2022.83 JCSTAR-TEST-VEX-2 not affected" in found


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "SBOM is not JSON"),
        # SPDX is read (test_spdx.py), and held to its own fields
        ({"spdxVersion": "SPDX-2.3", "packages": []}, "malformed SPDX document: SPDXID: Field"),
        ({"components": []}, 'no "bomFormat": "CycloneDX"'),
        ({"bomFormat": "CycloneDX", "components": "busybox"}, "malformed CycloneDX SBOM: "),
    ],
)
def test_a_malformed_sbom_cannot_be_judged_unsupported(
    tmp_path: Path, content: object, reason: str
) -> None:
    result = attempt(write(tmp_path, content))
    assert result.status == "error" and result.kind == "unsupported"
    assert reason in result.reason and "sbom.cdx.json" in result.reason
    assert "\n" not in result.reason
    assert result.observations == ()


def test_a_missing_sbom_cannot_be_judged_unreachable(tmp_path: Path) -> None:
    result = attempt(tmp_path / "absent.cdx.json")
    assert result.status == "error" and result.kind == "unreachable"
    assert "absent.cdx.json: cannot read SBOM" in result.reason


def test_a_broken_feed_cannot_be_judged(tmp_path: Path) -> None:
    bad = write(tmp_path, {"vulns": [{"summary": "no id"}]}, "feed.json")
    result = attempt(write(tmp_path, cyclonedx(library("busybox", "1.35.0"))), bad)
    assert result.status == "error" and result.kind == "unsupported"
    assert "feed.json: vulns.0.id: Field required" in result.reason


def test_without_an_sbom_in_the_profile_the_check_skips(tmp_path: Path) -> None:
    given = CheckInput().for_check(SbomComponentsCheck.needs)
    result = asyncio.run(run_check(SbomComponentsCheck(), given, None))
    assert result.status == "skipped"
    assert result.reason == "profile names no SBOM (sbom.file)"
