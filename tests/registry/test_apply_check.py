"""``jcstar apply --check`` answers offline in the registry's own words: the same report refused
at submission gives the same line (both run the library's label decision)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from tests.registry.conftest import Party, apply, made_by, with_answer


def test_check_and_the_registry_refuse_in_the_same_words(
    client: TestClient, vendor: Party, report: dict[str, Any], tmp_path: Path
) -> None:
    edited = with_answer(report, "S1.1-12", status="not_implemented", evidence=[])
    app_id = apply(client, vendor, edited)["id"]
    refused = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail.startswith("cannot submit: S1.1-12: verdict is NOT_MET")

    path = tmp_path / "report.json"
    path.write_text(json.dumps(made_by(edited, vendor.name)), "utf-8")
    result = CliRunner().invoke(cli_app, ["apply", str(path), "--check"])
    assert result.exit_code == 1
    assert f"error: {detail}" in result.output.splitlines()


def test_check_and_the_registry_accept_the_conformant_example(
    client: TestClient, vendor: Party, report: dict[str, Any], tmp_path: Path
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submitted = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert submitted.status_code == 200, submitted.text
    path = tmp_path / "report.json"
    path.write_text(json.dumps(made_by(report, vendor.name)), "utf-8")
    result = CliRunner().invoke(cli_app, ["apply", str(path), "--check"])
    assert result.exit_code == 0, result.output
    assert "the registry would accept this report" in result.output
