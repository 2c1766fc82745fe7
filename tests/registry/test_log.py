"""The transparency log: every publication and status change is chained; tampering shows."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jcstar.registry.log.chain import GENESIS, canonical, entry_hash, sha256_hex
from tests.registry.conftest import Party, drop_append_only_guard, issue_label


@pytest.fixture
def logged(client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]) -> str:
    no: str = issue_label(client, vendor, operator, report)["registration_no"]
    ops = operator.headers
    client.post(f"/api/v1/labels/{no}/suspend", json={"reason": "under inspection"}, headers=ops)
    client.post(f"/api/v1/labels/{no}/reinstate", json={"reason": "cleared"}, headers=ops)
    return no


def test_log_records_each_change_and_a_client_can_recompute_it(
    client: TestClient, logged: str
) -> None:
    entries = client.get("/api/v1/log").json()["entries"]
    # the application's steps from acceptance on (by acceptance number), then the label's
    assert [e["kind"] for e in entries] == [
        "application.accepted",
        "application.fee_paid",
        "application.approved",
        "label.issued",
        "label.suspended",
        "label.reinstated",
    ]
    assert all(e["subject"] == logged for e in entries if e["kind"].startswith("label."))
    prev = GENESIS
    for entry in entries:
        assert entry["prev_hash"] == prev
        assert sha256_hex(canonical(entry["payload"])) == entry["payload_sha256"]
        assert entry["hash"] == entry_hash(
            entry["seq"],
            entry["at"],
            entry["kind"],
            entry["subject"],
            entry["payload_sha256"],
            entry["prev_hash"],
        )
        prev = entry["hash"]
    verdict = client.get("/api/v1/log/verify").json()
    assert verdict == {
        "ok": True,
        "entries": 6,
        "head": prev,
        "problem": None,
        "first_bad_seq": None,
        "checkpoint_problem": None,
        "signed_size": 6,
        "disagreements": [],
    }


def test_the_database_refuses_to_change_a_log_entry(client: TestClient, logged: str) -> None:
    for statement in ("UPDATE log_entries SET kind = 'x' WHERE seq = 1", "DELETE FROM log_entries"):
        sessions = client.app.state.sessions  # type: ignore[attr-defined]
        with sessions() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
    assert client.get("/api/v1/log/verify").json()["ok"] is True


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE log_entries SET payload = replace(payload, 'under inspection', 'routine') "
            "WHERE seq = 5",
            "payload does not match",
        ),
        ("UPDATE log_entries SET kind = 'label.renewed' WHERE seq = 5", "hash does not match"),
        ("DELETE FROM log_entries WHERE seq = 5", "expected seq 5"),
    ],
)
@pytest.mark.slow
def test_altering_a_row_in_the_database_is_detected(
    client: TestClient, logged: str, statement: str, problem: str
) -> None:
    drop_append_only_guard(client)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(text(statement))
        session.commit()
    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_bad_seq"] in (5, 6)
    assert problem in verdict["problem"]


def test_rewriting_a_whole_entry_consistently_breaks_the_next_link(
    client: TestClient, logged: str
) -> None:
    # an attacker recomputes entry 5's own hashes (the suspension); entry 6 still points at
    # the old hash
    drop_append_only_guard(client)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        row = session.execute(text("SELECT * FROM log_entries WHERE seq = 5")).mappings().one()
        payload = row["payload"].replace("under inspection", "routine")
        payload_sha = sha256_hex(payload.encode())
        new_hash = entry_hash(
            5, row["at"], row["kind"], row["subject"], payload_sha, row["prev_hash"]
        )
        session.execute(
            text(
                "UPDATE log_entries SET payload = :p, payload_sha256 = :s, hash = :h WHERE seq = 5"
            ),
            {"p": payload, "s": payload_sha, "h": new_hash},
        )
        session.commit()
    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_bad_seq"] == 6
    assert "prev_hash" in verdict["problem"]
