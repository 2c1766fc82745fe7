"""``jcstar probe`` against real Debian daemons in a network namespace (tests/lab).

The probe runs inside the device's namespace (``ip netns exec``), so its traffic
never leaves the namespace the lab created.
"""

from __future__ import annotations

import json

import pytest

from tests.lab.probing import probe_in

pytestmark = pytest.mark.network

DEVICE_FAILURES = ("S1.1-02", "S1.1-04", "S1.1-12", "S1.1-13")


def test_vulnerable_device_fails_the_device_requirements_with_evidence(vulnerable_device, tmp_path):
    code, verdicts = probe_in(vulnerable_device, tmp_path)
    assert code == 1
    for requirement in DEVICE_FAILURES:
        assert verdicts[requirement]["verdict"] == "NOT_MET", verdicts[requirement]
    default_creds = " ".join(verdicts["S1.1-02"]["reasons"])
    assert "23/tcp telnet accepts root/xc3511" in default_creds
    assert "22/tcp ssh accepts admin/admin" in default_creds
    assert "80/tcp http-basic accepts admin/admin" in default_creds
    plaintext_and_tls = " ".join(verdicts["S1.1-12"]["reasons"])
    assert "23/tcp telnet without TLS" in plaintext_and_tls
    assert "443/tcp: TLSv1.0 offered" in plaintext_and_tls
    risky = " ".join(verdicts["S1.1-13"]["reasons"])
    assert "23/tcp telnet" in risky and "1883/tcp mqtt" in risky
    assert "no brute-force protection" in " ".join(verdicts["S1.1-04"]["reasons"])


def test_hardened_device_has_none_of_those_failures(hardened_device, tmp_path):
    hardened_device.reset_rate_limits()
    user, password = hardened_device.credentials["ssh"]
    profile = (
        "vendor: Lab\nproduct: Hardened\nmodel_numbers: [LAB-H]\nproduct_type: gateway\n"
        "firmware_version: '1.0'\n"
        "needed_ports:\n  - {port: 22, protocol: tcp, reason: maintenance over SSH}\n"
        f"device:\n  address: 127.0.0.1\n  credentials:\n"
        f"    - {{service: ssh, username: {user}, password: '{password}'}}\n"
    )
    code, verdicts = probe_in(hardened_device, tmp_path, profile)
    failing = {rid: v["reasons"] for rid, v in verdicts.items() if v["verdict"] == "NOT_MET"}
    assert failing == {}
    assert verdicts["S1.1-04"]["verdict"] == "MET", verdicts["S1.1-04"]  # rate limit observed
    assert code == 3


def test_power_cycle_keeps_changed_credentials(hardened_device, tmp_path):
    hardened_device.reset_rate_limits()
    user, password = hardened_device.credentials["ssh"]
    profile = (
        "vendor: Lab\nproduct: Hardened\nmodel_numbers: [LAB-H]\nproduct_type: gateway\n"
        "firmware_version: '1.0'\n"
        f"device:\n  address: 127.0.0.1\n  ports: '22'\n  restart_wait_s: 30\n"
        f"  power_cycle_command: {json.dumps(hardened_device.power_cycle_command)}\n"
        f"  credentials:\n    - {{service: ssh, username: {user}, password: '{password}'}}\n"
    )
    before = dict(hardened_device.pids)
    _, verdicts = probe_in(hardened_device, tmp_path, profile)
    s114 = verdicts["S1.1-14"]
    assert s114["verdict"] != "NOT_MET", s114
    summaries = [e["summary"] for e in s114["evidence"]]
    assert any("kept after a power cycle" in text for text in summaries), s114["reasons"]
    assert hardened_device.pids != before
