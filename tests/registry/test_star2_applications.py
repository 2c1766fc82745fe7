"""★2 through a category profile (issue 15): the registry holds criteria versions per profile,
takes a conformant ★2 report on its profile's version, refuses one on another, and issues a
★2 label whose public record names the category and says its criteria are a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from jcstar.labels import verify_offline
from jcstar.registry.db import utcnow
from jcstar.registry.labels.service import claims_in
from tests.registry.conftest import (
    PROFILE_CATEGORY,
    STAR2_CRITERIA,
    STAR2_SCHEME,
    Party,
    ProfileCatalog,
    apply,
    publish_profile_criteria,
)

#: the shipped catalog data, read before any test swaps in the test-only profiles
SHIPPED_DATA = data_dir()
SMART_HOME = Path(__file__).parents[2] / "examples" / "star2-smart-home"


@pytest.fixture
def star2(profile_catalog: ProfileCatalog) -> dict[str, Any]:
    """A conformant report on the test-only ★2 profile (tests using it ask for
    ``on_profile_catalog`` first, so the registry reads that profile)."""
    return dict(profile_catalog.star2_report)


def _post(client: TestClient, party: Party, path: str, body: Any = None) -> Any:
    return client.post(f"/api/v1/applications/{path}", json=body, headers=party.headers)


def test_a_conformant_star2_report_is_labelled_star2_with_its_category_and_draft_criteria(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    star2: dict[str, Any],
) -> None:
    assert (star2["level"], star2["catalog"]["scheme"]) == (2, STAR2_SCHEME)
    assert star2["criteria_version"] == STAR2_CRITERIA and star2["catalog"]["draft"]
    published = publish_profile_criteria(client, operator, 2, STAR2_SCHEME, STAR2_CRITERIA)
    assert (published["scheme"], published["category"], published["draft"]) == (
        STAR2_SCHEME,
        PROFILE_CATEGORY,
        True,
    )
    app_id = apply(client, vendor, star2)["id"]
    submitted = _post(client, vendor, f"{app_id}/submit")
    assert submitted.status_code == 200, submitted.text
    # the fee table has no ★2 amount: the operator states it on accepting
    accepted = _post(client, operator, f"{app_id}/accept", {"fee_jpy": 120_000})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["fee_jpy"] == 120_000
    assert _post(client, operator, f"{app_id}/fee-paid", {"reference": "T-2"}).status_code == 200
    assert _post(client, operator, f"{app_id}/start-review").status_code == 200
    approved = _post(client, operator, f"{app_id}/approve")
    assert approved.status_code == 200, approved.text
    number = approved.json()["registration_no"]
    assert number.startswith(f"JC2-{utcnow().year}-")

    label = client.get(f"/api/v1/labels/{number}").json()
    assert label["level"] == 2
    assert label["criteria"]["version"] == STAR2_CRITERIA
    assert label["criteria"]["scheme"] == STAR2_SCHEME
    assert label["criteria"]["category"] == PROFILE_CATEGORY
    assert label["criteria"]["draft"] is True
    # the signed label: ★2 on the profile's criteria version, verifiable offline
    claims = claims_in(label["jws"])
    assert (claims.level, claims.criteria_version) == (2, STAR2_CRITERIA)
    jwks = client.get("/.well-known/jwks.json").json()
    check = verify_offline(label["qr"], jwks, utcnow().date())
    assert check.valid and check.claims is not None and check.claims.level == 2
    page = client.get(f"/p/{number}?lang=en").text
    assert "★2" in page and STAR2_CRITERIA in page
    assert f"{PROFILE_CATEGORY} ({STAR2_SCHEME})" in page
    assert "issued on draft criteria, not criteria IPA has published" in page


def test_a_star2_report_on_criteria_other_than_its_profiles_is_refused_naming_them(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    star2: dict[str, Any],
) -> None:
    publish_profile_criteria(client, operator, 2, STAR2_SCHEME, STAR2_CRITERIA)
    # ★1's version is published too, but it is not this profile's
    app_id = apply(client, vendor, {**star2, "criteria_version": "JST-CR-01-01-2024R1"})["id"]
    refused = _post(client, vendor, f"{app_id}/submit")
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "criteria version JST-CR-01-01-2024R1" in detail
    assert f"(known: {STAR2_CRITERIA})" in detail
    state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()["state"]
    assert state == "draft"


def test_a_profile_whose_criteria_the_operator_has_not_published_takes_no_applications(
    on_profile_catalog: ProfileCatalog, client: TestClient, vendor: Party, star2: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, star2)["id"]
    refused = _post(client, vendor, f"{app_id}/submit")
    assert refused.status_code == 422
    assert (
        f"this registry has published no criteria version for {STAR2_SCHEME} "
        f"(★2, {PROFILE_CATEGORY})" in refused.json()["detail"]
    )


def test_accepting_a_star2_application_asks_the_operator_to_state_the_fee(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    vendor: Party,
    operator: Party,
    star2: dict[str, Any],
) -> None:
    publish_profile_criteria(client, operator, 2, STAR2_SCHEME, STAR2_CRITERIA)
    app_id = apply(client, vendor, star2)["id"]
    assert _post(client, vendor, f"{app_id}/submit").status_code == 200
    refused = _post(client, operator, f"{app_id}/accept")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("fee_jpy: the fee table has no amount for ★2")
    shown = client.get(f"/api/v1/applications/{app_id}", headers=operator.headers).json()
    assert (shown["state"], shown["acceptance_no"]) == ("submitted", None)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"level": 2}, "scheme: ★2 criteria are set per product category"),
        ({"level": 2, "scheme": "no-such-profile"}, "scheme: no ★2 category profile"),
        # a profile of another level
        ({"level": 3, "scheme": STAR2_SCHEME}, f"scheme: no ★3 category profile '{STAR2_SCHEME}'"),
    ],
    ids=["no-scheme", "unknown-scheme", "other-level"],
)
def test_publishing_star2_criteria_names_the_category_profile(
    on_profile_catalog: ProfileCatalog,
    client: TestClient,
    operator: Party,
    body: dict[str, Any],
    named: str,
) -> None:
    full = {"id": "X-2", "title": "t", "published_on": "2026-12", "effective_on": "2026-12-01"}
    refused = client.post("/api/v1/criteria", json={**full, **body}, headers=operator.headers)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(named)
    assert "X-2" not in [v["id"] for v in client.get("/api/v1/criteria").json()]


def test_one_profiles_new_version_does_not_supersede_another_levels_or_profiles(
    on_profile_catalog: ProfileCatalog, client: TestClient, operator: Party
) -> None:
    publish_profile_criteria(client, operator, 2, STAR2_SCHEME, STAR2_CRITERIA)
    # a later ★2 version of the profile may take effect before ★1's newest: per scheme
    later = publish_profile_criteria(client, operator, 2, STAR2_SCHEME, "TEST-DRAFT-2-HG-2")
    assert later["earlier_lapse_on"] is None  # the lapse rule is off in these tests
    listed = [(v["level"], v["scheme"], v["id"]) for v in client.get("/api/v1/criteria").json()]
    assert (1, None, "JST-CR-01-01-2024R1") in listed
    assert [v for v in listed if v[1] == STAR2_SCHEME] == [
        (2, STAR2_SCHEME, STAR2_CRITERIA),
        (2, STAR2_SCHEME, "TEST-DRAFT-2-HG-2"),
    ]


def test_the_shipped_profiles_current_criteria_are_published_in_a_new_registry(
    client: TestClient,
) -> None:
    """Migration 0015 seeds the shipped profiles' versions: a vendor can apply on them."""
    shipped = CatalogIndex(load_catalog(SHIPPED_DATA))
    profiles = [s for s in shipped.catalog.schemes if s.is_profile and s.current_criteria]
    listed = {v["id"]: v for v in client.get("/api/v1/criteria").json()}
    for profile in profiles:
        assert profile.current_criteria is not None
        row = listed.get(profile.current_criteria.id)
        assert row is not None, f"{profile.id}: {profile.current_criteria.id} is not seeded"
        assert (row["level"], row["scheme"], row["category"], row["draft"]) == (
            profile.level,
            profile.id,
            profile.category,
            profile.draft,
        )
        assert row["effective_on"] == profile.current_criteria.effective_on.isoformat()


