"""The procurer's pages through the app on both databases (no browser): checking a model list
against a policy (every verdict, from this registry's own labels), the report downloads, bad
input beside its field, the watch list, notification channels and deliveries; and who may see
and change what (another procurer's watch list is unknown, a denied change stores nothing)."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from jcstar.assessment.service import assess_files
from jcstar.labels.standing import LabelRecord
from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.db import lock_for_write
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import LabelEvent
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.status.source import DatabaseStatusSource
from jcstar.registry.watch.models import Channel, Watch
from tests.conftest import CONFORMANT
from tests.registry.conftest import BASE_URL, MakeParty, Party, apply, approve, submit
from tests.registry.web.test_pages import ORIGIN, form_token

PASSWORD = "procurer-pages-password-1"
LIST_HEADER = "型番,メーカー,数量\n"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The registry of ``tests/registry/conftest.py`` without its delivery worker: the
    deliveries these tests look at stay as the test left them."""
    return Settings(
        database_url=database_url,
        key_dir=tmp_path / "keys",
        base_url=BASE_URL,
        max_upload_bytes=64 * 1024,
        notify=False,
        # no name server in the tests: the webhook refusals have their own tests
        webhook_allow_private=True,
    )


@pytest.fixture(scope="module")
def example_report_data() -> dict[str, Any]:
    """The conformant example's report, assessed in a thread of its own (a browser test
    earlier in the session may keep Playwright's event loop running in this one)."""

    def assessed() -> dict[str, Any]:
        report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
        return report.model_dump(mode="json")

    with ThreadPoolExecutor(1) as worker:
        return worker.submit(assessed).result()


def sign_in(
    client: TestClient, org: str, email: str, roles: tuple[str, ...] | None = None
) -> TestClient:
    """``client`` signed in as a new user of ``org`` holding ``roles`` (all when None)."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), email, PASSWORD, roles)
        session.commit()
    client.cookies.clear()
    client.headers["Accept-Language"] = "en"  # the assertions read the English pages
    token = form_token(client)
    answer = post(client, "/signin", {"csrf": token, "email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def post(
    client: TestClient,
    path: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A form post as the browser sends it: multipart, from the registry's own origin."""
    parts: dict[str, Any] = {name: (None, value) for name, value in fields.items()}
    for name, (filename, content) in (files or {}).items():
        parts[name] = (filename, content)
    sent = ORIGIN if headers is None else headers
    return client.post(path, files=parts, headers=sent, follow_redirects=False)


def token(client: TestClient, path: str = "/procurer") -> str:
    return form_token(client, path)


def check(client: TestClient, content: bytes, filename: str = "models.csv", **fields: str) -> Any:
    sent = {"csrf": token(client), "policy": "government", **fields}
    return post(client, "/procurer/check", sent, {"models": (filename, content)})


def verdicts(page: str) -> dict[str, str]:
    """Model number → the verdict its line shows."""
    line = r'<tr class="verdict-row-(\w+)">\s*<td class="nowrap">[^<]*</td>'
    rows = re.findall(line + r'\s*<th scope="row">([^<]*)</th>', page)
    return {html.unescape(model): verdict for verdict, model in rows}


def row_of(page: str, model: str) -> str:
    """The text of a model's line (tags dropped)."""
    found = re.search(rf'<th scope="row">{re.escape(model)}</th>(.*?)</tr>', page, re.S)
    assert found, f"no line for {model}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def hidden_fields(page: str, form_id: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*id="{form_id}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form {form_id}"
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
    return {name: html.unescape(value) for name, value in found}


def count(client: TestClient, model: type[Watch] | type[Channel]) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(model)) or 0


