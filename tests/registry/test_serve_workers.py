"""``jcstar serve --workers 2``: several processes built by the app factory from the
environment serve the same registry (SQLite; started on 127.0.0.1 and stopped by its pid)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.registry.conftest import Party, issue_label, stop_server

STARTUP_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_two_workers_serve_the_migrated_registry_with_its_keys(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jcstar", "serve", "--port", str(port), "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                jwks = httpx.get(f"{url}/.well-known/jwks.json", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "jcstar serve --workers 2 did not answer"
                time.sleep(0.3)
        # the keys the parent created in the working directory, served by the workers
        assert jwks.status_code == 200 and jwks.json()["keys"]
        assert (tmp_path / "jcstar-registry-keys").is_dir()
        assert httpx.get(f"{url}/api/v1/labels/JC1-2026-000001").status_code == 404
        assert httpx.get(f"{url}/api/v1/labels", params={"q": "x"}).json()["total"] == 0
        while (tmp_path / "serve.log").read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.3)
    finally:
        stop_server(process)
        log.close()


@pytest.mark.slow
@pytest.mark.network
def test_three_workers_check_the_log_once_and_all_answer_a_disputed_label_from_it(
    client: TestClient,
    database_url: str,
    tmp_path: Path,
    vendor: Party,
    operator: Party,
    report: dict[str, object],
) -> None:
    # a label revoked, then put back to "valid" in the tables by someone with the database's
    # password but not the signing key: the log says revoked
    no = issue_label(client, vendor, operator, report)["registration_no"]
    revoked = client.post(
        f"/api/v1/labels/{no}/revoke", json={"reason": "key leaked"}, headers=operator.headers
    )
    assert revoked.status_code == 200, revoked.text
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text("UPDATE labels SET status = 'valid' WHERE registration_no = :no"), {"no": no}
        )
        session.commit()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jcstar", "serve", "--port", str(port), "--workers", "3"]
    command += ["--database-url", database_url, "--base-url", "https://registry.test"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")}
    env.update(JCSTAR_KEY_DIR=str(tmp_path / "keys"), JCSTAR_NOTIFY="0")
    log_path = tmp_path / "serve-3.log"
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + STARTUP_S
        while log_path.read_text().count("Application startup complete") < 3:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "three workers did not start"
            time.sleep(0.3)
        # every worker answers the label as the log tells it (the check's disputes reached
        # each of them), over new connections so that the workers share the requests
        for _ in range(12):
            with httpx.Client(timeout=10) as http:
                answer = http.get(f"{url}/api/v1/labels/{no}").json()
            assert answer["status"] == "revoked" and "log_disagreement" in answer, answer
    finally:
        stop_server(process)
        log.close()
    # the check ran once for the registry, not once per process: each problem reported once
    problems = [line for line in log_path.read_text().splitlines() if "LOG CHECK FAILED" in line]
    assert problems, log_path.read_text()
    assert all(f"label {no}" in line for line in problems), problems
    assert len(problems) == len(set(problems)), problems
