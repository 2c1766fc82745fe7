"""The operator's and the lab's pages through the app on both databases (no browser): the
review queue, an application's review and its actions by form, label status changes with
their confirmation, key rotation, accounts; and the permission matrix again through the
pages (a denied page or form changes nothing)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_text
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jcstar.registry.accounts.service import create_org, create_token, create_user, require_org
from jcstar.registry.app import create_app
from jcstar.registry.applications.models import ApplicationEvent
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.settings import Settings
from tests.registry.conftest import (
    BASE_URL,
    MakeParty,
    Party,
    accept_and_pay,
    application_state,
    apply,
    identity_for,
    issue_label,
    submit,
    with_answer,
)

ORIGIN = {"Origin": BASE_URL}
PASSWORD = "operator-password-1"
REVIEWER = "reviewer@operator.test"
APPROVER = "approver@operator.test"
SECOND = "second-approver@operator.test"
ADMIN = "admin@operator.test"


def visible(html: str, element_id: str, end: str = "div|p|td|span|h1|strong") -> str:
    """The text of the element with this id up to its first closing tag of a kind in ``end``."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:{end})>', html, re.S)
    assert found, f"no element {element_id}"
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def form_token(client: TestClient, path: str = "/signin") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, "no form token on the page"
    return found.group(1)


def post_form(client: TestClient, path: str, fields: dict[str, Any]) -> Any:
    """A form post as the browser sends it: multipart, from the registry's own origin, with
    the page's form token; a list value repeats its field."""
    sent: list[tuple[str, tuple[None, str]]] = [("csrf", (None, form_token(client, "/signin")))]
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            sent.append((name, (None, one)))
    return client.post(path, files=sent, headers=ORIGIN, follow_redirects=False)


def person(client: TestClient, org: str, email: str, *roles: str) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), email, PASSWORD, roles)
        session.commit()


