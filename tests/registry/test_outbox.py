"""Notifications leave through the outbox and reach real receivers: a webhook receiver and an
SMTP server started here on 127.0.0.1 (both databases). Signed, retried with back-off under
the same delivery id, written only when the change commits, reminders written once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write
from jcstar.registry.labels import service as labels
from jcstar.registry.outbox import reminders, signing
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from tests.registry.conftest import (
    MakeParty,
    Party,
    SmtpReceiver,
    WebhookReceiver,
    approve,
    issue_label,
    made_by,
    submit,
)


@pytest.fixture
def settings(settings: Settings, smtp_receiver: SmtpReceiver) -> Settings:
    """Short waits (tests do not sit out real back-offs) and the test's SMTP server."""
    return dataclasses.replace(
        settings,
        outbox_poll_s=0.05,
        outbox_backoff_s=0.05,
        outbox_backoff_max_s=0.2,
        outbox_max_attempts=3,
        smtp_host="127.0.0.1",
        smtp_port=smtp_receiver.port,
        smtp_from="registry@jcstar.test",
    )


def follow(client: TestClient, party: Party, *numbers: str, kind: str = "model") -> None:
    body = {"numbers": list(numbers), "kind": kind}
    response = client.post("/api/v1/watches", json=body, headers=party.headers)
    assert response.status_code == 201, response.text


