"""Webhooks never point into the registry's own network (server-side request forgery).

A procurer names the URL the registry POSTs to; a URL on loopback, a private network, the
link-local cloud metadata address or the like is refused when the channel is added, and
checked again before sending. No test here sends anything: refusals need no traffic, and the
one public address is only stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jcstar.registry.app import create_app
from jcstar.registry.outbox.destinations import refusal, refusal_async
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel
from tests.registry.conftest import MakeParty

INWARD = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook",
    "https://192.168.1.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
]


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    """The registry as deployed: webhooks to internal addresses refused."""
    app = create_app(dataclasses.replace(settings, webhook_allow_private=False))
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.engine.dispose()


def test_an_internal_webhook_is_refused_and_nothing_is_stored(
    strict: TestClient, make_party: MakeParty
) -> None:
    buyer = make_party("City Procurement", "procurer")
    for url in INWARD:
        response = strict.post(
            "/api/v1/notification-channels", json={"webhook_url": url}, headers=buyer.headers
        )
        assert response.status_code == 422, (url, response.text)
        assert "internal address" in response.text, url
    with strict.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(Channel)) == 0


def test_a_public_webhook_and_an_email_are_accepted(
    strict: TestClient, make_party: MakeParty
) -> None:
    buyer = make_party("City Procurement", "procurer")
    for body in ({"webhook_url": "https://93.184.215.14/hook"}, {"email": "buyer@example.jp"}):
        response = strict.post("/api/v1/notification-channels", json=body, headers=buyer.headers)
        assert response.status_code == 201, response.text


def test_a_host_that_does_not_resolve_is_refused_with_its_reason() -> None:
    why = refusal("http://no-such-host.invalid/hook", allow_private=False)
    assert why is not None and "cannot resolve" in why


def test_the_check_before_sending_refuses_what_the_check_on_adding_refuses() -> None:
    for url in INWARD:
        assert asyncio.run(refusal_async(url, allow_private=False)) is not None, url
        assert refusal(url, allow_private=True) is None
    assert asyncio.run(refusal_async("https://93.184.215.14/hook", allow_private=False)) is None
