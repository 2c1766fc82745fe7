"""The attack run of issue 11, replayed: each hole it found is a test of what an attacker
notices (the status, what was stored, how much of a body the server took).

Bodies are streamed into the app in 1 MB chunks by a ``receive`` that counts what the server
pulled, so "refused before reading" is measured in bytes, not time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jcstar.registry.accounts import service as accounts
from jcstar.registry.accounts import throttle
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.applications.models import Application, Document
from jcstar.registry.db import lock_for_write
from jcstar.registry.labels.models import Label
from jcstar.registry.settings import Settings
from tests.cli.test_registry_cli import JCSTAR, free_port, wait_until_serving
from tests.registry.conftest import (
    BASE_URL,
    MakeParty,
    Party,
    accept_and_pay,
    apply,
    issue_label,
    stop_server,
    submit,
)

MB = 1024 * 1024
PASSWORD = "correct horse battery staple"
OTHER_PORT = "https://registry.test:8443"  # same site, another origin


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


def _count(client: TestClient, model: type[Any]) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- a request streamed into the app, its body counted as the server pulls it ---------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    pulled: int  #: body bytes the server took from the client

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stream:
    chunks: Iterator[bytes]
    pulled: int = 0
    done: bool = False
    _never: anyio.Event = field(default_factory=anyio.Event)


def _chunks(total: int, chunk: bytes = b"x" * MB, head: bytes = b"") -> Iterator[bytes]:
    if head:
        yield head
    sent = len(head)
    while sent < total:
        piece = chunk[: total - sent]
        sent += len(piece)
        yield piece


def stream(
    client: TestClient,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> Answer:
    """Send a request to the app with a chunked body (or ``length`` declared) and count."""
    app = client.app
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw.append((b"host", b"testserver"))
    if length is None:
        raw.append((b"transfer-encoding", b"chunked"))
    else:
        raw.append((b"content-length", str(length).encode()))
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 443),
        "state": {},
    }
    feed = Stream(chunks)
    status = 0
    got_headers: dict[str, str] = {}
    body = bytearray()

    async def receive() -> dict[str, Any]:
        if feed.done:
            await feed._never.wait()  # no disconnect: the client is still there
        chunk = next(feed.chunks, None)
        if chunk is None:
            feed.done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        feed.pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            got_headers.update({k.decode(): v.decode() for k, v in message["headers"]})
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    async def run() -> None:
        await app(scope, receive, send)  # type: ignore[arg-type]

    anyio.run(run)
    return Answer(status, got_headers, bytes(body), feed.pulled)


def _json_stream(prefix: bytes, total: int) -> Iterator[bytes]:
    """A JSON object whose one string value makes it ``total`` bytes (never all in memory)."""
    return _chunks(total, b"a" * MB, head=prefix)


# -- 12. bodies before authentication, and their size whatever the framing ------------------


def test_a_chunked_body_past_the_limit_is_refused_before_the_rest_is_read(
    client: TestClient, settings: Settings, vendor: Party
) -> None:
    limit = settings.max_body_bytes
    # anonymous: the login endpoint, 200 MB with no Content-Length
    answer = stream(
        client,
        "POST",
        "/api/v1/auth/login",
        _json_stream(b'{"email": "', 200 * MB),
        {"content-type": "application/json"},
    )
    assert answer.status == 413
    assert "limit" in answer.json()["detail"]
    assert answer.pulled <= limit + MB
    # a vendor's 50 MB report is not stored
    answer = stream(
        client,
        "POST",
        "/api/v1/applications",
        _json_stream(b'{"report": {"x": "', 50 * MB),
        {"content-type": "application/json", **vendor.headers},
    )
    assert answer.status == 413
    assert answer.pulled <= limit + MB
    assert _count(client, Application) == 0


def test_a_streamed_upload_past_the_limit_is_refused_and_not_stored(
    client: TestClient, settings: Settings, vendor: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nchecklist\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    answer = stream(
        client,
        "POST",
        f"/api/v1/applications/{app_id}/documents",
        _chunks(200 * MB, head=head),
        {"content-type": f"multipart/form-data; boundary={boundary}", **vendor.headers},
    )
    assert answer.status == 413
    assert answer.pulled <= settings.max_upload_bytes + 64 * 1024 + MB
    assert _count(client, Document) == 0


def test_a_declared_length_past_the_limit_is_refused_unread(
    client: TestClient, settings: Settings
) -> None:
    answer = stream(
        client,
        "POST",
        "/api/v1/auth/login",
        _chunks(settings.max_body_bytes + 1),
        {"content-type": "application/json"},
        length=settings.max_body_bytes + 1,
    )
    assert (answer.status, answer.pulled) == (413, 0)


@pytest.mark.parametrize(
    "credentials",
    [{}, {"authorization": "Bearer jcs_not-a-real-token"}, {"cookie": "jcstar_session=stale"}],
    ids=["anonymous", "unknown-token", "stale-session"],
)
def test_an_unauthenticated_body_is_refused_before_a_byte_is_read(
    client: TestClient, vendor: Party, report: dict[str, Any], credentials: dict[str, str]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    upload = stream(
        client,
        "POST",
        f"/api/v1/applications/{app_id}/documents",
        _chunks(150 * MB),
        {"content-type": "multipart/form-data; boundary=x", "origin": BASE_URL, **credentials},
    )
    assert (upload.status, upload.pulled) == (401, 0)
    created = stream(
        client,
        "POST",
        "/api/v1/applications",
        _json_stream(b'{"report": {"x": "', 2 * MB),
        {"content-type": "application/json", "origin": BASE_URL, **credentials},
    )
    assert (created.status, created.pulled) == (401, 0)
    assert _count(client, Document) == 0
    assert _count(client, Application) == 1


def test_a_422_never_echoes_the_body(client: TestClient, settings: Settings) -> None:
    big = "x" * (settings.max_body_bytes - 1024)
    response = client.post("/api/v1/auth/login", json={"email": big, "password": "p"})
    assert response.status_code == 422
    assert len(response.content) < 2048
    assert "xxxxxxxx" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


# -- 12b. every malformed input is a 4xx ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": NaN, "password": "x"}',
        b'{"email": "a@example.com", "password": Infinity}',
        b'{"email": -Infinity}',
        b'{"email": "a@example.com", "email": "b@example.com", "password": "x"}',
        b'{"email": "a@example.com", "password": "x", "extra": {"k": 1, "k": 2}}',
    ],
)
def test_json_that_is_not_plain_json_is_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)


def test_nan_in_a_report_is_refused_and_nothing_stored(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    body = json.dumps({"report": {**report, "score": float("nan")}}).encode()
    response = client.post(
        "/api/v1/applications",
        content=body,
        headers={"content-type": "application/json", **vendor.headers},
    )
    assert response.status_code == 422
    assert _count(client, Application) == 0


def test_numbers_beyond_any_column_are_4xx(
    client: TestClient, vendor: Party, operator: Party
) -> None:
    huge = 2**63
    assert client.get(f"/api/v1/log?after={huge}").status_code == 422
    assert client.get(f"/api/v1/log?after={2**31}").status_code == 422
    assert client.get(f"/api/v1/labels?offset={huge}").status_code == 422
    for app_id in (huge, 2**31, -(2**63) - 1, int("9" * 40)):
        read = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers)
        assert read.status_code == 404, (app_id, read.text)
        assert read.json()["detail"] == f"no application {app_id}"
        assert (
            client.post(
                f"/api/v1/applications/{app_id}/approve", headers=operator.headers
            ).status_code
            == 404
        )
        doc = client.get(f"/api/v1/applications/1/documents/{app_id}", headers=vendor.headers)
        assert doc.status_code == 404


# -- 10. cross-site requests ------------------------------------------------------------------


def _sign_in(client: TestClient, party: Party, email: str) -> TestClient:
    """A browser of ``party``'s person, signed in with the session cookie (no token)."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, party.name), email, PASSWORD)
        session.commit()
    browser = TestClient(client.app, base_url="https://testserver")
    login = browser.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    return browser


