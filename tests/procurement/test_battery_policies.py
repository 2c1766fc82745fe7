"""The power sector's battery-system rules: the OCCTO auction (FY2026 round) and the SII
grid-battery subsidy, known to us only from a secondary source, and the reported FY2027 PCS
rule. Their basis says so in the data, the lint keeps an ``official`` basis to verified
sources, and ``jcstar procure system`` checks that each BMS/EMS/PCS maps to a label, with the
basis of the rule beside each failure. Labels come from an in-process source put where the
registry would be, as in ``test_system.py``."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from jcstar.cli import procure_system_cmd
from jcstar.client.status import RecordsSource
from jcstar.labels.standing import LabelRecord
from jcstar.procurement.evaluate import ModelLine, check_lines
from jcstar.procurement.lint import lint_policy_files
from jcstar.procurement.loader import load_policy, policies_dir
from jcstar.procurement.model_list import read_model_list
from jcstar.procurement.render_text import rule_bases
from jcstar.procurement.render_xlsx import render_xlsx
from jcstar.procurement.system import check_system, load_system, lookup_system
from tests.conftest import invoke

from .conftest import record, serve_records

EXAMPLE = Path(__file__).parents[2] / "examples" / "power-system"
BATTERY = EXAMPLE / "battery-system.yaml"
#: a day inside the FY2026 round, while every record of ``record()`` is valid
ON = "2026-12-01"
OCCTO_RULE = "OCCTO-LDES-2026-BATTERY-CONTROL"


def battery_records() -> list[LabelRecord]:
    """A ★1 label for every component of the example, under the numbers it names."""
    return [
        record("JC1-0301", ("EXB-BMS-800",), vendor="Example Batteries"),
        record("JC1-0302", ("EXB-PCS-2000",), vendor="Example Power"),
        record("JC1-0303", ("EXB-EMS-1",), vendor="Example Storage Systems"),
        record("JC1-0304", ("EXB-MON-5",), vendor="Example Power"),
    ]


@pytest.fixture
def records() -> list[LabelRecord]:
    return battery_records()


@pytest.fixture(autouse=True)
def in_process_source(monkeypatch: pytest.MonkeyPatch, records: list[LabelRecord]) -> None:
    serve_records(monkeypatch, procure_system_cmd, records)


def system(cli: CliRunner, path: Path, *args: str) -> tuple[int, str, str]:
    return invoke(
        cli,
        "procure",
        "system",
        str(path),
        "--policy",
        "occto-ldes-2026",
        "--registry",
        "http://127.0.0.1:9/",
        "--on",
        ON,
        *args,
    )


def edited_example(tmp_path: Path, component: str, **changes: Any) -> Path:
    """The battery example with one component's fields changed (``None`` removes one)."""
    data = yaml.safe_load(BATTERY.read_text("utf-8"))
    target = next(c for c in data["components"] if c["id"] == component)
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    path = tmp_path / "battery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


# -- the policies as data ---------------------------------------------------------------


def test_the_shipped_policies_lint_clean():
    assert lint_policy_files() == []


def test_the_programme_rules_rest_on_a_secondary_source_and_say_what_to_confirm():
    for name, rule_id in (
        ("occto-ldes-2026", OCCTO_RULE),
        ("sii-grid-battery-2026", "SII-GRID-BATTERY-2026-CONTROL"),
    ):
        policy = load_policy(name)
        rule = next(r for r in policy.rules if r.id == rule_id)
        assert rule.basis.kind == "secondary"
        assert {s.tag for s in rule.basis.sources} == {"S"}
        assert rule.basis.confirm
        assert rule.applies.product_types == ("battery-bms", "battery-ems", "battery-pcs")
        assert rule.requires.min_level == 1
        # the FY2026 round: from the month the call was published
        assert rule.applies.effective_from is not None
        assert rule.applies.effective_from.strftime("%Y-%m") == "2026-09"
    occto = load_policy("occto-ldes-2026")
    assert occto.rules[0].requires.registration_no == "warn"


def test_the_fy2027_pcs_rule_is_dated_and_only_under_consideration():
    policy = load_policy("power-sector")
    rule = next(r for r in policy.rules if r.id == "POWER-DER-PCS-FY2027")
    assert rule.status == "under_consideration"
    assert rule.basis.kind == "secondary"
    assert rule.applies.effective_from == dt.date(2027, 4, 1)
    lines = [ModelLine(model="EXP-PCS-55", product_type="der-pcs")]
    source = RecordsSource([record("JC1-0204", ("EXP-PCS-55",))])
    lookup = source.lookup(["EXP-PCS-55"], [])
    before = check_lines(lines, lookup, policy, dt.date(2027, 3, 31), "test").lines[0]
    assert before.rules == ("POWER-DER-PCS",)
    after = check_lines(lines, lookup, policy, dt.date(2027, 4, 10), "test").lines[0]
    assert after.verdict == "met"
    assert after.rules == ("POWER-DER-PCS", "POWER-DER-PCS-FY2027")
    assert "under consideration, not yet in force: POWER-DER-PCS-FY2027" in after.reason


