"""The bulk status and the signed snapshot tell the log's truth, as the single lookup does
(``test_log_truth.py``): a revoked label flipped back to valid in the tables by someone with
the database's password (its row and its stored public document, so every table read says
valid) is named and not served as valid once the log check has seen it, whether the check ran
on ``/log/verify`` or at the registry's start-up.

Each test runs on SQLite and PostgreSQL (``client``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jcstar.client.bulk import RegistryStatusSource
from jcstar.client.snapshot import SnapshotStatusSource
from jcstar.labels.standing import LabelRecord, standing_on
from jcstar.registry.app import create_app
from jcstar.registry.log.chain import GENESIS, ChainCheck
from jcstar.registry.log.checkpoints import SignedHead
from jcstar.registry.log.crosscheck import Disagreement, Disputes, TruthCheck
from jcstar.registry.settings import Settings
from jcstar.registry.status.log_truth import as_logged
from jcstar.registry.status.source import DatabaseStatusSource
from tests.registry.conftest import Party, apply, approve, submit

STATUS = "/api/v1/public/status"
SNAPSHOT = "/api/v1/public/snapshot"
TODAY = dt.datetime.now(dt.UTC).date()


def _issue(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], model: str
) -> str:
    app_id = apply(client, vendor, report, model_numbers=[model])["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def _flip_to_valid(client: TestClient, number: str) -> None:
    """The attack: the row says valid, and the stored document's history loses its revocation
    (what the bulk endpoint and the snapshot read); no log entry, no signature."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text("UPDATE labels SET status = 'valid' WHERE registration_no = :no"), {"no": number}
        )
        label_id, body = session.execute(
            text(
                "SELECT d.label_id, d.body FROM label_documents d JOIN labels l"
                " ON l.id = d.label_id WHERE l.registration_no = :no"
            ),
            {"no": number},
        ).one()
        doc = json.loads(body)
        doc["status_history"] = [e for e in doc["status_history"] if e["status"] != "revoked"]
        session.execute(
            text("UPDATE label_documents SET body = :body WHERE label_id = :id"),
            {"body": json.dumps(doc), "id": label_id},
        )
        session.commit()


def _bulk_entry(client: TestClient, model: str) -> dict[str, Any]:
    response = client.post(STATUS, json={"models": [model]})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    (number,) = answer["models"][model]
    entry: dict[str, Any] = answer["labels"][number]
    return entry


def _snapshot_record(client: TestClient, where: Path, model: str) -> LabelRecord:
    """The label's record in a freshly downloaded snapshot, verified and read offline."""
    snapshot, sig = where / "snapshot.jsonl", where / "snapshot.sig"
    sig.write_text(client.get(f"{SNAPSHOT}.sig").text)
    snapshot.write_bytes(client.get(SNAPSHOT).content)
    jwks = client.get("/.well-known/jwks.json").json()
    (record,) = SnapshotStatusSource(snapshot, sig, jwks).lookup([model], []).by_model[model]
    return record


@contextmanager
def restarted(settings: Settings) -> Iterator[TestClient]:
    """The registry started again on the same database and keys (its start-up check runs)."""
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as fresh:
        yield fresh
    app.state.engine.dispose()


@pytest.fixture
def flipped(client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]) -> str:
    """A label issued for model ``LT-1``, revoked, then flipped back to valid in the tables."""
    number = _issue(client, vendor, operator, report, "LT-1")
    revoke = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "key leaked"}, headers=operator.headers
    )
    assert revoke.status_code == 200, revoke.text
    _flip_to_valid(client, number)
    return number


def test_bulk_status_answers_a_flipped_label_from_the_log_once_checked(
    client: TestClient, flipped: str
) -> None:
    # the registry has not re-checked since the flip: the tables' story is what it has
    assert _bulk_entry(client, "LT-1")["standing"]["status"] == "valid"  # the attack

    assert client.get("/api/v1/log/verify").json()["ok"] is False
    entry = _bulk_entry(client, "lt-1")
    assert entry["standing"]["status"] == "revoked"
    assert entry["standing"]["reason"] == "key leaked"
    assert "table says valid, log says revoked" in entry["record"]["log_disagreement"]
    assert [e["status"] for e in entry["record"]["history"]] == ["valid", "revoked"]
    # the point-in-time endpoint and the client's own reading of the record agree
    one = client.get(f"{STATUS}/{flipped}").json()
    assert one["standing"]["status"] == "revoked"
    with RegistryStatusSource(
        "https://testserver",
        transport=client._transport,  # type: ignore[attr-defined]
    ) as source:
        (record,) = source.lookup(["LT-1"], []).by_model["LT-1"]
    assert standing_on(record, TODAY).status == "revoked"
    assert record.log_disagreement is not None


