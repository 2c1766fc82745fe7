"""``jcstar serve --demo`` seeding: the example product applied, approved and labelled, a
person to sign in as for each kind of organisation, and a second run changes nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.app import create_app
from jcstar.registry.demo import DemoError, accounts_text, passwords_file, seed
from jcstar.registry.settings import Settings
from tests.registry.web.test_pages import form_token, post_form


@pytest.mark.slow
def test_demo_seed_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the example is found beside the source tree
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        key_dir=tmp_path / "keys",
        base_url="http://127.0.0.1:8000",
    )
    app = create_app(settings)
    first = seed(settings)
    second = seed(settings)
    assert first.registration_no == second.registration_no
    assert first.product_url == f"http://127.0.0.1:8000/p/{first.registration_no}"
    assert first.operator_token != second.operator_token
    with TestClient(app) as client:
        assert client.get("/api/v1/labels").json()["total"] == 1
        # the demo application accepted, paid and approved, its label issued: once
        assert client.get("/api/v1/log/verify").json()["entries"] == 4
        ops = {"Authorization": f"Bearer {second.operator_token}"}
        assert client.get("/api/v1/me", headers=ops).json()["kind"] == "operator"
        assert client.get(f"/p/{first.registration_no}").status_code == 200
    app.state.engine.dispose()


def test_serve_refuses_an_unreachable_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app,
        [
            "serve",
            "--port",
            "18999",
            "--database-url",
            "postgresql+psycopg://nobody:x@127.0.0.1:1/none",
        ],
        env={"JCSTAR_KEY_DIR": str(tmp_path / "keys")},
    )
    assert result.exit_code == 2
    assert "cannot start the registry" in result.stderr


def test_each_demo_person_signs_in_with_the_form_and_reaches_their_pages(
    client: TestClient, settings: Settings
) -> None:
    demo = seed(settings)
    people = {account.person.who: account for account in demo.accounts}
    assert sorted(people) == ["lab", "operator", "procurer", "vendor"]
    passwords = [account.password for account in demo.accounts]
    assert len(set(passwords)) == len(passwords) and min(map(len, passwords)) >= 16
    stored = passwords_file(settings)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    shown = accounts_text(demo, settings)
    for account in demo.accounts:
        assert f"{account.person.email:<20} {account.password}" in shown
        assert f"start at {settings.base_url}{account.person.start}" in shown

    expected = {
        "vendor": ("Example Energy Systems K.K.", ["applicant", "administrator"]),
        "operator": ("JC-STAR Demo Operator", ["reviewer", "approver", "administrator"]),
        "procurer": ("Demo City Procurement Office", ["watcher", "administrator"]),
        "lab": ("Demo Evaluation Lab", ["evaluator"]),
    }
    for who, account in people.items():
        client.cookies.clear()
        # the start address, opened before signing in, offers the form that leads back to it
        signed_out = client.get(account.person.start)
        assert signed_out.status_code == 401
        assert f'href="/signin?next=%2F{who}"' in signed_out.text
        assert "Authorization" not in signed_out.text  # no talk of API tokens to a reader
        assert client.get(f"/signin?next=%2F{who}").status_code == 200
        fields = {
            "csrf": form_token(client),
            "email": account.person.email,
            "password": account.password,
            "next": account.person.start,
        }
        signed_in = post_form(client, "/signin", fields)
        assert signed_in.status_code == 303, (who, signed_in.text)
        assert signed_in.headers["location"] == account.person.start
        me = client.get("/api/v1/me").json()
        assert (me["person"], me["org"]) == (account.person.email, expected[who][0])
        assert sorted(me["roles"]) == sorted(expected[who][1])
        assert client.get(account.person.start).status_code == 200, who

    client.cookies.clear()
    wrong = {"csrf": form_token(client), "email": "vendor@demo.test", "password": "x" * 16}
    assert post_form(client, "/signin", wrong).status_code == 401

    # the next run shows the same passwords; without the file it says what to do
    again = seed(settings)
    assert [account.password for account in again.accounts] == passwords
    stored.unlink()
    with pytest.raises(DemoError, match=r"vendor@demo\.test exists but its password is not in"):
        seed(settings)
