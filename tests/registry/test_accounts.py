"""People log in with a password for an HttpOnly session cookie; admin commands on the DB."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.db import lock_for_write
from tests.registry.conftest import MakeMember, MakeParty, Party, accept_and_pay, apply, submit

PASSWORD = "correct horse battery staple"


def _add_user(client: TestClient, org: str, email: str) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), email, PASSWORD)
        session.commit()


@pytest.mark.slow
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
    assert response.json() == {
        "org": operator.name,
        "kind": "operator",
        "person": "reviewer@operator.test",
        "roles": ["reviewer", "approver", "administrator"],  # create_user's default: all
    }
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
        me_data = me.json()
        assert (me_data["org"], me_data["kind"]) == ("ACME IoT", "vendor")
        assert me_data["roles"] == ["applicant", "administrator"]  # no --role: every role
        assert me_data["person"].startswith("token ")
    app.state.engine.dispose()


# -- people inside organisations: roles, administrators, the person in histories and log --

ORIGIN = {"Origin": "https://registry.test"}  # a cookie's change must come from the registry


@pytest.mark.slow
def test_cli_gives_tokens_and_users_the_roles_asked_for(
    database_url: str, tmp_path: object
) -> None:
    from jcstar.registry.app import create_app
    from jcstar.registry.settings import Settings

    runner = CliRunner()
    url = ["--database-url", database_url]
    made_org = runner.invoke(cli_app, ["admin", "create-org", "Ops", "--kind", "operator", *url])
    assert made_org.exit_code == 0, made_org.output
    made = runner.invoke(
        cli_app,
        ["admin", "create-token", "--org", "Ops", "--role", "reviewer", "--name", "ci", *url],
    )
    assert made.exit_code == 0, made.output
    assert "with roles: reviewer" in made.stderr
    secret = made.stdout.strip()
    wrong = runner.invoke(
        cli_app, ["admin", "create-token", "--org", "Ops", "--role", "applicant", *url]
    )
    assert wrong.exit_code == 2
    assert "unknown role 'applicant' for a operator" in wrong.stderr
    user = ["admin", "create-user", "a@ops.test", "--org", "Ops", "--password", PASSWORD]
    assert runner.invoke(cli_app, [*user, "--role", "approver", *url]).exit_code == 0
    demoted = runner.invoke(
        cli_app, ["admin", "set-roles", "a@ops.test", "--role", "reviewer", *url]
    )
    assert demoted.exit_code == 0, demoted.output
    assert "now holds: reviewer" in demoted.stderr
    assert runner.invoke(cli_app, ["admin", "remove-user", "nobody@ops.test", *url]).exit_code == 2

    app = create_app(Settings(database_url=database_url, key_dir=tmp_path / "keys"))  # type: ignore[operator]
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
        assert me["roles"] == ["reviewer"] and me["person"].endswith("(ci)")
        logged_in = client.post(
            "/api/v1/auth/login", json={"email": "a@ops.test", "password": PASSWORD}
        )
        assert logged_in.json()["roles"] == ["reviewer"]
        kinds = [e["kind"] for e in client.get("/api/v1/log").json()["entries"]]
        assert kinds == ["user.roles_changed"]
    app.state.engine.dispose()


def _users(client: TestClient, who: Party) -> list[dict[str, Any]]:
    response = client.get("/api/v1/orgs/me/users", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.slow
def test_an_administrator_manages_the_users_of_its_own_org_only(
    client: TestClient, make_party: MakeParty, make_member: MakeMember
) -> None:
    vendor = make_party("Owner Vendor", "vendor", roles=("administrator",))
    other = make_party("Other Vendor", "vendor")
    applicant = make_member(vendor, "applicant")
    users = "/api/v1/orgs/me/users"
    body = {"email": "dev@owner.test", "password": PASSWORD, "roles": ["applicant"]}

    assert client.post(users, json=body, headers=applicant.headers).status_code == 403
    bad = {**body, "roles": ["approver"]}
    refused = client.post(users, json=bad, headers=vendor.headers)
    assert refused.status_code == 422 and "unknown role 'approver'" in refused.json()["detail"]
    assert _users(client, vendor) == []

    added = client.post(users, json=body, headers=vendor.headers)
    assert added.status_code == 201, added.text
    user_id = added.json()["id"]
    assert client.post(users, json=body, headers=vendor.headers).status_code == 409
    assert [(u["email"], u["roles"]) for u in _users(client, vendor)] == [
        ("dev@owner.test", ["applicant"])
    ]
    assert _users(client, other) == []  # another org's administrator sees none of them

    roles = f"{users}/{user_id}/roles"
    promoted = {"roles": ["applicant", "administrator"]}
    assert client.put(roles, json=promoted, headers=other.headers).status_code == 404
    assert client.delete(f"{users}/{user_id}", headers=other.headers).status_code == 404
    assert client.put(roles, json=promoted, headers=vendor.headers).json()["roles"] == [
        "applicant",
        "administrator",
    ]
    # the org's only administrator user cannot be removed or demoted
    last = client.delete(f"{users}/{user_id}", headers=vendor.headers)
    assert last.status_code == 409 and "last administrator" in last.json()["detail"]

    second = {"email": "boss@owner.test", "password": PASSWORD, "roles": ["administrator"]}
    client.post(users, json=second, headers=vendor.headers)
    assert client.delete(f"{users}/{user_id}", headers=vendor.headers).status_code == 204
    login = client.post(
        "/api/v1/auth/login", json={"email": "dev@owner.test", "password": PASSWORD}
    )
    assert login.status_code == 401
    removed = next(u for u in _users(client, vendor) if u["id"] == user_id)
    assert removed["removed_at"] is not None and removed["roles"] == []

    entries = client.get("/api/v1/log").json()["entries"]
    assert [e["kind"] for e in entries] == [
        "user.added",
        "user.roles_changed",
        "user.added",
        "user.removed",
    ]
    assert entries[1]["payload"]["user"] == f"user:{user_id}"
    assert entries[1]["payload"]["roles"] == ["applicant", "administrator"]
    assert "@" not in client.get("/api/v1/log").text  # no e-mail address in the public log


def test_a_removed_users_session_ends(client: TestClient, make_party: MakeParty) -> None:
    vendor = make_party("Owner Vendor", "vendor")
    body = {"email": "dev@owner.test", "password": PASSWORD, "roles": ["applicant"]}
    user_id = client.post("/api/v1/orgs/me/users", json=body, headers=vendor.headers).json()["id"]
    client.post("/api/v1/auth/login", json={"email": "dev@owner.test", "password": PASSWORD})
    assert client.get("/api/v1/me").json()["person"] == "dev@owner.test"
    client.delete(f"/api/v1/orgs/me/users/{user_id}", headers=vendor.headers)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.slow
def test_histories_and_the_log_name_the_person_only_where_they_may(
    client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    vendor = make_party("Owner Vendor", "vendor")
    operator = make_party("JC-STAR Operator", "operator")
    _add_user(client, operator.name, "approver@operator.test")
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    accept_and_pay(client, operator, app_id)
    client.post(
        "/api/v1/auth/login", json={"email": "approver@operator.test", "password": PASSWORD}
    )
    approved = client.post(f"/api/v1/applications/{app_id}/approve", headers=ORIGIN)
    assert approved.status_code == 200, approved.text
    number = approved.json()["registration_no"]
    client.post("/api/v1/auth/logout", headers=ORIGIN)

    vendor_person = client.get("/api/v1/me", headers=vendor.headers).json()["person"]
    seen_by_operator = client.get(f"/api/v1/applications/{app_id}", headers=operator.headers)
    seen_by_vendor = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers)
    by_operator = {e["state"]: e["by_person"] for e in seen_by_operator.json()["history"]}
    by_vendor = {e["state"]: e["by_person"] for e in seen_by_vendor.json()["history"]}
    assert by_operator["draft"] == vendor_person
    assert by_operator["approved"] == "approver@operator.test"
    assert by_vendor["draft"] == vendor_person  # its own people
    assert by_vendor["approved"] is None  # the operator's staff are not named to vendors

    issued = next(
        e for e in client.get("/api/v1/log").json()["entries"] if e["kind"] == "label.issued"
    )
    assert issued["payload"]["by"]["org"] == operator.name
    assert issued["payload"]["by"]["actor"].startswith("user:")
    for public in (f"/api/v1/labels/{number}", f"/p/{number}", "/api/v1/log"):
        assert "approver@operator.test" not in client.get(public).text, public


def test_existing_users_and_tokens_keep_every_role_of_their_kind_on_upgrade(
    database_url: str,
) -> None:
    from sqlalchemy import text

    from jcstar.registry import migrate
    from jcstar.registry.db import make_engine

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0007")
        with engine.begin() as db:
            db.execute(
                text(
                    "INSERT INTO orgs (id, name, kind, created_at) VALUES "
                    "(1, 'Ops', 'operator', '2026-01-01'), (2, 'Maker', 'vendor', '2026-01-01')"
                )
            )
            db.execute(
                text(
                    "INSERT INTO users (id, org_id, email, password_hash, created_at) VALUES "
                    "(1, 1, 'a@ops.test', 'x', '2026-01-01'), (2, 2, 'b@maker.test', 'x', "
                    "'2026-01-01')"
                )
            )
            db.execute(
                text(
                    "INSERT INTO api_tokens (id, org_id, digest, created_at, expires_at) VALUES "
                    "(1, 1, 'd1', '2026-01-01', '2030-01-01')"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as db:
            users = db.execute(text("SELECT user_id, role FROM user_roles")).all()
            tokens = db.execute(text("SELECT token_id, role FROM api_token_roles")).all()
        assert sorted(users) == [
            (1, "administrator"),
            (1, "approver"),
            (1, "reviewer"),
            (2, "administrator"),
            (2, "applicant"),
        ]
        assert sorted(tokens) == [(1, "administrator"), (1, "approver"), (1, "reviewer")]
    finally:
        engine.dispose()
