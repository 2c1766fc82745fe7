"""``jcstar probe`` against simulated devices on 127.0.x.y (each test its own address)."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.sim import (
    SimDevice,
    add_udp,
    flood,
    garbage,
    http,
    reset,
    say,
    self_signed,
    slow_login,
    stall,
    tls_context,
)

pytestmark = pytest.mark.network

TELNET_PROMPT = b"\xff\xfd\x18\xff\xfd\x20HG-100 login: "


def probe(cli, device: SimDevice, *extra: str) -> tuple[int, dict[str, dict]]:
    code, out, err = invoke(
        cli, "probe", device.host, "--ports", device.ports, "--format", "json", "--timeout", "20",
        *extra,
    )  # fmt: skip
    assert out.startswith("{"), err
    report = json.loads(out)
    return code, {v["requirement"]: v for v in report["verdicts"]}


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    workdir = tmp_path_factory.mktemp("certs")
    return {"strong": self_signed(workdir), "weak": self_signed(workdir, 1024, "sha1")}


@pytest.mark.slow
def test_risky_services_are_not_met_with_evidence(cli):
    with SimDevice("127.0.5.1", {2323: say(TELNET_PROMPT), 5555: say(b"CNXN\x00")}) as dev:
        code, verdicts = probe(cli, dev)
    assert code == 1
    s113 = verdicts["S1.1-13"]
    assert s113["verdict"] == "NOT_MET"
    assert "2323/tcp telnet" in s113["reasons"][0]
    assert "5555/tcp adb" in s113["reasons"][0]
    assert verdicts["S1.1-12"]["verdict"] == "NOT_MET"  # telnet is a plaintext login


@pytest.mark.slow
def test_declared_needed_port_is_not_flagged(cli, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [HG-100]\nproduct_type: gw\nfirmware_version: '1'\n"
        "needed_ports:\n  - {port: 5555, protocol: tcp, reason: factory test jig}\n",
        encoding="utf-8",
    )
    with SimDevice("127.0.5.2", {2323: say(TELNET_PROMPT), 5555: say(b"CNXN\x00")}) as dev:
        _, verdicts = probe(cli, dev, "--profile", str(profile))
    reason = verdicts["S1.1-13"]["reasons"][0]
    assert "2323/tcp" in reason and "5555" not in reason
    # the model number in the telnet banner is seen and matches the profile
    assert any("HG-100" in e["summary"] for e in verdicts["S1.1-10"]["evidence"])


@pytest.mark.slow
def test_well_configured_device_has_no_not_met(cli, certs):
    cert, key = certs["strong"]
    ctx = tls_context(cert, key, ssl.TLSVersion.TLSv1_2)
    handlers = {
        8443: http(),
        8000: http("301 Moved Permanently", "Location: https://127.0.5.3:8443/\r\n", b""),
    }
    with SimDevice("127.0.5.3", handlers, tls={8443: ctx}) as dev:
        code, verdicts = probe(cli, dev)
    assert {v["verdict"] for v in verdicts.values()} <= {"MET", "NEEDS_REVIEW", "NOT_APPLICABLE"}
    assert "NOT_MET" not in {v["verdict"] for v in verdicts.values()}
    tls_evidence = [e["summary"] for e in verdicts["S1.1-12"]["evidence"]]
    assert any("TLS 1.2+ only" in s for s in tls_evidence)
    assert code == 3  # no failure, but a probe alone does not prove ★1


@pytest.mark.slow
def test_weak_tls_is_not_met(cli, certs):
    cert, key = certs["weak"]
    ctx = tls_context(cert, key, ssl.TLSVersion.TLSv1)
    with SimDevice("127.0.5.4", {8443: http()}, tls={8443: ctx}) as dev:
        _, verdicts = probe(cli, dev)
    s112 = verdicts["S1.1-12"]
    assert s112["verdict"] == "NOT_MET"
    text = " ".join(s112["reasons"])
    assert "TLSv1.0 offered" in text
    assert "RSA 1024" in text
    assert "SHA1" in text


@pytest.mark.parametrize(
    ("name", "handlers"),
    [
        ("stalls", {8443: stall, 8000: stall}),
        ("garbage TLS", {8443: garbage}),
        ("resets", {8443: reset, 8000: reset}),
    ],
)
@pytest.mark.slow
def test_hostile_device_is_inconclusive_within_the_timeout(cli, name, handlers):
    address = {"stalls": "127.0.5.5", "garbage TLS": "127.0.5.6", "resets": "127.0.5.7"}[name]
    with SimDevice(address, handlers) as dev:
        code, verdicts = probe(cli, dev)
    assert code == 3
    assert "MET" not in {v["verdict"] for v in verdicts.values()}
    assert verdicts["S1.1-12"]["verdict"] == "INCONCLUSIVE", verdicts["S1.1-12"]


@pytest.mark.slow
def test_endless_banner_is_bounded(cli):
    with SimDevice("127.0.5.8", {2323: flood}) as dev:
        code, verdicts = probe(cli, dev)
    # an endless banner names no protocol: not telnet because of the port number 2323, and
    # not a pass either: what an unidentified open port is cannot be judged
    s113 = verdicts["S1.1-13"]
    assert s113["verdict"] == "INCONCLUSIVE", s113
    assert any("could not identify 2323/tcp" in e["summary"] for e in s113["evidence"]), s113
    assert code == 3


@pytest.mark.slow
def test_device_with_nothing_open_is_not_a_pass(cli):
    code, out, _ = invoke(cli, "probe", "127.0.5.9", "--ports", "2323,8443", "--format", "json")
    report = json.loads(out)
    assert "MET" not in {v["verdict"] for v in report["verdicts"]}
    assert code == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.0.0.0/24"], "is a range; give one host"),
        (["192.168.1.1-20"], "is a range; give one host"),
        (["not a host"], "is not an IP address or host name"),
        (["127.0.0.1", "--ports", "0-10"], "outside 1-65535"),
        (["127.0.0.1", "--ports", "100-1"], "port range '100-1' is reversed (write 1-100)"),
        (["127.0.0.1", "--ports", "22,90-80"], "port range '90-80' is reversed"),
        (["127.0.0.1", "--ports", "ssh"], "bad port 'ssh'"),
        ([], "give a HOST"),
    ],
)
def test_bad_targets_are_refused(cli, args, message):
    code, _, err = invoke(cli, "probe", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1  # one line, no table of verdicts


def test_a_name_that_does_not_resolve_is_one_line_error(cli, monkeypatch):
    asked = []

    def no_such_name(host, *args, **kwargs):
        asked.append(host)  # the resolver is stubbed: the test sends no DNS query
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    code, out, err = invoke(cli, "probe", "camera-17.invalid")
    assert code == 2
    assert asked == ["camera-17.invalid"]
    assert err.strip() == (
        "error: 'camera-17.invalid' does not resolve (Name or service not known)"
    )
    assert out == ""


@pytest.mark.slow
def test_assess_runs_the_network_checks_when_the_profile_names_a_device(cli, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [HG-100]\nproduct_type: gw\nfirmware_version: '1'\n"
        "device:\n  address: 127.0.5.10\n  ports: '2323'\n",
        encoding="utf-8",
    )
    with SimDevice("127.0.5.10", {2323: say(TELNET_PROMPT)}):
        code, out, _ = invoke(cli, "assess", str(profile))
    report = json.loads(out)
    by_id = {v["requirement"]: v for v in report["verdicts"]}
    assert len(by_id) == 16  # the whole ★1 set, network evidence where it applies
    assert by_id["S1.1-13"]["verdict"] == "NOT_MET"
    assert by_id["S1.1-05"]["verdict"] == "NEEDS_REVIEW"
    assert {a["check"] for a in report["attempts"]} >= {"network.services", "network.tls"}
    assert code == 1


def test_bad_device_section_is_a_one_line_input_error(cli, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: gw\nfirmware_version: '1'\n"
        "device:\n  address: 10.0.0.0/24\n",
        encoding="utf-8",
    )
    code, _, err = invoke(cli, "assess", str(profile))
    assert code == 2
    assert "field 'device.address'" in err
    assert "is a range" in err


@pytest.mark.slow
def test_udp_services_that_answer_are_flagged(cli):
    with SimDevice("127.0.5.11", {8000: http()}) as dev:
        add_udp(dev, 1900, b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n")
        add_udp(dev, 161, bytes.fromhex("3011020101040670756260696ca2040200"))
        _, verdicts = probe(cli, dev)
    risky = " ".join(verdicts["S1.1-13"]["reasons"])
    assert verdicts["S1.1-13"]["verdict"] == "NOT_MET"
    assert "1900/udp ssdp" in risky
    assert "161/udp snmp" in risky
    assert "5060/udp" not in risky  # nothing answered there


def test_http_basic_learns_the_challenge_once_per_device():
    import asyncio
    import base64

    from jcstar.checks.network.collect.logins import HttpBasicSurface

    seen: list[str] = []

    async def basic(reader, writer):
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        auth = next((ln for ln in head.split("\r\n") if ln.lower().startswith("authorization")), "")
        seen.append(auth)
        good = "Basic " + base64.b64encode(b"admin:s3cret").decode()
        status = "200 OK" if auth.endswith(good) else "401 Unauthorized"
        challenge = "WWW-Authenticate: Basic realm=x\r\n"
        writer.write(f"HTTP/1.0 {status}\r\n{challenge}Content-Length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    surface = HttpBasicSurface(tls=False, remember=True)
    with SimDevice("127.0.5.12", {8000: basic}) as dev:
        outcomes = [
            asyncio.run(surface.try_login(dev.host, 8000, "admin", pw, 5)).outcome
            for pw in ("a", "b", "s3cret")
        ]
    assert outcomes == ["rejected", "rejected", "accepted"]
    assert len(seen) == 4  # one bare request to learn the challenge, then one per attempt
    assert seen[0] == ""


def test_http_basic_open_check_teaches_the_challenge_and_one_client_serves_the_device():
    import asyncio
    import base64

    from jcstar.checks.network.collect.logins import HttpBasicSurface

    seen: list[str] = []
    peers: set[int] = set()

    async def basic(reader, writer):
        peers.add(writer.get_extra_info("peername")[1])
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        auth = next((ln for ln in head.split("\r\n") if ln.lower().startswith("authorization")), "")
        seen.append(auth)
        good = "Basic " + base64.b64encode(b"admin:s3cret").decode()
        status = "200 OK" if auth.endswith(good) else "401 Unauthorized"
        challenge = "WWW-Authenticate: Basic realm=x\r\n"
        # keep-alive offered: the probe must still use a new connection per attempt
        writer.write(f"HTTP/1.1 {status}\r\n{challenge}Content-Length: 0\r\n\r\n".encode())
        await writer.drain()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(1), 2)
        writer.close()

    async def main(host: str) -> list[str]:
        surface = HttpBasicSurface(tls=False, remember=True)
        opened = await surface.open_without_credentials(host, 8000, 5)
        tried = [(await surface.try_login(host, 8000, "admin", pw, 5)).outcome for pw in "ab"]
        good = await surface.try_login(host, 8000, "admin", "s3cret", 5)
        return [opened.outcome, *tried, good.outcome]

    with SimDevice("127.0.5.13", {8000: basic}) as dev:
        outcomes = asyncio.run(main(dev.host))
    assert outcomes == ["rejected", "rejected", "rejected", "accepted"]
    assert len(seen) == 4 and seen[0] == ""  # the open check's 401 was enough to learn Basic
    assert all(auth.startswith("Authorization: Basic") for auth in seen[1:])
    assert len(peers) == 4  # one connection per request: a connection-rate limit still shows


@pytest.mark.slow
def test_a_telnet_prompt_slower_than_the_scan_timeout_is_still_swept(cli, tmp_path):
    # the prompt comes 3.5 s after connecting: past the 3 s open check, within a login's time
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [X]\nproduct_type: cam\nfirmware_version: '1'\n"
        "device: {address: 127.0.5.14, max_defaults: 2, burst: 3, parallel_logins: 1}\n",
        encoding="utf-8",
    )
    with SimDevice("127.0.5.14", {2323: slow_login(3.5)}) as dev:
        _, out, err = invoke(
            cli, "probe", dev.host, "--ports", dev.ports, "--format", "json",
            "--profile", str(profile), "--timeout", "40",
        )  # fmt: skip
    assert out.startswith("{"), err
    assert "2323/tcp telnet refused 2/2" in out  # the defaults were tried on it
    assert "could not tell for 2323/tcp telnet" not in out


@pytest.mark.slow
def test_the_table_says_what_was_scanned_and_what_is_open(cli):
    with SimDevice("127.0.6.78", {2323: say(TELNET_PROMPT)}) as device:
        code, out, _ = invoke(cli, "probe", device.host, "--ports", "2323,2324", "--timeout", "20")
    assert code == 1
    flat = " ".join(out.split())  # whatever the table's width
    assert "scanned 2 TCP ports; open: 2323/tcp telnet" in flat
