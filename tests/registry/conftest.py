"""Registry fixtures: a fresh database per test (SQLite always; PostgreSQL too when
``JCSTAR_TEST_DATABASE_URL`` is set, each test in a schema of its own), the app, and
organisations with tokens."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from jcstar.assessment.service import assess_files
from jcstar.registry.accounts.service import create_org, create_token
from jcstar.registry.app import create_app
from jcstar.registry.db import lock_for_write
from jcstar.registry.settings import Settings
from tests.conftest import CONFORMANT

BASE_URL = "https://registry.test"
PG_ENV = "JCSTAR_TEST_DATABASE_URL"


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    message = f"{PG_ENV} is not set (.ci/setup-postgres.sh sets it)"
    if os.environ.get("JCSTAR_STRICT") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        key_dir=tmp_path / "keys",
        base_url=BASE_URL,
        max_upload_bytes=64 * 1024,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


@dataclass(frozen=True)
class Party:
    name: str
    kind: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeParty = Callable[..., Party]


def _newest_token_id(session: Session) -> int:
    return int(session.execute(text("SELECT max(id) FROM api_tokens")).scalar_one())


@pytest.fixture
def make_party(client: TestClient) -> MakeParty:
    """An organisation of a kind, with a token (expired when ``expires_days`` is negative)."""

    def make(name: str, kind: str, expires_days: int = 30) -> Party:
        with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            lock_for_write(session)
            org = create_org(session, name, kind)
            token = create_token(session, org, max(expires_days, 1))
            if expires_days < 0:
                session.execute(
                    text("UPDATE api_tokens SET created_at = :at, expires_at = :at WHERE id = :id"),
                    {"at": "2020-01-01 00:00:00", "id": _newest_token_id(session)},
                )
            session.commit()
        return Party(name, kind, token)

    return make


@pytest.fixture
def vendor(make_party: MakeParty) -> Party:
    return make_party("Example Energy Systems K.K.", "vendor")


@pytest.fixture
def operator(make_party: MakeParty) -> Party:
    return make_party("JC-STAR Operator", "operator")


@pytest.fixture(scope="session")
def example_report_data() -> dict[str, Any]:
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    assert report.overall == "CONFORMANT"
    return report.model_dump(mode="json")


@pytest.fixture
def report(example_report_data: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of the conformant example's report, for a test to change."""
    return copy.deepcopy(example_report_data)


def apply(
    client: TestClient, vendor: Party, report: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/applications", json={"report": report, **extra}, headers=vendor.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def submit(client: TestClient, vendor: Party, app_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def approve(client: TestClient, operator: Party, app_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/applications/{app_id}/approve", headers=operator.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def issue_label(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> dict[str, Any]:
    app = apply(client, vendor, report)
    submit(client, vendor, app["id"])
    return approve(client, operator, app["id"])


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a ``jcstar serve`` the test started, by its process id: Ctrl-C, then kill."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
