"""A check whose targets the profile does not name is skipped without being imported (issue
12, point 3): the plan reads its ``needs`` from the registry, and the report says what the
check itself would have said."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from jcstar.assessment.inputs import load_profile
from jcstar.assessment.pipeline import assess
from jcstar.assessment.plan import absent_checks
from jcstar.assessment.runner import run_check, skipped_unimported
from jcstar.checks.base import ABSENT, DEVICE, FIRMWARE_IMAGE, SBOM, CheckInput
from jcstar.checks.registry import CHECK_CLASSES, get_check

EXAMPLE = Path(__file__).parents[2] / "examples" / "conformant-gateway"
#: the checks of the targets whose absence the plan states (a device, a firmware image)
SKIPPABLE = [c for c, entry in CHECK_CLASSES.items() if set(entry.needs) <= set(ABSENT)]


@pytest.mark.parametrize("check_id", SKIPPABLE)
def test_skipped_unimported_reads_as_the_check_skipping_itself(check_id: str) -> None:
    ran = asyncio.run(run_check(get_check(check_id), CheckInput(), timeout_s=10))
    reason = absent_checks([check_id], present=())[check_id]
    unimported = skipped_unimported(check_id, reason)
    assert ran.status == "skipped"
    assert (unimported.status, unimported.reason, unimported.check_version) == (
        ran.status,
        ran.reason,
        ran.check_version,
    )


def test_only_checks_whose_every_target_is_absent_are_skipped() -> None:
    ids = list(CHECK_CLASSES)
    with_device = absent_checks(ids, present={DEVICE})
    assert with_device and all(c.startswith(("firmware.", "sbom.")) for c in with_device)
    with_image = absent_checks(ids, present={FIRMWARE_IMAGE})
    assert with_image and all(c.startswith(("network.", "sbom.")) for c in with_image)
    assert "sbom.components" in absent_checks(ids, present={DEVICE, FIRMWARE_IMAGE})
    assert "sbom.components" not in absent_checks(ids, present={SBOM})
    # a document check says itself why it skips (which document, a URL or a file)
    assert not any(c.startswith("documents.") for c in absent_checks(ids, present=()))


def test_a_documents_only_assessment_keeps_every_skip_and_its_reason() -> None:
    profile, _ = load_profile(EXAMPLE / "profile.yaml")
    report = asyncio.run(assess(profile, EXAMPLE, answers_path=EXAMPLE / "answers.yaml")).report
    skipped = {a.check: a.reason for a in report.attempts if a.status == "skipped"}
    assert skipped["network.tls"] == "profile names no device address (device.address)"
    assert skipped["firmware.update"] == "profile names no firmware image (firmware.image)"
    assert skipped["documents.security_txt"] == "profile gives no documents.security_txt base URL"
    assert report.overall == "CONFORMANT"
    # what did not run records no parameters and no check provenance
    assert "network.tls" not in (report.check_params or {})
    assert {c.id for c in report.checks or ()} == {"documents.vdp"}
