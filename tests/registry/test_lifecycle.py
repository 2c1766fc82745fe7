"""The scheme's lifecycle: acceptance numbers, fees paid before review, the public claim check,
renewal that re-checks the product, and "no longer supported" once the support period ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from jcstar.assessment.decision import parse_report
from jcstar.assessment.report import report_id_for
from jcstar.registry.applications.fees import FeeTableError, load_fees, shipped_path
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label
from jcstar.registry.settings import Settings
from tests.registry.conftest import (
    MakeParty,
    Party,
    accept_and_pay,
    apply,
    approve,
    issue_label,
    made_by,
    submit,
)

# -- fees as data -----------------------------------------------------------------------------


def test_the_shipped_fee_table_loads_and_prices_by_received_date() -> None:
    table = load_fees(shipped_path())
    assert table.amount_for(1, "standard", dt.date(2026, 12, 6)) == 198_000
    # the introductory fee, for applications received up to 2025-09-30 [V]
    assert table.amount_for(1, "standard", dt.date(2025, 9, 30)) == 110_000
    assert table.amount_for(1, "standard", dt.date(2025, 10, 1)) == 198_000
    assert table.amount_for(1, "psti", dt.date(2026, 12, 6)) == 140_000
    # ★2 and above: not published, so the table holds no amount
    assert table.amount_for(2, "standard", dt.date(2026, 12, 6)) is None
    assert all(row.source in ("V", "U") for row in table.fees)


def test_a_fee_file_with_an_unknown_field_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "fees.yaml"
    bad.write_text(
        "fees:\n  - {level: 1, route: standard, amount_jpy: 1, source: V, note: x, amont: 2}\n"
    )
    with pytest.raises(FeeTableError, match=r"fees\.yaml: fees\.0\.amont: Extra inputs"):
        load_fees(bad)


# -- acceptance and the fee -------------------------------------------------------------------


def _app(client: TestClient, party: Party, app_id: int) -> dict[str, Any]:
    data: dict[str, Any] = client.get(
        f"/api/v1/applications/{app_id}", headers=party.headers
    ).json()
    return data


def test_acceptance_gives_a_number_and_invoices_the_fee(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    assert _app(client, vendor, app_id)["acceptance_no"] is None
    accepted = client.post(f"/api/v1/applications/{app_id}/accept", headers=operator.headers)
    assert accepted.status_code == 200, accepted.text
    number = accepted.json()["acceptance_no"]
    assert number == f"R-{dt.date.today().year}-000001"
    assert accepted.json()["fee_jpy"] == 198_000 and accepted.json()["fee_paid_at"] is None
    assert accepted.json()["history"][-1]["reason"] == (
        f"acceptance number {number}; fee ¥198,000 invoiced"
    )
    # the vendor sees the same number (it may now say 「適合ラベル取得申請中」)
    assert _app(client, vendor, app_id)["acceptance_no"] == number


def test_approval_never_skips_acceptance_or_the_fee(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    path = f"/api/v1/applications/{app_id}"
    straight = client.post(f"{path}/approve", headers=operator.headers)
    assert straight.status_code == 409
    assert "submitted" in straight.json()["detail"]
    client.post(f"{path}/accept", headers=operator.headers)
    unpaid = client.post(f"{path}/approve", headers=operator.headers)
    assert unpaid.status_code == 409
    number = _app(client, operator, app_id)["acceptance_no"]
    assert f"acceptance number {number}" in unpaid.json()["detail"]
    assert "¥198,000 is not recorded paid" in unpaid.json()["detail"]
    assert client.get("/api/v1/labels").json()["total"] == 0
    assert _app(client, operator, app_id)["state"] == "accepted"


@pytest.mark.slow
def test_fee_payment_needs_a_reference_and_is_recorded_once(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    path = f"/api/v1/applications/{app_id}/fee-paid"
    early = client.post(path, json={"reference": "T-1"}, headers=operator.headers)
    assert early.status_code == 409 and "submitted" in early.json()["detail"]
    client.post(f"/api/v1/applications/{app_id}/accept", headers=operator.headers)
    blank = client.post(path, json={"reference": "   "}, headers=operator.headers)
    assert blank.status_code == 422
    by_vendor = client.post(path, json={"reference": "T-1"}, headers=vendor.headers)
    assert by_vendor.status_code == 403
    paid = client.post(path, json={"reference": "T-1"}, headers=operator.headers)
    assert paid.status_code == 200 and paid.json()["fee_reference"] == "T-1"
    assert paid.json()["state"] == "accepted"
    assert paid.json()["history"][-1]["state"] == "fee_paid"
    twice = client.post(path, json={"reference": "T-2"}, headers=operator.headers)
    assert twice.status_code == 409 and "(reference T-1)" in twice.json()["detail"]
    assert _app(client, operator, app_id)["fee_reference"] == "T-1"


def test_where_the_table_has_no_amount_the_operator_states_it(
    client: TestClient,
    settings: Settings,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    tmp_path: Path,
) -> None:
    # a table whose ★1 standard fee is not published (as ★2 and above are)
    table = tmp_path / "fees.yaml"
    table.write_text(
        "fees:\n  - {level: 1, route: standard, amount_jpy: null, source: U, note: unknown}\n"
    )
    client.app.state.settings = dataclasses.replace(settings, fees_path=table)  # type: ignore[attr-defined]
    app = apply(client, vendor, report)
    assert app["fee_jpy"] is None
    submit(client, vendor, app["id"])
    path = f"/api/v1/applications/{app['id']}/accept"
    unstated = client.post(path, headers=operator.headers)
    assert unstated.status_code == 422
    assert unstated.json()["detail"].startswith("fee_jpy: the fee table has no amount for ★1")
    assert _app(client, operator, app["id"])["state"] == "submitted"
    stated = client.post(path, json={"fee_jpy": 330_000}, headers=operator.headers)
    assert stated.status_code == 200
    assert stated.json()["fee_jpy"] == 330_000 and stated.json()["acceptance_no"]


def test_an_amount_other_than_the_tables_is_refused(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    wrong = client.post(
        f"/api/v1/applications/{app_id}/accept", json={"fee_jpy": 1}, headers=operator.headers
    )
    assert wrong.status_code == 422 and "¥198,000" in wrong.json()["detail"]
    assert _app(client, operator, app_id)["acceptance_no"] is None


# -- the public claim check -------------------------------------------------------------------


def _check(client: TestClient, model: str) -> dict[str, Any]:
    response = client.get("/api/v1/public/accepted", params={"model": model})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_only_accepted_applications_back_an_applied_for_claim(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app_id = apply(client, vendor, report, model_numbers=["HG-100"])["id"]
    assert _check(client, "HG-100") == {"model": "HG-100", "accepted": False, "matches": []}
    submit(client, vendor, app_id)
    assert _check(client, "HG-100")["accepted"] is False  # submitted is not accepted
    accepted = client.post(f"/api/v1/applications/{app_id}/accept", headers=operator.headers)
    number = accepted.json()["acceptance_no"]
    # anyone, without signing in; width and case do not matter
    answer = _check(client, "ｈｇ－１００")
    assert answer["accepted"] is True
    assert answer["matches"] == [
        {
            "acceptance_no": number,
            "vendor": vendor.name,
            "level": 1,
            "state": "accepted",
            "model_number": "HG-100",
            "registration_no": None,
            "label_status": None,
            "product_url": None,
        }
    ]
    # the operator returns it: the claim is no longer backed
    client.post(
        f"/api/v1/applications/{app_id}/return", json={"reason": "fix"}, headers=operator.headers
    )
    assert _check(client, "HG-100") == {"model": "HG-100", "accepted": False, "matches": []}
    assert _check(client, "HG-10")["matches"] == []  # a whole model number, not a part


def test_a_label_backs_the_claim_until_it_is_revoked(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    no = label["registration_no"]
    answer = _check(client, "hg-100w")
    assert answer["accepted"] is True
    [match] = answer["matches"]
    assert match["state"] == "approved" and match["registration_no"] == no
    assert match["label_status"] == "valid" and match["model_number"] == "HG-100W"
    assert match["acceptance_no"].startswith("R-")
    assert set(match) == {
        "acceptance_no",
        "vendor",
        "level",
        "state",
        "model_number",
        "registration_no",
        "label_status",
        "product_url",
    }  # never the fee, the report, the documents or the other model numbers
    client.post(f"/api/v1/labels/{no}/revoke", json={"reason": "x"}, headers=operator.headers)
    revoked = _check(client, "HG-100W")
    assert revoked["accepted"] is False
    assert revoked["matches"][0]["label_status"] == "revoked"


def test_the_claim_check_refuses_a_blank_model(client: TestClient) -> None:
    assert client.get("/api/v1/public/accepted").status_code == 422
    blank = client.get("/api/v1/public/accepted", params={"model": "  "})
    assert blank.status_code == 422 and "model" in blank.json()["detail"]


# -- renewal ----------------------------------------------------------------------------------


def assessed_on(data: dict[str, Any], when: dt.datetime) -> dict[str, Any]:
    """The report as ``jcstar assess`` would have written it at ``when`` (its id follows from
    its inputs and time)."""
    stale = {**data, "generated_at": when.isoformat()}
    parsed = parse_report(stale)
    stale["report_id"] = report_id_for(parsed.catalog.digest, parsed.generated_at, parsed.inputs)
    return stale


def _set_expiry(client: TestClient, registration_no: str, expires_on: dt.date) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text("UPDATE labels SET expires_on = :e WHERE registration_no = :n"),
            {"e": expires_on, "n": registration_no},
        )
        session.commit()


def _renewal(client: TestClient, vendor: Party, report: dict[str, Any], renews: str) -> Any:
    return client.post(
        "/api/v1/applications",
        json={"report": made_by(report, vendor.name), "renews": renews},
        headers=vendor.headers,
    )


def test_renewal_opens_in_the_window_and_links_both_labels(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    old = issue_label(client, vendor, operator, report)["registration_no"]
    expires = dt.date.today() + dt.timedelta(days=120)
    _set_expiry(client, old, expires)
    early = _renewal(client, vendor, report, old)
    assert early.status_code == 409
    opens = (expires - dt.timedelta(days=90)).isoformat()
    assert f"renewal of label {old} opens on {opens}" in early.json()["detail"]

    _set_expiry(client, old, dt.date.today() + dt.timedelta(days=30))
    created = _renewal(client, vendor, report, old)
    assert created.status_code == 201, created.text
    assert created.json()["renews"] == old
    submit(client, vendor, created.json()["id"])
    new = approve(client, operator, created.json()["id"])["registration_no"]

    old_record = client.get(f"/api/v1/labels/{old}").json()
    assert old_record["status"] == "superseded" and old_record["superseded_by"] == new
    assert old_record["status_history"][-1]["reason"] == f"superseded by {new}"
    new_record = client.get(f"/api/v1/labels/{new}").json()
    assert new_record["status"] == "valid" and new_record["renews"] == old
    assert [e["event"] for e in new_record["status_history"]] == ["issued", "renews"]
    assert new_record["status_history"][-1]["reason"] == f"renews {old}"
    assert f'href="/p/{old}"' in client.get(f"/p/{new}").text
    # the old label is final: it cannot be renewed again
    again = _renewal(client, vendor, report, old)
    assert again.status_code == 409 and f"label {old} is superseded" in again.json()["detail"]


def test_an_expired_label_can_be_renewed(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    old = issue_label(client, vendor, operator, report)["registration_no"]
    _set_expiry(client, old, dt.date(2024, 1, 1))
    created = _renewal(client, vendor, report, old)
    assert created.status_code == 201, created.text
    submit(client, vendor, created.json()["id"])
    new = approve(client, operator, created.json()["id"])["registration_no"]
    assert client.get(f"/api/v1/labels/{old}").json()["superseded_by"] == new


def test_a_renewal_needs_a_current_report(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    old = issue_label(client, vendor, operator, report)["registration_no"]
    _set_expiry(client, old, dt.date.today() + dt.timedelta(days=10))
    stale = assessed_on(report, dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC))
    app_id = _renewal(client, vendor, stale, old).json()["id"]
    refused = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert refused.status_code == 422
    assert "the report was generated on 2025-01-06" in refused.json()["detail"]
    assert "at most 90 days old" in refused.json()["detail"]
    assert _app(client, vendor, app_id)["state"] == "draft"
    # the product assessed again: the fresh report goes through
    fixed = client.patch(
        f"/api/v1/applications/{app_id}",
        json={"report": made_by(report, vendor.name)},
        headers=vendor.headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert submit(client, vendor, app_id)["state"] == "submitted"


def test_only_the_maker_renews_and_for_all_model_numbers(
    client: TestClient,
    make_party: MakeParty,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    old = issue_label(client, vendor, operator, report)["registration_no"]
    _set_expiry(client, old, dt.date.today() + dt.timedelta(days=10))
    other = make_party("Other Maker K.K.", "vendor")
    theirs = _renewal(
        client, other, {**report, "product": {**report["product"], "model_numbers": ["OM-1"]}}, old
    )
    assert theirs.status_code == 403 and "only its maker" in theirs.json()["detail"]
    partial = client.post(
        "/api/v1/applications",
        json={"report": made_by(report, vendor.name), "renews": old, "model_numbers": ["HG-100"]},
        headers=vendor.headers,
    )
    assert partial.status_code == 422 and "missing HG-100W" in partial.json()["detail"]
    unknown = _renewal(client, vendor, report, "JC1-2020-999999")
    assert unknown.status_code == 422 and "no label 'JC1-2020-999999'" in unknown.json()["detail"]
    assert len(client.get("/api/v1/applications", headers=vendor.headers).json()["items"]) == 1


# -- support period ended ---------------------------------------------------------------------


def test_a_label_past_its_support_period_says_so_and_stays_valid(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    no = issue_label(client, vendor, operator, report)["registration_no"]
    assert client.get(f"/api/v1/labels/{no}").json()["support_ended"] is False
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        label = session.scalar(select(Label).where(Label.registration_no == no))
        assert label is not None
        label.support_period_end = dt.date.today() - dt.timedelta(days=1)
        labels.store_document(session, label)  # as any change to a label keeps it in step
        session.commit()
    record = client.get(f"/api/v1/labels/{no}").json()
    assert record["support_ended"] is True and record["status"] == "valid"
    [item] = client.get("/api/v1/labels", params={"q": "HEMS"}).json()["items"]
    assert item["support_ended"] is True and item["status"] == "valid"
    page = client.get(f"/p/{no}").text
    assert 'id="support-ended">サポート終了' in page and "<strong>有効</strong>" in page
    assert "サポート終了" in client.get("/", params={"q": "HEMS"}).text


def test_application_numbers_are_given_on_first_submission_and_never_reused(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    """Drafts leave their reference series when filed; a later draft or filing never takes a
    number another application holds, and a resubmission keeps its number."""
    first = apply(client, vendor, report, model_numbers=["NUM-1"])
    second = apply(client, vendor, report, model_numbers=["NUM-2"])
    filed = submit(client, vendor, first["id"])
    third = apply(client, vendor, report, model_numbers=["NUM-3"])
    assert len({first["draft_no"], second["draft_no"], third["draft_no"]}) == 3
    refiled = submit(client, vendor, second["id"])
    assert filed["application_no"] != refiled["application_no"]
    listed = client.get("/api/v1/applications", headers=vendor.headers).json()["items"]
    numbers = [a["application_no"] or a["draft_no"] for a in listed]
    assert len(set(numbers)) == len(numbers) == 3
    returned = client.post(
        f"/api/v1/applications/{first['id']}/return",
        json={"reason": "attach the declaration"},
        headers=operator.headers,
    )
    assert returned.status_code == 200, returned.text
    assert submit(client, vendor, first["id"])["application_no"] == filed["application_no"]


def test_the_log_names_each_decision_from_acceptance_on_by_its_acceptance_number(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    """Before acceptance an application is the vendor's business: nothing of it is public.
    From acceptance on, each step is logged by acceptance number, naming who took it (an
    organisation and a pseudonymous actor) and binding its reason by digest, never the
    model numbers or the reason's text."""
    app_id = apply(client, vendor, report, model_numbers=["SECRET-MODEL-1"])["id"]
    submit(client, vendor, app_id)
    assert client.get("/api/v1/log").json()["entries"] == []
    accepted = accept_and_pay(client, operator, app_id)
    reason = "the checklist's S1.1-12 answer contradicts the test report"
    returned = client.post(
        f"/api/v1/applications/{app_id}/return", json={"reason": reason}, headers=operator.headers
    )
    assert returned.status_code == 200, returned.text
    entries = client.get("/api/v1/log").json()["entries"]
    number = accepted["acceptance_no"]
    assert [(e["kind"], e["subject"]) for e in entries] == [
        ("application.accepted", number),
        ("application.fee_paid", number),
        ("application.returned", number),
    ]
    returned_entry = entries[-1]["payload"]
    assert returned_entry["reason_sha256"] == hashlib.sha256(reason.encode()).hexdigest()
    assert returned_entry["by"]["org"] == operator.name and returned_entry["by"]["actor"]
    published = json.dumps(entries, ensure_ascii=False)
    assert "SECRET-MODEL-1" not in published and reason not in published
