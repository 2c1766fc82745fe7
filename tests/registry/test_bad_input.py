"""Bad input gets a clear 4xx with a one-line detail, and nothing is stored half-way."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jcstar.registry.applications.models import Application, ApplicationEvent, Document
from jcstar.registry.labels.models import Label
from jcstar.registry.log.models import LogEntry
from tests.registry.conftest import (
    MakeParty,
    Party,
    accept_and_pay,
    apply,
    approve,
    submit,
    with_answer,
)


def _count(client: TestClient, model: type[Any]) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(model)) or 0


def _upload(
    client: TestClient, party: Party, app_id: int, content: bytes, kind: str = "checklist"
) -> Any:
    return client.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": kind},
        files={"file": ("upload.bin", content, "application/pdf")},
        headers=party.headers,
    )


def test_oversized_upload_is_413_and_not_stored(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    too_big = b"%PDF-1.7\n" + b"x" * (64 * 1024)
    response = _upload(client, vendor, app_id, too_big)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert _count(client, Document) == 0


def test_wrong_type_upload_is_415_and_not_stored(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))
    assert _upload(client, vendor, app_id, elf).status_code == 415
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.sh", "#!/bin/sh\n")
    assert _upload(client, vendor, app_id, archive.getvalue()).status_code == 415
    assert _count(client, Document) == 0


def test_accepted_upload_records_digest(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    response = _upload(client, vendor, app_id, b"%PDF-1.7\nsigned declaration\n", "declaration")
    assert response.status_code == 201
    doc = response.json()
    assert doc["media_type"] == "application/pdf"
    assert doc["size"] == len(b"%PDF-1.7\nsigned declaration\n")
    import hashlib

    assert doc["sha256"] == hashlib.sha256(b"%PDF-1.7\nsigned declaration\n").hexdigest()


def test_malformed_report_is_422_and_nothing_stored(client: TestClient, vendor: Party) -> None:
    response = client.post(
        "/api/v1/applications",
        json={"report": {"schema_version": "1.0", "verdicts": "many"}},
        headers=vendor.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("report is malformed at ")
    assert _count(client, Application) == 0
    assert _count(client, ApplicationEvent) == 0


def test_submission_names_the_requirement_not_met(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    # the vendor's own answer: not implemented (a hand-edited verdict is refused too, see
    # test_reevaluation)
    report = with_answer(report, "S1.1-04", status="not_implemented", evidence=[])
    app_id = apply(client, vendor, report)["id"]
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(
        "cannot submit: S1.1-04: verdict is NOT_MET, not MET (vendor states it is not implemented"
    )
    state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()
    assert state["state"] == "draft"
    assert [h["state"] for h in state["history"]] == ["draft"]


def test_forged_overall_is_refused(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    report["verdicts"][0]["verdict"] = "NOT_MET"  # but summary and overall still say all MET
    app_id = apply(client, vendor, report)["id"]
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert response.status_code == 422
    assert "summary does not match" in response.json()["detail"]


def test_unknown_ids_are_404(client: TestClient, vendor: Party, operator: Party) -> None:
    assert client.get("/api/v1/applications/999", headers=vendor.headers).status_code == 404
    assert (
        client.post("/api/v1/applications/999/approve", headers=operator.headers).status_code == 404
    )
    assert client.get("/api/v1/labels/JC1-2026-999999").status_code == 404
    missing = client.post(
        "/api/v1/labels/JC1-2026-999999/revoke", json={"reason": "x"}, headers=operator.headers
    )
    assert missing.status_code == 404
    assert "JC1-2026-999999" in missing.json()["detail"]


def test_wrong_state_is_409_and_changes_nothing(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    for action in ("accept", "start-review", "approve"):
        response = client.post(f"/api/v1/applications/{app_id}/{action}", headers=operator.headers)
        assert response.status_code == 409, action
        assert "draft" in response.json()["detail"]
    submit(client, vendor, app_id)
    assert (
        client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers).status_code
        == 409
    )
    approve(client, operator, app_id)
    assert (
        client.post(f"/api/v1/applications/{app_id}/approve", headers=operator.headers).status_code
        == 409
    )
    assert _count(client, Label) == 1
    # application accepted, fee paid, approved; label issued: nothing from the refusals
    assert _count(client, LogEntry) == 4


def test_expired_and_unknown_tokens_are_401(
    client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    stale = make_party("Stale Vendor", "vendor", expires_days=-1)
    response = client.post("/api/v1/applications", json={"report": report}, headers=stale.headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    forged = {"Authorization": "Bearer jcs_not-a-real-token"}
    assert client.get("/api/v1/me", headers=forged).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert _count(client, Application) == 0


def test_label_that_cannot_be_signed_stores_nothing(
    client: TestClient, make_party: MakeParty, operator: Party, report: dict[str, Any]
) -> None:
    # a vendor name too long for a scannable QR code (200 characters, 3 bytes each; many
    # model numbers no longer do it, see test_signed_labels): approval fails, nothing stored
    vendor = make_party("株式会社" + "長" * 196, "vendor")
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    accept_and_pay(client, operator, app_id)
    response = client.post(f"/api/v1/applications/{app_id}/approve", headers=operator.headers)
    assert response.status_code == 422
    assert "cannot issue the label" in response.json()["detail"]
    state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()
    assert state["state"] == "accepted"
    assert _count(client, Label) == 0
    # acceptance and payment only: the failed approval left no entry
    assert _count(client, LogEntry) == 2


def test_a_nul_character_is_bad_input_on_every_database(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    # PostgreSQL cannot hold NUL in text: where it reaches the database the answer is a 4xx
    # naming it (SQLite stores it and simply finds nothing), never a 500
    nul_requests = [
        ("GET", "/api/v1/labels/JC1-2026-%00", None),
        ("GET", "/p/JC1-2026-%00", None),
        ("GET", "/api/v1/labels?vendor=a%00b", None),
        ("GET", "/api/v1/labels?q=a%00b", None),
        ("POST", "/api/v1/auth/login", {"email": "a\x00@example.com", "password": "x"}),
    ]
    for method, path, body in nul_requests:
        response = client.request(method, path, json=body)
        assert response.status_code in (200, 401, 404, 422), (path, response.text)
        if response.status_code == 422:
            assert response.json()["detail"] == "text contains a NUL character"
    named = {**report, "product": {**report["product"], "product": "Gate\x00way"}}
    applications = _count(client, Application)
    response = client.post("/api/v1/applications", json={"report": named}, headers=vendor.headers)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert _count(client, Application) == applications
