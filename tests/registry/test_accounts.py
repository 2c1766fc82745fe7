"""People log in with a password for an HttpOnly session cookie; admin commands on the DB."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.db import lock_for_write
from tests.registry.conftest import Party

PASSWORD = "correct horse battery staple"


def _add_user(client: TestClient, org: str, email: str) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), email, PASSWORD)
        session.commit()


def test_login_sets_httponly_session_and_logout_ends_it(
    client: TestClient, operator: Party
) -> None:
    _add_user(client, operator.name, "reviewer@operator.test")
    wrong = client.post(
        "/api/v1/auth/login", json={"email": "reviewer@operator.test", "password": "nope"}
    )
    assert wrong.status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"email": "reviewer@operator.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json() == {"org": operator.name, "kind": "operator"}
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert client.get("/api/v1/me").json()["kind"] == "operator"
    assert client.get("/api/v1/applications").status_code == 200
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/me").status_code == 401


def test_password_is_stored_as_argon2(client: TestClient, vendor: Party) -> None:
    _add_user(client, vendor.name, "dev@vendor.test")
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        stored = session.execute(
            __import__("sqlalchemy").text("SELECT password_hash FROM users")
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_admin_commands_create_orgs_and_working_tokens(database_url: str, tmp_path: object) -> None:
    runner = CliRunner()
    url = ["--database-url", database_url]
    identity = ["--legal-name-ja", "アクメ株式会社", "--legal-name-en", "ACME IoT K.K."]
    identity += ["--corporate-number", "4000000000005"]
    vendor = ["admin", "create-org", "ACME IoT", "--kind", "vendor", *identity, *url]
    created = runner.invoke(cli_app, vendor)
    assert created.exit_code == 0, created.output
    again = runner.invoke(cli_app, vendor)
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    bad_kind = runner.invoke(cli_app, ["admin", "create-org", "X", "--kind", "reseller", *url])
    assert bad_kind.exit_code == 2
    token = runner.invoke(cli_app, ["admin", "create-token", "--org", "ACME IoT", *url])
    assert token.exit_code == 0
    secret = token.stdout.strip()
    assert secret.startswith("jcs_") and "\n" not in secret
    unknown = runner.invoke(cli_app, ["admin", "create-token", "--org", "Nobody", *url])
    assert unknown.exit_code == 2
    assert "no organisation named 'Nobody'" in unknown.stderr

    from jcstar.registry.app import create_app
    from jcstar.registry.settings import Settings

    app = create_app(Settings(database_url=database_url, key_dir=tmp_path / "keys"))  # type: ignore[operator]
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.json() == {"org": "ACME IoT", "kind": "vendor"}
    app.state.engine.dispose()
