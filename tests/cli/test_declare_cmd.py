"""``jcstar declare psti|cra|etsi-ics``: declarations from a report file, the ★1 label asked
of a registry for the PSTI route, one-line errors with exit 2; and ``--format sarif`` of
``jcstar probe`` (a device on loopback) and ``jcstar firmware`` (a root filesystem), valid
against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from jcstar.client.status import RecordsSource
from tests.conftest import CONFORMANT, FIXTURES, NONCONFORMANT, invoke
from tests.declarations.conftest import label_record
from tests.firmware_rootfs import make_rootfs
from tests.sim import SimDevice, say

REGISTRY = "http://127.0.0.1:9/registry"  # never asked: the tests serve records in process
SARIF_SCHEMA = FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The conformant and nonconformant examples' JSON reports, as ``jcstar assess`` writes."""
    folder = tmp_path_factory.mktemp("reports")
    runner = CliRunner()
    written = {}
    for name, example in (("conformant", CONFORMANT), ("nonconformant", NONCONFORMANT)):
        path = folder / f"{name}.json"
        invoke(
            runner,
            "assess",
            str(example / "profile.yaml"),
            "--answers",
            str(example / "answers.yaml"),
            "-o",
            str(path),
        )
        written[name] = path
    return written


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--registry REGISTRY`` answers from a revoked-in-March label record, in process."""
    from jcstar.cli import declare_cmd

    def open_status_source(registry: str) -> RecordsSource:
        assert registry == REGISTRY
        return RecordsSource([label_record(revoked="2026-03-01")], description=REGISTRY)

    monkeypatch.setattr(declare_cmd, "open_status_source", open_status_source)


def test_psti_draft_for_the_nonconformant_report(cli: CliRunner, reports: dict[str, Path]):
    code, out, err = invoke(cli, "declare", "psti", str(reports["nonconformant"]))
    assert code == 0, err
    assert "NOT A STATEMENT OF COMPLIANCE" in out
    assert "5.1-1" in out.split("### Missing")[1]


def test_psti_draft_of_a_star1_report_names_the_next_step(cli: CliRunner, reports: dict[str, Path]):
    code, out, err = invoke(cli, "declare", "psti", str(reports["conformant"]))
    assert code == 0, err
    assert "Next step: assess again with --also psti and answer QE5.1-1-1, QE5.1-2-1\n" in out


@pytest.mark.usefixtures("served")
def test_psti_with_a_label_is_deemed_compliant_before_revocation_and_not_after(
    cli: CliRunner, reports: dict[str, Path]
):
    base = ("declare", "psti", str(reports["conformant"]), "--registry", REGISTRY)
    code, out, err = invoke(cli, *base, "--registration", "JC1-000123", "--on", "2026-02-01")
    assert code == 0, err
    assert "**deemed compliant**" in out and "deemed compliant on 2026-02-01" in out
    # the label route makes the statement the report alone cannot (★1 covers 5.1-1/5.1-2
    # only in part), as the label's, not the manufacturer's own
    statement = out.split("## Statement")[1].split("##")[0]
    assert "DEEMED COMPLIANT THROUGH THE JC-STAR ★1 LABEL JC1-000123 on 2026-02-01" in statement
    assert "not the manufacturer's own statement" in statement
    assert "NOT A STATEMENT OF COMPLIANCE" not in out
    code, out, _ = invoke(cli, *base, "--registration", "JC1-000123", "--on", "2026-03-02")
    assert "**not deemed compliant**" in out and "revoked on 2026-03-02" in out
    assert "NOT A STATEMENT OF COMPLIANCE" in out
    code, _, err = invoke(cli, *base, "--registration", "JC1-999999")
    assert code == 2
    assert f"--registration JC1-999999: no such label in {REGISTRY}" in err


def test_cra_json_names_the_class_and_warns(cli: CliRunner, reports: dict[str, Path]):
    code, out, err = invoke(
        cli, "declare", "cra", str(reports["conformant"]), "--format", "json",
        "--product-class", "important-1",
    )  # fmt: skip
    assert code == 0, err
    pack = json.loads(out)
    assert pack["product_class"]["product_class"]["id"] == "important-1"
    assert any("Annex I requirements" in w for w in pack["warnings"])


def test_etsi_ics_pdf_is_written_to_a_file(
    cli: CliRunner, reports: dict[str, Path], tmp_path: Path
):
    target = tmp_path / "ics.pdf"
    code, _, err = invoke(
        cli, "declare", "etsi-ics", str(reports["conformant"]), "--format", "pdf",
        "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["psti", "REPORT", "--format", "pdf"], "--format pdf writes a binary file: give -o FILE"),
        (["cra", "REPORT", "--product-class", "huge"], "unknown product class 'huge'"),
        (["psti", "REPORT", "--product-class", "default"], "--product-class belongs to cra"),
        (["cra", "REPORT", "--registration", "JC1-1"], "--registration and --on belong to psti"),
        (["psti", "REPORT", "--registration", "JC1-1"], "--registration needs --registry URL"),
        (["psti", "REPORT", "--on", "2026-01-01"], "--on is the label's day of supply"),
        (
            ["psti", "REPORT", "--registration", "JC1-1", "--registry", REGISTRY, "--on", "May"],
            "--on May: not a date",
        ),
        (["psti", "missing.json"], "missing.json"),
    ],
    ids=["pdf-to-terminal", "bad-class", "class-on-psti", "label-on-cra", "no-registry",
         "on-without-label", "bad-date", "no-report"],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(
    cli: CliRunner, reports: dict[str, Path], args: list[str], message: str, monkeypatch
):
    monkeypatch.delenv("JCSTAR_REGISTRY", raising=False)
    args = [str(reports["conformant"]) if a == "REPORT" else a for a in args]
    code, out, err = invoke(cli, "declare", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_an_unknown_declaration_is_a_usage_error(cli: CliRunner, reports: dict[str, Path]):
    code, _, err = invoke(cli, "declare", "fcc", str(reports["conformant"]))
    assert code == 2
    assert "psti" in err and "etsi-ics" in err


def test_a_file_that_is_not_a_report_is_named(cli: CliRunner, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"report_id": 1}', encoding="utf-8")
    code, _, err = invoke(cli, "declare", "etsi-ics", str(bad))
    assert code == 2
    assert "bad.json" in err


# --- SARIF from probe and firmware runs ------------------------------------------------


def valid_sarif(text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, str]:
    return {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}


@pytest.mark.network
def test_probe_writes_sarif_a_ci_system_reads(cli: CliRunner, tmp_path: Path):
    target = tmp_path / "probe.sarif"
    with SimDevice("127.0.5.41", {2323: say(b"\xff\xfd\x18login: ")}) as device:
        code, _, err = invoke(
            cli, "probe", device.host, "--ports", device.ports, "--timeout", "20",
            "--format", "sarif", "-o", str(target),
        )  # fmt: skip
    assert code == 1, err
    log = valid_sarif(target.read_text(encoding="utf-8"))
    assert results_by_rule(log)["S1.1-13"] == "error"  # telnet open: a finding


def test_probe_refuses_sarif_for_a_fleet(cli: CliRunner, tmp_path: Path):
    inventory = tmp_path / "devices.csv"
    inventory.write_text("address\n127.0.5.42\n", encoding="utf-8")
    code, _, err = invoke(
        cli, "probe", "--inventory", str(inventory), "--format", "sarif",
        "-o", str(tmp_path / "out.jsonl"),
    )  # fmt: skip
    assert code == 2
    assert "--format sarif is for one device" in err


def test_firmware_writes_sarif_with_the_findings_in_the_image(cli: CliRunner, tmp_path: Path):
    rootfs = make_rootfs(tmp_path / "rootfs", vulnerable=True)
    code, out, err = invoke(cli, "firmware", str(rootfs), "--format", "sarif")
    assert code == 1, err
    levels = results_by_rule(valid_sarif(out))
    assert levels["S1.1-02"] == levels["S1.1-11"] == "error"
