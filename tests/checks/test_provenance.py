"""Provenance that stays true (issue 12, point 6).

A report names the version of each check that ran and the digest of each data file it
read; a check whose code or data changed without a version bump fails here, naming the
check and the file; the tool's version is semantic and the same everywhere it is shown.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from importlib.metadata import version as package_version
from pathlib import Path

import pytest

import jcstar
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.report import checks_run
from jcstar.assessment.service import assess_files
from jcstar.checks import provenance
from jcstar.checks.base import AttemptStatus, CheckAttempt, data_path
from jcstar.checks.firmware.components import FirmwareComponentsCheck
from jcstar.checks.network.tls import TlsCheck
from jcstar.checks.registry import CHECKS
from jcstar.reports import render
from tests.conftest import CONFORMANT, FIXTURES, ROOT, invoke

#: semver.org's own pattern (2.0.0)
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the recorded versions ---------------------------------------------------------------


def test_every_check_has_the_version_and_digests_recorded_for_it():
    found = provenance.problems(provenance.current_records(), provenance.recorded())
    assert not found, "\n".join(found)


def test_every_check_version_is_major_dot_minor():
    for check_id, check in CHECKS.items():
        assert re.fullmatch(r"\d+\.\d+", check.version), f"{check_id}: {check.version!r}"


@pytest.fixture
def source_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package that provenance reads instead of the real one."""
    copy = tmp_path / "jcstar"
    shutil.copytree(provenance.ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "ROOT", copy)
    monkeypatch.setattr(provenance, "data_path", lambda name: copy / "checks" / "data" / name)
    return copy


@pytest.mark.slow
def test_a_changed_collector_without_a_bump_names_every_check_using_it(source_copy: Path):
    before = provenance.current_records()
    tlsctx = source_copy / "checks" / "network" / "collect" / "tlsctx.py"
    tlsctx.write_text(tlsctx.read_text(encoding="utf-8") + "\nMINIMUM = 3\n", encoding="utf-8")
    found = provenance.problems(provenance.current_records(), before)
    assert (
        "network.tls changed (source checks/network/collect/tlsctx.py) but is still version "
        f"{TlsCheck.version}; bump its version, then run {provenance.RECORD_HINT}"
    ) in found
    # the document checks import nothing of the network's: they are untouched
    assert not any(line.startswith("documents.") for line in found)


@pytest.mark.slow
def test_a_changed_data_file_without_a_bump_names_the_check_and_the_file(source_copy: Path):
    before = provenance.current_records()
    data = source_copy / "checks" / "data" / "firmware-components.yaml"
    data.write_text(data.read_text(encoding="utf-8") + "\n# one more\n", encoding="utf-8")
    found = provenance.problems(provenance.current_records(), before)
    assert found == [
        "firmware.components changed (data firmware-components.yaml) but is still version "
        f"{FirmwareComponentsCheck.version}; bump its version, then run {provenance.RECORD_HINT}"
    ]


@pytest.mark.slow
def test_a_line_ending_change_is_not_a_change(source_copy: Path):
    before = provenance.current_records()
    tls = source_copy / "checks" / "network" / "tls.py"
    tls.write_bytes(tls.read_bytes().replace(b"\n", b"\r\n"))
    assert provenance.problems(provenance.current_records(), before) == []


def test_a_bump_that_was_not_recorded_asks_to_record_it():
    recorded = provenance.current_records()
    bumped = json.loads(json.dumps(recorded))
    bumped["network.tls"]["version"] = "9.0"
    assert provenance.problems(bumped, recorded) == [
        f"network.tls is version 9.0 but {TlsCheck.version} is recorded; "
        f"run {provenance.RECORD_HINT}"
    ]


@pytest.mark.slow
def test_a_new_check_must_be_recorded():
    recorded = provenance.current_records()
    del recorded["network.tls"]
    assert provenance.problems(provenance.current_records(), recorded) == [
        f"network.tls is not recorded; run {provenance.RECORD_HINT}"
    ]


@pytest.mark.slow
def test_record_writes_a_lock_the_check_then_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    lock = tmp_path / "versions.lock.json"
    monkeypatch.setattr(provenance, "LOCK", lock)
    assert provenance.main([]) == 1  # nothing recorded yet
    assert "network.tls is not recorded" in capsys.readouterr().out
    assert provenance.main(["--record"]) == 0
    assert json.loads(lock.read_text(encoding="utf-8"))["checks"].keys() == CHECKS.keys()
    assert provenance.main([]) == 0
    assert capsys.readouterr().out == f"recorded {len(CHECKS)} checks in {lock.name}\n"
    assert provenance.main(["--bogus"]) == 2