def sign_in(client: TestClient, email: str) -> None:
    """The browser of ``email``: earlier cookies dropped, signed in with the form."""
    client.cookies.clear()
    answer = post_form(client, "/signin", {"email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text


@pytest.fixture
def staff(client: TestClient, operator: Party) -> Party:
    """The operator with a reviewer, two approvers and an administrator, each a person."""
    person(client, operator.name, REVIEWER, "reviewer")
    person(client, operator.name, APPROVER, "approver")
    person(client, operator.name, SECOND, "approver")
    person(client, operator.name, ADMIN, "administrator")
    return operator


def submitted(client: TestClient, vendor: Party, report: dict[str, Any], **extra: Any) -> int:
    app = apply(client, vendor, report, **extra)
    submit(client, vendor, app["id"])
    return int(app["id"])


def received_days_ago(client: TestClient, app_id: int, days: int) -> None:
    """Move the application's submission ``days`` back (an application that has waited)."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        events = session.scalars(
            select(ApplicationEvent).where(
                ApplicationEvent.application_id == app_id, ApplicationEvent.state == "submitted"
            )
        )
        for event in events:
            event.at = utcnow() - dt.timedelta(days=days)
        session.commit()


def queue_numbers(html: str) -> list[str]:
    """The application numbers in the queue's table, in its order."""
    table = html.split('id="queue"', 1)[1] if 'id="queue"' in html else ""
    return re.findall(r'href="/operator/applications/\d+">([^<]+)</a>', table)


def number_of(client: TestClient, party: Party, app_id: int) -> str:
    answer = client.get(f"/api/v1/applications/{app_id}", headers=party.headers)
    number: str = answer.json()["application_no"] or answer.json()["draft_no"]
    return number


# -- the review queue -----------------------------------------------------------------------------


def test_the_queue_shows_waiting_applications_oldest_first_with_their_age_and_filters(
    client: TestClient, vendor: Party, staff: Party, make_party: MakeParty, report: dict[str, Any]
) -> None:
    other = make_party("Other Devices Ltd.", "vendor")
    recent = submitted(client, vendor, report)
    oldest = submitted(client, other, report)
    received_days_ago(client, oldest, 9)
    draft = apply(client, vendor, report)["id"]  # a draft is the vendor's business
    accepted = submitted(client, vendor, report)
    received_days_ago(client, accepted, 3)
    accept_and_pay(client, staff, accepted)

    sign_in(client, REVIEWER)
    page = client.get("/operator?lang=en")
    assert page.status_code == 200
    numbers = [number_of(client, staff, n) for n in (oldest, accepted, recent)]
    assert queue_numbers(page.text) == numbers
    assert number_of(client, staff, draft) not in page.text
    assert visible(page.text, "result-count") == "1–3 of 3 applications"
    ages = re.findall(r'class="nowrap age">([^<]+)<', page.text)
    assert ages == ["9 days", "3 days", "0 days"]

    by_vendor = client.get("/operator?lang=en&vendor=other devices")
    assert queue_numbers(by_vendor.text) == [numbers[0]]
    by_state = client.get("/operator?lang=en&state=accepted")
    assert queue_numbers(by_state.text) == [numbers[1]]
    drafts = client.get("/operator?lang=en&state=draft")
    assert queue_numbers(drafts.text) == [number_of(client, staff, draft)]
    assert queue_numbers(client.get("/operator?level=2").text) == []
    bad = client.get("/operator?lang=en&state=lost")
    assert bad.status_code == 422
    assert "unknown state 'lost'" in visible(bad.text, "problem")


def test_the_queue_pages_through_many_applications(
    client: TestClient, vendor: Party, staff: Party, report: dict[str, Any]
) -> None:
    made = [submitted(client, vendor, report) for _ in range(27)]
    sign_in(client, REVIEWER)
    first = client.get("/operator?lang=en")
    assert len(queue_numbers(first.text)) == 25
    assert visible(first.text, "result-count") == "1–25 of 27 applications"
    second = client.get("/operator?lang=en&p=2")
    assert queue_numbers(second.text) == [number_of(client, staff, n) for n in made[25:]]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


# -- an application's review ---------------------------------------------------------------------


def test_a_reviewer_accepts_records_the_fee_starts_review_and_returns_with_reasons(
    client: TestClient, vendor: Party, staff: Party, report: dict[str, Any]
) -> None:
    app_id = submitted(client, vendor, report)
    path = f"/operator/applications/{app_id}"
    sign_in(client, REVIEWER)
    page = client.get(f"{path}?lang=en")
    # the verdicts beside the vendor's statements
    row = page.text.split('id="req-S1.1-01"', 1)[1].split("</tr>", 1)[0]
    first = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-01")
    assert ">Met<" in row and html_text.escape(first["vendor_statement"][:40]) in row
    assert "HG-100 security design description" in row
    assert 'action="' + path + '/accept"' in page.text
    assert 'action="' + path + '/approve"' not in page.text  # a reviewer does not approve
    # what the report answers in other markets, as the vendor sees it
    markets = re.search(r'id="markets-link"><a href="([^"]+)"', page.text)
    assert markets is not None
    assert client.get(markets.group(1)).status_code == 200

    accepted = post_form(client, f"{path}/accept", {})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"{path}?done=accepted"
    assert application_state(client, staff, app_id) == "accepted"
    shown = client.get(f"{path}?done=accepted&lang=en")
    assert visible(shown.text, "done") == "The application is accepted and its fee invoiced."
    given = client.get(f"/api/v1/applications/{app_id}", headers=staff.headers).json()
    assert visible(shown.text, "acceptance-no") == given["acceptance_no"]

    # the review waits for the fee: its form is not offered until the fee is paid
    assert f'action="{path}/start-review"' not in shown.text
    paid = post_form(client, f"{path}/fee-paid", {"reference": "TRANSFER-77"})
    assert paid.status_code == 303
    started = post_form(client, f"{path}/start-review", {})
    assert started.status_code == 303
    assert application_state(client, staff, app_id) == "under_review"

    returned = post_form(
        client,
        f"{path}/return",
        {
            "note": "Two corrections, please.",
            "requirement": ["S1.1-01", "S1.1-02", "S1.1-05"],
            "requirement_reason": ["The default password\nstatement is vague.", "", "No SBOM."],
        },
    )
    assert returned.status_code == 303, returned.text
    seen = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()
    assert seen["state"] == "returned"
    assert seen["history"][-1]["reason"] == (
        "Two corrections, please.\n"
        "S1.1-01: The default password statement is vague.\n"
        "S1.1-05: No SBOM."
    )


def test_a_refused_action_shows_its_reason_beside_the_form_and_changes_nothing(
    client: TestClient, vendor: Party, staff: Party, report: dict[str, Any]
) -> None:
    app_id = submitted(client, vendor, report)
    path = f"/operator/applications/{app_id}"
    sign_in(client, REVIEWER)
    # too early: the fee is not paid (the form is not offered, but the service decides)
    early = post_form(client, f"{path}/start-review?lang=en", {})
    assert early.status_code == 409
    assert "can be taken into review only when accepted" in visible(
        early.text, "problem-start_review"
    )
    # a return with no reason at all
    empty = post_form(
        client,
        f"{path}/return",
        {"note": " ", "requirement": ["S1.1-01"], "requirement_reason": [""]},
    )
    assert empty.status_code == 422
    assert visible(empty.text, "problem-return") == (
        "reason: give a note or a reason for at least one requirement"
    )
    # a reason too long for the API is too long here, and what was typed is kept
    long_note = "x" * 2001
    too_long = post_form(client, f"{path}/reject", {"reason": long_note})
    assert too_long.status_code == 422
    assert visible(too_long.text, "problem-reject").startswith(
        "reason: String should have at most 2000"
    )
    assert long_note in too_long.text
    assert application_state(client, staff, app_id) == "submitted"
    history = client.get(f"/api/v1/applications/{app_id}", headers=staff.headers).json()["history"]
    assert [event["state"] for event in history] == ["draft", "submitted"]


def test_an_approver_approves_and_the_label_is_issued(
    client: TestClient, vendor: Party, staff: Party, report: dict[str, Any]
) -> None:
    app_id = submitted(client, vendor, report)
    accept_and_pay(client, staff, app_id)
    path = f"/operator/applications/{app_id}"
    sign_in(client, APPROVER)
    page = client.get(path)
    assert f'action="{path}/approve"' in page.text
    assert f'action="{path}/accept"' not in page.text  # case work is the reviewer's
    approved = post_form(client, f"{path}/approve", {"reason": "all requirements met"})
    assert approved.status_code == 303
    after = client.get(f"{path}?lang=en&done=approved")
    number = visible(after.text, "registration-no")
    assert number.startswith("JC1-")
    assert client.get(f"/api/v1/labels/{number}").json()["status"] == "valid"
    assert visible(after.text, "no-actions") == "Nothing to decide in this state with your roles."


@pytest.fixture
def four_eyes_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(dataclasses.replace(settings, four_eyes=True))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


def test_with_four_eyes_the_second_approver_sees_the_pending_approval_and_confirms_it(
    four_eyes_client: TestClient, report: dict[str, Any]
) -> None:
    client = four_eyes_client
    vendor, operator = _parties(client)
    person(client, operator.name, APPROVER, "approver")
    person(client, operator.name, SECOND, "approver")
    app_id = submitted(client, vendor, report)
    accept_and_pay(client, operator, app_id)
    path = f"/operator/applications/{app_id}"

    sign_in(client, APPROVER)
    first = post_form(client, f"{path}/approve", {"reason": "met"})
    assert first.headers["location"] == f"{path}?done=pending"
    mine = client.get(f"{path}?lang=en")
    assert f"Approval requested by {APPROVER}" in visible(mine.text, "pending", end="div")
    assert "another approver must confirm it" in mine.text
    again = post_form(client, f"{path}/approve", {"reason": "met"})
    assert again.status_code == 409  # the same person cannot be the second pair of eyes
    assert application_state(client, operator, app_id) == "accepted"

    sign_in(client, SECOND)
    theirs = client.get(f"{path}?lang=en")
    assert "approve below to confirm it" in theirs.text
    assert ">Confirm the approval<" in theirs.text
    confirmed = post_form(client, f"{path}/approve", {"reason": "met"})
    assert confirmed.headers["location"] == f"{path}?done=approved"
    assert application_state(client, operator, app_id) == "approved"


def _parties(client: TestClient) -> tuple[Party, Party]:
    """A vendor and an operator in ``client``'s registry (the ``make_party`` fixture is bound
    to the plain ``client``)."""
    made = []
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        for name, kind in (("Example Energy Systems K.K.", "vendor"), ("Ops", "operator")):
            identity = identity_for(name, 2001) if kind == "vendor" else None
            org = create_org(session, name, kind, identity)
            made.append(Party(name, kind, create_token(session, org, 30)))
        session.commit()
    return made[0], made[1]


# -- labels, keys, accounts ----------------------------------------------------------------------


def test_suspending_a_label_asks_for_confirmation_then_reinstating_restores_it(
    client: TestClient, vendor: Party, staff: Party, report: dict[str, Any]
) -> None:
    number = issue_label(client, vendor, staff, report)["registration_no"]
    sign_in(client, APPROVER)
    found = client.get(f"/operator/labels?q={number}&lang=en")
    assert f'href="/operator/labels/{number}"' in found.text
    page = client.get(f"/operator/labels/{number}?lang=en")
    assert f'action="/operator/labels/{number}/suspend"' in page.text
    assert f'action="/operator/labels/{number}/reinstate"' not in page.text  # it is valid

    asked = post_form(
        client, f"/operator/labels/{number}/suspend", {"reason": "under investigation"}
    )
    assert asked.status_code == 200
    assert visible(asked.text, "confirm-reason") == "under investigation"
    assert client.get(f"/api/v1/labels/{number}").json()["status"] == "valid"  # not yet

    confirmed = post_form(
        client,
        f"/operator/labels/{number}/suspend",
        {"reason": "under investigation", "confirmed": "yes"},
    )
    assert confirmed.headers["location"] == f"/operator/labels/{number}?done=suspend"
    public = client.get(f"/api/v1/labels/{number}").json()
    assert public["status"] == "suspended"
    assert public["status_history"][-1]["reason"] == "under investigation"

    # suspending again is refused with the service's sentence, nothing changes
    again = post_form(client, f"/operator/labels/{number}/suspend", {"reason": "again"})
    assert again.status_code == 409
    assert visible(again.text, "problem") == f"label {number} is suspended; cannot suspend it"
    back = post_form(
        client, f"/operator/labels/{number}/reinstate", {"reason": "cleared", "confirmed": "yes"}
    )
    assert back.status_code == 303
    assert client.get(f"/api/v1/labels/{number}").json()["status"] == "valid"


def test_an_administrator_rotates_the_signing_key_after_confirming(
    client: TestClient, staff: Party
) -> None:
    before = client.get("/.well-known/jwks.json").json()["keys"]
    sign_in(client, REVIEWER)
    keys = client.get("/operator/keys?lang=en")
    assert "Rotating the key needs the administrator role." in keys.text
    refused = post_form(client, "/operator/keys/rotate", {})
    assert refused.status_code == 403
    assert client.get("/.well-known/jwks.json").json()["keys"] == before

    sign_in(client, ADMIN)
    confirm = client.get("/operator/keys/rotate?lang=en")
    assert before[0]["kid"] in confirm.text
    rotated = post_form(client, "/operator/keys/rotate", {})
    assert rotated.headers["location"] == "/operator/keys?done=rotated"
    after = client.get("/.well-known/jwks.json").json()["keys"]
    assert len(after) == 2 and after[1]["kid"] == before[0]["kid"]  # the old one still verifies
    page = client.get("/operator/keys?lang=en")
    assert re.findall(r'<tr class="key-(\w+)"><td><code>([^<]+)<', page.text) == [
        ("active", after[0]["kid"]),
        ("published", before[0]["kid"]),
    ]
    entries = client.get("/api/v1/log").json()["entries"]
    rotation = [e for e in entries if e["kind"] == "key.rotated"]
    assert [e["payload"]["previous"] for e in rotation] == [before[0]["kid"]]
    assert rotation[0]["subject"] == after[0]["kid"]
    # the log's checkpoint, now signed with the new key, still verifies
    assert client.get("/api/v1/log/verify").json()["checkpoint_problem"] is None


def test_an_administrator_adds_a_person_and_changes_roles(client: TestClient, staff: Party) -> None:
    sign_in(client, ADMIN)
    short = post_form(
        client,
        "/operator/accounts/users",
        {"email": "new@operator.test", "password": "short", "role": ["reviewer"]},
    )
    assert short.status_code == 422
    assert visible(short.text, "problem-add").startswith("password: String should have at least 12")
    assert 'value="new@operator.test"' in short.text  # what was typed is kept
    added = post_form(
        client,
        "/operator/accounts/users",
        {"email": "new@operator.test", "password": "a-long-password-1", "role": ["reviewer"]},
    )
    assert added.headers["location"] == "/operator/accounts?done=added"
    users = client.get("/api/v1/orgs/me/users").json()["items"]
    new = next(u for u in users if u["email"] == "new@operator.test")
    assert new["roles"] == ["reviewer"]
    changed = post_form(
        client, f"/operator/accounts/users/{new['id']}/roles", {"role": ["reviewer", "approver"]}
    )
    assert changed.status_code == 303
    users = client.get("/api/v1/orgs/me/users").json()["items"]
    assert next(u for u in users if u["id"] == new["id"])["roles"] == ["reviewer", "approver"]
    page = client.get("/operator/accounts?lang=en")
    assert staff.name in visible(page.text, "orgs", end="table")
    # the last administrator cannot take away their own administrator role
    me = next(u for u in users if u["email"] == ADMIN)
    lost = post_form(client, f"/operator/accounts/users/{me['id']}/roles", {"role": ["reviewer"]})
    assert lost.status_code == 409
    assert "last administrator" in visible(lost.text, f"problem-roles-{me['id']}")


# -- the lab -------------------------------------------------------------------------------------


def test_the_named_lab_sees_its_application_and_uploads_the_evaluation_report(
    client: TestClient,
    vendor: Party,
    staff: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> None:
    lab = make_party("Tokyo Test Lab", "lab")
    other_lab = make_party("Another Lab", "lab")
    person(client, lab.name, "evaluator@lab.test", "evaluator")
    person(client, other_lab.name, "evaluator@other-lab.test", "evaluator")
    named = submitted(client, vendor, report, lab=lab.name)
    submitted(client, vendor, report)  # names no lab

    sign_in(client, "evaluator@lab.test")
    listing = client.get("/lab?lang=en")
    assert re.findall(r'href="/lab/applications/(\d+)"', listing.text) == [str(named)]
    path = f"/lab/applications/{named}/evaluation-report"
    empty = client.post(
        path,
        files={"csrf": (None, form_token(client, "/lab")), "report": ("eval.pdf", b"")},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert empty.status_code == 422
    assert visible(empty.text, "problem") == "eval.pdf: the file is empty"
    sent = client.post(
        path,
        files={"csrf": (None, form_token(client, "/lab")), "report": ("eval.pdf", b"%PDF-1.7 x")},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert sent.headers["location"] == f"/lab/applications/{named}?done=uploaded"
    documents = client.get(f"/api/v1/applications/{named}", headers=staff.headers).json()
    assert [(d["kind"], d["uploaded_by"]) for d in documents["documents"]] == [
        ("evaluation_report", lab.name)
    ]

    # another lab: the application is as unknown as a missing one, and nothing is attached
    sign_in(client, "evaluator@other-lab.test")
    assert client.get(f"/lab/applications/{named}").status_code == 404
    assert "/lab/applications/" not in client.get("/lab").text
    refused = client.post(
        path,
        files={"csrf": (None, form_token(client, "/lab")), "report": ("x.pdf", b"%PDF-1.7 y")},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert refused.status_code == 404
    documents = client.get(f"/api/v1/applications/{named}", headers=staff.headers).json()
    assert len(documents["documents"]) == 1


# -- the permission matrix through the pages -----------------------------------------------------

#: (page, who may open it): anonymous 401, other organisations 403, the operator's people 200
#: unless the page needs a role they lack
PAGES = ("/operator", "/operator/labels", "/operator/keys", "/operator/accounts")


def test_operator_pages_are_for_the_operator_and_its_roles(
    client: TestClient,
    vendor: Party,
    staff: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> None:
    lab = make_party("Tokyo Test Lab", "lab")
    person(client, vendor.name, "applicant@vendor.test", "applicant", "administrator")
    person(client, lab.name, "evaluator@lab.test", "evaluator")
    app_id = submitted(client, vendor, report)
    review = f"/operator/applications/{app_id}"

    client.cookies.clear()
    for path in (*PAGES, review):
        assert client.get(path).status_code == 401, path
    for email in ("applicant@vendor.test", "evaluator@lab.test"):
        sign_in(client, email)
        for path in (*PAGES, review):
            assert client.get(path).status_code == 403, (email, path)
        # the forms refuse them too, and nothing changes
        assert post_form(client, f"{review}/accept", {}).status_code == 403
        assert post_form(client, f"{review}/reject", {"reason": "no"}).status_code == 403
    sign_in(client, "evaluator@lab.test")
    assert client.get("/lab").status_code == 200
    sign_in(client, "applicant@vendor.test")
    assert client.get("/lab").status_code == 403
    assert application_state(client, staff, app_id) == "submitted"

    sign_in(client, REVIEWER)
    for path in ("/operator", "/operator/labels", "/operator/keys", review):
        assert client.get(path).status_code == 200, path
    assert client.get("/operator/accounts").status_code == 403  # administrator only
    assert client.get("/operator/applications/999999").status_code == 404
    sign_in(client, APPROVER)
    assert post_form(client, f"{review}/accept", {}).status_code == 403  # a reviewer's step
    assert application_state(client, staff, app_id) == "submitted"
    sign_in(client, REVIEWER)
    accept_and_pay(client, staff, app_id)
    assert post_form(client, f"{review}/approve", {}).status_code == 403  # an approver's step
    assert application_state(client, staff, app_id) == "accepted"
    number = issue_label(client, vendor, staff, with_answer(report, "S1.1-01"))["registration_no"]
    refused = post_form(
        client, f"/operator/labels/{number}/revoke", {"reason": "x", "confirmed": "yes"}
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/labels/{number}").json()["status"] == "valid"