@pytest.mark.slow
def test_an_operator_cookie_cannot_approve_from_another_origin(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    accept_and_pay(client, operator, app_id)
    browser = _sign_in(client, operator, "reviewer@operator.test")
    approve = f"/api/v1/applications/{app_id}/approve"
    attempts = [
        {"origin": OTHER_PORT},  # a page on another port of the same host (same site)
        {"origin": OTHER_PORT, "content-type": "application/x-www-form-urlencoded"},
        {"origin": "null"},
        {"referer": f"{OTHER_PORT}/attack.html"},
        {},  # neither Origin nor Referer
    ]
    for headers in attempts:
        response = browser.post(approve, headers=headers)
        assert response.status_code == 403, (headers, response.text)
    assert _count(client, Label) == 0
    state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()
    assert state["state"] == "accepted"
    # the registry's own page may (its origin, port written or not)
    assert browser.post(approve, headers={"origin": BASE_URL}).status_code == 200
    assert _count(client, Label) == 1


def test_a_vendor_cookie_cannot_upload_or_submit_from_another_origin(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    browser = _sign_in(client, vendor, "dev@vendor.test")
    upload = browser.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "declaration"},
        files={"file": ("d.pdf", b"%PDF-1.7\n", "application/pdf")},
        headers={"origin": OTHER_PORT},
    )
    assert upload.status_code == 403
    submitted = browser.post(
        f"/api/v1/applications/{app_id}/submit", headers={"origin": OTHER_PORT}
    )
    assert submitted.status_code == 403
    assert _count(client, Document) == 0
    state = browser.get(f"/api/v1/applications/{app_id}").json()  # reads are not changes
    assert state["state"] == "draft"
    same = browser.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "declaration"},
        files={"file": ("d.pdf", b"%PDF-1.7\n", "application/pdf")},
        headers={"origin": "https://registry.test:443"},
    )
    assert same.status_code == 201