def add_channel(client: TestClient, party: Party, **target: str) -> dict[str, Any]:
    response = client.post("/api/v1/notification-channels", json=target, headers=party.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def change(client: TestClient, operator: Party, no: str, action: str) -> None:
    response = client.post(
        f"/api/v1/labels/{no}/{action}",
        json={"reason": f"{action} for test"},
        headers=operator.headers,
    )
    assert response.status_code == 200, response.text


def deliveries(client: TestClient, party: Party, state: str | None = None) -> list[dict[str, Any]]:
    params = {"state": state} if state else {}
    response = client.get("/api/v1/deliveries", params=params, headers=party.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def outbox_rows(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(Delivery)) or 0


def set_dates(client: TestClient, no: str, **dates: dt.date) -> None:
    columns = ", ".join(f"{name} = :{name}" for name in dates)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text(f"UPDATE labels SET {columns} WHERE registration_no = :no"), {**dates, "no": no}
        )
        session.commit()


def scan(client: TestClient, on: dt.date | None = None) -> int:
    """The reminder scan the server runs on its interval (and ``jcstar admin remind``)."""
    app = client.app
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        return reminders.scan(session, app.state.settings, on or dt.date.today())  # type: ignore[attr-defined]


def full_width(model: str) -> str:
    """``HG-1`` as typed on a Japanese keyboard: ＨＧ－１ (the registry's normal form meets it)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in model)


@pytest.mark.network
def test_a_revocation_reaches_the_watchers_webhook_and_mailbox_signed(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    buyer = make_party("City Water Bureau", "procurer")
    label = issue_label(client, vendor, operator, report)
    no, model = label["registration_no"], label["model_numbers"][0]
    follow(client, buyer, full_width(model))
    secret = add_channel(client, buyer, webhook_url=f"{webhook_receiver.url}/buyer")["secret"]
    assert secret.startswith("whsec_")
    add_channel(client, buyer, email="buyer@water.test")

    change(client, operator, no, "revoke")

    webhook_receiver.wait_for(lambda: "label.revoked" in webhook_receiver.events(), "webhook")
    got = webhook_receiver.answered[0]
    assert got.path == "/buyer"
    assert signing.verify(
        secret,
        got.delivery_id,
        got.headers["webhook-timestamp"],
        got.body,
        got.headers["webhook-signature"],
    )
    # a receiver holding another secret, or a body changed on the way, does not verify
    other = signing.new_secret()
    timestamp, signature = got.headers["webhook-timestamp"], got.headers["webhook-signature"]
    assert not signing.verify(other, got.delivery_id, timestamp, got.body, signature)
    assert not signing.verify(secret, got.delivery_id, timestamp, got.body + b" ", signature)
    data = got.json["data"]
    assert data["registration_no"] == no and data["status"] == "revoked"
    assert data["reason"] == "revoke for test" and data["watched"] == [full_width(model)]

    webhook_receiver.wait_for(lambda: len(smtp_receiver.messages) == 1, "e-mail")
    mail = smtp_receiver.messages[0]
    assert mail["To"] == "buyer@water.test" and mail["From"] == "registry@jcstar.test"
    assert "ラベル取消し" in mail["Subject"] and "Label revoked" in mail["Subject"]
    assert no in mail["Subject"]
    text_body = mail.get_payload(decode=True).decode()
    assert label["product_url"] in text_body and "revoke for test" in text_body

    webhook_receiver.wait_for(
        lambda: len(deliveries(client, buyer, "delivered")) == 2, "both recorded as delivered"
    )
    by_channel = {d["channel"]: d for d in deliveries(client, buyer)}
    assert by_channel[f"{webhook_receiver.url}/buyer"]["delivery_id"] == got.delivery_id
    assert by_channel["buyer@water.test"]["delivery_id"] == mail["X-JCSTAR-Delivery-Id"]
    assert all(
        d["event"] == "label.revoked" and d["registration_no"] == no for d in by_channel.values()
    )


@pytest.mark.network
def test_every_change_a_watcher_follows_reaches_it(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
) -> None:
    buyer = make_party("Grid Operator", "procurer")
    old = issue_label(client, vendor, operator, report)
    follow(client, buyer, *old["model_numbers"])
    add_channel(client, buyer, webhook_url=f"{webhook_receiver.url}/grid")
    no = old["registration_no"]

    change(client, operator, no, "suspend")
    change(client, operator, no, "reinstate")
    notice = {"title": "Firmware 2.1 fixes CVE-2026-0001", "body": "Update now."}
    posted = client.post(f"/api/v1/labels/{no}/notices", json=notice, headers=vendor.headers)
    assert posted.status_code == 201, posted.text
    # a renewal inside its window: the new label is issued and renews the old one
    set_dates(client, no, expires_on=dt.date.today() + dt.timedelta(days=30))
    renewal = client.post(
        "/api/v1/applications",
        json={"report": made_by(report, vendor.name), "renews": no},
        headers=vendor.headers,
    )
    assert renewal.status_code == 201, renewal.text
    submit(client, vendor, renewal.json()["id"])
    new = approve(client, operator, renewal.json()["id"])["registration_no"]
    # the new label nears its expiry: one reminder, however often the scan runs
    set_dates(client, new, expires_on=dt.date.today() + dt.timedelta(days=30))
    assert scan(client) >= 1
    assert scan(client) == 0
    change(client, operator, new, "revoke")

    expected = [
        "label.suspended",
        "label.reinstated",
        "label.notice",
        "label.renewed",  # one notification for the renewal (the new label issued in it)
        "label.expiring",
        "label.revoked",
    ]
    webhook_receiver.wait_for(lambda: len(webhook_receiver.answered) == len(expected), "all six")
    events = {r.json["type"]: r.json["data"] for r in webhook_receiver.answered}
    assert sorted(events) == sorted(expected)
    assert events["label.notice"]["notice"]["title"] == notice["title"]
    assert (
        events["label.renewed"]["registration_no"] == new
        and events["label.renewed"]["renews"] == no
    )
    assert events["label.expiring"]["registration_no"] == new
    assert (
        events["label.expiring"]["threshold_days"] == 42
        and events["label.expiring"]["days_left"] == 30
    )
    assert len({r.delivery_id for r in webhook_receiver.answered}) == len(expected)


@pytest.mark.network
def test_a_vendor_is_reminded_of_its_own_labels_at_90_and_42_days_and_after(
    client: TestClient,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    add_channel(client, vendor, webhook_url=f"{webhook_receiver.url}/vendor")
    today = dt.date.today()

    set_dates(client, no, expires_on=today + dt.timedelta(days=100))
    assert scan(client) == 0  # outside both windows
    set_dates(client, no, expires_on=today + dt.timedelta(days=60))
    assert (scan(client), scan(client)) == (1, 0)  # "within 90 days", once
    set_dates(client, no, expires_on=today + dt.timedelta(days=20))
    assert (scan(client), scan(client)) == (1, 0)  # "within 42 days", once
    set_dates(
        client,
        no,
        expires_on=today - dt.timedelta(days=1),
        support_period_end=today - dt.timedelta(days=3),
    )
    assert (scan(client), scan(client)) == (2, 0)  # expired; support ended

    webhook_receiver.wait_for(lambda: len(webhook_receiver.answered) == 4, "four reminders")
    got = [
        (r.json["type"], r.json["data"].get("threshold_days")) for r in webhook_receiver.answered
    ]
    assert sorted(got, key=str) == sorted(
        [
            ("label.expiring", 90),
            ("label.expiring", 42),
            ("label.expired", None),
            ("label.support_ended", None),
        ],
        key=str,
    )


@pytest.mark.network
def test_a_receiver_failing_twice_gets_it_on_the_third_try_under_the_same_id(
    client: TestClient,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    with WebhookReceiver(fail_first=2) as receiver:
        add_channel(client, vendor, webhook_url=f"{receiver.url}/flaky")
        change(client, operator, no, "suspend")
        receiver.wait_for(lambda: len(receiver.answered) == 1, "the third try")
        receiver.wait_for(lambda: bool(deliveries(client, vendor, "delivered")), "recorded")
    assert len(receiver.received) == 3
    assert len({r.delivery_id for r in receiver.received}) == 1
    record = deliveries(client, vendor)[0]
    assert record["state"] == "delivered" and record["attempts"] == 3
    assert record["delivery_id"] == receiver.answered[0].delivery_id


@pytest.mark.network
def test_a_delivery_that_keeps_failing_is_shown_failed_and_can_be_sent_again(
    client: TestClient,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    with WebhookReceiver() as receiver:
        receiver.always_fail = True
        add_channel(client, vendor, webhook_url=f"{receiver.url}/down")
        change(client, operator, no, "suspend")
        receiver.wait_for(lambda: bool(deliveries(client, vendor, "failed")), "failed")
        failed = deliveries(client, vendor, "failed")[0]
        assert failed["attempts"] == 3  # outbox_max_attempts
        assert failed["last_error"] == "the receiver answered HTTP 500"
        assert len(receiver.received) == 3

        receiver.always_fail = False
        retried = client.post(
            f"/api/v1/deliveries/{failed['delivery_id']}/retry", headers=vendor.headers
        )
        assert retried.status_code == 200 and retried.json()["state"] == "pending"
        receiver.wait_for(lambda: bool(deliveries(client, vendor, "delivered")), "sent again")
    assert receiver.answered[0].delivery_id == failed["delivery_id"]
    again = client.post(f"/api/v1/deliveries/{failed['delivery_id']}/retry", headers=vendor.headers)
    assert again.status_code == 409 and "delivered" in again.json()["detail"]


def test_a_refused_or_rolled_back_change_enqueues_nothing(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    buyer = make_party("Careful Buyer", "procurer")
    label = issue_label(client, vendor, operator, report)
    no = label["registration_no"]
    follow(client, buyer, *label["model_numbers"])
    # an unreachable port: nothing is delivered, so every row written stays to be counted
    add_channel(client, buyer, webhook_url="http://127.0.0.1:9/never")
    before = outbox_rows(client)

    denied = client.post(f"/api/v1/labels/{no}/revoke", json={"reason": "x"}, headers=buyer.headers)
    assert denied.status_code == 403
    by_vendor = client.post(
        f"/api/v1/labels/{no}/suspend", json={"reason": "x"}, headers=vendor.headers
    )
    assert by_vendor.status_code == 403
    not_suspended = client.post(
        f"/api/v1/labels/{no}/reinstate", json={"reason": "x"}, headers=operator.headers
    )
    assert not_suspended.status_code == 409
    # a change made and then rolled back (a failure later in its transaction)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        row = labels.find(session, no)
        who = Principal(org_id=row.vendor_org_id, org_name="x", kind="operator")
        labels.change_status(session, row, "revoke", who, "rolled back")
        assert session.scalar(select(func.count()).select_from(Delivery)) == before + 1
        session.rollback()
    assert outbox_rows(client) == before
    assert client.get(f"/api/v1/labels/{no}").json()["status"] == "valid"

    change(client, operator, no, "suspend")
    assert outbox_rows(client) == before + 1


def test_jcstar_admin_remind_writes_due_reminders_once(
    client: TestClient, settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    # an unreachable port: the rows stay to be counted
    add_channel(client, vendor, webhook_url="http://127.0.0.1:9/vendor")
    set_dates(client, no, expires_on=dt.date.today() + dt.timedelta(days=30))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    command = [sys.executable, "-m", "jcstar", "admin", "remind"]
    command += ["--database-url", settings.database_url]
    runs = [subprocess.run(command, env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    today = dt.date.today().isoformat()
    assert f"1 reminders written for {today}" in runs[0].stderr
    assert f"0 reminders written for {today}" in runs[1].stderr
    bad = subprocess.run([*command, "--on", "tomorrow"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "--on 'tomorrow': not a date" in bad.stderr