def _issue(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], *models: str
) -> str:
    app_id = apply(client, vendor, report, model_numbers=list(models))["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def _change(client: TestClient, operator: Party, number: str, action: str) -> None:
    answer = client.post(
        f"/api/v1/labels/{number}/{action}",
        json={"reason": f"{action} for the test"},
        headers=operator.headers,
    )
    assert answer.status_code == 200, answer.text


def _expire(client: TestClient, number: str) -> None:
    """Move the label's expiry to yesterday (its events' too) and rebuild its document, as
    every change to a label rebuilds it."""
    yesterday = labels.today() - dt.timedelta(days=1)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        label = labels.find(session, number)
        label.expires_on = yesterday
        for event in session.scalars(select(LabelEvent).where(LabelEvent.label_id == label.id)):
            event.expires_on = yesterday
        session.flush()
        session.expire_all()
        labels.store_document(session, labels.find(session, number))
        session.commit()


@pytest.fixture
def registry(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> dict[str, str]:
    """Labels in every standing a buyer meets: model number → registration number."""
    made = {
        "GOOD-1": _issue(client, vendor, operator, report, "GOOD-1"),
        "OLD-1": _issue(client, vendor, operator, report, "OLD-1"),
        "SUS-1": _issue(client, vendor, operator, report, "SUS-1"),
        "REV-1": _issue(client, vendor, operator, report, "REV-1"),
        "AMB-1": _issue(client, vendor, operator, report, "AMB-1"),
    }
    _expire(client, made["OLD-1"])
    _change(client, operator, made["SUS-1"], "suspend")
    _change(client, operator, made["REV-1"], "revoke")
    # a model number carries one label at a time: the first maker's is revoked, then another
    # maker's label lists the same number; both answer for it
    _change(client, operator, made["AMB-1"], "revoke")
    rival = make_party("Rival Devices Inc.", "vendor")
    made["AMB-1/rival"] = _issue(client, rival, operator, report, "AMB-1")
    return made


@pytest.fixture
def procurer(make_party: MakeParty) -> Party:
    return make_party("City Hall Procurement", "procurer")


def test_a_procurer_checks_a_model_list_and_sees_each_verdict(
    client: TestClient, registry: dict[str, str], procurer: Party, vendor: Party
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    listed = LIST_HEADER + ("ｇｏｏｄ－１,,10\nOLD-1,,2\nSUS-1,,3\nREV-1,,1\nAMB-1,,4\nNOPE-1,,5\n")
    answer = check(client, listed.encode("cp932"))  # what Japanese Excel writes
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert verdicts(page) == {
        "ｇｏｏｄ－１": "met",
        "OLD-1": "not_met",
        "SUS-1": "not_met",
        "REV-1": "not_met",
        "AMB-1": "ambiguous",
        "NOPE-1": "not_met",
    }
    # each line says why, with the label found and its status on the day
    assert registry["GOOD-1"] in row_of(page, "ｇｏｏｄ－１")
    assert "Expired on" in row_of(page, "OLD-1")
    assert "Suspended on" in row_of(page, "SUS-1") and "suspend for the test" in row_of(
        page, "SUS-1"
    )
    assert "Revoked on" in row_of(page, "REV-1")
    ambiguous = row_of(page, "AMB-1")
    assert registry["AMB-1"] in ambiguous and registry["AMB-1/rival"] in ambiguous
    assert "give the vendor" in ambiguous
    assert "No label was found" in row_of(page, "NOPE-1")
    # the summary counts lines and units
    summary = re.search(r'<tr id="summary-met">.*?<td>(\d+)</td><td>(\d+)</td>', page, re.S)
    assert summary and summary.groups() == ("1", "10")
    assert "not meet the policy or cannot be decided: 5 of 6" in page

    # the vendor column decides the ambiguous line
    decided = LIST_HEADER + "AMB-1,rival devices inc.,4\n"
    assert verdicts(check(client, decided.encode()).text) == {"AMB-1": "met"}
    decided = LIST_HEADER + f"AMB-1,{vendor.name},4\n"
    assert verdicts(check(client, decided.encode()).text) == {"AMB-1": "not_met"}


def test_the_report_downloads_hold_every_line(
    client: TestClient, registry: dict[str, str], procurer: Party
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    listed = LIST_HEADER + "GOOD-1,,10\nREV-1,,1\nNOPE-1,,5\n"
    page = check(client, listed.encode(), on=labels.today().isoformat()).text
    fields = hidden_fields(page, "downloads")
    workbook = post(client, "/procurer/check/report", {**fields, "format": "xlsx"})
    assert workbook.status_code == 200, workbook.text
    assert "attachment" in workbook.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(workbook.content))["Lines"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    by_model = {row[header.index("model")]: row[header.index("verdict")] for row in rows[1:]}
    assert by_model == {"GOOD-1": "MET", "REV-1": "NOT MET", "NOPE-1": "NOT MET"}

    data = json.loads(post(client, "/procurer/check/report", {**fields, "format": "json"}).text)
    assert [(x["line"]["model"], x["verdict"]) for x in data["lines"]] == [
        ("GOOD-1", "met"),
        ("REV-1", "not_met"),
        ("NOPE-1", "not_met"),
    ]
    assert data["policy"] == "government" and data["source"] == BASE_URL

    # a carried list that did not come back whole is refused in one line, nothing made
    damaged = post(client, "/procurer/check/report", {**fields, "lines": "not-a-list"})
    assert damaged.status_code == 422
    assert "did not come back whole" in damaged.text


def test_no_rule_applies_is_unknown_and_a_policy_file_is_read(
    client: TestClient, registry: dict[str, str], procurer: Party
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    # power sector: a rule per product type; a line of no type has no rule: unknown
    listed = "型番,製品類型\nGOOD-1,erab-gateway\nGOOD-1,\n"
    page = check(client, listed.encode(), policy="power-sector").text
    assert re.findall(r'<tr class="verdict-row-(\w+)">', page) == ["met", "unknown"]
    assert "No rule of policy power-sector applies" in page

    # a sector body's own policy, uploaded: ★2 asked, the label is ★1
    policy = (
        "id: city-cameras\nname_en: City cameras\nversion: '1'\nissuer: City IT\n"
        "rules:\n  - id: CITY-2\n    title_en: two stars\n    requires: {min_level: 2}\n"
        "    basis: {kind: judgement, why: our risk assessment}\n"
    )
    fields = {"csrf": token(client), "policy": "file"}
    files = {
        "models": ("models.csv", b"model\nGOOD-1\n"),
        "policy_file": ("city.yaml", policy.encode()),
    }
    answer = post(client, "/procurer/check", fields, files)
    assert answer.status_code == 200, answer.text
    assert verdicts(answer.text) == {"GOOD-1": "not_met"}
    assert "below the ★2 CITY-2 asks" in row_of(answer.text, "GOOD-1")
    # the downloads carry the uploaded policy with them
    carried = hidden_fields(answer.text, "downloads")
    assert carried["policy"] == "file" and "CITY-2" in carried["policy_text"]
    data = post(client, "/procurer/check/report", {**carried, "format": "json"}).json()
    assert data["policy"] == "city-cameras"


@pytest.mark.parametrize(
    ("fields", "files", "status", "field", "says"),
    [
        ({}, {"models": ("list.xlsx", b"\x00\x01binary")}, 422, "models", "list.xlsx: not an XLSX"),
        ({}, {"models": ("list.csv", "品名\nabc\n".encode())}, 422, "models", "no model column"),
        (
            {},
            {"models": ("list.csv", b"x" * (64 * 1024 + 1))},
            413,
            "models",
            "larger than the limit",
        ),
        ({}, {}, 422, "models", "choose a CSV or XLSX file"),
        ({"policy": "no-such"}, None, 422, "policy", "unknown policy 'no-such'"),
        ({"policy": "file"}, None, 422, "policy", "choose the policy's YAML file"),
        ({"on": "31/12/2026"}, None, 422, "on", "not a date"),
        ({"importance": "huge"}, None, 422, "importance", "not one of low, medium, high"),
        ({"product_type": "toaster"}, None, 422, "product_type", "not a product type of policy"),
        (
            {"policy": "file"},
            {"models": ("m.csv", b"model\nA\n"), "policy_file": ("bad.yaml", b"id: X\n")},
            422,
            "policy",
            "bad.yaml: ",
        ),
    ],
)
def test_bad_input_is_one_line_beside_its_field(
    client: TestClient,
    procurer: Party,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]] | None,
    status: int,
    field: str,
    says: str,
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    sent = {"csrf": token(client), "policy": "government", **fields}
    uploads = {"models": ("models.csv", b"model\nGOOD-1\n")} if files is None else files
    answer = post(client, "/procurer/check", sent, uploads)
    assert answer.status_code == status, answer.text
    problem = re.search(
        rf'<p class="problem" id="{field}-problem"[^>]*>(.*?)</p>', answer.text, re.S
    )
    assert problem, f"no problem beside {field}"
    line = html.unescape(re.sub(r"<[^>]+>", "", problem.group(1)))
    assert says in line and "\n" not in line.strip()
    assert "/tmp" not in line  # the file is named as the user chose it
    assert count(client, Watch) == 0


def test_a_procurer_follows_numbers_and_another_procurer_cannot_see_or_remove_them(
    client: TestClient, registry: dict[str, str], procurer: Party, make_party: MakeParty
) -> None:
    other = make_party("Prefecture Procurement", "procurer")
    sign_in(client, procurer.name, "buyer@city.test")
    fields = {"csrf": token(client, "/procurer/watches"), "numbers": "GOOD-1\nＲＥＶ－１, NOPE-1"}
    answer = post(client, "/procurer/watches", fields)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Numbers newly followed: 3; followed already: 0." in page
    assert {"GOOD-1", "ＲＥＶ－１", "NOPE-1"} <= set(
        re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', page)
    )
    # each number with its labels as they stand today
    assert registry["GOOD-1"] in page and "status-revoked" in page and "no label yet" in page

    # from a check's result: the list's model numbers, those already followed counted
    result = check(client, (LIST_HEADER + "GOOD-1,,1\nSUS-1,,1\n").encode()).text
    carried = hidden_fields(result, "watch-these")
    again = post(client, "/procurer/watches", carried)
    assert (
        "Numbers newly followed: 1; followed already: 1."
        in client.get(again.headers["location"]).text
    )
    assert count(client, Watch) == 4

    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        mine = session.scalar(select(Watch.id).where(Watch.number == "GOOD-1"))
    sign_in(client, other.name, "buyer@prefecture.test")
    theirs = client.get("/procurer/watches").text
    assert "GOOD-1" not in theirs and "No numbers followed yet." in theirs
    removed = post(
        client, f"/procurer/watches/{mine}/remove", {"csrf": token(client, "/procurer/watches")}
    )
    assert removed.status_code == 404
    assert count(client, Watch) == 4

    sign_in(client, procurer.name, "second@city.test")
    gone = post(
        client, f"/procurer/watches/{mine}/remove", {"csrf": token(client, "/procurer/watches")}
    )
    assert gone.status_code == 303
    assert count(client, Watch) == 3


def test_a_refused_watch_shows_the_reason_and_keeps_what_was_typed(
    client: TestClient, procurer: Party
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    fields = {"csrf": token(client, "/procurer/watches"), "numbers": "HG-1", "remind_days": "9999"}
    answer = post(client, "/procurer/watches", fields)
    assert answer.status_code == 422
    assert "remind_days" in answer.text and ">HG-1</textarea>" in answer.text
    empty = post(client, "/procurer/watches", {"csrf": fields["csrf"], "numbers": " \n"})
    assert empty.status_code == 422 and "give at least one number" in empty.text
    assert count(client, Watch) == 0


def test_channels_a_webhook_secret_is_shown_once_and_deliveries_retry(
    client: TestClient, procurer: Party, make_party: MakeParty
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    csrf = token(client, "/procurer/notifications")
    added = post(
        client,
        "/procurer/notifications/webhook",
        {"csrf": csrf, "webhook_url": "https://hooks.city.test/jcstar"},
    )
    assert added.status_code == 201, added.text
    secret = re.search(r'id="secret" value="(whsec_[^"]+)"', added.text)
    assert secret, "the secret is shown when the webhook is added"
    page = client.get("/procurer/notifications").text
    assert "https://hooks.city.test/jcstar" in page and secret.group(1) not in page

    mail = post(client, "/procurer/notifications/email", {"csrf": csrf, "email": "it@city.test"})
    assert mail.status_code == 303
    bad = post(client, "/procurer/notifications/email", {"csrf": csrf, "email": "not-an-address"})
    assert bad.status_code == 422 and 'id="email-problem"' in bad.text
    assert 'value="not-an-address"' in bad.text
    assert count(client, Channel) == 2

    # a failed delivery of ours is sent again; another organisation's is unknown
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        channel = session.scalars(select(Channel).where(Channel.kind == "email")).one()
        now = dt.datetime.now(dt.UTC)
        session.add(
            Delivery(
                delivery_id="0d6f8f0e-0000-4000-8000-000000000001",
                org_id=channel.org_id,
                channel_id=channel.id,
                event="label.revoked",
                payload="{}",
                state="failed",
                attempts=8,
                next_attempt_at=now,
                last_error="no SMTP server is configured",
                created_at=now,
            )
        )
        session.commit()
    page = client.get("/procurer/notifications?state=failed").text
    assert "no SMTP server is configured" in page and "Send again" in page
    other = make_party("Prefecture Procurement", "procurer")
    sign_in(client, other.name, "buyer@prefecture.test")
    retry = "/procurer/deliveries/0d6f8f0e-0000-4000-8000-000000000001/retry"
    assert (
        post(client, retry, {"csrf": token(client, "/procurer/notifications")}).status_code == 404
    )
    sign_in(client, procurer.name, "second@city.test")
    done = post(client, retry, {"csrf": token(client, "/procurer/notifications")})
    assert done.status_code == 303
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.state, delivery.attempts) == ("pending", 0)
    # only a failed one is retried: the reason beside the deliveries, nothing changed
    again = post(client, retry, {"csrf": token(client, "/procurer/notifications")})
    assert again.status_code == 409 and 'id="deliveries-problem"' in again.text

    channel_id = channel.id
    removed = post(
        client,
        f"/procurer/notifications/channels/{channel_id}/remove",
        {"csrf": token(client, "/procurer/notifications")},
    )
    assert removed.status_code == 303
    page = client.get("/procurer/notifications").text
    channels = re.search(r'<table class="listing" id="channels">.*?</table>', page, re.S)
    assert channels and "it@city.test" not in channels.group(0)
    # its past deliveries still name where they went
    assert "it@city.test" in page


PAGES = ("/procurer", "/procurer/watches", "/procurer/notifications")


def test_only_procurers_see_the_pages_and_only_watchers_change(
    client: TestClient, procurer: Party, vendor: Party, operator: Party, make_party: MakeParty
) -> None:
    lab = make_party("Test Lab", "lab")
    for path in PAGES:
        assert client.get(path).status_code == 401
    others = ((vendor.name, "staff@vendor.test"), (operator.name, "staff@op.test"))
    for org, email in (*others, (lab.name, "staff@lab.test")):
        sign_in(client, org, email)
        for path in PAGES:
            assert client.get(path).status_code == 403, path
        csrf = token(client, "/")
        assert (
            post(client, "/procurer/watches", {"csrf": csrf, "numbers": "A-1"}).status_code == 403
        )
        answer = post(
            client, "/procurer/check", {"csrf": csrf}, {"models": ("m.csv", b"model\nA\n")}
        )
        assert answer.status_code == 403
    # a procurer's person without the watcher or administrator role reads and checks only
    sign_in(client, procurer.name, "reader@city.test", roles=())
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert 'id="add-watches"' not in client.get("/procurer/watches").text
    assert check(client, b"model\nA-1\n").status_code == 200
    csrf = token(client)
    assert post(client, "/procurer/watches", {"csrf": csrf, "numbers": "A-1"}).status_code == 403
    hook = {"csrf": csrf, "webhook_url": "https://hooks.city.test/x"}
    assert post(client, "/procurer/notifications/webhook", hook).status_code == 403
    assert (count(client, Watch), count(client, Channel)) == (0, 0)
    # the watcher role is enough
    sign_in(client, procurer.name, "watcher@city.test", roles=("watcher",))
    csrf = token(client)
    assert post(client, "/procurer/watches", {"csrf": csrf, "numbers": "A-1"}).status_code == 303


def test_a_form_without_its_token_or_from_elsewhere_changes_nothing(
    client: TestClient, procurer: Party
) -> None:
    sign_in(client, procurer.name, "buyer@city.test")
    csrf = token(client)
    assert post(client, "/procurer/watches", {"numbers": "A-1"}).status_code == 403
    assert (
        post(client, "/procurer/watches", {"csrf": "x" * 40, "numbers": "A-1"}).status_code == 403
    )
    elsewhere = {"Origin": "https://evil.example"}
    assert (
        post(
            client, "/procurer/watches", {"csrf": csrf, "numbers": "A-1"}, headers=elsewhere
        ).status_code
        == 403
    )
    hook = {"webhook_url": "https://hooks.city.test/x"}
    assert post(client, "/procurer/notifications/webhook", hook).status_code == 403
    assert (
        post(client, "/procurer/check", {}, {"models": ("m.csv", b"model\nA\n")}).status_code == 403
    )
    assert (count(client, Watch), count(client, Channel)) == (0, 0)


def test_the_database_source_answers_as_the_bulk_status_endpoint(
    client: TestClient, registry: dict[str, str]
) -> None:
    """What the check page reads in process is what a live check reads over HTTP."""
    models = ["ｇｏｏｄ－１", "AMB-1", "NOPE-1"]
    numbers = [registry["REV-1"], "JC9-2099-999999"]
    body = {"models": models, "registrations": numbers}
    answer = client.post("/api/v1/public/status", json=body).json()
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        found = DatabaseStatusSource(session, BASE_URL, None).lookup(models, numbers)
    record = {n: LabelRecord.model_validate(e["record"]) for n, e in answer["labels"].items()}
    assert {m: [r.registration_no for r in found.by_model[m]] for m in models} == answer["models"]
    assert [r for m in models for r in found.by_model[m]] == [
        record[n] for m in models for n in answer["models"][m]
    ]
    assert found.by_registration == {
        n: (record[no] if no else None) for n, no in answer["registrations"].items()
    }
    assert len(found.by_model["AMB-1"]) == 2  # two makers: both answered, none chosen
