"""Rotating the signing key over the API and with ``jcstar admin rotate-key``: the same step as
the operator's keys page (``keys.service.rotate``), for the operator's administrators only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.settings import Settings
from tests.registry.conftest import MakeMember, Party, apply, approve, issue_label, submit


def _rotations(client: TestClient) -> list[dict[str, Any]]:
    entries = client.get("/api/v1/log").json()["entries"]
    return [e for e in entries if e["kind"] == "key.rotated"]


def _kids(client: TestClient) -> list[str]:
    return [key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]]


def test_an_operator_administrator_rotates_the_key_and_issued_labels_still_verify(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_member: MakeMember,
    report: dict[str, Any],
) -> None:
    number = issue_label(client, vendor, operator, report)["registration_no"]
    before = _kids(client)
    for roles in (("reviewer", "approver"), ()):  # every operator role but the key's
        refused = client.post("/api/v1/keys/rotate", headers=make_member(operator, *roles).headers)
        assert refused.status_code == 403
        assert "administrator" in refused.json()["detail"]
    assert client.post("/api/v1/keys/rotate", headers=vendor.headers).status_code == 403
    assert client.post("/api/v1/keys/rotate").status_code == 401
    assert _kids(client) == before and _rotations(client) == []  # nothing changed

    admin = make_member(operator, "administrator")
    answer = client.post("/api/v1/keys/rotate", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["previous"] == before[0] and body["kid"] != before[0]
    assert body["keys"] == [
        {"kid": body["kid"], "state": "active"},
        {"kid": before[0], "state": "published"},
    ]
    assert _kids(client) == [body["kid"], before[0]]
    assert [(e["subject"], e["payload"]["previous"]) for e in _rotations(client)] == [
        (body["kid"], before[0])
    ]
    # the label signed before keeps its signature, whose key stays published; the next
    # label is signed with the new key
    app_id = apply(client, vendor, report, model_numbers=["ROT-2"])["id"]
    submit(client, vendor, app_id)
    later = approve(client, operator, app_id)["registration_no"]
    assert _header_kid(_jws(client, later)) == body["kid"]
    assert _header_kid(_jws(client, number)) == before[0]


def _jws(client: TestClient, number: str) -> str:
    jws: str = client.get(f"/api/v1/labels/{number}").json()["jws"]
    return jws


def _header_kid(jws: str) -> str:
    import base64
    import json

    header = jws.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid


def test_admin_rotate_key_rotates_the_running_registrys_key(
    client: TestClient, operator: Party, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _kids(client)
    monkeypatch.setenv("JCSTAR_KEY_DIR", str(settings.key_dir))
    url = ["--database-url", settings.database_url]
    done = CliRunner().invoke(cli_app, ["admin", "rotate-key", *url])
    assert done.exit_code == 0, done.output
    kid = done.stdout.strip()
    assert kid and kid != before[0]
    # the serving registry reads the key directory again: it publishes and signs with it
    assert _kids(client) == [kid, before[0]]
    assert [(e["subject"], e["payload"]["by"]["org"]) for e in _rotations(client)] == [
        (kid, operator.name)
    ]


def test_admin_rotate_key_without_the_operator_named_changes_nothing(
    client: TestClient, operator: Party, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _kids(client)
    monkeypatch.setenv("JCSTAR_KEY_DIR", str(settings.key_dir))
    url = ["--database-url", settings.database_url]
    refused = CliRunner().invoke(cli_app, ["admin", "rotate-key", "--operator", "Nobody", *url])
    assert refused.exit_code == 2
    assert "no operator organisation named 'Nobody'" in refused.output
    assert _kids(client) == before and _rotations(client) == []