def lint_edited(tmp_path: Path, rule_basis: dict[str, Any]) -> list[str]:
    data = yaml.safe_load((policies_dir() / "occto-ldes-2026.yaml").read_text("utf-8"))
    data["rules"][0]["basis"] = rule_basis
    path = tmp_path / "occto.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return [str(p).removeprefix(f"{path}: ") for p in lint_policy_files([path])]


def test_the_lint_refuses_an_official_rule_citing_a_secondary_source(tmp_path: Path):
    r1 = {"id": "R1", "tag": "S", "cite": "Form 4 §6"}
    seed = {"id": "SEED", "tag": "V", "cite": "電力分野における活用"}
    assert lint_edited(tmp_path, {"kind": "official", "sources": [r1]}) == [
        f"{OCCTO_RULE}: basis official but no source is tagged V (verified)"
    ]
    # a verified source beside it does not make the secondary one official
    assert lint_edited(tmp_path, {"kind": "official", "sources": [seed, r1]}) == [
        f"{OCCTO_RULE}: basis official but source R1 is tagged S, not V (verified): "
        "a rule resting on it is secondary or judgement"
    ]
    secondary = {"kind": "secondary", "programme": "P", "sources": [seed], "confirm": "c"}
    assert lint_edited(tmp_path, secondary) == [
        f"{OCCTO_RULE}: basis secondary but no source is tagged S (secondary)"
    ]


def test_a_secondary_basis_without_what_to_confirm_does_not_load(tmp_path: Path):
    basis = {
        "kind": "secondary",
        "programme": "P",
        "sources": [{"id": "R1", "tag": "S", "cite": "x"}],
    }
    problems = lint_edited(tmp_path, basis)
    assert problems == ["rules.0.basis.secondary.confirm: Field required"]


# -- procure system against the OCCTO rule --------------------------------------------------


