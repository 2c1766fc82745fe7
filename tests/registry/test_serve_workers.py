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

from tests.registry.conftest import stop_server

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
