"""The workflow end to end through the API: apply, submit, review, label, status changes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from jcstar.labels import verify_offline
from tests.registry.conftest import (
    BASE_URL,
    Party,
    apply,
    approve,
    issue_label,
    submit,
    with_answer,
)


def test_vendor_applies_operator_approves_and_label_verifies_offline(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app = apply(client, vendor, report)
    assert app["state"] == "draft"
    # a draft has a reference of its own; the application number comes when it is filed
    assert app["application_no"] is None and app["draft_no"].startswith("D-")
    assert app["model_numbers"] == ["HG-100", "HG-100W"]
    assert app["fee_jpy"] == 198_000

    submitted = submit(client, vendor, app["id"])
    assert submitted["state"] == "submitted"
    assert submitted["application_no"].startswith("A-") and submitted["draft_no"] is None
    assert submitted["history"][-1]["reason"] == (
        f"application number {submitted['application_no']} (draft {app['draft_no']})"
    )

    label = approve(client, operator, app["id"])
    assert label["registration_no"].startswith("JC1-")
    assert label["status"] == "valid"
    assert label["product_url"] == f"{BASE_URL}/p/{label['registration_no']}"
    issued = dt.date.fromisoformat(label["issued_on"])
    assert dt.date.fromisoformat(label["expires_on"]) <= issued.replace(year=issued.year + 2)

    after = client.get(f"/api/v1/applications/{app['id']}", headers=vendor.headers).json()
    assert after["state"] == "approved"
    assert [h["state"] for h in after["history"]] == [
        "draft",
        "submitted",
        "accepted",
        "fee_paid",
        "approved",
    ]
    assert after["acceptance_no"].startswith("R-")
    assert after["acceptance_no"] in after["history"][2]["reason"]
    assert after["fee_jpy"] == 198_000 and after["fee_reference"] == "TRANSFER-0001"
    assert after["registration_no"] == label["registration_no"]

    public = client.get(f"/api/v1/labels/{label['registration_no']}")
    assert public.status_code == 200
    assert public.json()["status"] == "valid"

    jwks = client.get("/.well-known/jwks.json").json()
    result = verify_offline(label["qr"], jwks, dt.date.today())
    assert result.valid, result.reason
    assert result.claims is not None
    assert result.claims.registration_no == label["registration_no"]


def status_shown(page: str) -> str:
    """The label's status as the product page names it to the reader."""
    found = re.search(r'<p class="status-name"><strong>([^<]*)</strong>', page)
    assert found, "the product page shows no status"
    return found.group(1)