def test_the_shipped_smart_home_example_is_labelled_star2_on_its_seeded_draft_criteria(
    client: TestClient, vendor: Party, operator: Party
) -> None:
    """Issue 15's first Done-when line with the shipped data: the example assesses at ★2 in
    the smart-home category and the registry, on the version migration 0015 seeded, labels it."""
    report = assess_files(SMART_HOME / "profile.yaml", SMART_HOME / "answers.yaml")
    assert (report.overall, report.level, report.product.category) == (
        "CONFORMANT",
        2,
        "smart-home",
    )
    app_id = apply(client, vendor, report.model_dump(mode="json"))["id"]
    submitted = _post(client, vendor, f"{app_id}/submit")
    assert submitted.status_code == 200, submitted.text
    assert _post(client, operator, f"{app_id}/accept", {"fee_jpy": 120_000}).status_code == 200
    assert _post(client, operator, f"{app_id}/fee-paid", {"reference": "T-SH"}).status_code == 200
    approved = _post(client, operator, f"{app_id}/approve")
    assert approved.status_code == 200, approved.text
    label = client.get(f"/api/v1/labels/{approved.json()['registration_no']}").json()
    assert label["level"] == 2
    assert label["criteria"] == {
        **label["criteria"],
        "version": "JCSTAR-DRAFT-2-SH-2026.12",
        "scheme": "jcstar-2-smart-home",
        "category": "smart-home",
        "draft": True,
    }
