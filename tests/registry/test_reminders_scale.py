"""The reminder scan at scale (both databases): its statements grow with the ranges of label
ids it walks, not with the labels; a label already reminded is not read again; two scans at
once, or a scan that dies half-way, still leave each reminder written exactly once.

Statements are counted with a ``before_cursor_execute`` listener on the registry's engine
(the server's own outbox worker is off here, so only the scan is counted)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from jcstar.registry.accounts.models import Org
from jcstar.registry.db import lock_for_write
from jcstar.registry.labels.models import Label, LabelModel
from jcstar.registry.outbox import events, reminders
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from tests.registry.conftest import MakeParty, Party


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No outbox worker in the server: the statements counted are the scan's alone."""
    return dataclasses.replace(settings, notify=False)


def add_labels(client: TestClient, vendor: Party, count: int, **dates: dt.date) -> list[str]:
    """``count`` valid labels of ``vendor`` (model ``SC-<n>`` each), written straight to the
    tables: the scan reads tables, and issuing through the API would time the issuance."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        org_id = session.scalar(select(Org.id).where(Org.name == vendor.name))
        start = session.scalar(select(func.count()).select_from(Label)) or 0
        numbers = []
        for n in range(start + 1, start + count + 1):
            number = f"JC1-2026-{n:06d}"
            label = Label(
                registration_no=number,
                vendor_org_id=org_id,
                vendor=vendor.name,
                product=f"Scan test product {n}",
                level=1,
                issued_on=dt.date(2026, 1, 5),
                expires_on=dates.get("expires_on", dt.date.today() + dt.timedelta(days=30)),
                support_period_end=dates.get("support_period_end"),
                status="valid",
                product_url=f"https://registry.test/p/{number}",
                jws="a.b.c",
                search_text=f"scan test product {n} sc-{n} {number.lower()}",
            )
            label.models = [LabelModel(position=0, model_number=f"SC-{n}")]
            session.add(label)
            numbers.append(number)
        session.commit()
    return numbers


def add_channel(client: TestClient, party: Party) -> None:
    # an unreachable port: nothing is delivered here (the worker is off); the rows are counted
    body = {"webhook_url": f"http://127.0.0.1:9/{party.name.split()[0]}"}
    response = client.post("/api/v1/notification-channels", json=body, headers=party.headers)
    assert response.status_code == 201, response.text


def follow(client: TestClient, party: Party, numbers: list[str], **more: Any) -> None:
    body = {"numbers": numbers, "kind": "model", **more}
    response = client.post("/api/v1/watches", json=body, headers=party.headers)
    assert response.status_code == 201, response.text


@contextmanager
def statements(client: TestClient) -> Iterator[list[str]]:
    """The SQL sent to the registry's database while the block runs."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def scan(client: TestClient, span: int = reminders.SPAN, on: dt.date | None = None) -> int:
    app = client.app
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        return reminders.scan(session, app.state.settings, on or dt.date.today(), span)  # type: ignore[attr-defined]


def reminders_written(client: TestClient) -> Counter[tuple[str, str, int | None]]:
    """(receiver, type, threshold) → how many reminders the outbox holds."""
    import json

    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = session.execute(
            select(Org.name, Delivery.payload)
            .join(Org, Org.id == Delivery.org_id)
            .where(Delivery.dedupe_key.is_not(None))
        )
        found: Counter[tuple[str, str, int | None]] = Counter()
        for name, payload in rows:
            body = json.loads(payload)
            found[name, body["type"], body["data"].get("threshold_days")] += 1
        return found


def keys_written(client: TestClient) -> list[str]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        query = select(Delivery.dedupe_key).where(Delivery.dedupe_key.is_not(None))
        return [k for k in session.scalars(query) if k]


def test_the_scans_statements_do_not_grow_with_the_labels_it_reminds_of(
    client: TestClient, vendor: Party, make_party: MakeParty
) -> None:
    buyer = make_party("Buyer Waterworks", "procurer")
    add_channel(client, vendor)
    add_channel(client, buyer)
    few = add_labels(client, vendor, 5)
    follow(client, buyer, [f"SC-{n}" for n in range(1, 6)])
    with statements(client) as first:
        assert scan(client) == 10  # five labels, the vendor and the buyer each
    many = add_labels(client, vendor, 40)
    follow(client, buyer, [f"SC-{n}" for n in range(6, 46)])
    with statements(client) as second:
        assert scan(client) == 80
    # the same statements for 5 labels as for 40 (one range: read, check, load, write)
    assert len(second) == len(first), (first, second)
    assert len(few) + len(many) == 45
    # 30 days before expiry, both are reminded at the nearest default threshold
    assert reminders_written(client) == {
        (vendor.name, events.EXPIRING, 42): 45,
        (buyer.name, events.EXPIRING, 42): 45,
    }
    # walked in ranges of 10 ids: statements by the range, each a handful, never per label
    with statements(client) as ranged:
        assert scan(client, span=10) == 0
    assert len(ranged) <= 3 + 2 * 5  # (channels, ids, thresholds) + (read, check) per range


