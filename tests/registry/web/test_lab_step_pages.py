"""The ★3 lab step through the pages (no browser, both databases): the operator's reviewer
assigns a lab with the review page's select, the lab's evaluator finds the application under
/lab and uploads its report, and the operator's page shows what approval still waits for;
whoever may not assign is refused and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.conftest import (
    STAR3_CRITERIA,
    STAR3_SCHEME,
    MakeParty,
    Party,
    ProfileCatalog,
    apply,
    publish_profile_criteria,
)
from tests.registry.web.test_operator_pages import (
    ORIGIN,
    REVIEWER,
    form_token,
    person,
    post_form,
    sign_in,
    visible,
)

LAB, OTHER_LAB = "Tokyo Test Lab", "Osaka Test Lab"
EVALUATOR = "evaluator@lab.test"


@pytest.fixture(autouse=True)
def _profiles(on_profile_catalog: ProfileCatalog) -> ProfileCatalog:
    return on_profile_catalog  # before ``client``: the registry reads the test profiles


@pytest.fixture
def star3_app(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    profile_catalog: ProfileCatalog,
) -> int:
    """A ★3 draft naming no lab, two labs, the operator's reviewer and the lab's evaluator."""
    make_party(LAB, "lab")
    make_party(OTHER_LAB, "lab")
    person(client, operator.name, REVIEWER, "reviewer")
    person(client, operator.name, "approver@operator.test", "approver")
    person(client, LAB, EVALUATOR, "evaluator")
    person(client, vendor.name, "applicant@vendor.test", "applicant")
    publish_profile_criteria(client, operator, 3, STAR3_SCHEME, STAR3_CRITERIA)
    app_id: int = apply(client, vendor, dict(profile_catalog.star3_report))["id"]
    return app_id


def _application(client: TestClient, operator: Party, app_id: int) -> dict[str, Any]:
    data: dict[str, Any] = client.get(
        f"/api/v1/applications/{app_id}", headers=operator.headers
    ).json()
    return data


def test_the_reviewer_assigns_a_lab_which_then_uploads_its_report(
    client: TestClient, operator: Party, star3_app: int
) -> None:
    review = f"/operator/applications/{star3_app}"
    sign_in(client, REVIEWER)
    page = client.get(f"{review}?lang=en").text
    assert 'id="assign-lab"' in page
    assert visible(page, "category-profile", "td") == (
        f"home-gateway ({STAR3_SCHEME}) · {STAR3_CRITERIA}"
    )
    assert f'<option value="{LAB}">{LAB}</option>' in page
    assert f'<option value="{OTHER_LAB}">{OTHER_LAB}</option>' in page
    assert visible(page, "lab", "td").startswith("none named")

    # nothing chosen: the sentence beside the form, nothing stored
    empty = post_form(client, f"{review}/lab", {"lab": ""})
    assert empty.status_code == 422
    assert visible(empty.text, "problem-assign_lab") == "lab: choose the evaluation lab to assign"
    assert _application(client, operator, star3_app)["lab"] is None

    done = post_form(client, f"{review}/lab", {"lab": LAB})
    assert done.status_code == 303
    assert done.headers["location"] == f"{review}?done=lab_assigned"
    page = client.get(f"{done.headers['location']}&lang=en").text
    assert visible(page, "done") == "The evaluation lab is assigned."
    assert visible(page, "lab-missing") == (
        "Its evaluation report is not attached yet: approval waits for it."
    )
    assert _application(client, operator, star3_app)["lab"] == LAB

    # the lab's evaluator finds it under /lab and uploads the report
    sign_in(client, EVALUATOR)
    listing = client.get("/lab?lang=en").text
    assert f'href="/lab/applications/{star3_app}"' in listing
    assert "not yet attached" in listing
    sent = client.post(
        f"/lab/applications/{star3_app}/evaluation-report",
        files={"csrf": (None, form_token(client, "/lab")), "report": ("etr.pdf", b"%PDF-1.7 e")},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert "attached (1)" in client.get("/lab?lang=en").text

    sign_in(client, REVIEWER)
    assert 'id="lab-missing"' not in client.get(f"{review}?lang=en").text
    steps = [e["state"] for e in _application(client, operator, star3_app)["history"]]
    assert steps == ["draft", "lab_assigned", "evaluation_report"]


@pytest.mark.parametrize("who", ["approver@operator.test", EVALUATOR, "applicant@vendor.test"])
def test_only_the_reviewer_may_assign_through_the_page_and_nothing_changes(
    client: TestClient, operator: Party, star3_app: int, who: str
) -> None:
    sign_in(client, who)
    refused = post_form(client, f"/operator/applications/{star3_app}/lab", {"lab": LAB})
    assert refused.status_code == 403
    assert _application(client, operator, star3_app)["lab"] is None
    if who.endswith("@operator.test"):  # the approver sees the page, without the control
        page = client.get(f"/operator/applications/{star3_app}").text
        assert 'id="assign-lab"' not in page