def test_a_fully_labelled_battery_system_meets_the_auction_rule(cli: CliRunner):
    code, out, err = system(cli, BATTERY, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["meets_policy"] is True
    assert result["warnings"] == []
    chosen = {c["component"]["id"]: c["line"]["chosen"] for c in result["components"]}
    assert chosen == {
        "bms": "JC1-0301",
        "pcs": "JC1-0302",
        "ems": "JC1-0303",
        "remote-monitor": "JC1-0304",
    }
    ems = next(c for c in result["components"] if c["component"]["id"] == "ems")
    assert ems["basis"][0].startswith(
        f"{OCCTO_RULE}: secondary source: OCCTO long-term decarbonisation power auction"
    )
    assert "not confirmed from the programme's own text" in ems["basis"][0]


def test_an_unlabelled_ems_fails_naming_the_component_and_the_rules_basis(
    cli: CliRunner, tmp_path: Path, records: list[LabelRecord]
):
    records[:] = [r for r in records if r.registration_no != "JC1-0303"]
    path = edited_example(tmp_path, "ems", registration_no=None)
    code, out, _ = system(cli, path, "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert result["meets_policy"] is False
    assert result["reasons"] == [
        "component ems (ems, model EXB-EMS-1): not met: no label found; "
        f"rule {OCCTO_RULE}, basis secondary source: OCCTO long-term decarbonisation power "
        "auction, FY2026 round (application guidelines, Form 4 §6 and §2), per R1 [S], "
        "not confirmed from its own text"
    ]
    # the table says the same, line by line
    code, out, _ = system(cli, path)
    assert code == 1
    assert any(
        line.startswith("  component ems (ems, model EXB-EMS-1): not met: no label found; rule ")
        and "basis secondary source: OCCTO" in line
        for line in out.splitlines()
    )


def test_a_named_registration_number_the_source_does_not_hold_for_the_model_fails(
    cli: CliRunner, records: list[LabelRecord]
):
    # the EMS model has a label, but not the one the system diagram names
    records[2] = record("JC1-0399", ("EXB-EMS-1",), vendor="Example Storage Systems")
    code, out, _ = system(cli, BATTERY, "--format", "json")
    assert code == 1
    result = json.loads(out)
    ems = next(c for c in result["components"] if c["component"]["id"] == "ems")
    assert ems["line"]["verdict"] == "not_met"
    assert ems["line"]["reason"] == (
        "label registration number JC1-0303 is not a label of model EXB-EMS-1 in the source"
    )
    assert [r.split(";")[0] for r in result["reasons"]] == [
        "component ems (ems, model EXB-EMS-1): not met: label registration number JC1-0303 "
        "is not a label of model EXB-EMS-1 in the source"
    ]


def test_a_registration_number_of_another_model_is_named_as_such(
    tmp_path: Path, records: list[LabelRecord]
):
    # through lookup_system, which also asks the source for the named numbers
    described = load_system(edited_example(tmp_path, "ems", registration_no="JC1-0302"))
    policy = load_policy("occto-ldes-2026")
    source = RecordsSource(records, description="test records")
    result = check_system(
        described, lookup_system(source, described), policy, dt.date(2026, 12, 1), "test"
    )
    ems = next(c for c in result.components if c.component.id == "ems")
    assert ems.line.verdict == "not_met"
    assert ems.line.reason == "label JC1-0302 is a label of EXB-PCS-2000, not of model EXB-EMS-1"


def test_the_named_label_decides_even_when_the_model_has_a_good_one(
    cli: CliRunner, records: list[LabelRecord]
):
    # the PCS's named label was revoked; another valid label of the same model does not stand in
    revoked = record(
        "JC1-0302",
        ("EXB-PCS-2000",),
        vendor="Example Power",
        events=(
            (
                "revoked",
                "revoked",
                dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
                dt.date(2027, 4, 30),
                "false declaration",
            ),
        ),
    )
    records[1] = revoked
    records.append(record("JC1-0312", ("EXB-PCS-2000",), vendor="Example Power"))
    code, out, _ = system(cli, BATTERY, "--format", "json")
    assert code == 1
    pcs = next(c for c in json.loads(out)["components"] if c["component"]["id"] == "pcs")
    assert pcs["line"]["verdict"] == "not_met"
    assert pcs["line"]["reason"].startswith("JC1-0302: revoked on 2026-12-01")


def test_a_component_mapped_by_model_only_passes_with_a_warning(cli: CliRunner, tmp_path: Path):
    path = edited_example(tmp_path, "bms", registration_no=None)
    code, out, err = system(cli, path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["warnings"] == [
        "component bms: no label registration number given: mapped by model number only "
        f"({OCCTO_RULE} asks for the number)"
    ]


def test_a_required_registration_number_fails_a_component_mapped_by_model(
    cli: CliRunner, tmp_path: Path
):
    data = yaml.safe_load((policies_dir() / "occto-ldes-2026.yaml").read_text("utf-8"))
    data["rules"][0]["requires"]["registration_no"] = "require"
    policy = tmp_path / "strict.yaml"
    policy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    path = edited_example(tmp_path, "bms", registration_no=None)
    code, out, _ = invoke(
        cli, "procure", "system", str(path), "--policy", str(policy),
        "--registry", "http://127.0.0.1:9/", "--on", ON, "--format", "json",
    )  # fmt: skip
    assert code == 1
    reasons = json.loads(out)["reasons"]
    assert [r.split("; rule ")[0] for r in reasons] == [
        "component bms (bms, model EXB-BMS-800): not met: no label registration number given "
        f"({OCCTO_RULE} asks for one)"
    ]


def test_before_the_round_no_auction_rule_applies(cli: CliRunner):
    code, out, _ = invoke(
        cli, "procure", "system", str(BATTERY), "--policy", "occto-ldes-2026",
        "--registry", "http://127.0.0.1:9/", "--on", "2026-06-01", "--format", "json",
    )  # fmt: skip
    assert code == 1
    verdicts = {c["line"]["verdict"] for c in json.loads(out)["components"]}
    assert verdicts == {"unknown"}


def test_a_component_type_the_auction_policy_does_not_name_exits_2(cli: CliRunner):
    code, out, err = system(cli, EXAMPLE / "system.yaml")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "components.0.product_type: 'erab-controller' is not a product type of policy" in err


# -- the example and the reports --------------------------------------------------------


def test_the_example_matches_its_model_list_and_every_battery_policy():
    described = load_system(BATTERY)
    listed = {
        (line.model, line.product_type) for line in read_model_list(EXAMPLE / "battery-models.csv")
    }
    assert listed == {(c.model, c.product_type) for c in described.components}
    for name in ("occto-ldes-2026", "sii-grid-battery-2026", "power-sector"):
        known = {t.id for t in load_policy(name).product_types}
        assert {c.product_type for c in described.components} <= known, name


def test_reports_show_each_rules_basis(records: list[LabelRecord]):
    policy = load_policy("occto-ldes-2026")
    lines = read_model_list(EXAMPLE / "battery-models.csv")
    lookup = RecordsSource(records).lookup([line.model for line in lines], [])
    result = check_lines(lines, lookup, policy, dt.date(2026, 12, 1), "test records")
    bases = rule_bases(result, policy)
    assert [b.split(":")[0] for b in bases] == [OCCTO_RULE, "OCCTO-LDES-2026-MONITOR"]
    assert bases[0].startswith(f"{OCCTO_RULE}: secondary source: OCCTO")
    assert bases[1].startswith("OCCTO-LDES-2026-MONITOR: our judgement: Form 4 §6")
    sheet = load_workbook(io.BytesIO(render_xlsx(result, policy)))["Policy"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[OCCTO_RULE][5] == "secondary"
    assert "not confirmed from the programme's own text: Form 4 §6 and §2" in rows[OCCTO_RULE][6]
