"""The procurement verdict for one line of a model list, against the shipped policies."""

from __future__ import annotations

import datetime as dt

from jcstar.client.status import Lookup, RecordsSource
from jcstar.procurement.evaluate import (
    LineResult,
    ModelLine,
    check_line,
    check_lines,
    registrations_to_follow,
)
from jcstar.procurement.loader import load_policy
from jcstar.procurement.models import Importance

from .conftest import TODAY, sample_records

GOVERNMENT = load_policy("government")
POWER = load_policy("power-sector")


def verdict(
    model: str,
    on: dt.date = TODAY,
    vendor: str | None = None,
    importance: Importance | None = None,
    policy: str = "government",
    product_type: str | None = None,
) -> LineResult:
    source = RecordsSource(sample_records())
    lookup = source.lookup([model], [])
    follow = registrations_to_follow(lookup)
    if follow:
        extra = source.lookup([], follow)
        lookup = Lookup(by_model=lookup.by_model, by_registration=extra.by_registration)
    line = ModelLine(model=model, vendor=vendor)
    return check_line(line, lookup, load_policy(policy), on, importance, product_type)


def test_a_valid_star1_label_meets_the_fy2025_rule_and_substitutes_for_the_seven_functions():
    result = verdict("GW-100")
    assert result.verdict == "met"
    assert result.chosen == "JC1-0001"
    assert result.rules == ("GOV-4.3.1-FY2025",)
    assert any("GOV-1, GOV-2, GOV-3, GOV-4, GOV-5, GOV-6, GOV-7" in n for n in result.notes)


def test_model_numbers_match_in_normal_form():
    assert verdict("gw-100").verdict == "met"
    assert verdict("ＧＷ－１００").verdict == "met"


def test_no_label_found_is_not_met():
    result = verdict("NOPE-1")
    assert (result.verdict, result.reason) == ("not_met", "no label found")


def test_expired_suspended_and_revoked_labels_fail_with_the_reason():
    expired = verdict("OLD-1")
    assert expired.verdict == "not_met"
    assert "expired on 2026-01-31" in expired.reason
    suspended = verdict("SUS-1")
    assert suspended.verdict == "not_met"
    assert "suspended on 2026-06-01: nonconformity S1.1-02" in suspended.reason
    revoked = verdict("REV-1")
    assert revoked.verdict == "not_met"
    assert "revoked on 2026-06-01: false declaration" in revoked.reason


def test_at_a_past_date_a_label_stands_as_it_did_then():
    # revoked on 2026-02-10, expired after 2026-01-31, suspended from 2026-03-01
    assert verdict("REV-1", on=dt.date(2026, 2, 9)).verdict == "met"
    assert verdict("REV-1", on=dt.date(2026, 2, 10)).verdict == "not_met"
    assert verdict("OLD-1", on=dt.date(2026, 1, 31)).verdict == "met"
    assert verdict("SUS-1", on=dt.date(2026, 2, 28)).verdict == "met"


def test_before_a_label_was_issued_it_does_not_count():
    result = verdict("GW-100", on=dt.date(2025, 4, 30))
    assert (result.verdict, result.reason) == ("not_met", "no label issued by 2025-04-30")


def test_before_fy2025_no_government_rule_applies():
    result = verdict("GW-100", on=dt.date(2025, 3, 31))
    assert result.verdict == "unknown"
    assert "no rule of government applies on 2025-03-31" in result.reason


def test_a_superseded_label_is_followed_to_its_successor_and_says_so():
    result = verdict("SUP-1")
    assert result.verdict == "met"
    assert result.chosen == "JC1-0007"
    assert result.notes[0] == "JC1-0006 is superseded by JC1-0007: judged on JC1-0007"


def test_a_superseded_label_whose_successor_is_not_held_fails():
    records = [r for r in sample_records() if r.registration_no != "JC1-0007"]
    lookup = RecordsSource(records).lookup(["SUP-1"], ["JC1-0007"])
    result = check_line(ModelLine(model="SUP-1"), lookup, GOVERNMENT, TODAY)
    assert result.verdict == "not_met"
    assert "superseded by JC1-0007" in result.reason


def test_two_vendors_for_one_model_is_ambiguous_and_nothing_is_chosen():
    result = verdict("BOX-1")
    assert result.verdict == "ambiguous"
    assert result.chosen is None
    assert {j.standing.registration_no for j in result.labels} == {"JC1-0008", "JC1-0009"}
    assert "Acme, Globex" in result.reason


def test_the_vendor_disambiguates_in_normal_form():
    result = verdict("BOX-1", vendor="ＧＬＯＢＥＸ")
    assert (result.verdict, result.chosen) == ("met", "JC1-0009")
    wrong = verdict("BOX-1", vendor="Initech")
    assert wrong.verdict == "not_met"
    assert "no label of vendor 'Initech'" in wrong.reason


def test_importance_high_asks_star3_and_says_the_rule_is_under_consideration():
    low_level = verdict("GW-100", importance="high")
    assert low_level.verdict == "not_met"
    assert "★1 is below the ★3 GOV-IMPORTANCE-MEDIUM-HIGH asks" in low_level.reason
    assert "under consideration" in low_level.reason
    assert verdict("CAM-300", importance="high").verdict == "met"
    assert verdict("GW-100", importance="low").verdict == "met"


def test_a_support_end_and_a_notice_are_warnings_unless_the_rule_requires_otherwise():
    result = verdict("PCS-9", policy="power-sector", product_type="der-pcs")
    assert result.verdict == "met"
    assert "support period ended 2026-03-31" in result.warnings
    assert any("CVE-2026-0001" in w for w in result.warnings)
    strict = POWER.model_copy(
        update={
            "rules": tuple(
                r.model_copy(
                    update={"requires": r.requires.model_copy(update={"notices": "require"})}
                )
                for r in POWER.rules
            )
        }
    )
    lookup = RecordsSource(sample_records()).lookup(["PCS-9"], [])
    failed = check_line(ModelLine(model="PCS-9"), lookup, strict, TODAY, None, "der-pcs")
    assert failed.verdict == "not_met"
    assert "CVE-2026-0001" in failed.reason


def test_a_power_sector_rule_applies_only_to_its_product_type():
    result = verdict("GW-100", policy="power-sector")
    assert result.verdict == "unknown"
    assert verdict("GW-100", policy="power-sector", product_type="erab-gateway").verdict == "met"


def test_the_summary_counts_lines_and_units():
    source = RecordsSource(sample_records())
    lines = [
        ModelLine(model="GW-100", quantity=40),
        ModelLine(model="REV-1", quantity=3),
        ModelLine(model="BOX-1", quantity=2),
        ModelLine(model="NOPE", quantity=1),
    ]
    lookup = source.lookup([x.model for x in lines], [])
    result = check_lines(lines, lookup, GOVERNMENT, TODAY, source.description)
    summary = result.summary
    assert (summary.lines, summary.quantity) == (4, 46)
    assert summary.by_verdict["met"].quantity == 40
    assert summary.by_verdict["not_met"].lines == 2
    assert summary.by_verdict["not_met"].quantity == 4
    assert summary.by_verdict["ambiguous"].lines == 1
    assert not summary.all_met
    assert "covers the product alone" in result.scope_note
