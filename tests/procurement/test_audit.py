"""``jcstar audit``: a deployed fleet's labels, firmware and own ★1 probe.

Labels come from an in-process source put where the registry would be; the probe results of
the first tests are written as ``jcstar probe --inventory`` writes them, and the probe itself is
a fake of ``probe_fleet`` that records which devices it was asked to probe (no network). The
last tests run the real command inside the lab's devices (tests/lab), reading labels from a
signed snapshot the test makes, as ``jcstar snapshot fetch`` would save it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jcstar.assessment import probe as probe_module
from jcstar.cli import audit_cmd
from jcstar.labels.keyring import Keyring
from jcstar.labels.snapshot_format import SnapshotHeader, record_line, sign_header
from jcstar.labels.standing import HistoryEvent, LabelRecord
from tests.conftest import invoke, require_tool
from tests.lab.device import LabDevice

from .conftest import record, sample_records, serve_records

ON = "2026-06-01"


def fleet_records() -> list[LabelRecord]:
    return [
        *sample_records(),
        # a label that names the firmware versions it was assessed on
        record("JC1-0100", ("HP-7",), vendor="Heatco", firmware_versions=("2.1.0", "2.1.1")),
    ]


@pytest.fixture(autouse=True)
def in_process_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records above as the label source, for any --registry URL."""

    serve_records(monkeypatch, audit_cmd, fleet_records())


