"""Fleet mode: many devices from an inventory, streamed as JSON lines, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.sim import SimDevice, http, say, stall

pytestmark = pytest.mark.network

TELNET = b"login: "


def write_inventory(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["address,model_number,ports"] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fleet_writes_one_line_per_device_and_summarises_by_model(cli, tmp_path):
    devices = [
        SimDevice("127.0.6.1", {2323: say(TELNET)}),
        SimDevice("127.0.6.2", {2323: say(TELNET)}),
        SimDevice("127.0.6.3", {8000: http()}),
    ]
    inventory = write_inventory(
        tmp_path / "devices.csv",
        [("127.0.6.1", "CAM-1", "2323"), ("127.0.6.2", "CAM-1", "2323"),
         ("127.0.6.3", "GW-2", "8000")],
    )  # fmt: skip
    results = tmp_path / "results.jsonl"
    for device in devices:
        device.__enter__()
    try:
        code, out, _ = invoke(
            cli,
            "probe",
            "--inventory",
            str(inventory),
            "-o",
            str(results),
            "--concurrency",
            "2",
            "--rate",
            "200",
        )
    finally:
        for device in devices:
            device.__exit__(None, None, None)
    assert code == 1
    found = {r["address"]: r for r in records(results)}
    assert set(found) == {"127.0.6.1", "127.0.6.2", "127.0.6.3"}
    cam = found["127.0.6.1"]
    assert cam["model_number"] == "CAM-1"
    assert {v["requirement"]: v["verdict"] for v in cam["verdicts"]}["S1.1-13"] == "NOT_MET"
    assert "Fleet summary: 3 devices" in out
    assert "CAM-1" in out and "S1.1-13×2" in out


def test_fleet_survives_an_interrupt_and_resumes(tmp_path):
    inventory = write_inventory(
        tmp_path / "devices.csv",
        [
            ("127.0.6.11", "A", "2323"),
            ("127.0.6.12", "B", "8443,8000"),
            ("127.0.6.13", "A", "2323"),
        ],
    )
    results = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "jcstar", "probe", "--inventory", str(inventory),
               "-o", str(results), "--concurrency", "1"]  # fmt: skip
    with (
        SimDevice("127.0.6.11", {2323: say(TELNET)}),
        SimDevice("127.0.6.12", {8443: stall, 8000: stall}),
        SimDevice("127.0.6.13", {2323: say(TELNET)}),
    ):
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "COLUMNS": "200"})  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (results.exists() and results.read_text()):
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)  # the stalling device is still in progress
        _, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        assert b"run again to resume" in err
        kept = records(results)
        assert 1 <= len(kept) < 3
        # a torn last line from a crash must not break the resume
        with results.open("a", encoding="utf-8") as sink:
            sink.write('{"address": "127.0.6.1')
        second = subprocess.run(command, capture_output=True, timeout=120,
                                env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert b"resuming" in second.stderr
    final = records(results)
    addresses = [r["address"] for r in final]
    assert sorted(addresses) == ["127.0.6.11", "127.0.6.12", "127.0.6.13"]
    assert final[: len(kept)] == kept  # what was done is kept, not redone


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("host\n127.0.0.1\n", "must name an 'address' column"),
        ("address\n127.0.0.1\n127.0.0.1\n", "line 3: address 127.0.0.1 is listed twice"),
        ("address\n10.0.0.0/8\n", "line 2: address: '10.0.0.0/8' is a range"),
    ],
)
def test_bad_inventory_is_refused_before_any_traffic(cli, tmp_path, rows, message):
    inventory = tmp_path / "devices.csv"
    inventory.write_text(rows, encoding="utf-8")
    results = tmp_path / "results.jsonl"
    code, _, err = invoke(cli, "probe", "--inventory", str(inventory), "-o", str(results))
    assert code == 2
    assert message in err
    assert not results.exists() or results.read_text() == ""


def test_fleet_refuses_options_it_would_otherwise_ignore(cli, tmp_path):
    inventory = write_inventory(tmp_path / "devices.csv", [("127.0.6.21", "A", "2323")])
    results = tmp_path / "results.jsonl"
    code, _, err = invoke(
        cli, "probe", "--inventory", str(inventory), "-o", str(results), "--ports", "23"
    )
    assert code == 2
    assert "columns 'ports', 'profile'" in err
    assert not results.exists()
