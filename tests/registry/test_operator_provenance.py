"""A registry run with the operator's ★3 requirement files (``JCSTAR_OPERATOR_REQUIREMENTS``)
still takes ★1 reports made without them, and refuses a ★3 report made with other files,
naming the file, in one line. Both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.catalog.operator_requirements import ENV_VAR
from tests.assessment.test_report_provenance_w1 import (
    CAMERAS,
    CAMERAS_FILE,
    OPERATOR_FILE,
    changed_operator_file,
    operator_dir,
    star3_camera_report,
)
from tests.registry.conftest import MakeParty, Party, apply, publish_profile_criteria

EVALUATION = b"%PDF-1.7\n% Tokyo Test Lab evaluation report ETR-0001\n"


@pytest.fixture
def registry_operator_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The registry's operator directory, holding the network-cameras file (request before
    ``client``: the registry reads its catalog with it)."""
    directory = operator_dir(tmp_path / "registry-operator", OPERATOR_FILE)
    monkeypatch.setenv(ENV_VAR, str(directory))
    return directory


def _read(client: TestClient, vendor: Party, app_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_star1_report_made_without_the_operators_files_is_submitted(
    registry_operator_files: Path, client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    assert "operator_files" not in report["catalog"]
    app_id = apply(client, vendor, report)["id"]
    submitted = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert submitted.status_code == 200, submitted.text
    assert _read(client, vendor, app_id)["state"] == "submitted"


def test_a_star3_report_made_with_another_operator_file_is_refused_and_stays_a_draft(
    registry_operator_files: Path,
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    tmp_path: Path,
) -> None:
    # the operator published its file's criteria version and the lab attached its evaluation:
    # only the requirements file the report was made with differs
    publish_profile_criteria(client, operator, 3, CAMERAS, "OPS-3-CAM-TEST")
    other = operator_dir(tmp_path / "vendor-copy", changed_operator_file())
    made = star3_camera_report(tmp_path / "camera", other)
    assert made.criteria_version == "OPS-3-CAM-TEST"
    app_id = apply(client, vendor, made.model_dump(mode="json"))["id"]
    lab = make_party("Tokyo Test Lab", "lab")
    assigned = client.post(
        f"/api/v1/applications/{app_id}/lab", json={"lab": lab.name}, headers=operator.headers
    )
    assert assigned.status_code == 200, assigned.text
    uploaded = client.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "evaluation_report"},
        files={"file": ("etr-0001.pdf", EVALUATION, "application/pdf")},
        headers=lab.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    before = _read(client, vendor, app_id)
    refused = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail.startswith(
        f"cannot submit: report was made with the operator's requirements file {CAMERAS_FILE} "
        f"for {CAMERAS} (sha256 {made.catalog.operator_files[0].sha256}); this registry's is "
    )
    assert "\n" not in detail and "more)" not in detail  # the one thing wrong
    assert _read(client, vendor, app_id) == before
