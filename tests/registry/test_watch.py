"""Watch lists and notification channels through the API: an organisation's own, matched in
the registry's normal form, up to 10,000 numbers at once; another organisation's are as
unknown as missing ones, and denied calls change nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.registry.conftest import MakeMember, MakeParty, Party


def watches(client: TestClient, party: Party, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/watches", params=params, headers=party.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def add(client: TestClient, party: Party, numbers: list[str], **body: Any) -> Any:
    return client.post("/api/v1/watches", json={"numbers": numbers, **body}, headers=party.headers)


def test_a_procurer_follows_ten_thousand_models_in_one_request(
    client: TestClient, make_party: MakeParty
) -> None:
    buyer = make_party("Prefectural Procurement Office", "procurer")
    numbers = [f"HG-{i:05d}" for i in range(10_000)]
    added = add(client, buyer, numbers)
    assert added.status_code == 201, added.text
    assert added.json() == {"added": 10_000, "already_watched": 0, "total": 10_000}
    listed = watches(client, buyer, limit=5)
    assert listed["total"] == 10_000
    assert [w["number"] for w in listed["items"]] == numbers[:5]
    assert add(client, buyer, [*numbers, "X"]).status_code == 422  # 10,001 numbers


def test_numbers_are_matched_in_the_normal_form_and_kept_as_given(
    client: TestClient, make_party: MakeParty
) -> None:
    buyer = make_party("Water Works", "procurer")
    first = add(client, buyer, ["ＦＤ－６１０１", "fd-6101 "], remind_days=30)
    assert first.json() == {"added": 1, "already_watched": 0, "total": 1}
    again = add(client, buyer, ["FD-6101"])
    assert again.json() == {"added": 0, "already_watched": 1, "total": 1}
    (watch,) = watches(client, buyer)["items"]
    assert watch["number"] == "ＦＤ－６１０１" and watch["key"] == "fd-6101"
    assert watch["remind_days"] == 30 and watch["kind"] == "model"
    assert watches(client, buyer, number="Fd-6101")["total"] == 1
    # the same number as a registration number is another watch
    as_label = add(client, buyer, ["FD-6101"], kind="registration")
    assert as_label.json()["added"] == 1


def test_bad_numbers_and_channels_are_refused_with_a_reason(
    client: TestClient, make_party: MakeParty
) -> None:
    buyer = make_party("Buyer", "procurer")
    blank = add(client, buyer, ["HG-1", "   "])
    assert blank.status_code == 422 and "empty" in blank.json()["detail"]
    assert add(client, buyer, []).status_code == 422
    assert add(client, buyer, ["x" * 101]).status_code == 422
    assert add(client, buyer, ["HG-1"], kind="serial").status_code == 422
    assert watches(client, buyer)["total"] == 0  # nothing of a refused request stored
    for body in (
        {},
        {"webhook_url": "http://127.0.0.1:1/h", "email": "a@b.test"},
        {"webhook_url": "ftp://files.test/h"},
        {"email": "not-an-address"},
    ):
        response = client.post("/api/v1/notification-channels", json=body, headers=buyer.headers)
        assert response.status_code == 422, body
    assert client.get("/api/v1/notification-channels", headers=buyer.headers).json() == {
        "items": []
    }


def test_the_webhook_secret_is_shown_once(client: TestClient, make_party: MakeParty) -> None:
    buyer = make_party("Buyer", "procurer")
    made = client.post(
        "/api/v1/notification-channels",
        json={"webhook_url": "https://hooks.buyer.test/jcstar"},
        headers=buyer.headers,
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    mail = client.post(
        "/api/v1/notification-channels", json={"email": "ops@buyer.test"}, headers=buyer.headers
    )
    assert mail.status_code == 201 and mail.json()["secret"] is None
    listed = client.get("/api/v1/notification-channels", headers=buyer.headers).json()["items"]
    assert [c["target"] for c in listed] == ["https://hooks.buyer.test/jcstar", "ops@buyer.test"]
    assert all("secret" not in c for c in listed)
    removed = client.delete(
        f"/api/v1/notification-channels/{made.json()['id']}", headers=buyer.headers
    )
    assert removed.status_code == 204
    listed = client.get("/api/v1/notification-channels", headers=buyer.headers).json()["items"]
    assert [c["kind"] for c in listed] == ["email"]


def test_another_organisation_neither_sees_nor_changes_a_watch_list(
    client: TestClient, make_party: MakeParty, vendor: Party
) -> None:
    buyer = make_party("Buyer", "procurer")
    rival = make_party("Rival Buyer", "procurer")
    lab = make_party("A Lab", "lab")
    add(client, buyer, ["HG-1", "HG-2"])
    channel = client.post(
        "/api/v1/notification-channels", json={"email": "b@buyer.test"}, headers=buyer.headers
    ).json()
    mine = watches(client, buyer)
    watch_id = mine["items"][0]["id"]

    # a vendor or another procurer reads only its own (empty) list
    assert watches(client, vendor)["total"] == 0
    assert watches(client, rival)["total"] == 0
    assert client.get("/api/v1/notification-channels", headers=rival.headers).json()["items"] == []
    assert client.get("/api/v1/deliveries", headers=rival.headers).json()["total"] == 0
    # and cannot remove the buyer's watch or channel: as unknown as a missing one
    assert client.delete(f"/api/v1/watches/{watch_id}", headers=rival.headers).status_code == 404
    assert client.delete(f"/api/v1/watches/{watch_id}", headers=vendor.headers).status_code == 404
    gone = client.delete(f"/api/v1/notification-channels/{channel['id']}", headers=rival.headers)
    assert gone.status_code == 404
    # a lab, the operator's staff or an anonymous caller have no watch list at all
    assert client.get("/api/v1/watches", headers=lab.headers).status_code == 403
    assert client.get("/api/v1/watches").status_code == 401
    assert add(client, lab, ["HG-3"]).status_code == 403

    assert watches(client, buyer) == mine
    assert (
        len(client.get("/api/v1/notification-channels", headers=buyer.headers).json()["items"]) == 1
    )
    assert client.delete(f"/api/v1/watches/{watch_id}", headers=buyer.headers).status_code == 204
    assert watches(client, buyer)["total"] == 1


def test_who_inside_an_organisation_may_change_its_watch_list(
    client: TestClient, make_party: MakeParty, make_member: MakeMember, vendor: Party
) -> None:
    buyer = make_party("Buyer", "procurer")
    watcher = make_member(buyer, "watcher")
    administrator = make_member(buyer, "administrator")
    nobody = make_member(buyer)  # a token holding no role
    applicant = make_member(vendor, "applicant")
    assert add(client, watcher, ["HG-1"]).status_code == 201
    assert add(client, administrator, ["HG-2"]).status_code == 201
    denied = add(client, nobody, ["HG-3"])
    assert denied.status_code == 403 and "watcher or administrator" in denied.json()["detail"]
    assert watches(client, nobody)["total"] == 2  # reading needs no role
    assert add(client, applicant, ["HG-9"]).status_code == 201
    assert watches(client, vendor)["total"] == 1