@pytest.mark.parametrize("upper_case", [True, False], ids=["by-number-index", "by-lower-case"])
def test_registration_watches_and_their_own_days_are_joined_in_the_database(
    client: TestClient,
    vendor: Party,
    make_party: MakeParty,
    monkeypatch: pytest.MonkeyPatch,
    upper_case: bool,
) -> None:
    if not upper_case:  # as if the registry's numbers had lower-case letters
        window = reminders._window
        monkeypatch.setattr(
            reminders,
            "_window",
            lambda *a: dataclasses.replace(window(*a), upper_case_numbers=False),
        )
    buyer = make_party("Buyer Railways", "procurer")
    add_channel(client, buyer)
    numbers = add_labels(client, vendor, 3, expires_on=dt.date.today() + dt.timedelta(days=50))
    # followed as typed on a phone: lower case; reminded 60 days ahead, not at 90/42
    body = {"numbers": [numbers[1].lower()], "kind": "registration", "remind_days": 60}
    response = client.post("/api/v1/watches", json=body, headers=buyer.headers)
    assert response.status_code == 201, response.text
    assert scan(client) == 1
    assert reminders_written(client) == {(buyer.name, events.EXPIRING, 60): 1}
    assert keys_written(client)[0].startswith(f"{events.EXPIRING}:{numbers[1]}:")


def test_a_label_already_reminded_of_its_expiry_and_support_end_is_not_read_again(
    client: TestClient, vendor: Party
) -> None:
    add_channel(client, vendor)
    past = dt.date.today() - dt.timedelta(days=3)
    add_labels(client, vendor, 20, expires_on=past, support_period_end=past)
    assert scan(client) == 40  # expired and support ended, for each label
    with statements(client) as again:
        assert scan(client) == 0
    # the database left them out (their keys are in the outbox): no key checked, no label
    # loaded, whatever the number of labels
    assert not [s for s in again if "label_events" in s or "dedupe_key IN" in s], again
    assert len(again) == 4  # a live channel?, label ids, thresholds, the range's read
    assert reminders_written(client) == {
        (vendor.name, events.EXPIRED, None): 20,
        (vendor.name, events.SUPPORT_ENDED, None): 20,
    }


@pytest.mark.parametrize("in_sql", [True, False], ids=["left-out-in-sql", "keys-checked-only"])
def test_each_receiver_is_reminded_at_its_nearest_threshold_once_as_the_days_pass(
    client: TestClient,
    vendor: Party,
    make_party: MakeParty,
    monkeypatch: pytest.MonkeyPatch,
    in_sql: bool,
) -> None:
    if not in_sql:  # more distinct numbers of days than the query spells out: keys only
        monkeypatch.setattr(reminders, "_MAX_THRESHOLDS", 0)
    add_channel(client, vendor)
    own_days = make_party("Buyer Sixty Days", "procurer")
    add_channel(client, own_days)
    mixed = make_party("Buyer Mixed Days", "procurer")
    add_channel(client, mixed)
    expires_on = dt.date.today() + dt.timedelta(days=100)
    numbers = add_labels(client, vendor, 10, expires_on=expires_on)
    models = [f"SC-{n}" for n in range(1, 11)]
    follow(client, own_days, models, remind_days=60)
    # the defaults for the model numbers, and 35 days for one label's registration number
    follow(client, mixed, models)
    body = {"numbers": [numbers[0]], "kind": "registration", "remind_days": 35}
    response = client.post("/api/v1/watches", json=body, headers=mixed.headers)
    assert response.status_code == 201, response.text

    written = []
    for left in (70, 50, 33, 20):
        day = expires_on - dt.timedelta(days=left)
        written.append(scan(client, on=day))
        with statements(client) as again:
            assert scan(client, on=day) == 0
        if in_sql:  # what was written that day is left out by the database on the next scan
            assert len(again) == 4, again  # a live channel?, label ids, thresholds, the range
    # 70 days: the 90-day reminders; 50: the 60-day watch; 33: the vendor's 42, the mixed
    # buyer's 42 (35 for the one registration number); 20: nothing nearer for anyone
    assert written == [20, 10, 20, 0]
    assert reminders_written(client) == {
        (vendor.name, events.EXPIRING, 90): 10,
        (vendor.name, events.EXPIRING, 42): 10,
        (own_days.name, events.EXPIRING, 60): 10,
        (mixed.name, events.EXPIRING, 90): 10,
        (mixed.name, events.EXPIRING, 42): 9,
        (mixed.name, events.EXPIRING, 35): 1,
    }


def test_two_scans_at_once_write_each_reminder_once(
    client: TestClient, vendor: Party, make_party: MakeParty
) -> None:
    buyer = make_party("Buyer Harbour", "procurer")
    add_channel(client, vendor)
    add_channel(client, buyer)
    add_labels(client, vendor, 12)
    follow(client, buyer, [f"SC-{n}" for n in range(1, 13)])
    start = threading.Barrier(2)
    written: list[int] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            written.append(scan(client, span=3))
        except BaseException as exc:  # reported below, not lost in the thread
            failed.append(exc)

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failed, failed
    assert sum(written) == 24
    keys = keys_written(client)
    assert len(keys) == len(set(keys)) == 24


def test_a_scan_that_dies_half_way_writes_the_rest_once_on_the_next_run(
    client: TestClient, vendor: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_channel(client, vendor)
    add_labels(client, vendor, 9)
    real_insert = reminders.insert_rows
    calls = [0]

    def dies_after_second_insert(session: Any, rows: list[dict[str, Any]]) -> int:
        calls[0] += 1
        written = real_insert(session, rows)
        if calls[0] == 2:  # written, not yet committed: the process "dies" here
            raise RuntimeError("killed between writing and committing")
        return written

    monkeypatch.setattr(reminders, "insert_rows", dies_after_second_insert)
    with pytest.raises(RuntimeError):
        scan(client, span=3)
    assert len(keys_written(client)) == 3  # the first range committed; the second did not
    monkeypatch.setattr(reminders, "insert_rows", real_insert)
    assert scan(client, span=3) == 6
    keys = keys_written(client)
    assert len(keys) == len(set(keys)) == 9
    assert scan(client, span=3) == 0
