"""Fleet mode: many devices from an inventory, streamed as JSON lines, resumable."""

from __future__ import annotations

import csv
import json
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


def write_inventory(
    path: Path, rows: list[tuple[str, ...]], header: str = "address,model_number,ports"
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
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


def worker_processes(parent: int) -> list[int]:
    """PIDs of the fleet's worker processes, children of ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


SLOW_PROFILE = """\
vendor: Lab
product: slow device
model_numbers: [B]
product_type: camera
firmware_version: "1.0"
level: 1
device:
  address: 127.0.6.12
  timeout_s: 60
"""


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.slow
def test_fleet_survives_an_interrupt_and_resumes(tmp_path, workers):
    rows = [("127.0.6.11", "A", "2323"), ("127.0.6.12", "B", "8443,8000"),
            ("127.0.6.13", "A", "2323")]  # fmt: skip
    # the first run cannot finish before the interrupt: device .12 says nothing and its
    # profile gives each connection 60 s, so it is still in progress when SIGINT arrives
    # however slow the machine is; the second run probes it with the default limits
    (tmp_path / "slow.yaml").write_text(SLOW_PROFILE, encoding="utf-8")
    slow = [(*row, "slow.yaml" if row[0] == "127.0.6.12" else "") for row in rows]
    inventory = write_inventory(
        tmp_path / "devices.csv", slow, "address,model_number,ports,profile"
    )
    results = tmp_path / "results.jsonl"
    # one device at a time per worker; with 2 workers each owns part of the inventory
    command = [sys.executable, "-m", "jcstar", "probe", "--inventory", str(inventory),
               "-o", str(results), "--concurrency", str(workers),
               "--workers", str(workers)]  # fmt: skip
    with (
        SimDevice("127.0.6.11", {2323: say(TELNET)}),
        SimDevice("127.0.6.12", {8443: stall, 8000: stall}),
        SimDevice("127.0.6.13", {2323: say(TELNET)}),
    ):
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (results.exists() and results.read_text()):
            time.sleep(0.05)
        started = worker_processes(first.pid)
        assert len(started) == (workers if workers > 1 else 0)
        first.send_signal(signal.SIGINT)  # the stalling device is still in progress
        _, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        assert not [pid for pid in started if alive(pid)]  # the workers were stopped too
        assert b"run again to resume" in err
        kept = records(results)
        assert 1 <= len(kept) < 3
        assert "127.0.6.12" not in {r["address"] for r in kept}
        # a torn last line from a crash must not break the resume
        with results.open("a", encoding="utf-8") as sink:
            sink.write('{"address": "127.0.6.1')
        write_inventory(inventory, rows)  # the slow profile is gone: .12 can finish now
        second = subprocess.run(command, capture_output=True, timeout=120)
    assert b"resuming" in second.stderr
    final = records(results)
    addresses = [r["address"] for r in final]
    assert sorted(addresses) == ["127.0.6.11", "127.0.6.12", "127.0.6.13"]
    assert final[: len(kept)] == kept  # what was done is kept, not redone
    assert len(addresses) == len(set(addresses))  # each device exactly once


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


def test_a_worker_that_dies_stops_the_run_as_incomplete_and_keeps_what_it_did(
    cli, tmp_path, monkeypatch
):
    import jcstar.assessment.probe as probe_module

    async def first_then_crash(rows, concurrency, rate, timeout_s, on_start=None):
        yield json.dumps({"address": rows[0].address, "overall": "CONFORMANT", "verdicts": []})
        if len(rows) > 1:
            raise RuntimeError("worker blew up")

    # the workers are forked from this process, so they run the patched function
    monkeypatch.setattr(probe_module, "probe_fleet", first_then_crash)
    inventory = write_inventory(
        tmp_path / "devices.csv", [(f"127.0.6.{30 + i}", "A", "2323") for i in range(5)]
    )
    results = tmp_path / "results.jsonl"
    code, _, err = invoke(
        cli, "probe", "--inventory", str(inventory), "-o", str(results), "--workers", "2",
        "--concurrency", "2",
    )  # fmt: skip
    assert code == 3
    assert "worker ended early" in err and "run again to resume" in err
    kept = [r["address"] for r in records(results)]
    assert sorted(kept) == ["127.0.6.30", "127.0.6.31"]  # each worker's first device


def test_workers_without_an_inventory_is_refused(cli):
    code, _, err = invoke(cli, "probe", "127.0.6.40", "--workers", "2")
    assert code == 2
    assert "--workers" in err and "--inventory" in err
