"""Labels as the registry issues them since the compact seal: the seal is the QR code printed
on the label, its link opens the product page, the JWS stays in the API, and labels issued
before the seal keep their JWS QR code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from jcstar.client.verify import verify_label
from jcstar.labels import TrustedKeys, verify_offline
from jcstar.labels.qr import qr_version, read_qr_bytes
from jcstar.labels.seal import MAX_SEAL_QR_VERSION, is_seal_qr
from tests.registry.conftest import BASE_URL, Party, issue_label
from tests.registry.test_signed_labels import online


def published_keys(client: TestClient) -> TrustedKeys:
    return TrustedKeys.from_jwks(client.get("/.well-known/jwks.json").json())


def test_issued_label_prints_a_seal_that_verifies_and_keeps_its_jws(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    number = label["registration_no"]
    assert label["qr"].startswith(f"{BASE_URL}/L/") and is_seal_qr(label["qr"])
    assert qr_version(label["qr"]) <= MAX_SEAL_QR_VERSION

    keys = published_keys(client)
    today = dt.date.today()
    sealed = verify_offline(label["qr"], keys, today)
    assert sealed.valid, sealed.reason
    assert sealed.claims is not None and sealed.claims.registration_no == number
    # the JWS is still published and still verifies, to the same label
    signed = verify_offline(label["jws"], keys, today)
    assert signed.valid and signed.claims is not None
    assert signed.claims.registration_no == number and signed.kid == sealed.kid

    # the printed artwork carries the seal, and the lookup publishes it
    png = client.get(f"/api/v1/labels/{number}/label.png")
    assert read_qr_bytes(png.content, "label.png") == label["qr"]
    assert client.get(f"/api/v1/labels/{number}").json()["qr"] == label["qr"]


def test_the_seal_link_opens_the_product_page(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    path = label["qr"].removeprefix(BASE_URL)
    opened = client.get(path, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"].endswith(f"/p/{label['registration_no']}")
    page = client.get(path)
    assert page.status_code == 200 and label["registration_no"] in page.text

    damaged = client.get("/L/1234", follow_redirects=False)
    assert damaged.status_code == 404


def test_label_issued_before_seals_keeps_its_jws_qr_until_renewed(
    client: TestClient,
    database_url: str,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    label = issue_label(client, vendor, operator, report)
    number = label["registration_no"]
    # as migration 0009 leaves every label issued before it
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE labels SET seal_qr = NULL WHERE registration_no = :n"), {"n": number}
        )
    engine.dispose()

    # the documented route builds the record from the rows (the fast path's stored copy was
    # written at issue); the artwork is drawn from the rows too
    png = client.get(f"/api/v1/labels/{number}/label.png")
    scanned = read_qr_bytes(png.content, "label.png")
    assert scanned == f"{label['product_url']}#{label['jws']}"
    assert verify_offline(scanned, published_keys(client), dt.date.today()).valid


def test_seal_verifies_online_against_the_registry(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    with online(client) as registry:
        result = verify_label(label["qr"], published_keys(client), registry, dt.date.today())
    assert result.valid, result.reason
    assert result.status == "valid"
    assert "the registry lists it as valid" in result.reason
