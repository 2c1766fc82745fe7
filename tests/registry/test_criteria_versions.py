"""Criteria versions: every report and label names the version it was assessed and issued
against; the operator publishes new ones; labels on an older version show it and, under the
lapse rule (off by default), lapse on the day it gives. Both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jcstar.client.api import RegistryClient
from jcstar.client.verify import verify_label
from jcstar.labels import LabelClaims, TrustedKeys, verify_offline
from jcstar.registry.app import create_app
from jcstar.registry.db import utcnow
from jcstar.registry.labels.service import claims_in
from jcstar.registry.settings import Settings
from tests.conftest import invoke
from tests.registry.conftest import MakeParty, Party, apply, issue_label
from tests.registry.test_signed_labels import ThroughTestClient

STAR1 = "JST-CR-01-01-2024R1"
NEXT = "JST-CR-01-01-2026R2"


def _today() -> dt.date:
    return utcnow().date()


def _publish(
    client: TestClient, operator: Party, effective_on: dt.date, version: str = NEXT
) -> Any:
    return client.post(
        "/api/v1/criteria",
        json={
            "level": 1,
            "id": version,
            "title": "STAR-1 criteria, revised",
            "published_on": "2026-11",
            "effective_on": effective_on.isoformat(),
        },
        headers=operator.headers,
    )


def _star1_ids(client: TestClient) -> list[str]:
    """The ★1 versions the registry lists (★2+ profiles' own: test_star2_applications)."""
    return [v["id"] for v in client.get("/api/v1/criteria").json() if v["level"] == 1]


def _submit(client: TestClient, vendor: Party, report: dict[str, Any]) -> Any:
    app_id = apply(client, vendor, report)["id"]
    return client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)


def test_a_new_report_names_the_criteria_version_of_its_level(report: dict[str, Any]) -> None:
    assert report["level"] == 1
    assert report["criteria_version"] == STAR1


def test_the_registry_lists_the_star1_version_seeded_from_the_catalog(client: TestClient) -> None:
    listed = client.get("/api/v1/criteria").json()
    star1 = [(v["level"], v["id"], v["published_on"]) for v in listed if v["level"] == 1]
    assert star1 == [(1, STAR1, "2024-12")]  # ★2+ profiles' versions: test_star2_applications