def test_the_portals_in_process_source_answers_a_flipped_label_from_the_log(
    client: TestClient, flipped: str
) -> None:
    """The procurer pages check model lists in process (``DatabaseStatusSource``): they must
    not serve the tables' story where the bulk endpoint serves the log's."""
    client.get("/api/v1/log/verify")
    app = client.app
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        source = DatabaseStatusSource(session, "in-process", app.state.disputes)  # type: ignore[attr-defined]
        (record,) = source.lookup(["LT-1"], []).by_model["LT-1"]
    assert standing_on(record, TODAY).status == "revoked"
    assert record.log_disagreement is not None


def test_the_snapshot_writes_a_flipped_label_as_the_log_tells_it(
    client: TestClient, flipped: str, tmp_path: Path
) -> None:
    before = _snapshot_record(client, tmp_path, "LT-1")
    assert standing_on(before, TODAY).status == "valid"  # the attack, not yet seen

    client.get("/api/v1/log/verify")
    # the disputed label moved to the log: the next snapshot is rebuilt with it, at once
    after = _snapshot_record(client, tmp_path, "LT-1")
    assert standing_on(after, TODAY).status == "revoked"
    assert after.log_disagreement is not None
    assert f"label {flipped}: status: table says valid" in after.log_disagreement


@pytest.mark.slow
def test_after_a_restart_the_start_up_check_keeps_the_flip_out_of_bulk_and_snapshot(
    client: TestClient, settings: Settings, flipped: str, tmp_path: Path
) -> None:
    with restarted(settings) as fresh:
        entry = _bulk_entry(fresh, "LT-1")
        assert entry["standing"]["status"] == "revoked"
        assert entry["record"]["log_disagreement"]
        record = _snapshot_record(fresh, tmp_path, "LT-1")
        assert standing_on(record, TODAY).status == "revoked"


def test_labels_the_log_agrees_with_carry_no_disagreement(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], tmp_path: Path
) -> None:
    _issue(client, vendor, operator, report, "OK-1")
    assert client.get("/api/v1/log/verify").json()["ok"] is True
    entry = _bulk_entry(client, "OK-1")
    assert entry["standing"]["status"] == "valid"
    assert entry["record"]["log_disagreement"] is None
    assert _snapshot_record(client, tmp_path, "OK-1").log_disagreement is None


def test_a_label_the_log_does_not_know_is_never_valid() -> None:
    """A label only the tables hold (inserted by SQL, never issued through the log) keeps its
    description but loses its history: it stands ``not_issued`` on every day, flagged."""
    number = "JC1-2026-999999"
    disputes = Disputes()
    disputes.update(
        TruthCheck(
            chain=ChainCheck(True, 0, GENESIS, None, None),
            signed=SignedHead(0, None, None),
            replay_problems=(),
            disagreements=(
                Disagreement(number, f"label {number}: in the tables, not in the log", None),
            ),
        )
    )
    data = {
        "registration_no": number,
        "level": 1,
        "vendor": "Forger K.K.",
        "product": "Gateway",
        "model_numbers": ["FG-1"],
        "issued_on": "2026-01-05",
        "expires_on": "2028-01-05",
        "history": [
            {"event": "issued", "status": "valid", "at": "2026-01-05T09:00:00Z",
             "expires_on": "2028-01-05", "reason": None}
        ],
        "notices": [],
    }  # fmt: skip
    record = LabelRecord.model_validate(as_logged(data, disputes, {}))
    assert record.history == ()
    assert record.log_disagreement == f"label {number}: in the tables, not in the log"
    assert standing_on(record, TODAY).status == "not_issued"
    assert disputes.version == 1
    disputes.update(  # the same disagreements again: nothing to rebuild
        TruthCheck(
            ChainCheck(True, 0, GENESIS, None, None),
            SignedHead(0, None, None),
            (),
            (Disagreement(number, f"label {number}: in the tables, not in the log", None),),
        )
    )
    assert disputes.version == 1
