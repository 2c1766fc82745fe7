"""Services named by what they speak, not by their port number.

* lab devices (tests/lab/profiles_services.py), first checked with standard tools, then
  probed: an MQTT-only and a Modbus-only device (the client speaks first), a TFTP server
  (it answers from a new port), SSH with public keys only (hardened, not declared needed),
  and the hardened device's MQTT over TLS on 8883;
* simulated devices on 127.0.41.x that answer every port with garbage, a flood, one byte a
  second or a TLS alert: nothing is named after its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sys
from pathlib import Path

import pytest

from jcstar.checks.network.collect.scan import ScanResult, Service
from jcstar.checks.network.services import plaintext_observation, risky_observation
from tests.conftest import invoke
from tests.lab.probing import probe_in
from tests.lab.profiles_services import MODBUS_REGISTERS
from tests.sim import SimDevice, flood, garbage

pytestmark = pytest.mark.network

# an exception's type or an object's repr in a report is an internal text, not evidence
INTERNAL = re.compile(r"\b[A-Z]\w*(Error|Exception): |<\w+[^<>]*(object at|closed=|fd=)")


def lab_probe(device, tmp_path: Path, profile_text: str | None = None) -> dict[str, dict]:
    return probe_in(device, tmp_path, profile_text)[1]


def said(verdict: dict) -> str:
    """Everything a verdict says: its reasons and its evidence."""
    return " ".join([*verdict["reasons"], *(e["summary"] for e in verdict["evidence"])])


def assert_plain(verdicts: dict[str, dict]) -> None:
    for rid, verdict in verdicts.items():
        assert not INTERNAL.search(said(verdict)), (rid, said(verdict))


# --- the lab devices are what they claim (standard tools, not jcstar) ----------------------


def test_lab_mqtt_only_device_takes_anonymous_clients_on_1883_only(lab_device):
    dev = lab_device("mqtt-only")
    pub = dev.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", "1883", "-t", "lab/t", "-m", "x"])
    assert pub.returncode == 0, pub.stderr
    listening = dev.run(["ss", "-Htln"]).stdout
    assert re.findall(r"127\.0\.0\.1:(\d+)", listening) == ["1883"], listening


MODBUS_READ = """
from pymodbus.client import ModbusTcpClient
client = ModbusTcpClient("127.0.0.1", port=502, timeout=5)
assert client.connect()
reply = client.read_holding_registers(0, count=3, device_id=1)
print(",".join(str(v) for v in reply.registers))
client.close()
"""


def test_lab_modbus_only_device_serves_its_registers_to_anyone(lab_device):
    dev = lab_device("modbus-only")
    read = dev.run([sys.executable, "-c", MODBUS_READ])
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == ",".join(str(v) for v in MODBUS_REGISTERS)
    listening = dev.run(["ss", "-Htln"]).stdout
    assert re.findall(r"127\.0\.0\.1:(\d+)", listening) == ["502"], listening


def test_lab_tftp_device_hands_out_its_configuration(lab_device, tmp_path):
    dev = lab_device("tftp")
    got = tmp_path / "config.txt"
    for _ in range(20):  # UDP: nothing to wait for at start-up but the first answer
        fetch = dev.run(["tftp", "-m", "binary", "127.0.0.1", "-c", "get", "config.txt", str(got)])
        if got.exists() and got.stat().st_size:
            break
    assert "admin_password=" in got.read_text(), fetch.stderr
    assert dev.run(["ss", "-Htln"]).stdout.strip() == ""  # no TCP service at all


def test_lab_ssh_pubkey_device_takes_keys_not_passwords(lab_device):
    dev = lab_device("ssh-pubkey")
    user, key = dev.credentials["ssh-key"]
    login = dev.run(["dbclient", "-y", "-y", "-i", key, f"{user}@127.0.0.1", "echo key-ok"])
    assert "key-ok" in login.stdout, login.stderr
    password = dev.run(
        ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password",
         f"{user}@127.0.0.1", "true"]
    )  # fmt: skip
    assert password.returncode != 0
    assert "Permission denied (publickey)" in password.stderr, password.stderr


# --- probed: client-speaks-first services, TFTP, hardened SSH, MQTT over TLS -----------------


def test_mqtt_only_device_is_not_met_for_anonymous_mqtt(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("mqtt-only"), tmp_path)
    for rid in ("S1.1-01", "S1.1-12", "S1.1-13"):
        assert verdicts[rid]["verdict"] == "NOT_MET", verdicts[rid]
    assert "1883/tcp mqtt: CONNACK accepted with no credentials" in said(verdicts["S1.1-01"])
    assert "1883/tcp MQTT without TLS" in said(verdicts["S1.1-12"])
    assert "1883/tcp mqtt" in said(verdicts["S1.1-13"])
    assert_plain(verdicts)


def test_modbus_only_device_is_not_met_for_unauthenticated_modbus(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("modbus-only"), tmp_path)
    for rid in ("S1.1-01", "S1.1-12", "S1.1-13"):
        assert verdicts[rid]["verdict"] == "NOT_MET", verdicts[rid]
    access = said(verdicts["S1.1-01"])
    assert "502/tcp modbus" in access and "without any authentication" in access
    assert f"(value {MODBUS_REGISTERS[0]})" in access  # what it read is the evidence
    assert "502/tcp Modbus/TCP without TLS" in said(verdicts["S1.1-12"])
    assert "502/tcp modbus" in said(verdicts["S1.1-13"])
    assert_plain(verdicts)


def test_tftp_server_that_hands_out_its_configuration_is_not_met(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("tftp"), tmp_path)
    for rid in ("S1.1-01", "S1.1-13"):
        assert verdicts[rid]["verdict"] == "NOT_MET", verdicts[rid]
    assert "69/udp tftp" in said(verdicts["S1.1-13"])
    assert "69/udp tftp: TFTP hands out 'config.txt'" in said(verdicts["S1.1-01"])
    assert_plain(verdicts)


def test_ssh_with_public_keys_only_is_a_question_not_a_failure(lab_device, tmp_path):
    verdicts = lab_probe(lab_device("ssh-pubkey"), tmp_path)
    failing = {rid: v["reasons"] for rid, v in verdicts.items() if v["verdict"] == "NOT_MET"}
    assert failing == {}
    s113 = verdicts["S1.1-13"]
    assert s113["verdict"] == "NEEDS_REVIEW", s113
    assert "22/tcp ssh" in said(s113) and "is this interface needed? why?" in said(s113)
    defaults = said(verdicts["S1.1-02"])
    assert "22/tcp ssh password authentication not offered" in defaults, defaults
    assert "refused" not in defaults
    # no burst against a server that takes no password: said, and never counted as protection
    burst = verdicts["S1.1-04"]
    assert burst["verdict"] == "NEEDS_REVIEW", burst
    assert "no password login surface to test: 22/tcp ssh" in said(burst), burst
    assert "password authentication not offered" in said(burst), burst
    assert_plain(verdicts)


def test_hardened_mqtt_over_tls_is_a_login_surface_swept_like_plain_mqtt(hardened_device, tmp_path):
    hardened_device.reset_rate_limits()
    verdicts = lab_probe(hardened_device, tmp_path)
    assert {rid for rid, v in verdicts.items() if v["verdict"] == "NOT_MET"} == set()
    asked = said(verdicts["S1.1-01"])
    assert re.search(r"services that ask for credentials: [^;]*8883/tcp mqtt", asked), asked
    # the default-credential sweep and the brute-force burst both reached it
    assert "8883/tcp mqtt" in said(verdicts["S1.1-02"]), verdicts["S1.1-02"]
    assert "8883/tcp mqtt" in said(verdicts["S1.1-04"]), verdicts["S1.1-04"]


# --- a port number is not a service --------------------------------------------------------


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One byte a second, never a whole line."""
    with contextlib.suppress(Exception):
        for _ in range(60):
            writer.write(os.urandom(1).replace(b"\n", b"."))
            await writer.drain()
            await asyncio.sleep(1)
    writer.close()


