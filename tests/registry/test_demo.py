"""``jcstar serve --demo`` seeding: the example product applied, approved and labelled,
and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.app import create_app
from jcstar.registry.demo import seed
from jcstar.registry.settings import Settings


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