def test_product_page_and_artwork(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    page = client.get(f"/p/{label['registration_no']}")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    for shown in (label["registration_no"], "HEMS Gateway HG-100", "2031-03-31"):
        assert shown in page.text
    assert "<svg" in page.text
    # one language a page: Japanese unless the reader asks for English
    assert status_shown(page.text) == "有効"
    english = client.get(f"/p/{label['registration_no']}?lang=en")
    assert status_shown(english.text) == "Valid"
    assert label["registration_no"] in english.text and "2031-03-31" in english.text
    svg = client.get(f"/api/v1/labels/{label['registration_no']}/label.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    png = client.get(f"/api/v1/labels/{label['registration_no']}/label.png")
    assert png.content.startswith(b"\x89PNG")
    assert client.get("/p/JC1-2026-999999").status_code == 404


def test_accept_review_return_and_resubmit(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    ops = operator.headers
    accepted = client.post(f"/api/v1/applications/{app_id}/accept", headers=ops).json()
    assert accepted["state"] == "accepted"
    number = accepted["acceptance_no"]
    # review waits for the fee, and says which acceptance number it waits on
    unpaid = client.post(f"/api/v1/applications/{app_id}/start-review", headers=ops)
    assert unpaid.status_code == 409
    assert number in unpaid.json()["detail"] and "not recorded paid" in unpaid.json()["detail"]
    paid = client.post(
        f"/api/v1/applications/{app_id}/fee-paid", json={"reference": "BANK-77"}, headers=ops
    )
    assert paid.json()["fee_paid_at"] is not None
    started = client.post(f"/api/v1/applications/{app_id}/start-review", headers=ops)
    assert started.json()["state"] == "under_review"
    returned = client.post(
        f"/api/v1/applications/{app_id}/return",
        json={"reason": "sign the declaration"},
        headers=ops,
    )
    assert returned.json()["state"] == "returned"
    assert returned.json()["history"][-1]["reason"] == "sign the declaration"
    # the vendor corrects the draft (fewer models) and submits again
    patched = client.patch(
        f"/api/v1/applications/{app_id}", json={"model_numbers": ["HG-100"]}, headers=vendor.headers
    )
    assert patched.json()["model_numbers"] == ["HG-100"]
    submit(client, vendor, app_id)
    # accepted again: the same acceptance number, the fee already paid (not refundable)
    again = client.post(f"/api/v1/applications/{app_id}/accept", headers=ops).json()
    assert again["acceptance_no"] == number and again["fee_reference"] == "BANK-77"
    label = approve(client, operator, app_id)
    assert label["model_numbers"] == ["HG-100"]


def test_rejection_is_final(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    rejected = client.post(
        f"/api/v1/applications/{app_id}/reject",
        json={"reason": "not an IoT product"},
        headers=operator.headers,
    )
    assert rejected.json()["state"] == "rejected"
    again = client.post(f"/api/v1/applications/{app_id}/approve", headers=operator.headers)
    assert again.status_code == 409
    assert "rejected" in again.json()["detail"]


def test_psti_route_fee_and_waiver(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    # a product whose support period is not shown: the PSTI route waives S1.1-16 with a statement
    report = with_answer(report, "S1.1-16", status=None, evidence=[])
    assert report["overall"] == "INCOMPLETE"
    app = apply(client, vendor, report, route="psti")
    assert app["fee_jpy"] == 140_000
    refused = client.post(f"/api/v1/applications/{app['id']}/submit", headers=vendor.headers)
    assert refused.status_code == 422
    assert "psti_statement" in refused.json()["detail"]
    upload = client.post(
        f"/api/v1/applications/{app['id']}/documents",
        data={"kind": "psti_statement"},
        files={"file": ("psti.pdf", b"%PDF-1.7\nstatement of compliance\n", "application/pdf")},
        headers=vendor.headers,
    )
    assert upload.status_code == 201, upload.text
    assert submit(client, vendor, app["id"])["state"] == "submitted"


def test_status_changes_renewal_and_notices(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    ops = operator.headers
    base = f"/api/v1/labels/{no}"
    suspended = client.post(f"{base}/suspend", json={"reason": "unpatched CVE"}, headers=ops)
    assert suspended.json()["status"] == "suspended"
    assert client.post(f"{base}/renew", headers=ops).status_code == 409
    reinstated = client.post(f"{base}/reinstate", json={"reason": "patched"}, headers=ops)
    assert reinstated.json()["status"] == "valid"
    notice = client.post(
        f"{base}/notices",
        json={"title": "Firmware 2.4.2", "body": "Fixes CVE-2026-0001.", "url": "https://x.test/a"},
        headers=vendor.headers,
    )
    assert notice.status_code == 201
    revoked = client.post(
        f"{base}/revoke", json={"reason": "surveillance found a fault"}, headers=ops
    )
    assert revoked.json()["status"] == "revoked"
    assert client.post(f"{base}/reinstate", json={"reason": "x"}, headers=ops).status_code == 409
    record = client.get(base).json()
    assert [e["event"] for e in record["status_history"]] == [
        "issued",
        "suspended",
        "reinstated",
        "revoked",
    ]
    assert record["status_history"][1]["reason"] == "unpatched CVE"
    assert record["notices"][0]["title"] == "Firmware 2.4.2"
    page = client.get(f"/p/{no}").text
    assert status_shown(page) == "取消し" and "Fixes CVE-2026-0001." in page
    english = client.get(f"/p/{no}?lang=en").text
    assert status_shown(english) == "Revoked" and "Fixes CVE-2026-0001." in english


def test_expiry_is_derived_and_the_bare_re_sign_is_refused(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    no = label["registration_no"]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text("UPDATE labels SET issued_on = :i, expires_on = :e WHERE registration_no = :n"),
            {"i": dt.date(2022, 1, 1), "e": dt.date(2024, 1, 1), "n": no},
        )
        session.commit()
    assert client.get(f"/api/v1/labels/{no}").json()["status"] == "expired"
    expired = client.get("/api/v1/labels", params={"status": "expired"}).json()
    assert [item["registration_no"] for item in expired["items"]] == [no]
    # no more re-signing for two years without a new report: a renewal application does it
    refused = client.post(f"/api/v1/labels/{no}/renew", headers=operator.headers)
    assert refused.status_code == 409
    assert "renewal application" in refused.json()["detail"]
    assert f"--renews {no}" in refused.json()["detail"]
    after = client.get(f"/api/v1/labels/{no}").json()
    assert after["status"] == "expired"
    assert [e["event"] for e in after["status_history"]] == ["issued"]


def test_reviewers_read_the_documents_and_report(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    content = b"%PDF-1.7\n\xe5\xae\xa3\xe8\xa8\x80\n"
    doc = client.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "declaration"},
        files={"file": ("宣言書.pdf", content, "application/pdf")},
        headers=vendor.headers,
    ).json()
    got = client.get(
        f"/api/v1/applications/{app_id}/documents/{doc['id']}", headers=operator.headers
    )
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-disposition"].startswith("attachment;")
    missing = f"/api/v1/applications/{app_id}/documents/{doc['id'] + 1}"
    assert client.get(missing, headers=operator.headers).status_code == 404
    sent = client.get(f"/api/v1/applications/{app_id}/report", headers=operator.headers).json()
    assert sent["report_id"] == report["report_id"]


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/applications",
        "/api/v1/applications/{app_id}/submit",
        "/api/v1/labels/{registration_no}",
        "/api/v1/log/verify",
        "/.well-known/jwks.json",
    ):
        assert path in spec["paths"], path
