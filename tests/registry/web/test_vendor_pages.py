"""The vendor's pages through the app on both databases (no browser): applying from a
report, what the registry would refuse per requirement, documents, submitting, answering a
return, the questionnaire, renewal, notices and downloads; and who may see and change what
(another vendor's application is unknown, a denied change stores nothing)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import yaml
from fastapi.testclient import TestClient

from jcstar.registry.accounts.models import User
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.applications.return_reasons import compose
from jcstar.registry.db import lock_for_write
from tests.conftest import CONFORMANT
from tests.registry.conftest import (
    Party,
    accept_and_pay,
    application_state,
    issue_label,
    made_by,
    with_answer,
)
from tests.registry.web.test_pages import ORIGIN, form_token

PASSWORD = "vendor-pages-password-1"


def signed_in(
    client: TestClient, org: str, email: str, roles: tuple[str, ...] | None = None
) -> TestClient:
    """``client`` signed in as a new user of ``org`` holding ``roles`` (all when None)."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), email, PASSWORD, roles)
        session.commit()
    client.cookies.clear()
    token = form_token(client)
    fields = {"csrf": token, "email": email, "password": PASSWORD}
    answer = post(client, "/signin", fields)
    assert answer.status_code == 303, answer.text
    return client


def post(
    client: TestClient,
    path: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]] | None = None,
) -> Any:
    """A form post as the browser sends it: multipart, from the registry's own origin."""
    parts: dict[str, Any] = {name: (None, value) for name, value in fields.items()}
    for name, (filename, content) in (files or {}).items():
        parts[name] = (filename, content)
    return client.post(path, files=parts, headers=ORIGIN, follow_redirects=False)


def token(client: TestClient, path: str = "/vendor") -> str:
    return form_token(client, path)


def apply_with(client: TestClient, report: dict[str, Any], **fields: str) -> Any:
    data = json.dumps(report).encode()
    return post(
        client,
        "/vendor/applications/new",
        {"csrf": token(client), **fields},
        {"report": ("report.json", data)},
    )


