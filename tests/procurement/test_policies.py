"""Procurement policies are data: the shipped ones load and lint clean, a bad file is named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jcstar.procurement.lint import lint_policy_files
from jcstar.procurement.loader import PolicyError, load_policy, policies_dir


def test_every_shipped_policy_loads_and_lints_clean():
    assert lint_policy_files() == []


def test_the_government_policy_carries_the_guideline_rules():
    policy = load_policy("government")
    rules = {rule.id: rule for rule in policy.rules}
    fy2025 = rules["GOV-4.3.1-FY2025"]
    assert fy2025.applies.effective_from.isoformat() == "2025-04-01"
    assert fy2025.requires.min_level == 1
    assert fy2025.basis.kind == "official"
    assert fy2025.substitutes_for == tuple(f"GOV-{n}" for n in range(1, 8))
    # the importance thresholds are data, and marked as the seed's 検討している
    high = rules["GOV-IMPORTANCE-MEDIUM-HIGH"]
    assert (high.requires.min_level, high.status) == (3, "under_consideration")
    assert high.applies.importance == ("medium", "high")
    assert rules["GOV-IMPORTANCE-LOW"].requires.min_level == 1


def test_the_power_sector_policy_has_the_seed_product_types_and_guidelines():
    policy = load_policy("power-sector")
    assert [t.id for t in policy.product_types] == [
        "erab-gateway",
        "erab-controller",
        "dr-ready-device",
        "der-remote-monitor",
        "der-pcs",
        # named by the OCCTO auction and the SII subsidy (secondary), not by the seed
        "battery-bms",
        "battery-ems",
        "battery-pcs",
    ]
    assert len(policy.guidelines) == 8
    grid = next(g for g in policy.guidelines if g.id == "grid-interconnection")
    assert grid.measures_ja == (
        "ネットワーク接続点の保護",
        "マルウェア対策",
        "系統運用者に対するセキュリティ管理責任者の通知",
    )
    # no official text requires a label for these types: every rule says it is our judgement,
    # or rests on a secondary source and says so (the FY2027 PCS rule, a press report)
    assert {rule.basis.kind for rule in policy.rules} == {"judgement", "secondary"}
    gateway = policy.product_type("erab-gateway")
    assert gateway is not None
    assert gateway.network_checks == ("network.sector_protocols", "network.openadr_client_cert")


def test_a_policy_file_of_our_own_loads_like_a_shipped_one(tmp_path: Path):
    path = tmp_path / "city.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "id": "city",
                "name_en": "City hall",
                "version": "1",
                "issuer": "City IT",
                "rules": [
                    {
                        "id": "CITY-1",
                        "title_en": "★2 for cameras",
                        "requires": {"min_level": 2},
                        "basis": {"kind": "judgement", "why": "our risk assessment"},
                    }
                ],
            }
        ),
        "utf-8",
    )
    assert load_policy(str(path)).rules[0].requires.min_level == 2
    assert lint_policy_files([path]) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rules": [{"id": "X", "title_en": "x", "requires": {"min_level": 7}}]}, "rules.0"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_policy_file_is_named_with_the_field(tmp_path: Path, change: dict, message: str):
    data = yaml.safe_load((policies_dir() / "government.yaml").read_text("utf-8"))
    data.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_the_lint_finds_what_the_model_cannot(tmp_path: Path):
    data = yaml.safe_load((policies_dir() / "power-sector.yaml").read_text("utf-8"))
    data["rules"][0]["applies"]["product_types"] = ["toaster"]
    data["rules"][1]["basis"] = {
        "kind": "official",
        "sources": [{"id": "NOWHERE", "tag": "S", "cite": "x"}],
    }
    # the checks a type should run are the catalog sector profile's, not a second list
    data["product_types"][3]["network_checks"].append("network.openadr_client_cert")
    path = tmp_path / "power.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    problems = [str(p) for p in lint_policy_files([path])]
    assert f"{path}: POWER-ERAB-GATEWAY: applies to unknown product type toaster" in problems
    assert f"{path}: product type erab-gateway: no rule applies to it" in problems
    assert (
        f"{path}: POWER-ERAB-CONTROLLER: basis official but no source is tagged V (verified)"
        in problems
    )
    assert f"{path}: POWER-ERAB-CONTROLLER: unknown source NOWHERE" in problems
    assert (
        f"{path}: product type der-remote-monitor: network_checks network.sector_protocols, "
        "network.openadr_client_cert but its sector profile runs network.sector_protocols"
    ) in problems


def test_an_unknown_policy_name_lists_the_shipped_ones():
    with pytest.raises(
        PolicyError,
        match="unknown policy 'mars' \\(shipped: government, occto-ldes-2026, power-sector",
    ):
        load_policy("mars")


def test_catalog_lint_lints_the_shipped_policies_too(cli, tmp_path: Path, monkeypatch):
    from tests.conftest import invoke

    code, out, _ = invoke(cli, "catalog", "lint")
    assert code == 0, out
    bad = tmp_path / "government.yaml"
    data = yaml.safe_load((policies_dir() / "government.yaml").read_text("utf-8"))
    data["rules"][0]["substitutes_for"] = ["GOV-8"]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setattr("jcstar.procurement.lint.shipped_policy_files", lambda: (bad,))
    code, out, _ = invoke(cli, "catalog", "lint")
    assert code == 1
    expected = (
        "procurement/policies/government.yaml: GOV-4.3.1-FY2025: GOV-8 is not a gov-guideline"
    )
    assert expected in out