async def tls_alert(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A TLS alert record (fatal, handshake failure) to whatever comes."""
    with contextlib.suppress(Exception):
        writer.write(bytes.fromhex("15030300020228"))
        await writer.drain()
        await asyncio.sleep(0.2)
    writer.close()


HOSTILE = {"garbage": garbage, "flood": flood, "drip": drip, "tls-alert": tls_alert}


@pytest.mark.parametrize("behaviour", sorted(HOSTILE))
@pytest.mark.slow
def test_a_port_number_is_not_a_service(cli, behaviour):
    """21, 23 and 502 answering with noise are not FTP, telnet and Modbus: the verdicts do
    not fail on port numbers, nor pass; the evidence says what could not be identified."""
    address = {"flood": "127.0.41.1", "garbage": "127.0.41.2", "drip": "127.0.41.3"}.get(
        behaviour, "127.0.41.4"
    )
    handler = HOSTILE[behaviour]
    with SimDevice(address, {21: handler, 23: handler, 502: handler}) as dev:
        code, out, err = invoke(
            cli, "probe", dev.host, "--ports", dev.ports, "--format", "json", "--timeout", "60"
        )
    assert out.startswith("{"), err
    verdicts = {v["requirement"]: v for v in json.loads(out)["verdicts"]}
    for rid in ("S1.1-12", "S1.1-13"):
        assert verdicts[rid]["verdict"] == "INCONCLUSIVE", verdicts[rid]
    text = said(verdicts["S1.1-13"])
    assert "could not identify 21/tcp: " in text, text
    for port in (23, 502):
        assert f"; {port}/tcp: " in text, text
    for wrong in ("FTP without TLS", "telnet", "modbus", "high-risk service(s) answer"):
        assert wrong not in text + said(verdicts["S1.1-12"])
    assert_plain(verdicts)
    assert code == 3


def test_an_unidentified_port_the_vendor_declares_needed_is_a_review_not_inconclusive():
    scan = ScanResult(host="127.0.0.1", scanned_tcp=2)
    scan.services = [Service(port=9999, protocol="tcp", name="unknown", detail="sent 512 bytes")]
    undeclared = risky_observation(scan, {}, set())
    assert undeclared.outcome == "inconclusive"
    assert "could not identify 9999/tcp" in undeclared.message
    declared = risky_observation(scan, {(9999, "tcp"): "vendor control protocol"}, set())
    assert declared.outcome == "pass"
    assert plaintext_observation(scan).outcome == "inconclusive"
    needed = {(9999, "tcp"): "vendor control protocol"}
    assert plaintext_observation(scan, needed).outcome == "info"
