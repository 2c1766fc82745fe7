"""Shared test fixtures: the CLI, example paths and a loopback web server."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jcstar.cli.main import app
from tests.lab.fixtures import hardened_device, lab_device, vulnerable_device  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CONFORMANT = EXAMPLES / "conformant-gateway"
NONCONFORMANT = EXAMPLES / "nonconformant-monitor"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def require_tool(name: str) -> str:
    """A system tool the test needs: skip locally, fail in CI (JCSTAR_STRICT=1)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("JCSTAR_STRICT") == "1":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    stall_s: float = 0.0


@dataclass
class LoopbackSite:
    """A web server on 127.0.0.1 serving fixed routes; the test sets ``routes``."""

    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def add(self, path: str, body: str | bytes, **kwargs: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.base_url + path


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            route = state.routes.get(self.path, Route(status=404, body=b"not found"))
            if route.stall_s:
                stop.wait(route.stall_s)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = LoopbackSite(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