def test_trusted_origins_are_a_setting(
    settings: Settings, make_party: MakeParty, report: dict[str, Any]
) -> None:
    from dataclasses import replace

    from jcstar.registry.app import create_app

    app = create_app(replace(settings, trusted_origins=("https://portal.registry.test",)))
    try:
        with TestClient(app, base_url="https://testserver") as client:
            operator = Party("Ops", "operator", "")
            with app.state.sessions() as session:
                from jcstar.registry.accounts.service import create_org

                lock_for_write(session)
                create_org(session, operator.name, "operator")
                session.commit()
            browser = _sign_in(client, operator, "ops@operator.test")
            missing = "/api/v1/applications/999/approve"
            portal = {"origin": "https://portal.registry.test"}
            assert browser.post(missing, headers=portal).status_code == 404  # let through
            assert browser.post(missing, headers={"origin": BASE_URL}).status_code == 403
    finally:
        app.state.engine.dispose()


def test_api_changes_take_json_only(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    body = json.dumps({"report": report}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**vendor.headers, **({"content-type": content_type} if content_type else {})}
        response = client.post("/api/v1/applications", content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
    as_form = client.post(
        "/api/v1/applications", files={"report": ("r.json", body)}, headers=vendor.headers
    )
    assert as_form.status_code == 415
    assert _count(client, Application) == 0
    app_id = apply(client, vendor, report)["id"]
    json_upload = client.post(
        f"/api/v1/applications/{app_id}/documents",
        json={"kind": "declaration", "file": "JVBERi0="},
        headers=vendor.headers,
    )
    assert json_upload.status_code == 415
    # a change with no body needs no type (the CLI's submit)
    assert (
        client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers).status_code
        == 200
    )


# -- 12d. exports are safe to open ---------------------------------------------------------


def test_the_csv_export_neutralises_formulas(
    client: TestClient, make_party: MakeParty, operator: Party, report: dict[str, Any]
) -> None:
    vendor = make_party('=HYPERLINK("http://attacker.test","click")', "vendor")
    report["product"]["product"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    issue_label(client, vendor, operator, report)
    text = client.get("/api/v1/export/labels.csv").text
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    for name, value in rows[0].items():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)
    assert rows[0]["vendor"] == '\'=HYPERLINK("http://attacker.test","click")'
    assert rows[0]["product"] == "'@SUM(1+1)*cmd|' /C calc'!A0"


# -- 13. headers and the documentation page -------------------------------------------------


def test_every_page_sends_security_headers(client: TestClient) -> None:
    for path in ("/", "/p/JC1-2026-000001", "/api/v1/labels", "/docs", "/openapi.json"):
        response = client.get(path)
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert "default-src 'none'" in policy, path
        assert response.headers.get("x-frame-options") == "DENY", path
        assert response.headers.get("referrer-policy") == "same-origin", path
    page = client.get("/").headers["content-security-policy"]
    assert "script-src" not in page and "unsafe-inline" not in page


def test_the_api_documentation_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # no inline script (the policy allows none)
    import re

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 0
    assert client.get("/redoc").status_code == 404  # ReDoc's page loads from a CDN: gone


# -- the same through a real server: `jcstar serve` on 127.0.0.1 ------------------------------


@dataclass
class Served:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    tmpdir: Path

    def peak_rss_kb(self) -> int:
        """The server process's peak resident memory so far (VmHWM), in kB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")

    def written_bytes(self) -> int:
        """Bytes the server process has written so far (every write(2): files, even unnamed
        temporary ones, and sockets), from /proc/<pid>/io."""
        for line in Path(f"/proc/{self.process.pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
        raise AssertionError("no wchar")


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    """``jcstar serve`` on the test's database with an operator user (PASSWORD), its
    temporary files in a folder of its own; stopped by its pid."""
    from jcstar.registry.accounts.service import create_org
    from jcstar.registry.app import create_app

    app = create_app(settings)  # migrates, and makes the keys
    with app.state.sessions() as session:
        lock_for_write(session)
        org = create_org(session, "Scheme Office", "operator")
        create_user(session, org, "reviewer@operator.test", PASSWORD)
        session.commit()
    app.state.engine.dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tmpdir = tmp_path / "server-tmp"
    tmpdir.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JCSTAR_")},
        "JCSTAR_KEY_DIR": str(settings.key_dir),
        "JCSTAR_BASE_URL": url,
        "TMPDIR": str(tmpdir),
    }
    log = (tmp_path / "serve.log").open("wb")
    command = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*JCSTAR, *command, "--database-url", settings.database_url],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(url, process)
        yield Served(url, port, process, tmpdir)
    finally:
        stop_server(process)
        log.close()


def _raw_chunked(
    served: Served, path: str, headers: dict[str, str], total: int, start: bytes = b""
) -> int:
    """POST ``start`` and ``total`` bytes more chunked (1 MB chunks) while reading the
    answer; its status."""
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=60)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\n\r\n"
    sock.sendall(head.encode())
    if start:
        sock.sendall(b"%x\r\n" % len(start) + start + b"\r\n")
    chunk = b"%x\r\n" % MB + b"a" * MB + b"\r\n"

    def pour() -> None:
        try:
            for _ in range(total // MB):
                sock.sendall(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server stopped reading and closed: what an attacker sees
            pass

    sender = threading.Thread(target=pour, daemon=True)
    sender.start()
    try:
        status_line = sock.makefile("rb").readline()
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        sender.join(timeout=60)
    return int(status_line.split()[1])


@pytest.mark.slow
def test_a_real_server_refuses_200_mb_chunked_within_bounded_memory(served: Served) -> None:
    before = served.peak_rss_kb()
    json_type = {"Content-Type": "application/json"}
    status = _raw_chunked(
        served, "/api/v1/auth/login", json_type, 200 * MB, b'{"password": "x", "email": "'
    )
    assert status == 413
    # an anonymous upload: refused before the body is read, nothing written to disk
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    written = served.written_bytes()
    part = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )
    upload = "/api/v1/applications/1/documents"
    assert _raw_chunked(served, upload, multipart, 150 * MB, part) == 401
    assert served.written_bytes() - written < 64 * 1024  # the answer and a log line
    grown_mb = (served.peak_rss_kb() - before) / 1024
    assert grown_mb < 64, f"the server grew by {grown_mb:.0f} MB"
    assert httpx.get(f"{served.url}/api/v1/labels").status_code == 200  # still serving


@pytest.mark.slow
def test_a_real_server_does_not_take_the_client_address_from_a_header(served: Served) -> None:
    # from 127.0.0.1 with a new X-Forwarded-For on each attempt: still one client address
    statuses = []
    with httpx.Client(base_url=served.url, timeout=60) as http:
        for n in range(throttle.ADDRESS_LIMIT + 1):
            response = http.post(
                "/api/v1/auth/login",
                json={"email": f"guess{n}@operator.test", "password": "wrong guess"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            statuses.append(response.status_code)
    assert statuses == [401] * throttle.ADDRESS_LIMIT + [429]
