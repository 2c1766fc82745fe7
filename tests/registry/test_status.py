"""Status for machines: many labels in one request, and any day's status from the history.

Each test runs on SQLite and PostgreSQL (``client``). Labels are issued, suspended, revoked,
reinstated and superseded through the API; where a test needs a history spread over several
days, the events' times are moved back in the database and the label's stored document is
rebuilt from its rows, as every change to a label rebuilds it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from jcstar.client.bulk import RegistryStatusSource
from jcstar.client.status import RecordsSource
from jcstar.labels.standing import LabelRecord
from jcstar.registry import migrate
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import LabelEvent
from tests.registry.conftest import MakeParty, Party, apply, approve, issue_label, submit

STATUS = "/api/v1/public/status"


def _issue(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], *models: str
) -> str:
    app_id = apply(client, vendor, report, model_numbers=list(models))["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def _change(client: TestClient, operator: Party, number: str, action: str) -> None:
    response = client.post(
        f"/api/v1/labels/{number}/{action}",
        json={"reason": f"{action} test"},
        headers=operator.headers,
    )
    assert response.status_code == 200, response.text


def _backdate(client: TestClient, number: str, days: list[dt.date]) -> None:
    """Move the label's events, oldest first, to noon UTC of ``days``; rebuild its document."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        label = labels.find(session, number)
        events = session.scalars(
            select(LabelEvent).where(LabelEvent.label_id == label.id).order_by(LabelEvent.id)
        ).all()
        assert len(events) == len(days)
        for event, day in zip(events, days, strict=True):
            event.at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        session.flush()
        session.expire_all()
        labels.store_document(session, labels.find(session, number))
        session.commit()