def app_id_of(answer: Any) -> int:
    assert answer.status_code == 303, answer.text
    found = re.match(r"/vendor/applications/(\d+)\?done=", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def row(html: str, requirement: str) -> str:
    """The text of a requirement's row on the application page (tags removed)."""
    found = re.search(rf'<tr id="req-{re.escape(requirement)}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for {requirement}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def documents_of(client: TestClient, party: Party, app_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/applications/{app_id}", headers=party.headers)
    docs: list[dict[str, Any]] = answer.json()["documents"]
    return docs


def test_a_vendor_applies_from_a_report_and_submits(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "apply@vendor.test")
    assert "<h1>Example Energy Systems K.K.</h1>" in client.get("/vendor?lang=en").text
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    page = client.get(f"/vendor/applications/{app_id}?done=created&lang=en").text
    assert "The draft application was created." in page
    assert "Nothing: the registry would accept this application for review." in page
    assert "Met" in row(page, "S1.1-01")
    assert 'id="submit" disabled' not in page

    submitted = post(client, f"/vendor/applications/{app_id}/submit", {"csrf": token(client)})
    assert submitted.headers["location"] == f"/vendor/applications/{app_id}?done=submitted"
    assert application_state(client, vendor, app_id) == "submitted"
    after = client.get(f"/vendor/applications/{app_id}").text
    assert 'id="submit"' not in after  # nothing left to change while the operator reviews
    dashboard = client.get("/vendor?lang=en").text
    assert f'href="/vendor/applications/{app_id}"' in dashboard and "Submitted" in dashboard


def test_what_the_registry_would_refuse_is_shown_beside_its_requirement(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "refused@vendor.test")
    weak = with_answer(made_by(report, vendor.name), "S1.1-02", status="not_implemented")
    app_id = app_id_of(apply_with(client, weak))
    page = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert "The registry would refuse this application as it is." in page
    assert "Would be refused: verdict is NOT_MET, not MET" in row(page, "S1.1-02")
    assert "Would be refused" not in row(page, "S1.1-01")
    assert 'id="submit" disabled' in page
    # submitted anyway (an old page): the service refuses it and nothing changes
    refused = post(client, f"/vendor/applications/{app_id}/submit", {"csrf": token(client)})
    assert refused.status_code == 422
    assert "cannot submit: S1.1-02: verdict is NOT_MET" in refused.text
    assert application_state(client, vendor, app_id) == "draft"


def test_a_vendor_answers_a_return_with_the_operators_reasons_beside_each_requirement(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "answer@vendor.test")
    own = made_by(report, vendor.name)
    app_id = app_id_of(apply_with(client, own))
    post(client, f"/vendor/applications/{app_id}/submit", {"csrf": token(client)})
    accept_and_pay(client, operator, app_id)
    reason = compose(
        "Two answers need more evidence.",
        {"S1.1-03": "The manual section cited does not describe the password change."},
        ["S1.1-03"],
    )
    returned = client.post(
        f"/api/v1/applications/{app_id}/return", json={"reason": reason}, headers=operator.headers
    )
    assert returned.status_code == 200, returned.text

    page = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert "Two answers need more evidence." in page
    assert "Operator: The manual section cited does not describe" in row(page, "S1.1-03")
    assert "Operator:" not in row(page, "S1.1-02")
    # the answer: a corrected report, a document, and the application submitted again
    corrected = with_answer(own, "S1.1-03", statement="Settings > Security > Password (4.3).")
    replaced = post(
        client,
        f"/vendor/applications/{app_id}/report",
        {"csrf": token(client)},
        {"report": ("report.json", json.dumps(corrected).encode())},
    )
    assert replaced.headers["location"] == f"/vendor/applications/{app_id}?done=report"
    stored = client.get(f"/api/v1/applications/{app_id}/report", headers=vendor.headers).json()
    assert stored["answers"]["S1.1-03"]["statement"] == "Settings > Security > Password (4.3)."
    attached = post(
        client,
        f"/vendor/applications/{app_id}/documents",
        {"csrf": token(client), "kind": "declaration"},
        {"document": ("declaration.pdf", b"%PDF-1.4 declaration")},
    )
    assert attached.status_code == 303
    again = post(client, f"/vendor/applications/{app_id}/submit", {"csrf": token(client)})
    assert again.status_code == 303
    assert application_state(client, vendor, app_id) == "submitted"
    answered = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert "Operator:" not in answered  # the return is answered
    assert "declaration.pdf" in answered


def test_a_refused_document_is_named_beside_its_field_and_not_stored(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "docs@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    answer = post(
        client,
        f"/vendor/applications/{app_id}/documents?lang=en",
        {"csrf": token(client), "kind": "other"},
        {"document": ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")},
    )
    assert answer.status_code == 415
    problem = re.search(r'id="document-problem"[^>]*>(.*?)</p>', answer.text, re.S)
    assert problem and "tool.exe: not a PDF, spreadsheet" in problem.group(1)
    assert documents_of(client, vendor, app_id) == []
    lab_only = post(
        client,
        f"/vendor/applications/{app_id}/documents",
        {"csrf": token(client), "kind": "evaluation_report"},
        {"document": ("eval.pdf", b"%PDF-1.4")},
    )
    assert lab_only.status_code == 403
    assert documents_of(client, vendor, app_id) == []


def test_a_bad_report_is_one_line_beside_the_upload(client: TestClient, vendor: Party) -> None:
    signed_in(client, vendor.name, "bad@vendor.test")
    answer = post(
        client,
        "/vendor/applications/new?lang=en",
        {"csrf": token(client)},
        {"report": ("report.json", b"{not json")},
    )
    assert answer.status_code == 422
    problem = re.search(r'id="problem"[^>]*>(.*?)</p>', answer.text, re.S)
    assert problem and "report.json: not a JSON report" in problem.group(1)
    listed = client.get("/api/v1/applications", headers=vendor.headers).json()["items"]
    assert listed == []


def test_another_vendors_application_is_unknown_and_unchanged(
    client: TestClient, vendor: Party, make_party: Any, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "owner@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    rival = make_party("Rival Devices K.K.", "vendor")
    signed_in(client, rival.name, "rival@rival.test")
    assert client.get(f"/vendor/applications/{app_id}").status_code == 404
    assert client.get(f"/vendor/applications/{app_id}/report.json").status_code == 404
    for path, files in [
        ("submit", None),
        ("documents", {"document": ("a.pdf", b"%PDF-1.4")}),
        ("report", {"report": ("report.json", json.dumps(report).encode())}),
    ]:
        fields = {"csrf": token(client), "kind": "other"}
        answer = post(client, f"/vendor/applications/{app_id}/{path}", fields, files)
        assert answer.status_code == 404, (path, answer.text)
    assert application_state(client, vendor, app_id) == "draft"
    assert documents_of(client, vendor, app_id) == []
    assert f"/vendor/applications/{app_id}" not in client.get("/vendor").text


def test_only_vendors_see_the_vendor_pages_and_only_applicants_change(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    assert client.get("/vendor").status_code == 401
    signed_in(client, operator.name, "staff@operator.test")
    assert client.get("/vendor").status_code == 403
    assert "My organisation" not in client.get("/?lang=en").text  # not in its navigation
    signed_in(client, vendor.name, "admin@vendor.test", ("administrator",))
    assert 'href="/vendor"' in client.get("/?lang=en").text
    refused = apply_with(client, made_by(report, vendor.name))
    assert refused.status_code == 403
    assert "this needs the applicant role" in refused.text
    assert client.get("/api/v1/applications", headers=vendor.headers).json()["items"] == []


def test_a_form_without_its_token_changes_nothing(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "csrf@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    answer = post(client, f"/vendor/applications/{app_id}/submit", {"csrf": "x" * 43})
    assert answer.status_code == 403
    assert application_state(client, vendor, app_id) == "draft"


def test_the_reports_download_in_each_format(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "downloads@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    workbook = client.get(f"/vendor/applications/{app_id}/report.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["content-disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        assert "xl/workbook.xml" in archive.namelist()
    html = client.get(f"/vendor/applications/{app_id}/report.html")
    assert html.headers["content-disposition"].startswith("attachment;")
    assert "S1.1-01" in html.text
    as_json = client.get(f"/vendor/applications/{app_id}/report.json").json()
    assert as_json["report_id"] == report["report_id"]
    assert client.get(f"/vendor/applications/{app_id}/report.exe").status_code == 404


def test_a_notice_is_posted_on_the_vendors_own_label_only(
    client: TestClient, vendor: Party, operator: Party, make_party: Any, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, made_by(report, vendor.name))
    number = label["registration_no"]
    signed_in(client, vendor.name, "notices@vendor.test")
    path = f"/vendor/labels/{number}/notice"
    bad = post(
        client,
        f"{path}?lang=en",
        {"csrf": token(client, path), "title": "T", "body": "B", "url": "ftp://x"},
    )
    assert bad.status_code == 422 and "url: String should match pattern" in bad.text
    assert 'value="ftp://x"' in bad.text  # what was typed is kept
    fields = {
        "csrf": token(client, path),
        "title": "Firmware 2.4.2 fixes CVE-2026-0001",
        "body": "Update to 2.4.2.",
        "url": "https://example.test/advisory",
    }
    posted = post(client, path, fields)
    assert posted.headers["location"] == f"/p/{number}"
    assert "Firmware 2.4.2 fixes CVE-2026-0001" in client.get(f"/p/{number}").text

    rival = make_party("Rival Devices K.K.", "vendor")
    signed_in(client, rival.name, "rival-notice@rival.test")
    assert client.get(path).status_code == 403
    denied = post(client, path, {**fields, "csrf": token(client), "title": "Fake notice"})
    assert denied.status_code == 403
    notices = client.get(f"/api/v1/labels/{number}").json()["notices"]
    assert [n["title"] for n in notices] == ["Firmware 2.4.2 fixes CVE-2026-0001"]


def test_a_renewal_before_its_window_is_refused_and_nothing_is_filed(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    own = made_by(report, vendor.name)
    number = issue_label(client, vendor, operator, own)["registration_no"]
    signed_in(client, vendor.name, "renew@vendor.test")
    form = client.get(f"/vendor/labels/{number}/renew?lang=en").text
    assert f'name="renews" value="{number}"' in form
    assert "The renewal window opens on" in form
    before = client.get("/api/v1/applications", headers=vendor.headers).json()["items"]
    answer = apply_with(client, own, renews=number, model_numbers="HG-100\nHG-100W")
    assert answer.status_code == 409
    assert f"renewal of label {number} opens on" in answer.text
    assert f'name="renews" value="{number}"' in answer.text  # still the renewal form
    after = client.get("/api/v1/applications", headers=vendor.headers).json()["items"]
    assert len(after) == len(before)


def questionnaire_fields(csrf: str, profile_json: str) -> dict[str, str]:
    """The questionnaire filled in as the example's answers.yaml answers it."""
    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text("utf-8"))["answers"]
    fields = {"csrf": csrf, "profile": profile_json}
    for req, answer in answers.items():
        fields[f"status-{req}"] = answer.get("status") or ""
        fields[f"statement-{req}"] = answer.get("statement", "")
        first = (answer.get("evidence") or [{}])[0]
        for name in ("document", "section", "url", "test", "result"):
            fields[f"{name}-{req}"] = str(first.get(name) or "")
    return fields


def test_the_questionnaire_makes_the_report_and_files_a_draft(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "questions@vendor.test")
    profile = (CONFORMANT / "profile.yaml").read_text("utf-8")
    profile = profile.replace("vendor: Example Energy Systems K.K.", f"vendor: {vendor.name}")
    start = "/vendor/questionnaire"
    form = post(
        client,
        f"{start}/profile",
        {"csrf": token(client, start)},
        {"profile": ("profile.yaml", profile.encode())},
    )
    assert form.status_code == 200, form.text
    assert 'id="q-S1.1-04"' in form.text and 'name="test-S1.1-04"' in form.text
    carried = re.search(r'name="profile" value="([^"]+)"', form.text)
    assert carried
    profile_json = carried.group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert '"device":null' in profile_json  # nothing the registry would reach
    filled = questionnaire_fields(token(client, start), profile_json)
    unanswered = {**filled, "status-S1.1-02": ""}
    draft = post(client, start, unanswered)
    app_id = app_id_of(draft)
    page = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert "Needs review" in row(page, "S1.1-02")
    assert "Would be refused" in row(page, "S1.1-02")

    # corrected in the questionnaire, prefilled from the filed report
    again = client.get(f"{start}?application={app_id}").text
    assert 'name="application" value="' + str(app_id) in again
    carried = re.search(r'name="profile" value="([^"]+)"', again)
    assert carried
    fixed = questionnaire_fields(
        token(client, start), carried.group(1).replace("&#34;", '"').replace("&quot;", '"')
    )
    replaced = post(client, start, {**fixed, "application": str(app_id)})
    assert replaced.headers["location"] == f"/vendor/applications/{app_id}?done=report"
    page = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert "Met" in row(page, "S1.1-02") and "Would be refused" not in row(page, "S1.1-02")


# -- the permission matrix through the pages ------------------------------------------------

PAGE_ROLES = ("anonymous", "operator", "lab", "procurer", "other", "admin_only", "owner")
READER = {"anonymous": 401, "operator": 403, "lab": 403, "procurer": 403}
#: a vendor's own page: every vendor sees its own
VENDORS = {**READER, "other": 200, "admin_only": 200, "owner": 200}
#: the owner's application: another vendor does not know it
OWNERS = {**READER, "other": 404, "admin_only": 200, "owner": 200}
#: a change to the owner's application: the applicant role of the owner only
CHANGE = {**READER, "other": 404, "admin_only": 403, "owner": 303}


def test_the_vendor_pages_answer_each_role_as_the_api_does(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: Any,
    make_member: Any,
    report: dict[str, Any],
) -> None:
    own = made_by(report, vendor.name)
    parties: dict[str, Party | None] = {
        "anonymous": None,
        "operator": operator,
        "lab": make_party("Lab K.K.", "lab"),
        "procurer": make_party("City Procurement", "procurer"),
        "other": make_party("Rival Devices K.K.", "vendor"),
        "admin_only": make_member(vendor, "administrator"),
        "owner": vendor,
    }
    number = issue_label(client, vendor, operator, own)["registration_no"]
    created = client.post("/api/v1/applications", json={"report": own}, headers=vendor.headers)
    app_id = created.json()["id"]
    csrf = token(client, "/signin")  # the form cookie, kept by the client
    report_file = {"report": ("report.json", json.dumps(own).encode())}
    profile = (CONFORMANT / "profile.yaml").read_bytes()
    rows: list[tuple[str, str, dict[str, str], Any, dict[str, int]]] = [
        ("GET", "/vendor", {}, None, VENDORS),
        ("GET", "/vendor/applications/new", {}, None, VENDORS),
        ("GET", f"/vendor/applications/{app_id}", {}, None, OWNERS),
        ("GET", f"/vendor/applications/{app_id}/report.xlsx", {}, None, OWNERS),
        ("GET", "/vendor/questionnaire", {}, None, {**VENDORS, "admin_only": 403}),
        (
            "GET",
            f"/vendor/questionnaire?application={app_id}",
            {},
            None,
            {**OWNERS, "admin_only": 403},
        ),
        ("GET", f"/vendor/labels/{number}/notice", {}, None, {**OWNERS, "other": 403}),
        ("GET", f"/vendor/labels/{number}/renew", {}, None, {**OWNERS, "other": 403}),
        # its people: the vendor's administrators (every vendor's own)
        ("GET", "/vendor/people", {}, None, VENDORS),
        (
            "POST",
            "/vendor/questionnaire/profile",
            {},
            {"profile": ("profile.yaml", profile)},
            {**VENDORS, "admin_only": 403},
        ),
        (
            "POST",
            f"/vendor/applications/{app_id}/documents",
            {"kind": "other"},
            {"document": ("d.pdf", b"%PDF-1.4")},
            CHANGE,
        ),
        ("POST", f"/vendor/applications/{app_id}/report", {}, report_file, CHANGE),
        ("POST", f"/vendor/applications/{app_id}/submit", {}, None, CHANGE),
        ("POST", "/vendor/applications/new", {}, report_file, {**CHANGE, "other": 403}),
        (
            "POST",
            f"/vendor/labels/{number}/notice",
            {"title": "Fixed", "body": "Update."},
            None,
            {**CHANGE, "other": 403},
        ),
    ]

    def stored() -> Any:
        return client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()

    for method, path, fields, files, expected in rows:
        got = {}
        before = stored()
        for role in PAGE_ROLES:  # the permitted role last: nothing changed before it
            party = parties[role]
            headers = {**ORIGIN, **(party.headers if party else {})}
            if method == "GET":
                answer = client.get(path, headers=headers, follow_redirects=False)
            else:
                parts: dict[str, Any] = {"csrf": (None, csrf)}
                parts |= {name: (None, value) for name, value in fields.items()}
                parts |= files or {}
                answer = client.post(path, files=parts, headers=headers, follow_redirects=False)
            got[role] = answer.status_code
            if role != "owner":
                assert stored() == before, (path, role)  # a denied call changes nothing
        assert got == expected, path
    notices = client.get(f"/api/v1/labels/{number}").json()["notices"]
    assert [n["title"] for n in notices] == ["Fixed"]
    assert application_state(client, vendor, app_id) == "submitted"


def test_a_vendor_administrator_manages_its_people(
    client: TestClient, vendor: Party, make_party: Any
) -> None:
    rival = make_party("Rival Devices K.K.", "vendor")
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        stranger = create_user(session, require_org(session, rival.name), "x@rival.test", PASSWORD)
        session.commit()
        stranger_id = stranger.id
    signed_in(client, vendor.name, "applicant-only@vendor.test", ("applicant",))
    assert client.get("/vendor/people").status_code == 403
    assert 'href="/vendor/people"' not in client.get("/vendor").text

    signed_in(client, vendor.name, "admin@vendor.test", ("administrator",))
    assert 'href="/vendor/people"' in client.get("/vendor").text
    path = "/vendor/people"
    short = post(
        client,
        path,
        {"csrf": token(client, path), "email": "new@vendor.test", "password": "short"},
    )
    assert short.status_code == 422 and "password" in short.text
    assert 'value="new@vendor.test"' in short.text  # what was typed is kept
    fields = {
        "csrf": token(client, path),
        "email": "new@vendor.test",
        "password": "a-long-first-password",
        "role": "applicant",
    }
    assert post(client, path, fields).headers["location"] == "/vendor/people?done=added"
    listed = client.get("/vendor/people?lang=en").text
    assert "new@vendor.test" in listed and "The person is added." not in listed
    # another organisation's person is unknown here, and stays as it was
    other = post(client, f"{path}/{stranger_id}/remove", {"csrf": token(client, path)})
    assert other.status_code == 404
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(User, stranger_id).removed_at is None  # type: ignore[union-attr]
    # the last administrator stays: the service's sentence beside the form
    me = re.search(r'<tr id="user-(\d+)">\s*<td>admin@vendor.test', listed)
    assert me
    last = post(
        client, f"{path}/{me.group(1)}/roles", {"csrf": token(client, path), "role": "applicant"}
    )
    assert last.status_code == 409 and "last administrator" in last.text
    # the person added signs in with the first password
    client.cookies.clear()
    fields = {
        "csrf": token(client, "/signin"),
        "email": "new@vendor.test",
        "password": "a-long-first-password",
    }
    assert post(client, "/signin", fields).status_code == 303
