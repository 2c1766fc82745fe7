"""The stored label documents that lookups serve: in step with every change, identical to the
label built from its rows, filled in for labels from before they existed (migration 0002)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from jcstar.registry import migrate
from jcstar.registry.db import make_engine
from jcstar.registry.labels import service
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.settings import Settings
from tests.registry.conftest import Party, issue_label


def _built_from_rows(client: TestClient, registration_no: str) -> dict[str, Any]:
    """The label as the ORM builds it from its rows, for comparison with the stored document."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return service.public(service.find(session, registration_no)).model_dump(mode="json")


def test_lookup_follows_every_change_at_once(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    lookup = f"/api/v1/labels/{no}"
    assert client.get(lookup).json() == _built_from_rows(client, no)

    ops = operator.headers
    response = client.post(f"{lookup}/suspend", json={"reason": "unpatched CVE"}, headers=ops)
    assert response.status_code == 200, response.text
    shown = client.get(lookup).json()
    assert shown["status"] == "suspended"
    assert [e["event"] for e in shown["status_history"]] == ["issued", "suspended"]
    assert shown["status_history"][-1]["reason"] == "unpatched CVE"

    notice = {"title": "Firmware 2.4.2", "body": "Fixes the CVE."}
    assert client.post(f"{lookup}/notices", json=notice, headers=vendor.headers).status_code == 201
    assert [n["title"] for n in client.get(lookup).json()["notices"]] == ["Firmware 2.4.2"]

    client.post(f"{lookup}/reinstate", json={"reason": "patched"}, headers=ops)
    client.post(f"{lookup}/revoke", json={"reason": "withdrawn"}, headers=ops)
    shown = client.get(lookup).json()
    assert shown["status"] == "revoked"
    assert [e["event"] for e in shown["status_history"]][-2:] == ["reinstated", "revoked"]
    assert shown == _built_from_rows(client, no)


def test_unknown_label_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/labels/JC1-2026-999999")
    assert response.status_code == 404
    assert "JC1-2026-999999" in response.json()["detail"]


def test_labels_from_before_documents_get_one_on_upgrade(
    client: TestClient, settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    expected = client.get(f"/api/v1/labels/{no}").json()
    engine = make_engine(settings.database_url)
    try:
        migrate.downgrade(engine, "0001")  # as a registry was before documents were stored
        assert "label_documents" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        with Session(engine) as session:
            assert len(session.scalars(select(LabelDocument.label_id)).all()) == 1
    finally:
        engine.dispose()
    served = client.get(f"/api/v1/labels/{no}").json()
    # the label as a registry from before documents held it (columns added since were dropped
    # by the downgrade and come back empty: that loss is the downgrade's, not the backfill's)
    held_in_0001 = (
        "registration_no",
        "level",
        "status",
        "issued_on",
        "expires_on",
        "vendor",
        "product",
        "model_numbers",
        "support_period_end",
        "vulnerability_contact",
        "product_url",
        "jws",
    )
    assert {k: served[k] for k in held_in_0001} == {k: expected[k] for k in held_in_0001}
    assert [e["event"] for e in served["status_history"]] == ["issued"]


def test_documents_of_an_older_shape_are_stored_again_on_upgrade(
    client: TestClient, settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    """A registry upgraded from 0011 served documents without the fields added since (the
    label lookup serves what is stored): the upgrade stores each label's document again."""
    no = issue_label(client, vendor, operator, report)["registration_no"]
    expected = client.get(f"/api/v1/labels/{no}").json()
    engine = make_engine(settings.database_url)
    try:
        migrate.downgrade(engine, "0011")
        with Session(engine) as session:
            stored = session.scalars(select(LabelDocument)).one()
            old_shape = json.loads(stored.body)
            for added in ("criteria", "renews", "product_name_ja", "product_category"):
                old_shape.pop(added, None)
            stored.body = json.dumps(old_shape)
            session.commit()
        assert "criteria" not in client.get(f"/api/v1/labels/{no}").json()
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    assert client.get(f"/api/v1/labels/{no}").json() == expected
