"""Issue 11, point 1: only the maker. A vendor applies only with a recorded identity and only
for its own products, or as a proxy under the maker's recorded authorisation (委任状); a model
number carries one label at a time, and the maker's own new label supersedes its old one
visibly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.accounts.service import (
    AccountError,
    authorise_proxy,
    check_corporate_number,
    record_identity,
    require_org,
    withdraw_proxy,
)
from jcstar.registry.db import lock_for_write
from tests.registry.conftest import (
    MakeParty,
    Party,
    apply,
    approve,
    corporate_number,
    identity_for,
    made_by,
    submit,
)

MAKER = "Example Energy Systems K.K."


def _post(client: TestClient, party: Party, report: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        "/api/v1/applications", json={"report": report, **extra}, headers=party.headers
    )


def _count(client: TestClient, table: str) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _authorise(
    client: TestClient, maker: str, proxy: str, models: list[str] | None = None, days: int = 30
) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        grant = authorise_proxy(
            session,
            require_org(session, maker),
            require_org(session, proxy),
            dt.date.today() + dt.timedelta(days=days),
            "委任状 2026-12-01 (operator file 42)",
            models,
        )
        session.commit()
        return grant.id


# --- the corporate number ----------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "7000012050002",  # 国税庁 (National Tax Agency)
        "1180301018771",  # トヨタ自動車株式会社
        "７０００-０１２０-５０００２",  # full width, with hyphens
    ],
)
def test_real_corporate_numbers_pass_their_check_digit(number: str) -> None:
    assert len(check_corporate_number(number)) == 13


@pytest.mark.parametrize(
    "number",
    [
        "7000012050003",  # last digit one off
        "6000012050002",  # check digit one off
        "1000012040001",  # its base gives check digit 9
        "700001205000",  # 12 digits
        "70000120500021",  # 14 digits
        "700001205000X",
    ],
)
def test_wrong_corporate_numbers_are_refused(number: str) -> None:
    with pytest.raises(AccountError, match="corporate number"):
        check_corporate_number(number)


# --- only the maker ------------------------------------------------------------------------


def test_another_vendor_cannot_apply_with_the_makers_report(
    client: TestClient, vendor: Party, make_party: MakeParty, report: dict[str, Any]
) -> None:
    other = make_party("Other Vendor K.K.", "vendor")
    response = _post(client, other, report)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"the report's vendor is {MAKER}: Other Vendor K.K. holds no authorisation (委任状) "
        "from it in force for HG-100, HG-100W"
    )
    unknown = _post(client, other, made_by(report, "Nobody Registered Ltd."))
    assert unknown.status_code == 403
    assert "the maker is not registered" in unknown.json()["detail"]
    assert _count(client, "applications") == 0
    assert _post(client, vendor, report).status_code == 201


def test_a_vendor_without_identity_logs_in_but_cannot_apply(
    client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    maker = make_party(MAKER, "vendor", identity=False)
    assert client.get("/api/v1/me", headers=maker.headers).status_code == 200
    response = _post(client, maker, report)
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"{MAKER} has no recorded identity")
    assert _count(client, "applications") == 0
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        record_identity(session, require_org(session, MAKER), identity_for(MAKER, 7))
        session.commit()
    assert _post(client, maker, report).status_code == 201


def test_the_maker_is_matched_by_either_legal_name_or_its_corporate_number(
    client: TestClient, make_party: MakeParty, report: dict[str, Any]
) -> None:
    maker = make_party("EES", "vendor", identity=False)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        identity = identity_for(MAKER, 9)
        record_identity(
            session,
            require_org(session, "EES"),
            type(identity)(
                legal_name_en=MAKER,
                legal_name_ja="エグザンプル・エナジー・システムズ株式会社",
                country="JP",
                corporate_number=identity.corporate_number,
            ),
        )
        session.commit()
    for name in ("EXAMPLE ENERGY SYSTEMS KK", "エグザンプル・エナジー・システムズ株式会社"):
        assert _post(client, maker, made_by(report, name)).status_code == 201, name
    by_number = made_by(report, "Some other spelling")
    by_number["product"]["vendor_corporate_number"] = corporate_number(9)
    assert _post(client, maker, by_number).status_code == 201
    by_number["product"]["vendor_corporate_number"] = corporate_number(10)
    assert _post(client, maker, by_number).status_code == 403


def test_a_proxy_applies_only_under_the_makers_recorded_authorisation(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> None:
    proxy = make_party("Application Agents Co., Ltd.", "vendor")
    assert _post(client, proxy, report).status_code == 403
    _authorise(client, MAKER, proxy.name, ["HG-100"])  # not HG-100W
    narrow = _post(client, proxy, report)
    assert narrow.status_code == 403
    assert "for HG-100, HG-100W" in narrow.json()["detail"]
    assert _post(client, proxy, report, model_numbers=["HG-100"]).status_code == 201
    grant = _authorise(client, MAKER, proxy.name)  # every product
    response = _post(client, proxy, report)
    assert response.status_code == 201
    app = response.json()
    assert (app["vendor"], app["proxy"]) == (MAKER, proxy.name)
    # both list it; the maker sees it, but only the proxy, who filed it, submits it
    for party in (proxy, vendor):
        listed = client.get("/api/v1/applications", headers=party.headers).json()["items"]
        assert app["id"] in [item["id"] for item in listed]
    seen = client.get(f"/api/v1/applications/{app['id']}", headers=vendor.headers)
    assert seen.status_code == 200
    denied = client.post(f"/api/v1/applications/{app['id']}/submit", headers=vendor.headers)
    assert denied.status_code == 403
    # a withdrawn authorisation: the proxy's draft can no longer be submitted
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        withdraw_proxy(session, grant)
        session.commit()
    refused = client.post(f"/api/v1/applications/{app['id']}/submit", headers=proxy.headers)
    assert refused.status_code == 403
    assert (
        client.get(f"/api/v1/applications/{app['id']}", headers=proxy.headers).json()["state"]
        == "draft"
    )
    _authorise(client, MAKER, proxy.name)
    submit(client, proxy, app["id"])
    label = approve(client, operator, app["id"])
    assert label["vendor"] == MAKER  # the label is the maker's, whoever filed it


@pytest.mark.slow
def test_an_expired_authorisation_does_not_count(
    client: TestClient, vendor: Party, make_party: MakeParty, report: dict[str, Any]
) -> None:
    proxy = make_party("Agents K.K.", "vendor")
    with pytest.raises(AccountError, match="expired already"):
        _authorise(client, MAKER, proxy.name, days=-1)
    _authorise(client, MAKER, proxy.name, days=0)  # in force through today
    assert _post(client, proxy, report).status_code == 201


# --- one label per model number ------------------------------------------------------------


def _label(client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]) -> str:
    app_id = apply(client, vendor, report)["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def test_a_model_under_another_makers_label_is_refused(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> None:
    first = _label(client, vendor, operator, report)
    rival = make_party("Rival Devices Inc.", "vendor")
    # the rival's own report (its name as vendor), for the same model numbers
    app_id = apply(client, rival, report, model_numbers=["ＨＧ－１００"])["id"]
    refused = client.post(f"/api/v1/applications/{app_id}/submit", headers=rival.headers)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"model number HG-100 is under label {first} of {MAKER}: a model number carries "
        "one label at a time"
    )
    assert client.get(f"/api/v1/labels/{first}").json()["status"] == "valid"
    assert client.get("/api/v1/labels").json()["total"] == 1


def test_the_makers_new_label_supersedes_its_old_one_visibly(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    first = _label(client, vendor, operator, report)
    second = _label(client, vendor, operator, report)  # a renewal by a new assessment
    old = client.get(f"/api/v1/labels/{first}").json()
    assert old["status"] == "superseded"
    assert old["superseded_by"] == second
    assert old["status_history"][-1]["event"] == "superseded"
    assert old["status_history"][-1]["reason"] == f"superseded by {second}"
    assert client.get(f"/api/v1/labels/{second}").json()["status"] == "valid"
    page = client.get(f"/p/{first}").text
    assert f"superseded by {second}" in page
    log = client.get("/api/v1/log").json()
    entries = log["entries"] if isinstance(log, dict) else log
    superseded = [e for e in entries if e["kind"] == "label.superseded"]
    assert [e["subject"] for e in superseded] == [first]
    valid = client.get("/api/v1/labels", params={"model": "HG-100", "status": "valid"}).json()
    assert [item["registration_no"] for item in valid["items"]] == [second]
    assert client.get("/api/v1/log/verify").json()["ok"] is True
    # a superseded label is final
    renew = client.post(f"/api/v1/labels/{first}/renew", headers=operator.headers)
    assert renew.status_code == 409


def test_a_suspended_or_partly_covered_label_is_not_superseded(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    first = _label(client, vendor, operator, report)
    # a new application for only one of the label's two model numbers
    app_id = apply(client, vendor, report, model_numbers=["HG-100"])["id"]
    partial = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert partial.status_code == 409
    assert partial.json()["detail"] == (
        f"label {first} also covers HG-100W: an application that supersedes it must cover "
        "all of its model numbers"
    )
    client.post(f"/api/v1/labels/{first}/suspend", json={"reason": "r"}, headers=operator.headers)
    app_id = apply(client, vendor, report)["id"]
    suspended = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert suspended.status_code == 409
    assert f"under label {first}, which is suspended" in suspended.json()["detail"]
    assert client.get(f"/api/v1/labels/{first}").json()["status"] == "suspended"


def test_admin_commands_record_identity_and_authorisations(database_url: str) -> None:
    runner = CliRunner()
    url = ["--database-url", database_url]

    def admin(*args: str) -> Any:
        return runner.invoke(cli_app, ["admin", *args, *url])

    assert admin("create-org", "Maker", "--kind", "vendor").exit_code == 2  # no identity
    bad = admin(
        "create-org", "Maker", "--kind", "vendor", "--legal-name-ja", "メーカー株式会社",
        "--legal-name-en", "Maker K.K.", "--corporate-number", "7000012050003",
    )  # fmt: skip
    assert bad.exit_code == 2 and "check digit" in bad.stderr
    made = admin(
        "create-org", "Maker", "--kind", "vendor", "--legal-name-ja", "メーカー株式会社",
        "--legal-name-en", "Maker K.K.", "--corporate-number", corporate_number(21),
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    foreign = admin(
        "create-org", "Agent", "--kind", "vendor", "--legal-name-en", "Agent GmbH",
        "--country", "DE", "--corporate-number", "HRB 123456",
    )  # fmt: skip
    assert foreign.exit_code == 0, foreign.output
    granted = admin(
        "authorise-proxy", "--maker", "Maker", "--proxy", "Agent", "--expires", "2099-12-31",
        "--reference", "委任状 no. 7", "--model", "M-1",
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    assert admin("withdraw-proxy", granted.stdout.strip()).exit_code == 0
    assert admin("create-org", "Old", "--kind", "operator").exit_code == 0
    not_vendor = admin(
        "set-identity", "Old", "--legal-name-ja", "古", "--legal-name-en", "Old",
        "--corporate-number", corporate_number(22),
    )  # fmt: skip
    assert not_vendor.exit_code == 2 and "only a vendor" in not_vendor.stderr
