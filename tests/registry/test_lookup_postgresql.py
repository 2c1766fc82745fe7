"""Label lookups on PostgreSQL, read without blocking the server (``batch_reader.AsyncReader``):
through a real ``jcstar serve --workers 2`` they follow a suspension at once and survive the
database dropping their connections; they answer the same bytes as the blocking reader, and
the app closes their connections when it shuts down. Only the servers and connections these
tests start are touched (found by an application_name of their own)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jcstar.registry.accounts.service import create_org, create_token
from jcstar.registry.app import create_app
from jcstar.registry.db import lock_for_write, make_engine, session_factory
from jcstar.registry.labels.batch_reader import AsyncReader
from jcstar.registry.labels.documents import Reader
from jcstar.registry.settings import Settings
from tests.registry.conftest import BASE_URL, Party, identity_for, issue_label, stop_server

STARTUP_S = 60.0
#: these tests only mean anything on PostgreSQL (SQLite keeps the blocking reader)
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _named(database_url: str) -> tuple[str, str]:
    """The URL with an application_name unique to the test, and that name."""
    name = f"jcstar-lookup-{uuid.uuid4().hex[:12]}"
    url = make_url(database_url).update_query_dict({"application_name": name})
    return url.render_as_string(hide_password=False), name


def _backends(database_url: str, name: str, terminate: bool = False) -> int:
    """How many server connections carry ``name`` (ended first with ``terminate``)."""
    # a connection of its own name, so that it neither counts nor ends itself
    engine = create_engine(
        database_url,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": "jcstar-test-admin"},
    )
    try:
        with engine.connect() as connection:
            if terminate:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = :name"
                    ),
                    {"name": name},
                )
                time.sleep(0.2)  # the backends exit after the signal, not with it
            return int(
                connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": name},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """``jcstar serve --workers 2`` on the test's database, on 127.0.0.1; stopped by its pid.
    Gives the server's address, the database URL it uses, and that URL's application_name."""
    url, name = _named(database_url)
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jcstar", "serve", "--port", str(port), "--workers", "2"]
    command += ["--database-url", url, "--base-url", BASE_URL]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    env["JCSTAR_KEY_DIR"] = str(tmp_path / "keys")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + STARTUP_S
            while log_path.read_text().count("Application startup complete") < 2:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "jcstar serve --workers 2 did not start"
                time.sleep(0.3)
            yield address, url, name
        finally:
            stop_server(process)


def _parties(database_url: str) -> tuple[Party, Party]:
    """A vendor and an operator with tokens, made in the database the server uses."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            lock_for_write(session)
            made = []
            for name, kind in (("Example Energy Systems K.K.", "vendor"), ("Op", "operator")):
                who = identity_for(name, 1) if kind == "vendor" else None
                made.append(
                    Party(name, kind, create_token(session, create_org(session, name, kind, who)))
                )
            session.commit()
    finally:
        engine.dispose()
    return made[0], made[1]


@postgresql_only
def test_served_lookup_follows_a_suspension_and_outlives_dropped_connections(
    served: tuple[str, str, str], report: dict[str, Any]
) -> None:
    address, url, name = served
    vendor, operator = _parties(url)
    with httpx.Client(base_url=address, timeout=30) as http:
        no = issue_label(http, vendor, operator, report)["registration_no"]  # type: ignore[arg-type]
        lookup = f"/api/v1/labels/{no}"
        # several lookups: they spread over both worker processes and their connections
        assert {http.get(lookup).json()["status"] for _ in range(8)} == {"valid"}

        suspended = http.post(
            f"{lookup}/suspend", json={"reason": "unpatched CVE"}, headers=operator.headers
        )
        assert suspended.status_code == 200, suspended.text
        for _ in range(8):  # immediately, on every worker
            shown = http.get(lookup)
            assert shown.status_code == 200
            assert shown.json()["status"] == "suspended"
            assert shown.json()["status_history"][-1]["reason"] == "unpatched CVE"

        # the database ends every connection of the server (as on a restart or failover)
        assert _backends(url, name) >= 2
        assert _backends(url, name, terminate=True) == 0
        for _ in range(8):
            shown = http.get(lookup)
            assert shown.status_code == 200, shown.text
            assert shown.json()["status"] == "suspended"
        assert _backends(url, name) >= 1  # the lookups opened new ones

        unknown = http.get("/api/v1/labels/JC1-2026-999999")
        assert unknown.status_code == 404
        assert "JC1-2026-999999" in unknown.json()["detail"]


@postgresql_only
def test_lookups_read_together_answer_each_its_own_label_as_the_blocking_reader_does(
    client: TestClient, settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    first = issue_label(client, vendor, operator, report)
    # another product: a model number carries one label at a time
    other = {**report, "product": {**report["product"], "model_numbers": ["HG-200"]}}
    second = issue_label(client, vendor, operator, other)
    expiry = dt.date.fromisoformat(first["expires_on"])
    after_expiry = expiry + dt.timedelta(days=1)
    # concurrent lookups share a query: the same label twice on different days, another
    # label, and unknown numbers (one with the characters an array literal must quote)
    asked = [
        (first["registration_no"], expiry),
        (second["registration_no"], expiry),
        ("JC1-2026-999999", expiry),
        (first["registration_no"], after_expiry),
        ('JC1-"2026",{9}\\', expiry),
    ]
    engine = make_engine(settings.database_url)
    blocking, awaited = Reader(engine), AsyncReader(engine)

    async def read_together() -> list[bytes | None]:
        try:
            return list(await asyncio.gather(*(awaited.read(no, on) for no, on in asked)))
        finally:
            await awaited.close()

    try:
        answers = asyncio.run(read_together())
        assert answers == [blocking.read(no, on) for no, on in asked]
    finally:
        blocking.close()
        engine.dispose()
    assert answers[0] == client.get(f"/api/v1/labels/{first['registration_no']}").content
    assert answers[0] is not None and answers[0].startswith(b'{"status":"valid",')
    assert answers[1] is not None and second["registration_no"].encode() in answers[1]
    assert answers[2] is None and answers[4] is None
    assert answers[3] is not None and answers[3].startswith(b'{"status":"expired",')


@postgresql_only
def test_app_shutdown_closes_the_lookup_connections(
    settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    url, name = _named(settings.database_url)
    app = create_app(dataclasses.replace(settings, database_url=url))
    with TestClient(app, base_url="https://testserver") as client:
        no = issue_label(client, vendor, operator, report)["registration_no"]
        assert client.get(f"/api/v1/labels/{no}").status_code == 200
    app.state.engine.dispose()  # the registry's own pool; the lookups' connections are apart
    assert _backends(settings.database_url, name) == 0