def write_inventory(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "fleet.csv"
    path.write_bytes(text.encode(encoding))
    return path


def audit(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    return invoke(cli, "audit", *args, "--registry", "http://127.0.0.1:9/", "--on", ON)


def audit_json(cli: CliRunner, *args: str) -> tuple[int, dict]:
    code, out, err = audit(cli, *args, "--format", "json")
    assert code in (0, 1), err
    return code, json.loads(out)


def by_address(result: dict) -> dict[str, dict]:
    return {d["device"]["address"]: d for d in result["devices"]}


def test_each_device_gets_its_label_status_and_the_summary_counts_sites(
    cli: CliRunner, tmp_path: Path
):
    inventory = write_inventory(
        tmp_path,
        "アドレス,型番,ファームウェア,設置場所\n"
        "10.0.0.1,GW-100,1.0,本社\n"
        "10.0.0.2,REV-1,1.0,本社\n"
        "10.0.0.3,NOPE-9,,変電所A\n"
        "10.0.0.4,BOX-1,,変電所A\n",
        "cp932",
    )
    code, result = audit_json(cli, str(inventory), "--policy", "government")
    assert code == 1
    devices = by_address(result)
    assert devices["10.0.0.1"]["label"]["verdict"] == "met"
    assert devices["10.0.0.1"]["label"]["chosen"] == "JC1-0001"
    assert devices["10.0.0.2"]["label"]["verdict"] == "not_met"
    assert "revoked on 2026-06-01: false declaration" in devices["10.0.0.2"]["label"]["reason"]
    assert devices["10.0.0.3"]["label"]["reason"] == "no label found"
    assert devices["10.0.0.4"]["label"]["verdict"] == "ambiguous"
    assert [d["labelled"] for d in devices.values()] == [True, False, False, True]
    summary = result["summary"]
    assert (summary["devices"], summary["labelled"], summary["unlabelled"]) == (4, 2, 2)
    assert summary["by_site"]["本社"] == {
        "devices": 2,
        "labelled": 1,
        "unlabelled": 1,
        "policy_met": 1,
        "with_findings": 0,
    }
    assert summary["by_site"]["変電所A"]["unlabelled"] == 1
    assert result["probed"] is False
    assert "covers the product alone" in result["scope_note"]


def test_a_fleet_of_valid_labels_exits_0_without_a_policy(cli: CliRunner, tmp_path: Path):
    inventory = write_inventory(tmp_path, "address,model,site\n10.0.0.1,gw-100,HQ\n")
    code, out, err = audit(cli, str(inventory))
    assert (code, err) == (0, "")
    assert "1 devices, 1 labelled, 0 unlabelled, 1 meet the policy, 0 findings" in out
    assert "covers the product alone" in out


def test_firmware_is_compared_only_where_the_label_names_versions(cli: CliRunner, tmp_path: Path):
    inventory = write_inventory(
        tmp_path,
        "address,model,firmware\n"
        "10.0.0.1,HP-7,2.1.1\n"
        "10.0.0.2,HP-7,2.0.9\n"
        "10.0.0.3,GW-100,3.2\n"
        "10.0.0.4,HP-7,\n",
    )
    code, result = audit_json(cli, str(inventory))
    firmware = {a: d["firmware"] for a, d in by_address(result).items()}
    assert firmware["10.0.0.1"]["status"] == "labelled"
    assert firmware["10.0.0.2"] == {
        "status": "differs",
        "text": "device runs 2.0.9; the label names 2.1.0, 2.1.1",
    }
    # a label naming no version is said so, and is not a match
    assert firmware["10.0.0.3"]["text"] == "label names no firmware version (device runs 3.2)"
    assert firmware["10.0.0.4"]["status"] == "not_given"
    assert result["summary"]["firmware_differs"] == 1
    assert code == 1  # 10.0.0.2 runs a version its label does not name


def test_the_label_naming_no_firmware_version_does_not_fail_the_audit(
    cli: CliRunner, tmp_path: Path
):
    inventory = write_inventory(tmp_path, "address,model,firmware\n10.0.0.3,GW-100,3.2\n")
    code, result = audit_json(cli, str(inventory))
    assert code == 0
    assert result["devices"][0]["firmware"]["status"] == "label_names_none"


def probe_line(address: str, model: str, verdicts: list[tuple[str, str, str]]) -> str:
    """A device's line as ``jcstar probe --inventory`` writes it."""
    overall = "NOT_CONFORMANT" if any(v == "NOT_MET" for _, v, _ in verdicts) else "INCOMPLETE"
    return json.dumps(
        {
            "address": address,
            "model_number": model,
            "overall": overall,
            "verdicts": [
                {"requirement": r, "verdict": v, "reasons": [why]} for r, v, why in verdicts
            ],
        }
    )


@pytest.fixture
def fake_probe(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``probe_fleet`` replaced by one that answers every device with a ★1 failure and
    records the addresses it was asked to probe."""
    asked: list[str] = []

    async def probe_fleet(rows, concurrency, rate, timeout_s, on_start=None) -> AsyncIterator[str]:
        for row in rows:
            asked.append(row.address)
            yield probe_line(
                row.address, row.model_number, [("S1.1-12", "NOT_MET", "23/tcp telnet without TLS")]
            )

    monkeypatch.setattr(probe_module, "probe_fleet", probe_fleet)
    return asked


FLEET = "address,model,site\n127.0.0.2,GW-100,HQ\n127.0.0.3,NOPE-9,HQ\n127.0.0.4,GW-100,Plant\n"


def test_a_labelled_device_failing_its_own_probe_is_a_finding_and_resume_probes_only_the_rest(
    cli: CliRunner, tmp_path: Path, fake_probe: list[str]
):
    inventory = write_inventory(tmp_path, FLEET)
    results = tmp_path / "probe.jsonl"
    # an earlier run finished two devices (one cleanly, one with an inconclusive check) and
    # was cut off while writing the third
    results.write_text(
        probe_line(
            "127.0.0.2",
            "GW-100",
            [
                ("S1.1-02", "MET", "no default credential accepted"),
                ("S1.1-04", "INCONCLUSIVE", "no login surface"),
            ],
        )
        + "\n"
        + probe_line(
            "127.0.0.3", "NOPE-9", [("S1.1-02", "NOT_MET", "22/tcp ssh accepts admin/admin")]
        )
        + "\n"
        + '{"address": "127.0.0.4", "overa',
        encoding="utf-8",
    )
    code, out, err = audit(
        cli,
        str(inventory),
        "--probe",
        "--probe-results",
        str(results),
        "--resume",
        "--format",
        "json",
    )
    assert code == 1, err
    assert fake_probe == ["127.0.0.4"]  # the torn line's device only
    assert "probing 1 devices (2 already in" in err
    devices = by_address(json.loads(out))
    # labelled and failing its own ★1 probe: the finding
    assert devices["127.0.0.4"]["findings"] == [
        "labelled ★1 (JC1-0001) but fails S1.1-12 on this device: 23/tcp telnet without TLS"
    ]
    # an inconclusive check is reported as such, not as conformance, and is no finding
    assert devices["127.0.0.2"]["findings"] == []
    assert devices["127.0.0.2"]["open_questions"] == ["inconclusive: S1.1-04: no login surface"]
    # an unlabelled device's failures are its probe's, not a finding against a label
    assert devices["127.0.0.3"]["findings"] == []
    assert devices["127.0.0.3"]["probe"]["overall"] == "NOT_CONFORMANT"
    assert len(results.read_text(encoding="utf-8").splitlines()) == 3


def test_probe_results_already_there_need_resume(cli: CliRunner, tmp_path: Path, fake_probe):
    inventory = write_inventory(tmp_path, FLEET)
    results = tmp_path / "probe.jsonl"
    kept = probe_line("127.0.0.2", "GW-100", []) + "\n"
    results.write_text(kept, encoding="utf-8")
    code, out, err = audit(cli, str(inventory), "--probe", "--probe-results", str(results))
    assert (code, out) == (2, "")
    assert f"{results}: probe results exist: give --resume" in err
    assert results.read_text(encoding="utf-8") == kept  # nothing already stored is lost
    assert fake_probe == []


def test_the_table_names_each_finding_on_one_line(cli: CliRunner, tmp_path: Path, fake_probe):
    inventory = write_inventory(tmp_path, "address,model,site\n127.0.0.2,GW-100,HQ\n")
    code, out, _ = audit(
        cli, str(inventory), "--probe", "--probe-results", str(tmp_path / "r.jsonl")
    )
    assert code == 1
    assert (
        "FINDING 127.0.0.2 (GW-100, HQ): labelled ★1 (JC1-0001) but fails S1.1-12 on this "
        "device: 23/tcp telnet without TLS"
    ) in out.splitlines()


def test_a_device_the_probe_could_not_test_is_no_pass(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    async def probe_fleet(rows, concurrency, rate, timeout_s, on_start=None):
        for row in rows:
            line = {"address": row.address, "model_number": row.model_number}
            yield json.dumps(
                line | {"overall": "INCOMPLETE", "error": "HOST: refused", "verdicts": []}
            )

    monkeypatch.setattr(probe_module, "probe_fleet", probe_fleet)
    inventory = write_inventory(tmp_path, "address,model\n127.0.0.2,GW-100\n")
    code, out, _ = audit(
        cli,
        str(inventory),
        "--probe",
        "--probe-results",
        str(tmp_path / "r.jsonl"),
        "--format",
        "json",
    )
    assert code == 1
    device = json.loads(out)["devices"][0]
    assert (device["label"]["verdict"], device["findings"]) == ("met", [])
    assert device["open_questions"] == ["probe incomplete: HOST: refused"]


def test_xlsx_report_has_devices_sites_and_findings(cli: CliRunner, tmp_path: Path, fake_probe):
    inventory = write_inventory(tmp_path, FLEET)
    report = tmp_path / "audit.xlsx"
    code, _, err = audit(
        cli,
        str(inventory),
        "--probe",
        "--probe-results",
        str(tmp_path / "r.jsonl"),
        "-o",
        str(report),
    )
    assert code == 1, err
    workbook = load_workbook(report)
    assert workbook.sheetnames == ["Devices", "Sites", "Summary"]
    rows = list(workbook["Devices"].iter_rows(values_only=True))
    header = rows[0]
    cells = {row[header.index("address")]: row for row in rows[1:]}
    assert cells["127.0.0.3"][header.index("verdict")] == "NOT MET"
    assert "fails S1.1-12" in cells["127.0.0.4"][header.index("findings")]
    sites = {row[0]: row[1:] for row in workbook["Sites"].iter_rows(values_only=True)}
    assert sites["HQ"][:3] == (2, 1, 1)
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
    findings = [value for key, value in summary if key == "finding"]
    assert len(findings) == 2  # 127.0.0.2 and 127.0.0.4 are labelled and fail


def test_pdf_report_opens(cli: CliRunner, tmp_path: Path):
    pdftotext = require_tool("pdftotext")
    inventory = write_inventory(tmp_path, "address,model,site\n10.0.0.1,GW-100,本社\n")
    report = tmp_path / "audit.pdf"
    code, _, err = audit(cli, str(inventory), "-o", str(report))
    assert code == 0, err
    text = subprocess.run(
        [pdftotext, str(report), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Fleet audit" in text and "GW-100" in text and "JC1-0001" in text


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("model\nGW-100\n", (), "fleet.csv: no address column"),
        ("address,model\n10.0.0.1,\n", (), "fleet.csv:2: model: empty"),
        (
            "address,model\n10.0.0.1,A\n10.0.0.1,B\n",
            (),
            "fleet.csv:3: address: 10.0.0.1 is listed twice",
        ),
        ("address,model\nnot an address!,A\n", ("--probe",), "fleet.csv:2: address:"),
        ("address,model\n10.0.0.1,A\n", ("--policy", "mars"), "unknown policy 'mars'"),
        (
            "address,model\n10.0.0.1,A\n",
            ("--resume",),
            "--resume and --probe-results go with --probe",
        ),
        ("address,model\n10.0.0.1,A\n", ("--format", "pdf"), "give -o FILE"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli: CliRunner, tmp_path: Path, text, args, message):
    inventory = write_inventory(tmp_path, text)
    code, out, err = audit(cli, str(inventory), *args)
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


# -- against the lab's devices ---------------------------------------------------------


def write_snapshot(tmp_path: Path, records: list[LabelRecord]) -> Path:
    """A signed snapshot of ``records`` with ``snapshot.sig`` and ``jwks.json`` beside it, as
    ``jcstar snapshot fetch`` saves them."""
    folder = tmp_path / "snapshot"
    folder.mkdir()
    keyring = Keyring.load_or_create(tmp_path / "keys")
    lines = b"".join(
        record_line(r.model_dump(mode="json"))
        for r in sorted(records, key=lambda r: r.registration_no)
    )
    (folder / "snapshot.jsonl").write_bytes(lines)
    now = dt.datetime.now(dt.UTC)
    header = SnapshotHeader(
        serial=1,
        issued_at=now,
        next_update=now + dt.timedelta(days=1),
        count=len(records),
        sha256=hashlib.sha256(lines).hexdigest(),
        issuer="https://registry.test/",
    )
    (folder / "snapshot.sig").write_text(sign_header(keyring, header), encoding="ascii")
    (folder / "jwks.json").write_text(json.dumps(keyring.jwks()), encoding="utf-8")
    return folder / "snapshot.jsonl"


def audit_in(device: LabDevice, tmp_path: Path, inventory_text: str) -> tuple[int, dict]:
    """``jcstar audit --probe`` run inside ``device``'s namespace, labels from a snapshot in
    which LAB-1 carries a valid ★1 label (issued yesterday, expiring in two years)."""
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    expires = issued.date() + dt.timedelta(days=730)
    label = LabelRecord(
        registration_no="JC1-LAB1",
        level=1,
        vendor="Lab",
        product="Lab device",
        model_numbers=("LAB-1",),
        issued_on=issued.date(),
        expires_on=expires,
        history=(HistoryEvent(event="issued", status="valid", at=issued, expires_on=expires),),
    )
    snapshot = write_snapshot(tmp_path, [label])
    inventory = tmp_path / "fleet.csv"
    inventory.write_text(inventory_text, encoding="utf-8")
    run = device.run(
        [
            sys.executable, "-m", "jcstar", "audit", str(inventory), "--snapshot", str(snapshot),
            "--probe", "--format", "json",
        ],
        timeout=600,
    )  # fmt: skip
    assert run.stdout.startswith("{"), run.stderr
    return run.returncode, json.loads(run.stdout)


@pytest.mark.network
def test_audit_probe_flags_the_labelled_lab_device_that_fails_its_own_requirements(
    vulnerable_device: LabDevice, tmp_path: Path
):
    code, result = audit_in(
        vulnerable_device, tmp_path, "address,model,site\n127.0.0.1,LAB-1,lab\n"
    )
    assert code == 1
    device = result["devices"][0]
    assert device["labelled"] is True
    assert device["label"]["verdict"] == "met"  # the label is valid: the device is what fails
    findings = "\n".join(device["findings"])
    assert "labelled ★1 (JC1-LAB1) but fails S1.1-02 on this device:" in findings
    assert "23/tcp telnet accepts root/xc3511" in findings
    assert result["summary"]["with_findings"] == 1


@pytest.mark.network
def test_audit_probe_finds_nothing_on_the_hardened_labelled_lab_device(
    hardened_device: LabDevice, tmp_path: Path
):
    hardened_device.reset_rate_limits()
    user, password = hardened_device.credentials["ssh"]
    (tmp_path / "hardened.yaml").write_text(
        "vendor: Lab\nproduct: Hardened\nmodel_numbers: [LAB-1]\nproduct_type: gateway\n"
        "firmware_version: '1.0'\n"
        "needed_ports:\n  - {port: 22, protocol: tcp, reason: maintenance over SSH}\n"
        f"device:\n  address: 127.0.0.1\n  credentials:\n"
        f"    - {{service: ssh, username: {user}, password: '{password}'}}\n",
        encoding="utf-8",
    )
    code, result = audit_in(
        hardened_device, tmp_path, "address,model,site,profile\n127.0.0.1,LAB-1,lab,hardened.yaml\n"
    )
    device = result["devices"][0]
    assert device["probe"]["overall"] != "INCOMPLETE" or device["probe"]["verdicts"], device
    assert [v for v in device["probe"]["verdicts"] if v["verdict"] == "NOT_MET"] == []
    assert device["findings"] == []
    assert code == 0
