"""``jcstar procure``: exit codes 0/1/2, the reports a procurer opens (table, JSON, XLSX, PDF),
with labels read from an in-process source put where the registry or snapshot would be."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jcstar.cli import procure_cmd
from tests.conftest import invoke, require_tool

from .conftest import sample_records, serve_records

ON = "2026-06-01"


@pytest.fixture(autouse=True)
def in_process_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records of conftest as the label source, for any --registry URL."""

    serve_records(monkeypatch, procure_cmd, sample_records())


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "models.csv"
    path.write_bytes(text.encode(encoding))
    return path


def procure(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    return invoke(cli, "procure", "check", *args, "--registry", "http://127.0.0.1:9/", "--on", ON)


def test_every_line_met_exits_0(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "型番,数量\nGW-100,10\nSUP-1,2\n", "cp932")
    code, out, err = procure(cli, str(models), "--policy", "government", "--format", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["schema_version"] == "1"
    assert [line["verdict"] for line in result["lines"]] == ["met", "met"]
    assert result["lines"][1]["chosen"] == "JC1-0007"
    assert result["summary"]["quantity"] == 12
    assert "covers the product alone" in result["scope_note"]


def test_a_line_not_met_exits_1_and_the_table_ends_with_the_summary(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "model,vendor,quantity\nGW-100,,1\nREV-1,,3\nBOX-1,,2\nNOPE,,1\n")
    code, out, _ = procure(cli, str(models), "--policy", "government")
    assert code == 1
    # the table's cells wrap at the terminal's width; the summary and scope lines do not
    assert "4 lines, 7 units: MET 1 (1 units), NOT MET 2 (4 units), AMBIGUOUS 1 (2 units)" in out
    assert "covers the product alone" in out


def test_importance_high_needs_star3(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "model\nCAM-300\n")
    assert procure(cli, str(models), "--policy", "government", "--importance", "high")[0] == 0
    models = write_csv(tmp_path, "model\nGW-100\n")
    assert procure(cli, str(models), "--policy", "government", "--importance", "high")[0] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--policy", "mars"), "unknown policy 'mars'"),
        (("--policy", "power-sector", "--product-type", "toaster"), "--product-type toaster"),
        (("--policy", "government", "--format", "xlsx"), "give -o FILE"),
    ],
)
def test_bad_options_exit_2_with_one_line(cli: CliRunner, tmp_path: Path, args, message):
    models = write_csv(tmp_path, "model\nGW-100\n")
    code, out, err = procure(cli, str(models), *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_bad_model_list_exits_2_naming_file_and_field(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "vendor\nAcme\n")
    code, _, err = procure(cli, str(models), "--policy", "government")
    assert code == 2
    assert f"{models}: no model column" in err


def test_a_bad_policy_file_exits_2_naming_file_and_field(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "model\nGW-100\n")
    policy = tmp_path / "sector.yaml"
    policy.write_text(
        "id: sector\nname_en: S\nversion: '1'\nissuer: S\n"
        "rules:\n  - id: R1\n    title_en: r\n    requires: {min_level: five}\n"
        "    basis: {kind: judgement, why: ours}\n",
        "utf-8",
    )
    code, _, err = procure(cli, str(models), "--policy", str(policy))
    assert code == 2
    assert f"{policy}: rules.0.requires.min_level:" in err


def test_a_sector_policy_file_is_used_like_a_shipped_one(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "model\nGW-100\n")
    policy = tmp_path / "sector.yaml"
    policy.write_text(
        "id: sector\nname_en: S\nversion: '1'\nissuer: S\n"
        "rules:\n  - id: R2\n    title_en: star 2\n    requires: {min_level: 2}\n"
        "    basis: {kind: judgement, why: our risk assessment}\n",
        "utf-8",
    )
    code, out, _ = procure(cli, str(models), "--policy", str(policy), "--format", "json")
    assert code == 1
    assert "★1 is below the ★2 R2 asks" in json.loads(out)["lines"][0]["reason"]


def test_power_sector_product_type_from_the_list(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "型番,製品類型\nPCS-9,der-pcs\nGW-100,erab-gateway\n")
    code, out, _ = procure(cli, str(models), "--policy", "power-sector", "--format", "json")
    assert code == 0
    lines = json.loads(out)["lines"]
    assert lines[0]["rules"] == ["POWER-DER-PCS"]
    assert "support period ended 2026-03-31" in lines[0]["warnings"]


def test_xlsx_report_has_a_row_per_line_a_summary_and_the_policy(cli: CliRunner, tmp_path: Path):
    models = write_csv(tmp_path, "model,quantity\nGW-100,5\nSUS-1,2\n")
    report = tmp_path / "check.xlsx"
    code, _, _ = procure(
        cli, str(models), "--policy", "government", "--format", "xlsx", "-o", str(report)
    )
    assert code == 1
    workbook = load_workbook(report)
    assert workbook.sheetnames == ["Lines", "Summary", "Policy"]
    rows = list(workbook["Lines"].iter_rows(values_only=True))
    header = rows[0]
    verdicts = {row[header.index("model")]: row[header.index("verdict")] for row in rows[1:]}
    assert verdicts == {"GW-100": "MET", "SUS-1": "NOT MET"}
    summary = {row[0]: row[1:] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["MET"][:2] == (1, 5)
    assert summary["NOT MET"][:2] == (1, 2)
    assert summary["source"][0] == "test records"
    assert "covers the product alone" in summary["scope"][0]
    policy_rules = [row[0] for row in workbook["Policy"].iter_rows(min_row=2, values_only=True)]
    assert "GOV-4.3.1-FY2025" in policy_rules


def test_pdf_report_shows_the_verdicts(cli: CliRunner, tmp_path: Path):
    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    models = write_csv(tmp_path, "型番,メーカー\nGW-100,Acme\nREV-1,Acme\n")
    report = tmp_path / "check.pdf"
    code, _, _ = procure(
        cli, str(models), "--policy", "government", "--format", "pdf", "-o", str(report)
    )
    assert code == 1
    text = subprocess.run(
        [pdftotext, "-layout", str(report), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "GW-100" in text and "MET" in text
    assert "NOT MET" in text and "false declaration" in text
    assert "covers the product alone" in text
    assert "政府機関等の対策基準策定のためのガイドライン" in text
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", str(report), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_policies_lists_and_show_shows(cli: CliRunner):
    code, out, _ = invoke(cli, "procure", "policies", "--format", "json")
    assert code == 0
    assert [p["id"] for p in json.loads(out)] == [
        "government",
        "occto-ldes-2026",
        "power-sector",
        "sii-grid-battery-2026",
    ]
    code, out, _ = invoke(cli, "procure", "show", "power-sector", "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert len(shown["guidelines"]) == 8
    code, _, err = invoke(cli, "procure", "show", "mars")
    assert code == 2
    assert "unknown policy 'mars'" in err


@pytest.mark.external
@pytest.mark.slow
def test_xlsx_report_opens_in_libreoffice(cli: CliRunner, tmp_path: Path):
    soffice = require_tool("soffice")
    models = write_csv(tmp_path, "型番,数量\nGW-100,5\nREV-1,2\n", "cp932")
    report = tmp_path / "check.xlsx"
    procure(cli, str(models), "--policy", "government", "--format", "xlsx", "-o", str(report))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # the first sheet, UTF-8
            "--outdir",
            str(tmp_path),
            str(report),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    lines = (tmp_path / "check.csv").read_text("utf-8")
    assert "GW-100" in lines and "REV-1" in lines
    assert "NOT MET" in lines and "false declaration" in lines
