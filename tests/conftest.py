"""Shared test fixtures: the CLI, example paths and a loopback web server; and the hook
that marks tests ``postgresql``, ``lab`` and ``browser`` from what they use (``make test-fast``
leaves those out, with the ``slow`` ones marked by hand)."""

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

from tests.lab.fixtures import hardened_device, lab_device, vulnerable_device  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
#: files the tests read (sample report, firmware feed, jsQR)
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
CONFORMANT = EXAMPLES / "conformant-gateway"
NONCONFORMANT = EXAMPLES / "nonconformant-monitor"


# fixtures that start a lab device (tests/lab/fixtures.py) or drive Chromium
# (tests/registry/test_browser.py, test_label_photo.py, tests/registry/web/)
LAB_FIXTURES = frozenset({"vulnerable_device", "hardened_device", "lab_device"})
BROWSER_FIXTURES = frozenset({"browser", "chromium", "portal_browser"})


def pytest_configure(config: pytest.Config) -> None:
    """One terminal width for every test: Rich sizes tables, panels and Typer's help from
    COLUMNS, else from the terminal (with ``-s``), so CLI output must not follow the window.
    Runs before any test imports jcstar.cli (this file imports it only inside ``invoke``),
    as Rich keeps a COLUMNS it found when a console was made."""
    os.environ["COLUMNS"] = "80"
    os.environ.pop("TERMINAL_WIDTH", None)  # Typer's own override


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by what it needs, so ``-m`` can leave the heavy kinds out."""
    for item in items:
        for marker in needs(item):
            item.add_marker(marker)


def needs(item: pytest.Item) -> list[str]:
    """The markers a test earns: ``postgresql`` for a parameter that picks PostgreSQL (the
    ``database_url`` fixture, the CLI's ``registry``), ``lab`` for a lab-device fixture or a
    direct ``require_lab`` call, ``browser`` for a fixture that starts Chromium."""
    fixtures = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    function = getattr(item, "function", None)
    called = function.__code__.co_names if function is not None else ()
    found = []
    if any(value == "postgresql" for value in params):
        found.append("postgresql")
    if fixtures & LAB_FIXTURES or "require_lab" in called:
        found.append("lab")
    if fixtures & BROWSER_FIXTURES:
        found.append("browser")
    return found


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    from jcstar.cli.main import app  # after pytest_configure has fixed the width

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


@pytest.fixture(autouse=True)
def _operator_requirements_stay_with_their_test() -> Iterator[None]:
    """A command run in process with ``--operator-requirements`` sets
    ``JCSTAR_OPERATOR_REQUIREMENTS`` for the process, as it must for a real run; here that
    would reach every later test in the worker (a ★3 profile would suddenly have
    requirements), so each test gets the variable back as it found it."""
    from jcstar.catalog.operator_requirements import ENV_VAR

    before = os.environ.get(ENV_VAR)
    yield
    if before is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = before
