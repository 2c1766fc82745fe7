"""The ★3/★4 lab step (issue 15): the operator assigns an evaluation lab, the lab uploads its
evaluation report, and only then is a ★3 application submitted and approved; refusals name
what is missing, and whoever may not take a step changes nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from jcstar.assessment.service import assess_files
from jcstar.catalog.operator_requirements import ENV_VAR
from jcstar.registry.db import utcnow
from jcstar.registry.labels.service import claims_in
from tests.conftest import CONFORMANT
from tests.registry.conftest import (
    STAR3_CRITERIA,
    STAR3_SCHEME,
    MakeMember,
    MakeParty,
    Party,
    ProfileCatalog,
    apply,
    publish_profile_criteria,
)

MISSING = "★3 needs an evaluation_report document from the named lab"
CAMERAS = "jcstar-3-network-cameras"
#: an operator's requirements file for the shipped ★3 network-cameras profile (test data: IPA's
#: requirement text is not in our references)
OPERATOR_FILE = """
requirements:
  - id: CAM-01
    title_en: Test requirement CAM-01 (test data, not IPA's text)
    kind: product
    manual: true
    questions:
      - {id: Q-CAM-01, text_ja: 説明してください。, text_en: Explain.}
criteria_versions:
  - {id: OPS-3-CAM-TEST, title: operator test criteria, published: "2026-06",
     effective_on: 2026-06-12, tag: S, basis: judgement}
"""
EVALUATION = b"%PDF-1.7\n% Tokyo Test Lab evaluation report ETR-0001\n"


@pytest.fixture
def lab(make_party: MakeParty) -> Party:
    return make_party("Tokyo Test Lab", "lab")


@pytest.fixture
def other_lab(make_party: MakeParty) -> Party:
    return make_party("Osaka Test Lab", "lab")


@pytest.fixture
def star3_app(
    client: TestClient, vendor: Party, operator: Party, profile_catalog: ProfileCatalog
) -> int:
    """A ★3 draft on the test profile (its criteria published), naming no lab (tests using
    it ask for ``on_profile_catalog`` first, so the registry reads that profile)."""
    publish_profile_criteria(client, operator, 3, STAR3_SCHEME, STAR3_CRITERIA)
    app_id: int = apply(client, vendor, dict(profile_catalog.star3_report))["id"]
    return app_id


def _post(client: TestClient, party: Party, app_id: int, step: str, body: Any = None) -> Any:
    return client.post(f"/api/v1/applications/{app_id}/{step}", json=body, headers=party.headers)


def _assign(client: TestClient, operator: Party, app_id: int, lab: Party) -> Any:
    return _post(client, operator, app_id, "lab", {"lab": lab.name})


def _upload(client: TestClient, party: Party, app_id: int, content: bytes = EVALUATION) -> Any:
    return client.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "evaluation_report"},
        files={"file": ("etr-0001.pdf", content, "application/pdf")},
        headers=party.headers,
    )


def _read(client: TestClient, party: Party, app_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/applications/{app_id}", headers=party.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _accept_pay_review(client: TestClient, operator: Party, app_id: int) -> None:
    # the fee table has no ★3 amount: the operator states it
    assert _post(client, operator, app_id, "accept", {"fee_jpy": 500_000}).status_code == 200
    assert _post(client, operator, app_id, "fee-paid", {"reference": "T-3"}).status_code == 200
    assert _post(client, operator, app_id, "start-review").status_code == 200


def test_a_star3_application_without_a_lab_is_refused_naming_no_lab_assigned(
    on_profile_catalog: ProfileCatalog, client: TestClient, vendor: Party, star3_app: int
) -> None:
    refused = _post(client, vendor, star3_app, "submit")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(f"cannot submit: {MISSING} (no lab assigned)")
    assert _read(client, vendor, star3_app)["state"] == "draft"


def test_with_a_lab_assigned_but_no_upload_submission_names_the_lab(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    star3_app: int,
) -> None:
    assigned = _assign(client, operator, star3_app, lab)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["lab"] == lab.name
    refused = _post(client, vendor, star3_app, "submit")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(
        f"cannot submit: {MISSING} (lab {lab.name} has not uploaded it)"
    )


def test_after_the_assigned_lab_uploads_a_star3_label_is_issued(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    star3_app: int,
) -> None:
    assert _assign(client, operator, star3_app, lab).status_code == 200
    # the lab sees the application it was assigned, and attaches its evaluation report
    listed = client.get("/api/v1/applications", headers=lab.headers).json()["items"]
    assert [item["id"] for item in listed] == [star3_app]
    uploaded = _upload(client, lab, star3_app)
    assert uploaded.status_code == 201, uploaded.text
    assert _post(client, vendor, star3_app, "submit").status_code == 200
    _accept_pay_review(client, operator, star3_app)
    approved = _post(client, operator, star3_app, "approve")
    assert approved.status_code == 200, approved.text
    number = approved.json()["registration_no"]
    assert number.startswith(f"JC3-{utcnow().year}-")
    label = client.get(f"/api/v1/labels/{number}").json()
    assert (label["level"], label["criteria"]["version"]) == (3, STAR3_CRITERIA)
    assert label["criteria"]["draft"] is False
    assert claims_in(label["jws"]).level == 3

    # the history names who assigned the lab and which bytes the lab attested, by whom
    history = _read(client, operator, star3_app)["history"]
    steps = [(e["state"], e["by"]) for e in history]
    assert ("lab_assigned", operator.name) in steps
    assert ("evaluation_report", lab.name) in steps
    attested = next(e for e in history if e["state"] == "evaluation_report")
    assert hashlib.sha256(EVALUATION).hexdigest() in attested["reason"]
    assert attested["by_person"] is not None  # the lab's token: the operator sees who
    assert f"lab {lab.name} assigned" in next(
        e["reason"] for e in history if e["state"] == "lab_assigned"
    )


def test_another_lab_cannot_upload_and_nothing_changes(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    operator: Party,
    lab: Party,
    other_lab: Party,
    make_member: MakeMember,
    star3_app: int,
) -> None:
    assert _assign(client, operator, star3_app, lab).status_code == 200
    before = _read(client, operator, star3_app)
    # a lab not assigned: the application is as unknown to it as a missing one
    assert _upload(client, other_lab, star3_app).status_code == 404
    assert client.get("/api/v1/applications", headers=other_lab.headers).json()["items"] == []
    # the assigned lab's person without the evaluator role
    clerk = make_member(lab, "administrator")
    refused = _upload(client, clerk, star3_app)
    assert refused.status_code == 403
    assert "evaluator" in refused.json()["detail"]
    assert _read(client, operator, star3_app) == before


def test_reassigning_the_lab_after_submission_holds_approval_until_the_new_lab_uploads(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    other_lab: Party,
    star3_app: int,
) -> None:
    assert _assign(client, operator, star3_app, lab).status_code == 200
    assert _upload(client, lab, star3_app).status_code == 201
    assert _post(client, vendor, star3_app, "submit").status_code == 200
    _accept_pay_review(client, operator, star3_app)
    reassigned = _assign(client, operator, star3_app, other_lab)
    assert reassigned.status_code == 200, reassigned.text
    # the first lab's report does not count for the lab assigned now
    refused = _post(client, operator, star3_app, "approve")
    assert refused.status_code == 409
    assert f"{MISSING} (lab {other_lab.name} has not uploaded it)" in refused.json()["detail"]
    assert _read(client, operator, star3_app)["state"] == "under_review"
    assert client.get("/api/v1/labels").json()["total"] == 0
    # the replaced lab no longer sees it; the new one uploads, and approval goes through
    assert client.get(f"/api/v1/applications/{star3_app}", headers=lab.headers).status_code == 404
    assert _upload(client, other_lab, star3_app).status_code == 201
    approved = _post(client, operator, star3_app, "approve")
    assert approved.status_code == 200, approved.text


@pytest.mark.parametrize("who", ["vendor", "lab", "approver_only"])
def test_only_an_operator_reviewer_assigns_a_lab(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    make_member: MakeMember,
    star3_app: int,
    who: str,
) -> None:
    caller = {"vendor": vendor, "lab": lab, "approver_only": make_member(operator, "approver")}
    refused = _assign(client, caller[who], star3_app, lab)
    assert refused.status_code == 403
    assert _read(client, operator, star3_app)["lab"] is None


def test_a_lab_is_assigned_only_to_star3_and_above_and_only_a_lab(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    report: dict[str, Any],
    star3_app: int,
) -> None:
    star1 = apply(client, vendor, report, model_numbers=["HG-STAR1"])["id"]
    refused = _assign(client, operator, star1, lab)
    assert refused.status_code == 422
    assert (
        "is ★1: an evaluation lab is assigned to ★3 and ★4 applications only"
        in (refused.json()["detail"])
    )
    not_a_lab = _post(client, operator, star3_app, "lab", {"lab": vendor.name})
    assert not_a_lab.status_code == 422
    assert not_a_lab.json()["detail"] == f"no evaluation lab named {vendor.name!r}"
    assert _read(client, operator, star3_app)["lab"] is None


def test_the_shipped_network_cameras_profile_with_the_operators_file_is_labelled_star3(
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shipped ★3 category: its requirements from the operator's file (here one test
    requirement; the registry reads the same directory), its criteria version published by
    the operator, and the lab step before approval."""
    operator_dir = tmp_path / "operator-requirements"
    operator_dir.mkdir()
    (operator_dir / f"{CAMERAS}.yaml").write_text(OPERATOR_FILE, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(operator_dir))
    workdir = tmp_path / "camera"
    shutil.copytree(CONFORMANT, workdir)
    profile = (workdir / "profile.yaml").read_text(encoding="utf-8")
    profile = profile.replace("\nlevel: 1\n", "\nlevel: 3\ncategory: network-cameras\n")
    (workdir / "profile.yaml").write_text(profile, encoding="utf-8")
    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text(encoding="utf-8"))
    answers["answers"]["CAM-01"] = {
        "status": "implemented",
        "statement": "Implemented as the operator's requirement asks.",
        "evidence": [{"document": "NC-20 security design description", "section": "2"}],
    }
    (workdir / "answers.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    report = assess_files(workdir / "profile.yaml", workdir / "answers.yaml")
    assert (report.overall, report.catalog.scheme) == ("CONFORMANT", CAMERAS)
    assert report.criteria_version == "OPS-3-CAM-TEST"

    publish_profile_criteria(client, operator, 3, CAMERAS, "OPS-3-CAM-TEST")
    app_id: int = apply(client, vendor, report.model_dump(mode="json"))["id"]
    assert _assign(client, operator, app_id, lab).status_code == 200
    assert _upload(client, lab, app_id).status_code == 201
    submitted = _post(client, vendor, app_id, "submit")
    assert submitted.status_code == 200, submitted.text
    _accept_pay_review(client, operator, app_id)
    approved = _post(client, operator, app_id, "approve")
    assert approved.status_code == 200, approved.text
    label = client.get(f"/api/v1/labels/{approved.json()['registration_no']}").json()
    assert label["level"] == 3
    assert (label["criteria"]["scheme"], label["criteria"]["category"]) == (
        CAMERAS,
        "network-cameras",
    )
    assert label["criteria"]["draft"] is False


def test_once_the_operator_assigned_a_lab_the_vendor_cannot_name_another(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    lab: Party,
    other_lab: Party,
    star3_app: int,
) -> None:
    assert _assign(client, operator, star3_app, lab).status_code == 200
    refused = client.patch(
        f"/api/v1/applications/{star3_app}", json={"lab": other_lab.name}, headers=vendor.headers
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"the operator assigned {lab.name} to evaluate this application; only the operator "
        "changes it"
    )
    assert _read(client, operator, star3_app)["lab"] == lab.name
    # naming the lab already assigned changes nothing and is not refused
    same = client.patch(
        f"/api/v1/applications/{star3_app}", json={"lab": lab.name}, headers=vendor.headers
    )
    assert same.status_code == 200, same.text
