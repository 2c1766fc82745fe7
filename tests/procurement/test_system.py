"""``jcstar procure system``: a power-sector system description checked component by component,
with labels from an in-process source put where the registry would be; and the shipped example
(examples/power-system) loads and names only the policy's product types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jcstar.cli import procure_system_cmd
from jcstar.labels.standing import LabelRecord
from jcstar.procurement.loader import load_policy
from jcstar.procurement.model_list import read_model_list
from jcstar.procurement.system import load_system
from tests.conftest import invoke

from .conftest import TODAY, record, serve_records

EXAMPLE = Path(__file__).parents[2] / "examples" / "power-system"
ON = TODAY.isoformat()


def example_records() -> list[LabelRecord]:
    """A ★1 label for every product of the example but its PCS."""
    return [
        record("JC1-0201", ("EXC-CTL-200",), vendor="Example Controls"),
        record("JC1-0202", ("EXG-GW-10",), vendor="Example Gateways"),
        record("JC1-0203", ("EXH-HP-460",), vendor="Example Heating"),
        record("JC1-0205", ("EXM-MON-3",), vendor="Example Power"),
    ]


@pytest.fixture
def records() -> list[LabelRecord]:
    return example_records()


@pytest.fixture(autouse=True)
def in_process_source(monkeypatch: pytest.MonkeyPatch, records: list[LabelRecord]) -> None:
    serve_records(monkeypatch, procure_system_cmd, records)


def system(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    return invoke(cli, "procure", "system", *args, "--registry", "http://127.0.0.1:9/", "--on", ON)


def test_a_system_with_an_unlabelled_pcs_fails_naming_the_component(cli: CliRunner):
    code, out, err = system(cli, str(EXAMPLE / "system.yaml"), "--format", "json")
    assert code == 1, err
    result = json.loads(out)
    assert result["meets_policy"] is False
    # the reason ends with the basis of the rule that failed it
    assert result["reasons"] == [
        "component pv-pcs (pcs, model EXP-PCS-55): not met: no label found; "
        "rule POWER-DER-PCS, basis our judgement"
    ]
    verdicts = {c["component"]["id"]: c["line"]["verdict"] for c in result["components"]}
    assert verdicts == {
        "erab-controller": "met",
        "home-gateway": "met",
        "heat-pump-heater": "met",
        "pv-pcs": "not_met",
        "pv-monitor": "met",
    }
    rules = {c["component"]["id"]: c["line"]["rules"] for c in result["components"]}
    assert rules["pv-pcs"] == ["POWER-DER-PCS"]
    assert result["summary"] == {
        "components": 5,
        "met": 4,
        "not_met": 1,
        "ambiguous": 0,
        "unknown": 0,
    }


def test_the_summary_lists_what_no_label_covers(cli: CliRunner):
    code, out, _ = system(cli, str(EXAMPLE / "system.yaml"), "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert "covers the product alone" in result["scope_note"]
    aspects = {a["aspect"]: a["detail"] for a in result["not_covered"]}
    assert set(aspects) == {"segmentation", "remote_access", "interconnection"}
    assert (
        "aggregator-dc: erab-controller; home-lan: home-gateway, heat-pump-heater"
        in (aspects["segmentation"])
    )
    assert aspects["remote_access"].startswith(
        "Reached remotely: erab-controller (controller), home-gateway (gateway), "
        "pv-monitor (monitor)."
    )
    assert "Protection of the network connection point" in aspects["interconnection"]


def test_the_table_ends_with_the_verdict_the_reasons_and_the_not_covered_aspects(
    cli: CliRunner,
):
    code, out, _ = system(cli, str(EXAMPLE / "system.yaml"))
    assert code == 1
    lines = out.splitlines()
    assert (
        "system does not meet the policy: 5 components, 4 met, 1 not met, 0 ambiguous, 0 unknown"
        in lines
    )
    assert (
        "  component pv-pcs (pcs, model EXP-PCS-55): not met: no label found; "
        "rule POWER-DER-PCS, basis our judgement"
    ) in lines
    assert "What the labels cannot tell about this system:" in lines
    assert any(line.startswith("  - Segmentation between zones:") for line in lines)
    assert any(line.startswith("  - Remote access paths:") for line in lines)


def test_every_component_labelled_meets_the_policy(cli: CliRunner, records: list[LabelRecord]):
    records.append(record("JC1-0204", ("EXP-PCS-55",), vendor="Example Power"))
    code, out, err = system(cli, str(EXAMPLE / "system.yaml"), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["reasons"] == []


def write_system(tmp_path: Path, components: str, zones: str = "") -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(f"system: S\noperator: O\n{zones}components:\n{components}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("components", "zones", "message"),
    [
        (
            "  - {id: a, role: toaster, model: M, zone: z}\n",
            "",
            "components.0.role: Input should be",
        ),
        (
            "  - {id: a, role: pcs, model: M, zone: z, colour: red}\n",
            "",
            "components.0.colour: Extra inputs are not permitted",
        ),
        (
            "  - {id: a, role: pcs, product_type: der-toaster, model: M, zone: z}\n",
            "",
            "components.0.product_type: 'der-toaster' is not a product type of policy power-sector",
        ),
        (
            "  - {id: a, role: pcs, model: M, zone: z}\n"
            "  - {id: a, role: ems, model: N, zone: z}\n",
            "",
            "component id 'a' is used twice",
        ),
        (
            "  - {id: a, role: pcs, model: M, zone: dmz}\n",
            "zones: {lan: the site LAN}\n",
            "component a: zone 'dmz' is not one of the zones (lan)",
        ),
    ],
)
def test_a_bad_description_exits_2_naming_file_and_field(
    cli: CliRunner, tmp_path: Path, components: str, zones: str, message: str
):
    path = write_system(tmp_path, components, zones)
    code, out, err = system(cli, str(path))
    assert (code, out) == (2, "")
    assert f"{path}: " in err and message in err
    assert len(err.strip().splitlines()) == 1


def test_a_component_the_policy_has_no_rule_for_is_unknown_not_met(cli: CliRunner, tmp_path):
    path = write_system(tmp_path, "  - {id: ems-1, role: ems, model: EXC-CTL-200, zone: z}\n")
    code, out, _ = system(cli, str(path), "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert result["components"][0]["line"]["verdict"] == "unknown"
    assert result["reasons"][0].startswith("component ems-1 (ems, model EXC-CTL-200): unknown:")


def test_the_example_uses_only_the_policys_product_types_and_matches_its_model_list():
    policy = load_policy("power-sector")
    described = load_system(EXAMPLE / "system.yaml")
    known = {t.id for t in policy.product_types}
    assert {c.product_type for c in described.components} <= known
    listed = {(line.model, line.product_type) for line in read_model_list(EXAMPLE / "models.csv")}
    assert listed == {(c.model, c.product_type) for c in described.components}
