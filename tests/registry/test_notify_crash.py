"""A revocation watched by many receivers survives ``kill -9`` of the server mid-delivery.

``jcstar serve`` runs as a process of its own on 127.0.0.1 (both databases); the label is
revoked, the server is killed with SIGKILL while deliveries are in flight, and started again
on the same database. Every receiver gets the notification; a delivery the registry had
recorded as delivered before the kill is never sent again. One acknowledged but not yet
recorded may come again, under the same delivery id (at least once: the receiver drops it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from jcstar.labels.standing import model_key
from jcstar.registry.accounts.service import create_org
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel, Watch
from tests.registry.conftest import (
    BASE_URL,
    MakeParty,
    Party,
    WebhookReceiver,
    issue_label,
    stop_server,
)

RECEIVERS = 300
STARTUP_S = 60.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test's own app only prepares and revokes: the served registry delivers."""
    return dataclasses.replace(settings, notify=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(
    settings: Settings, workdir: Path, log_name: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``jcstar serve`` on the test's database, delivering with a short lease."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    env |= {
        "JCSTAR_DATABASE_URL": settings.database_url,
        "JCSTAR_KEY_DIR": str(settings.key_dir),
        "JCSTAR_BASE_URL": BASE_URL,
        "JCSTAR_OUTBOX_POLL_S": "0.1",
        "JCSTAR_WEBHOOK_ALLOW_PRIVATE": "1",
        "JCSTAR_OUTBOX_LEASE_S": "2",
        "JCSTAR_OUTBOX_BATCH": "50",
        "JCSTAR_OUTBOX_CONCURRENCY": "8",
    }
    log = (workdir / log_name).open("wb")
    command = [sys.executable, "-m", "jcstar", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, (workdir / log_name).read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/.well-known/jwks.json").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "jcstar serve did not start"
            time.sleep(0.2)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            stop_server(process)
        log.close()


def watched_by_many(client: TestClient, model: str, url: str) -> None:
    """``RECEIVERS`` procurers, each following ``model`` with a webhook of its own."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        at = utcnow()
        watches: list[dict[str, Any]] = []
        channels: list[dict[str, Any]] = []
        for i in range(RECEIVERS):
            org = create_org(session, f"Procurer {i:04d}", "procurer")
            common = {"org_id": org.id, "created_at": at, "created_by": "test"}
            watches.append({**common, "kind": "model", "number": model, "key": model_key(model)})
            channels.append(
                {**common, "kind": "webhook", "target": f"{url}/r/{i}", "secret": "whsec_dGVzdA=="}
            )
        session.execute(insert(Watch), watches)
        session.execute(insert(Channel), channels)
        session.commit()


def outbox(client: TestClient) -> list[tuple[str, str, dt.datetime | None]]:
    """(delivery id, state, delivered at) of every row, read afresh."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        query = select(Delivery.delivery_id, Delivery.state, Delivery.delivered_at)
        return [(d, s, at) for d, s, at in session.execute(query)]


@pytest.mark.slow
@pytest.mark.network
def test_no_notification_is_lost_or_resent_after_recording_when_the_server_is_killed(
    client: TestClient,
    settings: Settings,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    tmp_path: Path,
) -> None:
    label = issue_label(client, vendor, operator, report)
    no = label["registration_no"]
    # a slow receiver (30 ms an answer, 8 at a time): the kill lands mid-delivery
    with WebhookReceiver(delay_s=0.03) as receiver:
        watched_by_many(client, label["model_numbers"][0], receiver.url)
        with served(settings, tmp_path, "serve-1.log") as (first, _url):
            revoked = client.post(
                f"/api/v1/labels/{no}/revoke",
                json={"reason": "key leaked"},
                headers=operator.headers,
            )
            assert revoked.status_code == 200, revoked.text
            receiver.wait_for(lambda: len(receiver.answered) >= 120, "the first deliveries")
            killed_at = dt.datetime.now(tz=dt.UTC)
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        received_before_kill = len(receiver.answered)
        assert received_before_kill < RECEIVERS, "the kill came after every delivery"

        with served(settings, tmp_path, "serve-2.log"):
            receiver.wait_for(
                lambda: len({r.delivery_id for r in receiver.answered}) == RECEIVERS,
                "every receiver's notification after the restart",
            )
            receiver.wait_for(
                lambda: {state for _, state, _ in outbox(client)} == {"delivered"},
                "every delivery recorded",
            )
    rows = [(d, at) for d, _, at in outbox(client)]

    times = Counter(r.delivery_id for r in receiver.answered)
    paths = {r.path for r in receiver.answered}
    assert len(rows) == RECEIVERS and paths == {f"/r/{i}" for i in range(RECEIVERS)}
    assert all(r.json["type"] == "label.revoked" for r in receiver.answered)
    recorded_before_kill = [d for d, at in rows if at is not None and at <= killed_at]
    assert recorded_before_kill, "nothing was recorded before the kill"
    # recorded as delivered before the kill: never sent again
    assert all(times[d] == 1 for d in recorded_before_kill)
    # anything sent twice went out under its one delivery id (the receiver drops the repeat),
    # and only within what was in flight when the server died
    repeats = sum(n - 1 for n in times.values())
    assert repeats <= 50 + 8


def jcstar(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    command = [sys.executable, "-m", "jcstar", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.network
def test_a_procurer_follows_a_model_list_from_the_command_line_and_is_notified(
    client: TestClient,
    settings: Settings,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    webhook_receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    buyer = make_party("Municipal Procurement", "procurer")
    label = issue_label(client, vendor, operator, report)
    models = tmp_path / "models.csv"
    models.write_text("型番,数量\nOTHER-1,3\n" + f"{label['model_numbers'][0]},10\n", "utf-8")
    with served(settings, tmp_path, "serve.log") as (_process, url):
        who = ("--registry", url, "--token", buyer.token)
        added = jcstar("watch", "add", "--file", str(models), *who, cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        assert "following 2 more model numbers (0 already); 2 in all" in added.stdout
        hook = jcstar(
            "watch",
            "channel",
            "add",
            "--webhook",
            f"{webhook_receiver.url}/cli",
            *who,
            cwd=tmp_path,
        )
        assert hook.returncode == 0 and "signing secret (shown once): whsec_" in hook.stdout

        revoked = client.post(
            f"/api/v1/labels/{label['registration_no']}/revoke",
            json={"reason": "withdrawn"},
            headers=operator.headers,
        )
        assert revoked.status_code == 200
        webhook_receiver.wait_for(lambda: webhook_receiver.events() == ["label.revoked"], "webhook")

        def delivered() -> list[dict[str, Any]]:
            shown = jcstar(
                "watch",
                "deliveries",
                "--state",
                "delivered",
                "--format",
                "json",
                *who,
                cwd=tmp_path,
            )
            assert shown.returncode == 0, shown.stderr
            items: list[dict[str, Any]] = json.loads(shown.stdout)["items"]
            return items

        webhook_receiver.wait_for(lambda: len(delivered()) == 1, "recorded as delivered")
        assert delivered()[0]["delivery_id"] == webhook_receiver.answered[0].delivery_id

        removed = jcstar("watch", "remove", "other-1", *who, cwd=tmp_path)
        assert removed.returncode == 0 and "removed 1 watches" in removed.stdout
        unknown = jcstar("watch", "remove", "NEVER-1", *who, cwd=tmp_path)
        assert unknown.returncode == 2 and "NEVER-1: not on your watch list" in unknown.stderr
        listed = jcstar("watch", "list", "--format", "json", *who, cwd=tmp_path)
        assert [w["number"] for w in json.loads(listed.stdout)] == [label["model_numbers"][0]]
        denied = jcstar(
            "watch", "add", "X-1", "--registry", url, "--token", operator.token, cwd=tmp_path
        )
        assert denied.returncode == 4 and "403" in denied.stderr
