"""Four-eyes (``JCSTAR_FOUR_EYES=1``): approving an application and suspending or revoking a
label need two different operator people; the first call waits, the second carries it out."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.registry.settings import Settings
from tests.registry.conftest import (
    MakeMember,
    MakeParty,
    Party,
    accept_and_pay,
    application_state,
    apply,
    submit,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, four_eyes=True)


@dataclasses.dataclass(frozen=True)
class Staff:
    vendor: Party
    first: Party  # an approver (and reviewer: it accepts and records fees)
    second: Party  # another approver of the same operator
    reviewer: Party  # a reviewer who may not approve


@pytest.fixture
def staff(make_party: MakeParty, make_member: MakeMember) -> Staff:
    first = make_party("JC-STAR Operator", "operator", roles=("reviewer", "approver"))
    return Staff(
        vendor=make_party("Example Energy Systems K.K.", "vendor"),
        first=first,
        second=make_member(first, "approver"),
        reviewer=make_member(first, "reviewer"),
    )


def _paid_application(client: TestClient, staff: Staff, report: dict[str, Any]) -> int:
    app_id: int = apply(client, staff.vendor, report)["id"]
    submit(client, staff.vendor, app_id)
    accept_and_pay(client, staff.first, app_id)
    return app_id


def _approve(client: TestClient, who: Party, app_id: int) -> Any:
    return client.post(f"/api/v1/applications/{app_id}/approve", headers=who.headers)


def _label(client: TestClient, staff: Staff, report: dict[str, Any]) -> str:
    app_id = _paid_application(client, staff, report)
    assert _approve(client, staff.first, app_id).status_code == 202
    confirmed = _approve(client, staff.second, app_id)
    assert confirmed.status_code == 200, confirmed.text
    number: str = confirmed.json()["registration_no"]
    return number


def _labels(client: TestClient) -> int:
    total: int = client.get("/api/v1/labels").json()["total"]
    return total


def _log(client: TestClient) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get("/api/v1/log").json()["entries"]
    return entries


def _actor(client: TestClient, who: Party) -> str:
    person: str = client.get("/api/v1/me", headers=who.headers).json()["person"]
    return person.replace("token ", "token:")  # "token 3" → the log's "token:3"


def _status(client: TestClient, number: str) -> str:
    status: str = client.get(f"/api/v1/labels/{number}").json()["status"]
    return status


def test_approval_waits_for_a_second_approver(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    app_id = _paid_application(client, staff, report)

    first = _approve(client, staff.first, app_id)
    assert first.status_code == 202, first.text
    pending = first.json()
    assert pending["action"] == "approve" and pending["subject"] == f"application:{app_id}"
    assert (
        pending["requested_by"]
        == client.get("/api/v1/me", headers=staff.first.headers).json()["person"]
    )
    assert _labels(client) == 0
    assert application_state(client, staff.first, app_id) == "accepted"

    again = _approve(client, staff.first, app_id)
    assert again.status_code == 409
    assert "another approver" in again.json()["detail"]
    assert _labels(client) == 0

    second = _approve(client, staff.second, app_id)
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "valid"
    assert _labels(client) == 1
    listed = client.get("/api/v1/decisions", headers=staff.first.headers).json()
    assert listed["items"] == []

    kinds = [(e["kind"], e["payload"].get("by", {}).get("actor")) for e in _log(client)]
    first_actor, second_actor = _actor(client, staff.first), _actor(client, staff.second)
    # the first approver also accepted the application and recorded its fee
    assert kinds == [
        ("application.accepted", first_actor),
        ("application.fee_paid", first_actor),
        ("decision.requested", first_actor),
        ("decision.confirmed", second_actor),
        ("application.approved", second_actor),
        ("label.issued", second_actor),
    ]
    assert client.get("/api/v1/log/verify").json()["ok"] is True


def test_suspension_and_revocation_wait_apart_and_never_combine(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    number = _label(client, staff, report)
    path = f"/api/v1/labels/{number}"
    why = {"reason": "vulnerability under investigation"}

    assert client.post(f"{path}/suspend", json=why, headers=staff.first.headers).status_code == 202
    # another action by another approver is a request of its own, not a confirmation
    assert client.post(f"{path}/revoke", json=why, headers=staff.second.headers).status_code == 202
    assert _status(client, number) == "valid"
    pending = client.get("/api/v1/decisions", headers=staff.reviewer.headers).json()["items"]
    assert [(p["action"], p["subject"]) for p in pending] == [
        ("suspend", number),
        ("revoke", number),
    ]

    suspended = client.post(f"{path}/suspend", json=why, headers=staff.second.headers)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    revoked = client.post(f"{path}/revoke", json=why, headers=staff.first.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"


def test_a_confirmation_with_another_reason_is_refused(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    number = _label(client, staff, report)
    path = f"/api/v1/labels/{number}/revoke"
    client.post(path, json={"reason": "key leaked"}, headers=staff.first.headers)
    other = client.post(path, json={"reason": "fee unpaid"}, headers=staff.second.headers)
    assert other.status_code == 409
    assert "key leaked" in other.json()["detail"]
    assert _status(client, number) == "valid"


def test_a_pending_decision_can_be_withdrawn(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    number = _label(client, staff, report)
    path = f"/api/v1/labels/{number}/revoke"
    asked = client.post(path, json={"reason": "r"}, headers=staff.first.headers).json()
    withdraw = f"/api/v1/decisions/{asked['id']}"

    assert client.delete(withdraw, headers=staff.reviewer.headers).status_code == 403
    assert client.delete(withdraw, headers=staff.vendor.headers).status_code == 403
    assert len(client.get("/api/v1/decisions", headers=staff.first.headers).json()["items"]) == 1

    assert client.delete(withdraw, headers=staff.second.headers).status_code == 204
    assert client.delete(withdraw, headers=staff.second.headers).status_code == 404
    assert client.get("/api/v1/decisions", headers=staff.first.headers).json()["items"] == []
    assert _log(client)[-1]["kind"] == "decision.withdrawn"
    # withdrawn, the second approver's call starts a new request rather than revoking
    assert client.post(path, json={"reason": "r"}, headers=staff.second.headers).status_code == 202
    assert _status(client, number) == "valid"


def test_what_could_not_be_done_is_refused_rather_than_left_pending(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    draft = apply(client, staff.vendor, report)["id"]
    refused = _approve(client, staff.first, draft)
    assert refused.status_code == 409
    assert client.get("/api/v1/decisions", headers=staff.first.headers).json()["items"] == []
    assert _log(client) == []


def test_a_reviewer_can_neither_ask_nor_confirm(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    app_id = _paid_application(client, staff, report)
    assert _approve(client, staff.reviewer, app_id).status_code == 403
    assert client.get("/api/v1/decisions", headers=staff.first.headers).json()["items"] == []
    assert _approve(client, staff.first, app_id).status_code == 202
    assert _approve(client, staff.reviewer, app_id).status_code == 403
    assert _labels(client) == 0


def test_reinstatement_needs_one_approver(
    client: TestClient, staff: Staff, report: dict[str, Any]
) -> None:
    number = _label(client, staff, report)
    path = f"/api/v1/labels/{number}"
    client.post(f"{path}/suspend", json={"reason": "r"}, headers=staff.first.headers)
    client.post(f"{path}/suspend", json={"reason": "r"}, headers=staff.second.headers)
    reinstated = client.post(
        f"{path}/reinstate", json={"reason": "ok"}, headers=staff.first.headers
    )
    assert reinstated.status_code == 200
    assert reinstated.json()["status"] == "valid"


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JCSTAR_FOUR_EYES", raising=False)
    assert Settings.from_env().four_eyes is False
    monkeypatch.setenv("JCSTAR_FOUR_EYES", "1")
    assert Settings.from_env().four_eyes is True