# --- what a check is made of --------------------------------------------------------------


@pytest.mark.slow
def test_a_check_declares_exactly_the_data_files_its_code_reads():
    for check_id, check in CHECKS.items():
        assert set(check.data_files) == provenance.data_reads(check), check_id


def test_every_shipped_data_file_is_read_by_some_check():
    shipped = {p.name for p in data_path("risky-ports.yaml").parent.glob("*.yaml")}
    assert shipped == {name for check in CHECKS.values() for name in check.data_files}


def test_a_check_is_made_of_its_collectors_also_those_imported_inside_a_function():
    sources = provenance.source_digests(FirmwareComponentsCheck)
    assert "checks/firmware/components.py" in sources
    # imported only when an SBOM is written, inside run(): still part of the check
    assert "checks/firmware/collect/sbom.py" in sources
    # the runner's contract and another target's checks are not
    assert "checks/base.py" not in sources
    assert not any(path.startswith("checks/network/") for path in sources)
    path = provenance.ROOT / "checks" / "firmware" / "components.py"
    assert sources["checks/firmware/components.py"] == _sha256(path)


# --- the report ---------------------------------------------------------------------------


def _attempt(check: str, status: AttemptStatus = "completed") -> CheckAttempt:
    return CheckAttempt(check=check, check_version=CHECKS[check].version, status=status)


def test_the_report_names_each_check_that_ran_with_its_data_digests():
    attempts = (
        _attempt("firmware.components"),
        _attempt("firmware.secrets", "error"),
        _attempt("network.tls", "skipped"),  # did not run: nothing to record
        _attempt("firmware.components"),
    )
    checks = checks_run(attempts)
    assert [(c.id, c.version) for c in checks] == [
        ("firmware.components", FirmwareComponentsCheck.version),
        ("firmware.secrets", CHECKS["firmware.secrets"].version),
    ]
    shipped = data_path("firmware-components.yaml")
    assert [(d.name, d.sha256) for d in checks[0].data_files] == [
        ("firmware-components.yaml", _sha256(shipped))
    ]


def test_an_assessment_report_records_the_checks_and_the_tool_version():
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    ran = [a for a in report.attempts if a.status != "skipped"]
    assert report.checks is not None and ran
    assert [(c.id, c.version) for c in report.checks] == [(a.check, a.check_version) for a in ran]
    assert report.tool.version == jcstar.__version__ == package_version("jcstar")
    assert SEMVER.match(report.tool.version), report.tool.version
    # the JSON report carries them and reads back the same
    again = AssessmentReport.model_validate_json(render(report, "json"))
    assert again.checks == report.checks


def test_a_report_from_before_checks_were_recorded_still_reads():
    old = json.loads((FIXTURES / "report-sample.json").read_text(encoding="utf-8"))
    assert "checks" not in old
    assert AssessmentReport.model_validate(old).checks is None


def test_oscal_links_each_check_to_its_hashed_data_files():
    sample = (FIXTURES / "report-sample.json").read_text(encoding="utf-8")
    report = AssessmentReport.model_validate_json(sample)
    report = report.model_copy(update={"checks": checks_run((_attempt("firmware.secrets"),))})
    oscal = json.loads(render(report, "oscal"))
    resources = oscal["assessment-results"]["back-matter"]["resources"]
    check = next(r for r in resources if r["title"].startswith("jcstar check firmware.secrets"))
    props = {p["name"]: p["value"] for p in check["props"]}
    assert props == {
        "jcstar-check": "firmware.secrets",
        "jcstar-check-version": CHECKS["firmware.secrets"].version,
    }
    [link] = check["rlinks"]
    assert link["href"].endswith("checks/data/firmware-secret-patterns.yaml")
    assert link["hashes"] == [
        {"algorithm": "SHA-256", "value": _sha256(data_path("firmware-secret-patterns.yaml"))}
    ]


# --- the tool's version -------------------------------------------------------------------


def test_jcstar_version_prints_the_package_version(cli):
    code, out, _ = invoke(cli, "--version")
    assert code == 0
    assert out.strip() == f"jcstar {package_version('jcstar')}"


def test_the_changelog_names_the_current_version_first():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?", text, re.M)
    assert versions and versions[0] == package_version("jcstar")
    assert all(SEMVER.match(v) for v in versions)