def test_submission_refuses_a_criteria_version_the_registry_does_not_know(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    response = _submit(client, vendor, {**report, "criteria_version": "JST-CR-01-01-2099R9"})
    assert response.status_code == 422
    assert "criteria version JST-CR-01-01-2099R9" in response.json()["detail"]
    assert "does not know for ★1" in response.json()["detail"]


def test_submission_refuses_a_report_that_names_no_criteria_version(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    stripped = {k: v for k, v in report.items() if k != "criteria_version"}
    response = _submit(client, vendor, stripped)
    assert response.status_code == 422
    assert "names no criteria version" in response.json()["detail"]


def test_the_label_signs_the_criteria_version_and_verification_shows_it(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    assert claims_in(label["jws"]).criteria_version == STAR1
    assert f'"crv":"{STAR1}"' in claims_in(label["jws"]).to_payload().decode()
    check = verify_offline(label["qr"], client.get("/.well-known/jwks.json").json(), _today())
    assert check.valid and check.claims is not None
    assert check.claims.criteria_version == STAR1
    shown = client.get(f"/api/v1/labels/{label['registration_no']}").json()
    assert shown["criteria"] == {
        "version": STAR1,
        "current": STAR1,
        "current_since": "2025-03-25",
        "superseded": False,
        "lapses_on": None,
        # the level's own scheme, not a ★2+ category profile
        "scheme": None,
        "category": None,
        "draft": False,
    }
    assert STAR1 in client.get(f"/p/{label['registration_no']}").text


def test_publishing_a_new_version_marks_old_labels_which_stay_valid_by_default(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    number = issue_label(client, vendor, operator, report)["registration_no"]
    published = _publish(client, operator, _today())
    assert published.status_code == 201, published.text
    assert published.json()["earlier_lapse_on"] is None  # the lapse rule is off
    shown = client.get(f"/api/v1/labels/{number}").json()
    assert shown["status"] == "valid"
    assert shown["criteria"]["version"] == STAR1
    assert shown["criteria"]["current"] == NEXT
    assert shown["criteria"]["current_since"] == _today().isoformat()
    assert shown["criteria"]["superseded"] is True
    assert shown["criteria"]["lapses_on"] is None
    page = client.get(f"/p/{number}").text
    assert f"{STAR1} — 現行：{NEXT}" in page
    kinds = [e["kind"] for e in client.get("/api/v1/log").json()["entries"]]
    assert "criteria.published" in kinds
    # with the rule off, a report on the earlier version is still accepted
    assert _submit(client, vendor, report).status_code == 200


def test_publishing_is_refused_for_a_known_id_or_an_earlier_effective_day(
    client: TestClient, operator: Party
) -> None:
    again = client.post(
        "/api/v1/criteria",
        json={
            "level": 1,
            "id": STAR1,
            "title": "t",
            "published_on": "2024-12",
            "effective_on": "2025-04-01",
        },
        headers=operator.headers,
    )
    assert again.status_code == 409
    assert f"criteria version {STAR1} is already published" == again.json()["detail"]
    earlier = _publish(client, operator, dt.date(2025, 1, 1))
    assert earlier.status_code == 422
    assert "before JST-CR-01-01-2024R1" in earlier.json()["detail"]
    assert _star1_ids(client) == [STAR1]


@pytest.fixture
def lapsing_client(settings: Settings) -> Iterator[TestClient]:
    """The registry with the lapse rule on: six weeks, as Germany's IT security label."""
    app = create_app(dataclasses.replace(settings, criteria_lapse_weeks=6))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


def test_under_the_lapse_rule_old_labels_lapse_and_old_reports_are_refused(
    lapsing_client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    client = lapsing_client
    vendor = make_party("Example Energy Systems K.K.", "vendor")
    operator = make_party("JC-STAR Operator", "operator")
    number = issue_label(client, vendor, operator, report)["registration_no"]
    published = _publish(client, operator, _today())
    lapses = (_today() + dt.timedelta(weeks=6)).isoformat()
    assert published.json()["earlier_lapse_on"] == lapses
    shown = client.get(f"/api/v1/labels/{number}").json()
    assert shown["criteria"]["superseded"] is True
    assert shown["criteria"]["lapses_on"] == lapses
    assert f"{lapses} に失効" in client.get(f"/p/{number}").text
    refused = _submit(client, vendor, report)
    assert refused.status_code == 422
    assert f"superseded by {NEXT}" in refused.json()["detail"]


def test_a_version_announced_for_later_does_not_refuse_reports_yet(
    lapsing_client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    client = lapsing_client
    vendor = make_party("Example Energy Systems K.K.", "vendor")
    operator = make_party("JC-STAR Operator", "operator")
    assert _publish(client, operator, _today() + dt.timedelta(days=30)).status_code == 201
    assert _submit(client, vendor, report).status_code == 200


def test_a_label_from_before_criteria_versions_says_not_recorded(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    number = issue_label(client, vendor, operator, report)["registration_no"]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(text("UPDATE labels SET criteria_version = NULL"))
        session.commit()
    # the product page reads the label's rows; publishing a version re-stores its document
    assert "記録なし" in client.get(f"/p/{number}").text
    assert _publish(client, operator, _today()).status_code == 201
    criteria = client.get(f"/api/v1/labels/{number}").json()["criteria"]
    assert criteria["version"] is None
    assert (criteria["superseded"], criteria["lapses_on"]) == (False, None)


def test_claims_without_a_criteria_version_still_parse() -> None:
    payload = (
        '{"v":1,"reg":"JC1-2025-000001","lvl":1,"ven":"V","prd":"P","mdl":["M-1"],'
        '"ido":"2025-06-01","exo":"2027-06-01","url":"https://registry.test/p/JC1-2025-000001",'
        '"iss":"https://registry.test"}'
    )
    assert LabelClaims.from_payload(payload).criteria_version is None


def test_admin_publish_criteria_publishes_once_and_names_a_bad_id(
    cli: Any, client: TestClient, database_url: str
) -> None:
    args = ("--level", "1", "--title", "revised", "--published-on", "2026-11")
    base = ("admin", "publish-criteria", NEXT, *args, "--effective-on", "2026-12-01")
    code, _, err = invoke(cli, *base, "--database-url", database_url)
    assert code == 0, err
    assert f"published ★1 criteria {NEXT}, effective 2026-12-01" in err
    assert _star1_ids(client) == [STAR1, NEXT]
    code, _, err = invoke(cli, *base, "--database-url", database_url)
    assert code == 2
    assert f"criteria version {NEXT} is already published" in err
    code, _, err = invoke(
        cli,
        "admin",
        "publish-criteria",
        "bad id!",
        *args,
        "--effective-on",
        "2026-12-01",
        "--database-url",
        database_url,
    )
    assert code == 2
    assert "id: String should match pattern" in err
    assert _star1_ids(client) == [STAR1, NEXT]


def test_online_verification_says_a_label_lapsed_once_its_criteria_lapse_date_has_come(
    lapsing_client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    client = lapsing_client
    vendor = make_party("Example Energy Systems K.K.", "vendor")
    operator = make_party("JC-STAR Operator", "operator")
    label = issue_label(client, vendor, operator, report)
    keys = TrustedKeys.from_jwks(client.get("/.well-known/jwks.json").json())
    registry = RegistryClient("https://testserver", transport=ThroughTestClient(client))
    # a version in effect five weeks ago: under the six-week rule the label lapses next week
    assert _publish(client, operator, _today() - dt.timedelta(weeks=5)).status_code == 201
    lapses_on = _today() + dt.timedelta(weeks=1)
    assert verify_label(label["qr"], keys, registry, _today()).valid
    assert verify_label(label["qr"], keys, registry, lapses_on - dt.timedelta(days=1)).valid
    result = verify_label(label["qr"], keys, registry, lapses_on)
    assert not result.valid and result.status == "lapsed"
    assert f"superseded by {NEXT}: it lapsed on {lapses_on}" in result.reason
    # offline (no registry), the signature and dates alone still hold: the lapse is a
    # registry fact, as a revocation is
    assert verify_offline(label["qr"], keys, lapses_on).valid