def _bulk(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(STATUS, json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _status_of(answer: dict[str, Any], model: str) -> list[tuple[str, str]]:
    return [
        (answer["labels"][no]["record"]["vendor"], answer["labels"][no]["standing"]["status"])
        for no in answer["models"][model]
    ]


@pytest.fixture
def registry(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> dict[str, str]:
    """Labels in every status: model number → registration number."""
    made = {
        "valid": _issue(client, vendor, operator, report, "FD-6101", "FD-6101W"),
        "suspended": _issue(client, vendor, operator, report, "SU-1"),
        "revoked": _issue(client, vendor, operator, report, "RV-1"),
        "old": _issue(client, vendor, operator, report, "SP-1"),
    }
    _change(client, operator, made["suspended"], "suspend")
    _change(client, operator, made["revoked"], "revoke")
    # the maker's new label for the same model number supersedes its old one
    made["new"] = _issue(client, vendor, operator, report, "SP-1")
    # a model number whose first label was revoked, then labelled by another maker: two
    # labels of two makers answer for it
    made["first_maker"] = _issue(client, vendor, operator, report, "AM-7")
    _change(client, operator, made["first_maker"], "revoke")
    rival = make_party("Rival Devices Inc.", "vendor")
    made["second_maker"] = _issue(client, rival, operator, report, "AM-7")
    return made


def test_bulk_answers_every_status_and_unknown_numbers(
    client: TestClient, registry: dict[str, str], vendor: Party
) -> None:
    answer = _bulk(
        client,
        models=["FD-6101", "SU-1", "RV-1", "SP-1", "AM-7", "NO-SUCH-MODEL"],
        registrations=[registry["valid"], "JC9-2099-999999"],
    )
    assert answer["on"] == labels.today().isoformat()
    maker = vendor.name
    assert _status_of(answer, "FD-6101") == [(maker, "valid")]
    assert _status_of(answer, "SU-1") == [(maker, "suspended")]
    assert _status_of(answer, "RV-1") == [(maker, "revoked")]
    # both labels of the model number: the old one superseded (naming the new), the new valid
    assert answer["models"]["SP-1"] == sorted([registry["old"], registry["new"]])
    old = answer["labels"][registry["old"]]
    assert old["standing"]["status"] == "superseded"
    assert old["standing"]["superseded_by"] == registry["new"]
    assert answer["labels"][registry["new"]]["standing"]["status"] == "valid"
    # two makers for one model number: both reported, none chosen
    assert sorted(_status_of(answer, "AM-7")) == sorted(
        [(maker, "revoked"), ("Rival Devices Inc.", "valid")]
    )
    # unknown numbers are not errors
    assert answer["models"]["NO-SUCH-MODEL"] == []
    assert answer["registrations"] == {
        registry["valid"]: registry["valid"],
        "JC9-2099-999999": None,
    }
    record = answer["labels"][registry["valid"]]["record"]
    assert record["model_numbers"] == ["FD-6101", "FD-6101W"]
    assert [e["event"] for e in record["history"]] == ["issued"]


def test_model_numbers_match_whatever_their_width_and_case(
    client: TestClient, registry: dict[str, str]
) -> None:
    given = ["ＦＤ－６１０１", "fd-6101", " FD-6101W ", "Fd-6101w"]
    answer = _bulk(client, models=given)
    # each number answered as given, all finding the one label
    assert answer["models"] == {m: [registry["valid"]] for m in given}
    assert list(answer["labels"]) == [registry["valid"]]


def test_a_day_after_the_expiry_answers_expired(
    client: TestClient, registry: dict[str, str]
) -> None:
    record = _bulk(client, registrations=[registry["valid"]])["labels"][registry["valid"]]["record"]
    expires = dt.date.fromisoformat(record["expires_on"])
    on_last_day = _bulk(client, models=["FD-6101"], at=expires.isoformat())
    assert _status_of(on_last_day, "FD-6101")[0][1] == "valid"
    after = _bulk(client, models=["FD-6101"], at=(expires + dt.timedelta(days=1)).isoformat())
    assert _status_of(after, "FD-6101")[0][1] == "expired"


def test_status_at_past_days_follows_the_history(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    number = issue_label(client, vendor, operator, report)["registration_no"]
    _change(client, operator, number, "suspend")
    _change(client, operator, number, "reinstate")
    _change(client, operator, number, "revoke")
    issued, suspended = dt.date(2026, 1, 10), dt.date(2026, 3, 1)
    reinstated, revoked = dt.date(2026, 3, 10), dt.date(2026, 6, 30)
    _backdate(client, number, [issued, suspended, reinstated, revoked])

    def on(day: dt.date) -> dict[str, Any]:
        response = client.get(f"{STATUS}/{number}", params={"at": day.isoformat()})
        assert response.status_code == 200, response.text
        standing: dict[str, Any] = response.json()["standing"]
        return standing

    assert on(issued - dt.timedelta(days=1))["status"] == "not_issued"
    assert on(issued - dt.timedelta(days=1))["expires_on"] is None
    assert on(issued)["status"] == "valid"
    assert on(suspended)["status"] == "suspended"
    assert on(suspended)["reason"] == "suspend test"
    assert on(reinstated - dt.timedelta(days=1))["status"] == "suspended"
    assert on(reinstated)["status"] == "valid"  # after the reinstatement
    assert on(revoked - dt.timedelta(days=1))["status"] == "valid"
    assert on(revoked)["status"] == "revoked"  # the day of the revocation counts
    assert on(revoked)["reason"] == "revoke test"
    # the bulk endpoint agrees, for the same day
    answer = _bulk(
        client, registrations=[number], at=(reinstated - dt.timedelta(days=1)).isoformat()
    )
    assert answer["labels"][number]["standing"]["status"] == "suspended"
    # today: revoked, with the whole history in the record
    today = client.get(f"{STATUS}/{number}").json()
    assert today["on"] == labels.today().isoformat() and today["standing"]["status"] == "revoked"
    events = [(e["event"], e["at"][:10]) for e in today["record"]["history"]]
    assert events == [
        ("issued", "2026-01-10"),
        ("suspended", "2026-03-01"),
        ("reinstated", "2026-03-10"),
        ("revoked", "2026-06-30"),
    ]


def test_one_status_of_an_unknown_label_is_404(client: TestClient) -> None:
    response = client.get(f"{STATUS}/JC1-2099-000001")
    assert response.status_code == 404
    assert response.json()["detail"] == "no label 'JC1-2099-000001'"


def test_a_bad_day_is_refused_naming_the_field(client: TestClient) -> None:
    response = client.post(STATUS, json={"models": ["X"], "at": "2026-13-01"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "at"]
    assert client.get(f"{STATUS}/JC1-2026-000001", params={"at": "yesterday"}).status_code == 422


def test_more_than_ten_thousand_numbers_are_refused_and_nothing_changes(
    client: TestClient, registry: dict[str, str]
) -> None:
    before = client.get("/api/v1/log").json()
    labels_before = client.get("/api/v1/labels").json()
    response = client.post(
        STATUS,
        json={"models": [f"M-{i}" for i in range(9_000)], "registrations": ["R"] * 1_001},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "at most 10,000 numbers (models and registrations together) per request; got 10,001: "
        "split them over several requests"
    )
    assert client.get("/api/v1/log").json() == before
    assert client.get("/api/v1/labels").json() == labels_before
    # exactly the limit is answered
    answer = _bulk(client, models=[f"M-{i}" for i in range(9_999)] + ["FD-6101"])
    assert len(answer["models"]) == 10_000
    assert answer["models"]["FD-6101"] == [registry["valid"]]


def test_the_registry_source_gives_what_records_in_memory_give(
    client: TestClient, registry: dict[str, str]
) -> None:
    """``RegistryStatusSource`` over the bulk endpoint, in batches, answers as a
    ``RecordsSource`` holding the same labels (read one by one)."""
    records = [
        LabelRecord.model_validate(client.get(f"{STATUS}/{no}").json()["record"])
        for no in sorted(registry.values())
    ]
    expected = RecordsSource(records)
    models = ["FD-6101", "ｆｄ－６１０１ｗ", "SU-1", "RV-1", "SP-1", "AM-7", "UNKNOWN"]
    registrations = [registry["valid"], registry["old"], "JC9-2099-000001"]
    # a batch of 4: the 10 numbers go in three requests
    source = RegistryStatusSource(
        "https://testserver",
        batch=4,
        transport=client._transport,  # type: ignore[attr-defined]
    )
    with source:
        got = source.lookup(models, registrations)
    assert got == expected.lookup(models, registrations)
    assert len(got.by_model["AM-7"]) == 2


def test_model_keys_are_stored_for_every_model_number(
    client: TestClient, registry: dict[str, str]
) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = session.execute(text("SELECT model_number, model_key FROM label_models")).all()
    assert ("FD-6101W", "fd-6101w") in rows
    assert all(key for _, key in rows)


def test_the_migration_fills_the_keys_of_labels_issued_before_it(
    client: TestClient, registry: dict[str, str]
) -> None:
    """Migration 0013 undone and done again over existing labels: each model number's key
    is filled in, and the bulk lookup finds them."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    migrate.downgrade(engine, "0012")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("label_models")}
    assert "model_key" not in columns
    migrate.upgrade(engine)
    answer = _bulk(client, models=["ｓｕ－１", "am-7"])
    assert answer["models"]["ｓｕ－１"] == [registry["suspended"]]
    assert answer["models"]["am-7"] == sorted([registry["first_maker"], registry["second_maker"]])
