"""Web pages read by their structure, logins below the root, and rate limiting as protection.

Loopback devices (tests/sim.py, each test its own 127.0.6.x address) for the classes of
behaviour, then the lab's real lighttpd/nginx devices (tests/lab/profiles_web.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jcstar.checks.network import bruteforce
from jcstar.checks.network.bruteforce import judge
from jcstar.checks.network.collect.logins import HttpFormSurface, LoginResult
from jcstar.checks.network.collect.scan import ScanResult, Service
from jcstar.checks.network.services import model_observation
from tests.conftest import invoke
from tests.lab.probing import probe_in
from tests.lab.profiles_web import LANDING_PAGE, OPEN_SETTINGS_PAGE
from tests.sim import SimDevice

pytestmark = pytest.mark.network

PORT = 8080
LOGIN_FORM = (
    '<html><title>Login</title><form method="post" action="/login.cgi">'
    '<input type="hidden" name="csrf" value="t0k3n">'
    '<input type="text" name="username"><input type="password" name="password">'
    '<input type="submit" value="Log in"></form></html>'
)


@dataclass
class Web:
    """An HTTP/1.0 device: ``routes[path]`` -> (status, headers, body); ``basic`` paths ask
    for admin:admin; ``before(n)`` may take over request n (1-based) for failure modes."""

    routes: dict[str, tuple[int, dict[str, str], str]] = field(default_factory=dict)
    basic: set[str] = field(default_factory=set)
    before: Callable[[int], str | None] | None = None  # "reset", "stall", "429", "429ra"
    password: str = "admin"
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def good(self) -> str:
        return "Basic " + base64.b64encode(f"admin:{self.password}".encode()).decode()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).decode("latin-1")
        except Exception:
            writer.close()
            return
        method, target = [*head.split(" "), "", ""][:2]
        path = target.split("?")[0]
        lines = head.split("\r\n")
        sizes = [int(ln.split(":")[1]) for ln in lines if ln.lower().startswith("content-length")]
        length = sizes[0] if sizes else 0
        with contextlib.suppress(Exception):
            if length:
                await asyncio.wait_for(reader.readexactly(length), 5)
        with self.lock:
            self.seen.append(f"{method} {path}")
            n = len(self.seen)
        mode = self.before(n) if self.before else None
        if mode == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if mode == "stall":
            with contextlib.suppress(Exception):
                await asyncio.sleep(60)
            return
        auth = next((ln for ln in head.split("\r\n") if ln.lower().startswith("authorization")), "")
        if mode in ("429", "429ra"):
            status, headers, body = 429, {"Retry-After": "1"} if mode == "429ra" else {}, "slow"
        elif path in self.basic and not auth.endswith(self.good):
            status, headers, body = 401, {"WWW-Authenticate": 'Basic realm="admin"'}, "no"
        elif path in self.basic:
            status, headers, body = 200, {}, "<html>Status</html>"
        elif method == "POST" and path == "/login.cgi":
            status, headers, body = 200, {}, LOGIN_FORM.replace("<form", "<p>Login failed</p><form")
        else:
            status, headers, body = self.routes.get(path, (404, {}, "not found"))
        data = b"" if method == "HEAD" else body.encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(
            f"HTTP/1.0 {status} X\r\nContent-Type: text/html\r\n{extra}"
            f"Content-Length: {len(body.encode())}\r\n\r\n".encode()
            + data
        )
        with contextlib.suppress(Exception):
            await writer.drain()
        writer.close()


def probe(cli, host: str, tmp_path: Path, web: Web, **device: object) -> dict[str, dict]:
    settings = {"address": host, "max_defaults": 4, "burst": 5, "parallel_logins": 1, **device}
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [HGW-2200]\nproduct_type: router\n"
        f"firmware_version: '1'\ndevice: {json.dumps(settings)}\n",
        encoding="utf-8",
    )
    with SimDevice(host, {PORT: web}):
        _, out, err = invoke(
            cli, "probe", host, "--ports", str(PORT), "--format", "json",
            "--profile", str(profile), "--timeout", "20",
        )  # fmt: skip
    assert out.startswith("{"), err
    return {v["requirement"]: v for v in json.loads(out)["verdicts"]}


def said(verdict: dict) -> str:
    return " ".join(verdict["reasons"]) + " " + " ".join(e["summary"] for e in verdict["evidence"])


# --- 3a/3b: a settings page is open access; a landing page's words are not --------------


@pytest.mark.slow
def test_open_settings_page_with_a_new_password_form_is_not_met(cli, tmp_path):
    web = Web(routes={"/": (200, {}, OPEN_SETTINGS_PAGE)})
    verdicts = probe(cli, "127.0.6.1", tmp_path, web)
    s101 = verdicts["S1.1-01"]
    assert s101["verdict"] == "NOT_MET", s101
    assert "gives settings" in said(s101)
    assert "new_password, confirm_password" in said(s101)
    # not mistaken for a login form: no credential sweep that cannot run
    assert verdicts["S1.1-02"]["verdict"] != "INCONCLUSIVE", verdicts["S1.1-02"]


@pytest.mark.parametrize(
    ("form", "outcome"),
    [
        (LOGIN_FORM, "rejected"),  # a login form asks for credentials
        (  # one password field, but it sets a new one: a settings form, open
            '<form method="post" action="/cgi-bin/admin.cgi"><input name="user" value="admin">'
            '<input type="password" name="pw" autocomplete="new-password"></form>',
            "accepted",
        ),
        (  # a Wi-Fi key field with its value filled in
            '<form action="/apply.cgi"><input name="ssid" value="home">'
            '<input type="password" name="wpa_key" value="s3cretkey"></form>',
            "accepted",
        ),
    ],
)
def test_login_and_settings_forms_are_told_apart_by_their_fields(form, outcome):
    web = Web(routes={"/": (200, {}, form)})
    with SimDevice("127.0.6.2", {PORT: web}):
        result = asyncio.run(HttpFormSurface().open_without_credentials("127.0.6.2", PORT, 5))
    assert result.outcome == outcome, result


@pytest.mark.slow
def test_landing_page_that_mentions_admin_and_firmware_is_not_open_access(cli, tmp_path):
    web = Web(routes={"/": (200, {}, LANDING_PAGE)}, basic={"/admin/"})
    verdicts = probe(cli, "127.0.6.3", tmp_path, web)
    s101 = verdicts["S1.1-01"]
    assert s101["verdict"] != "NOT_MET", s101
    assert "8080/tcp http-basic /admin/" in said(s101)  # the real admin UI asks


# --- 3c: logins below the root get the default sweep and the burst ----------------------


@pytest.mark.parametrize(
    ("host", "landing", "login"),
    [
        ("127.0.6.4", '<a href="cgi-bin/luci/">LuCI</a>', "/cgi-bin/luci/"),
        (
            "127.0.6.5",
            '<meta http-equiv="refresh" content="0; URL=/cgi-bin/luci/">',
            "/cgi-bin/luci/",
        ),
        ("127.0.6.6", "<script>window.location.href = '/ui/main.html';</script>", "/ui/main.html"),
        ("127.0.6.7", '<frameset><frame src="/ui/main.html"></frameset>', "/ui/main.html"),
        ("127.0.6.8", "<p>Status: online</p>", "/admin/"),  # not linked: a common admin path
    ],
)
@pytest.mark.slow
def test_basic_login_below_a_public_root_is_swept_for_defaults(cli, tmp_path, host, landing, login):
    web = Web(routes={"/": (200, {}, f"<html>{landing}</html>")}, basic={login})
    verdicts = probe(cli, host, tmp_path, web)
    s102 = verdicts["S1.1-02"]
    assert s102["verdict"] == "NOT_MET", s102
    assert f"8080/tcp http-basic {login} accepts admin/admin" in said(s102)
    assert f"8080/tcp http-basic {login}" in said(verdicts["S1.1-04"])  # the burst ran there


@pytest.mark.slow
def test_login_form_below_a_public_root_is_swept_for_defaults(cli, tmp_path):
    web = Web(routes={"/": (200, {}, '<a href="/login.html">Log in</a>'),
                          "/login.html": (200, {}, LOGIN_FORM)})  # fmt: skip
    verdicts = probe(cli, "127.0.6.9", tmp_path, web)
    # the form is found and tried (the fake refuses every pair); nothing is skipped as open
    text = said(verdicts["S1.1-02"])
    assert "8080/tcp http-form /login.html refused 4/4" in text, text


@pytest.mark.slow
def test_crawl_is_bounded(cli, tmp_path):
    links = "".join(f'<a href="/page{i}.html">{i}</a>' for i in range(200))
    web = Web(routes={"/": (200, {}, links)})
    probe(cli, "127.0.6.10", tmp_path, web)
    crawled = {s for s in web.seen if s.startswith("GET /page")}
    assert 0 < len(crawled) <= 12


# --- 3d: the model number on the web page -----------------------------------------------


@pytest.mark.slow
def test_model_number_in_the_page_title_is_evidence(cli, tmp_path):
    web = Web(routes={"/": (200, {}, LANDING_PAGE)}, basic={"/admin/"})
    verdicts = probe(cli, "127.0.6.11", tmp_path, web)
    evidence = " ".join(e["summary"] for e in verdicts["S1.1-10"]["evidence"])
    assert "model number HGW-2200" in evidence and "web page" in evidence, evidence
    # visible in the web UI is what S1.1-10 asks: met without the vendor's answer
    assert verdicts["S1.1-10"]["verdict"] == "MET", verdicts["S1.1-10"]


def test_model_number_only_in_a_banner_supports_but_does_not_settle_s1_1_10():
    scan = ScanResult(host="127.0.0.1", scanned_tcp=1)
    scan.services = [
        Service(port=22, protocol="tcp", name="ssh", banner="SSH-2.0-dropbear (HGW-2200)")
    ]
    banner_only = model_observation(scan, ["HGW-2200"])
    assert banner_only.outcome == "pass" and not banner_only.conclusive
    on_a_page = model_observation(scan, ["HGW-2200"], [("the title of the web page", "HGW-2200")])
    assert on_a_page.conclusive


# --- 4: rate limiting is protection; a crash or a stall is not ----------------------------


@pytest.mark.parametrize(("host", "mode"), [("127.0.6.12", "429"), ("127.0.6.13", "429ra")])
@pytest.mark.slow
def test_http_429_is_brute_force_protection(cli, tmp_path, host, mode):
    # a root Basic login; after the open check and the 4 defaults every answer is a 429
    web = Web(basic={"/"}, before=lambda n: mode if n > 6 else None)
    verdicts = probe(cli, host, tmp_path, web)
    s104 = verdicts["S1.1-04"]
    assert s104["verdict"] == "MET", s104
    assert "HTTP 429 Too Many Requests" in said(s104)


@pytest.mark.slow
def test_default_sweep_waits_out_a_429_instead_of_giving_up(cli, tmp_path):
    web = Web(basic={"/"}, before=lambda n: "429ra" if 3 <= n <= 6 else None, password="x9!k")
    verdicts = probe(cli, "127.0.6.14", tmp_path, web)
    text = said(verdicts["S1.1-02"])
    assert "refused 4/4" in text and "the device limited attempts" in text, text


@pytest.fixture
def quick_recovery(monkeypatch):
    monkeypatch.setattr(bruteforce, "RECOVERY_MAX_S", 3.0, raising=False)  # base: absent


@pytest.mark.slow
def test_service_that_dies_under_the_burst_is_inconclusive_not_met(cli, tmp_path, quick_recovery):
    # answers the open check and the defaults, then resets every connection for good
    web = Web(basic={"/"}, before=lambda n: "reset" if n > 7 else None)
    verdicts = probe(cli, "127.0.6.15", tmp_path, web)
    s104 = verdicts["S1.1-04"]
    assert s104["verdict"] == "INCONCLUSIVE", s104
    assert "did not answer again" in said(s104)


@pytest.mark.slow
def test_service_that_stalls_under_the_burst_is_inconclusive_not_met(cli, tmp_path):
    web = Web(basic={"/"}, before=lambda n: "stall" if n > 7 else None)
    verdicts = probe(cli, "127.0.6.16", tmp_path, web, login_timeout_s=2)
    s104 = verdicts["S1.1-04"]
    assert s104["verdict"] == "INCONCLUSIVE", s104
    assert "stopped answering" in said(s104)


@pytest.mark.slow
def test_refusal_mid_burst_that_ends_is_protection(cli, tmp_path, quick_recovery):
    # a per-source limit: connections reset for a while mid-burst, then answered again
    web = Web(basic={"/"}, before=lambda n: "reset" if 8 <= n <= 9 else None)
    verdicts = probe(cli, "127.0.6.17", tmp_path, web)
    s104 = verdicts["S1.1-04"]
    assert s104["verdict"] == "MET", s104
    assert "answered again" in said(s104)


@pytest.mark.parametrize(
    "detail",
    [
        "CONNACK error with user 'admin': [code:137] Server busy",
        "CONNACK error with user 'admin': [code:151] Quota exceeded",
        "DisconnectError: Too many authentication failures",
    ],
)
def test_other_protocols_saying_they_limit_us_is_protection(detail):
    verdict, why = judge([LoginResult("error", detail, 0.1)], None, True)
    assert verdict == "protected", why


# --- the lab: real lighttpd and nginx ----------------------------------------------------


def curl(dev, *args: str) -> str:
    return dev.run(["curl", "-sk", "--max-time", "5", *args]).stdout


def lab_probe(dev, tmp_path: Path) -> dict[str, dict]:
    profile = (
        "vendor: Lab\nproduct: Web\nmodel_numbers: [HGW-2200]\nproduct_type: router\n"
        "firmware_version: '1'\ndevice: {address: 127.0.0.1}\n"
    )
    return probe_in(dev, tmp_path, profile)[1]


def test_lab_web_devices_are_what_they_claim(lab_device):
    dev = lab_device("open-settings")
    assert 'autocomplete="new-password"' in curl(dev, "http://127.0.0.1/")
    dev = lab_device("public-landing")
    assert curl(dev, "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1/") == "200"
    assert curl(dev, "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1/admin/") == "401"
    dev = lab_device("subpath-default")
    url = "http://127.0.0.1/cgi-bin/luci/"
    assert curl(dev, "-o", "/dev/null", "-w", "%{http_code}", url) == "401"
    assert curl(dev, "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:admin", url) == "200"
    dev = lab_device("ratelimited-https")
    assert dev.run(["curl", "-sk", "--tls-max", "1.1", "https://127.0.0.1/"]).returncode != 0
    codes = [curl(dev, "-D", "-", "-o", "/dev/null", "https://127.0.0.1/admin/") for _ in range(15)]
    assert codes[0].startswith("HTTP/1.1 401")
    limited = [c for c in codes if c.startswith("HTTP/1.1 429")]
    assert limited and "Retry-After: 1" in limited[0]


def test_lab_open_settings_page_is_not_met(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("open-settings"), tmp_path)
    assert verdicts["S1.1-01"]["verdict"] == "NOT_MET", verdicts["S1.1-01"]
    assert "wpa_psk" in said(verdicts["S1.1-01"])


def test_lab_public_landing_is_not_open_access(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("public-landing"), tmp_path)
    assert verdicts["S1.1-01"]["verdict"] != "NOT_MET", verdicts["S1.1-01"]
    assert "80/tcp http-basic /admin/" in said(verdicts["S1.1-01"])
    assert "HGW-2200" in said(verdicts["S1.1-10"])


def test_lab_subpath_default_credential_is_not_met(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("subpath-default"), tmp_path)
    assert verdicts["S1.1-02"]["verdict"] == "NOT_MET", verdicts["S1.1-02"]
    assert "80/tcp http-basic /cgi-bin/luci/ accepts admin/admin" in said(verdicts["S1.1-02"])


def test_lab_rate_limited_https_login_is_protected(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("ratelimited-https"), tmp_path)
    s104 = verdicts["S1.1-04"]
    assert s104["verdict"] == "MET", s104
    assert "HTTP 429" in said(s104) and "/admin/" in said(s104)
    assert verdicts["S1.1-02"]["verdict"] != "INCONCLUSIVE", verdicts["S1.1-02"]
    assert "443/tcp http-basic /admin/ refused" in said(verdicts["S1.1-02"])
