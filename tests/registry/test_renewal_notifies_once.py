"""An approval that renews or replaces a label is one change, and each organisation following
it hears of it once, with every fact in that one notification (both databases; a real webhook
receiver and a real SMTP server on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

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
from tests.registry.test_outbox import add_channel, deliveries, follow, set_dates


@pytest.fixture
def settings(settings: Settings, smtp_receiver: SmtpReceiver) -> Settings:
    """The outbox worker polls often; e-mail goes to the test's SMTP server."""
    return dataclasses.replace(
        settings,
        outbox_poll_s=0.05,
        smtp_host="127.0.0.1",
        smtp_port=smtp_receiver.port,
        smtp_from="registry@jcstar.test",
    )


def apply_again(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], **extra: Any
) -> str:
    """A new application for the same model numbers, approved: the new label's number."""
    body = {"report": made_by(report, vendor.name), **extra}
    created = client.post("/api/v1/applications", json=body, headers=vendor.headers)
    assert created.status_code == 201, created.text
    submit(client, vendor, created.json()["id"])
    number: str = approve(client, operator, created.json()["id"])["registration_no"]
    return number


def outbox_size(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(Delivery)) or 0


def by_receiver(receiver: WebhookReceiver) -> dict[str, list[dict[str, Any]]]:
    """Path → the envelopes (type, data) it acknowledged, in order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for got in receiver.answered:
        found.setdefault(got.path, []).append(got.json)
    return found


@pytest.mark.network
def test_a_renewal_reaches_each_watcher_once_saying_it_renews_and_replaces(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    old = issue_label(client, vendor, operator, report)
    no = old["registration_no"]
    by_model = make_party("Model Watcher Utility", "procurer")
    follow(client, by_model, *old["model_numbers"])
    add_channel(client, by_model, webhook_url=f"{webhook_receiver.url}/model")
    add_channel(client, by_model, email="model-watcher@utility.test")
    by_number = make_party("Number Watcher City", "procurer")
    follow(client, by_number, no, kind="registration")
    add_channel(client, by_number, webhook_url=f"{webhook_receiver.url}/number")
    both = make_party("Both Ways Railway", "procurer")
    follow(client, both, *old["model_numbers"])
    follow(client, both, no, kind="registration")
    add_channel(client, both, webhook_url=f"{webhook_receiver.url}/both")
    add_channel(client, vendor, webhook_url=f"{webhook_receiver.url}/vendor")
    before = outbox_size(client)

    set_dates(client, no, expires_on=dt.date.today() + dt.timedelta(days=30))
    new = apply_again(client, vendor, operator, report, renews=no)

    # written with the approval: one row per organisation and channel, five in all
    assert outbox_size(client) - before == 5
    webhook_receiver.wait_for(lambda: len(webhook_receiver.answered) == 4, "four webhooks")
    webhook_receiver.wait_for(lambda: len(smtp_receiver.messages) == 1, "one e-mail")
    for party in (by_model, by_number, both, vendor):
        webhook_receiver.wait_for(
            lambda party=party: all(d["state"] == "delivered" for d in deliveries(client, party)),
            f"{party.name}: all recorded as delivered",
        )
    got = by_receiver(webhook_receiver)
    assert sorted(got) == ["/both", "/model", "/number", "/vendor"]
    for path, envelopes in got.items():
        assert [e["type"] for e in envelopes] == ["label.renewed"], (path, envelopes)
        data = envelopes[0]["data"]
        assert (data["registration_no"], data["renews"], data["supersedes"]) == (new, no, [no])
    assert got["/both"][0]["data"]["watched"] == [*old["model_numbers"], no]
    assert got["/number"][0]["data"]["watched"] == [no]
    (mail,) = smtp_receiver.messages
    assert "Label renewed" in mail["Subject"] and new in mail["Subject"]
    assert len(webhook_receiver.received) == 4  # nothing else came, not even a failed try


@pytest.mark.network
def test_a_replacement_that_is_not_a_renewal_is_issued_news_or_superseded_news_once(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
) -> None:
    old = issue_label(client, vendor, operator, report)
    no = old["registration_no"]
    both = make_party("Both Ways Railway", "procurer")
    follow(client, both, *old["model_numbers"])
    follow(client, both, no, kind="registration")
    add_channel(client, both, webhook_url=f"{webhook_receiver.url}/both")
    by_number = make_party("Number Watcher City", "procurer")
    follow(client, by_number, no, kind="registration")
    add_channel(client, by_number, webhook_url=f"{webhook_receiver.url}/number")

    # the maker applies again for the same model numbers without naming a renewal
    new = apply_again(client, vendor, operator, report)

    webhook_receiver.wait_for(lambda: len(webhook_receiver.answered) == 2, "two webhooks")
    for party in (both, by_number):
        webhook_receiver.wait_for(
            lambda party=party: all(d["state"] == "delivered" for d in deliveries(client, party)),
            f"{party.name}: all recorded as delivered",
        )
    got = by_receiver(webhook_receiver)
    # the model's watcher hears of the new label, and that it replaced the one it followed
    (issued,) = got["/both"]
    assert issued["type"] == "label.issued"
    assert (issued["data"]["registration_no"], issued["data"]["supersedes"]) == (new, [no])
    # who follows only the old number hears that it was superseded, and by which
    (superseded,) = got["/number"]
    assert superseded["type"] == "label.superseded"
    data = superseded["data"]
    assert (data["registration_no"], data["status"], data["superseded_by"]) == (
        no,
        "superseded",
        new,
    )
    events = Counter(d["event"] for d in deliveries(client, by_number))
    assert events == {"label.superseded": 1}
    assert len(webhook_receiver.received) == 2
