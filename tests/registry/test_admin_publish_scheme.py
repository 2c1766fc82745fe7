"""``jcstar admin publish-criteria --scheme``: the operator publishes a ★2+ category profile's
criteria version from the command line, as POST /api/v1/criteria takes it; a ★2 version
without its profile, or naming none the catalog has, exits 2 in one line and stores nothing.
Both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import invoke

SMART_HOME = "jcstar-2-smart-home"
NEXT = "JCSTAR-DRAFT-2-SH-2027.06"


def _versions(client: TestClient, level: int) -> list[dict[str, Any]]:
    return [v for v in client.get("/api/v1/criteria").json() if v["level"] == level]


def _publish(cli: Any, database_url: str, *extra: str) -> tuple[int, str, str]:
    return invoke(
        cli,
        "admin",
        "publish-criteria",
        NEXT,
        "--level",
        "2",
        "--title",
        "smart-home ★2 draft, revised",
        "--published-on",
        "2027-05",
        "--effective-on",
        "2027-06-01",
        *extra,
        "--database-url",
        database_url,
    )


def test_publish_criteria_with_scheme_publishes_the_profiles_version(
    cli: Any, client: TestClient, database_url: str
) -> None:
    before = _versions(client, 2)
    code, _, err = _publish(cli, database_url, "--scheme", SMART_HOME)
    assert code == 0, err
    assert f"published ★2 criteria {NEXT} for {SMART_HOME}, effective 2027-06-01" in err
    after = _versions(client, 2)
    assert after[: len(before)] == before
    (added,) = after[len(before) :]
    assert (added["id"], added["scheme"], added["category"], added["draft"]) == (
        NEXT,
        SMART_HOME,
        "smart-home",
        True,
    )


def test_a_star2_version_without_or_with_an_unknown_profile_exits_2_and_stores_nothing(
    cli: Any, client: TestClient, database_url: str
) -> None:
    before = _versions(client, 2)
    code, _, err = _publish(cli, database_url)
    assert code == 2
    assert "scheme: ★2 criteria are set per product category" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _publish(cli, database_url, "--scheme", "jcstar-2-toasters")
    assert code == 2
    assert "scheme: no ★2 category profile 'jcstar-2-toasters'" in err
    assert _versions(client, 2) == before
