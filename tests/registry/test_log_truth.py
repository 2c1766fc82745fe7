"""Label state someone with the database's password cannot quietly change: the tables are
checked against the log (at start-up, on /log/verify, by ``jcstar log verify``), and the log's
head is signed at every append, so a forged or rewritten log fails without a kept head."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from jcstar.cli.main import app as cli_app
from jcstar.registry.app import create_app
from jcstar.registry.log.chain import GENESIS, canonical, entry_hash, sha256_hex
from jcstar.registry.log.replay import replay
from jcstar.registry.settings import Settings
from tests.registry.conftest import Party, drop_append_only_guard, issue_label

# -- a registry served on loopback, for the command line ------------------------------------


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port (in a thread); stopped afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the registry did not start")
            thread.join(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def log_verify(url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    run = CliRunner().invoke(
        cli_app, ["log", "verify", "--registry", url, "--format", "json", *extra]
    )
    assert run.exit_code in (0, 1), run.output
    data: dict[str, Any] = json.loads(run.stdout)
    return run.exit_code, data


@contextmanager
def restarted(settings: Settings) -> Iterator[TestClient]:
    """The registry started again on the same database and keys (its start-up check runs)."""
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


def sql(client: TestClient, *statements: str, **params: Any) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        for statement in statements:
            session.execute(text(statement), params)
        session.commit()


@pytest.fixture
def revoked(client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]) -> str:
    """A label whose application was accepted, paid and approved (log entries 1-3), then
    issued (entry 4, committed with entry 3) and revoked (entry 5)."""
    number: str = issue_label(client, vendor, operator, report)["registration_no"]
    revoke = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "key leaked"}, headers=operator.headers
    )
    assert revoke.status_code == 200, revoke.text
    return number


# -- (d) a clean registry -------------------------------------------------------------------


def test_a_clean_registry_verifies_clean_and_signs_every_append(
    client: TestClient, revoked: str
) -> None:
    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["ok"] is True
    assert (verdict["signed_size"], verdict["checkpoint_problem"], verdict["disagreements"]) == (
        5,
        None,
        [],
    )
    sizes = [c["size"] for c in client.get("/api/v1/log/checkpoints").json()["checkpoints"]]
    # one checkpoint per commit: accept, fee paid, approve (approval and issue), revoke
    assert sizes == [1, 2, 4, 5]
    latest = client.get("/api/v1/log/checkpoints/latest").json()
    entries = client.get("/api/v1/log").json()["entries"]
    assert latest["head"] == entries[-1]["hash"] == verdict["head"]
    kid = client.get("/.well-known/jwks.json").json()["keys"][0]["kid"]
    assert latest["kid"] == kid
    assert latest["note"].splitlines()[1:3] == ["5", latest["head"]]

    with served(client.app) as url:  # type: ignore[arg-type]
        code, result = log_verify(url)
    assert code == 0, result
    assert result["ok"] is True
    assert (result["entries"], result["signed_size"], result["labels_compared"]) == (5, 5, 1)
    assert result["problems"] == []


@pytest.mark.slow
def test_every_kind_of_change_replays_to_what_the_registry_serves(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    first: str = issue_label(client, vendor, operator, report)["registration_no"]
    ops = operator.headers
    for action, reason in (("suspend", "inspection"), ("reinstate", "cleared")):
        changed = client.post(
            f"/api/v1/labels/{first}/{action}", json={"reason": reason}, headers=ops
        )
        assert changed.status_code == 200, changed.text
    notice = {"title": "Firmware 1.2", "body": "fixes a flaw"}
    assert (
        client.post(f"/api/v1/labels/{first}/notices", json=notice, headers=ops).status_code == 201
    )
    # the maker's new label for the same models supersedes the first
    second: str = issue_label(client, vendor, operator, report)["registration_no"]
    assert client.get(f"/api/v1/labels/{first}").json()["superseded_by"] == second

    verdict = client.get("/api/v1/log/verify").json()
    assert (verdict["ok"], verdict["disagreements"]) == (True, [])
    with served(client.app) as url:  # type: ignore[arg-type]
        code, result = log_verify(url)
    assert (code, result["problems"], result["labels_compared"]) == (0, [], 2)


def test_an_empty_registry_verifies_clean(client: TestClient) -> None:
    assert client.get("/api/v1/log/checkpoints/latest").status_code == 404
    assert client.get("/api/v1/log/verify").json()["ok"] is True
    with served(client.app) as url:  # type: ignore[arg-type]
        assert log_verify(url)[0] == 0


# -- (a) a revoked label flipped back to valid in the tables --------------------------------


@pytest.mark.slow
def test_a_revoked_label_flipped_to_valid_in_the_tables_is_named_and_not_served_as_valid(
    client: TestClient, settings: Settings, revoked: str, caplog: pytest.LogCaptureFixture
) -> None:
    label = client.get(f"/api/v1/labels/{revoked}").json()
    sql(client, "UPDATE labels SET status = 'valid' WHERE registration_no = :no", no=revoked)
    assert client.get(f"/api/v1/labels/{revoked}").json()["status"] == "valid"  # the attack

    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["ok"] is False
    assert verdict["disagreements"] == [
        f"label {revoked}: status: table says valid, log says revoked at seq 5"
    ]
    # /log/verify has marked the label: this registry now answers it from the log
    answered = client.get(f"/api/v1/labels/{revoked}").json()
    assert answered["status"] == "revoked"
    assert "table says valid" in answered["log_disagreement"]

    caplog.set_level(logging.ERROR, logger="jcstar.registry.log")
    with restarted(settings) as fresh:
        assert f"label {revoked}: status: table says valid, log says revoked at seq 5" in (
            caplog.text
        )
        answered = fresh.get(f"/api/v1/labels/{revoked}").json()
        assert answered["status"] == "revoked"
        with served(fresh.app) as url:  # type: ignore[arg-type]
            code, result = log_verify(url)
            online = CliRunner().invoke(
                cli_app,
                ["label", "verify", label["qr"], "--registry", url, "--format", "json"],
            )
    assert code == 1
    assert result["problems"] == [
        f"label {revoked}: the registry reports its tables disagree: "
        f"label {revoked}: status: table says valid, log says revoked at seq 5"
    ]
    assert online.exit_code == 1, online.output
    assert json.loads(online.stdout)["status"] == "revoked"


def test_the_command_names_a_table_the_registry_serves_against_its_log(
    client: TestClient, revoked: str
) -> None:
    # the registry has not re-checked since the flip (no restart, no /log/verify): it
    # serves the tables' "valid"; the verifier's own replay of the signed log catches it
    sql(client, "UPDATE labels SET status = 'valid' WHERE registration_no = :no", no=revoked)
    with served(client.app) as url:  # type: ignore[arg-type]
        code, result = log_verify(url)
    assert code == 1
    assert result["problems"] == [
        f"label {revoked}: status: registry says valid, log says revoked at seq 5"
    ]


# -- (b) a forged entry chained on without the key ------------------------------------------


def _forge_reinstatement(client: TestClient, number: str) -> None:
    """Append a correctly chained ``label.reinstated`` (no key needed) and flip the tables."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        last = session.execute(
            text("SELECT seq, hash, payload FROM log_entries ORDER BY seq DESC LIMIT 1")
        ).one()
        payload = dict(json.loads(last.payload), status="valid", reason="cleared")
        body = canonical(payload).decode()
        digest = sha256_hex(body.encode())
        seq, at = last.seq + 1, "2026-12-06T04:00:00Z"
        session.execute(
            text(
                "INSERT INTO log_entries (seq, at, kind, subject, payload, payload_sha256,"
                " prev_hash, hash) VALUES (:seq, :at, 'label.reinstated', :no, :body, :digest,"
                " :prev, :hash)"
            ),
            {
                "seq": seq,
                "at": at,
                "no": number,
                "body": body,
                "digest": digest,
                "prev": last.hash,
                "hash": entry_hash(seq, at, "label.reinstated", number, digest, last.hash),
            },
        )
        session.execute(
            text("UPDATE labels SET status = 'valid' WHERE registration_no = :no"), {"no": number}
        )
        session.commit()


@pytest.mark.slow
def test_a_forged_correctly_chained_entry_is_caught_by_the_signed_head(
    client: TestClient, settings: Settings, revoked: str
) -> None:
    _forge_reinstatement(client, revoked)
    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["problem"] is None  # the chain itself holds
    assert verdict["ok"] is False
    assert "entries 6-6 were not signed by the registry" in verdict["checkpoint_problem"]
    # only the signed log is replayed: there the label is revoked
    assert (
        f"label {revoked}: status: table says valid, log says revoked at seq 5"
        in (verdict["disagreements"])
    )
    with restarted(settings) as fresh:
        assert fresh.get(f"/api/v1/labels/{revoked}").json()["status"] == "revoked"
        with served(fresh.app) as url:  # type: ignore[arg-type]
            code, result = log_verify(url)
    assert code == 1
    assert any("not covered by the latest signed checkpoint" in p for p in result["problems"])


# -- (c) the whole chain rewritten with fresh hashes ----------------------------------------


def _rewrite_history(client: TestClient, old: str, new: str) -> None:
    """Change a payload and recompute every hash after it: a chain that holds on its own."""
    drop_append_only_guard(client)
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = session.execute(text("SELECT * FROM log_entries ORDER BY seq")).mappings().all()
        prev = GENESIS
        for row in rows:
            payload = row["payload"].replace(old, new)
            digest = sha256_hex(payload.encode())
            fresh = entry_hash(row["seq"], row["at"], row["kind"], row["subject"], digest, prev)
            session.execute(
                text(
                    "UPDATE log_entries SET payload = :p, payload_sha256 = :d, prev_hash = :prev,"
                    " hash = :h WHERE seq = :seq"
                ),
                {"p": payload, "d": digest, "prev": prev, "h": fresh, "seq": row["seq"]},
            )
            prev = fresh
        session.commit()


@pytest.mark.slow
def test_a_rewritten_history_is_caught_without_a_kept_head(
    client: TestClient, revoked: str, tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoint.json"
    with served(client.app) as url:  # type: ignore[arg-type]
        assert log_verify(url, "--save-checkpoint", str(kept))[0] == 0
    _rewrite_history(client, "key leaked", "routine withdrawal")

    verdict = client.get("/api/v1/log/verify").json()
    assert verdict["problem"] is None  # the rewritten chain holds on its own
    assert verdict["ok"] is False
    assert "history rewritten" in verdict["checkpoint_problem"]
    with served(client.app) as url:  # type: ignore[arg-type]
        code, result = log_verify(url)
        with_kept = log_verify(url, "--checkpoint", str(kept))
    assert code == 1
    assert any(
        p.startswith("latest checkpoint: the registry signed head") and "history rewritten" in p
        for p in result["problems"]
    )
    assert with_kept[0] == 1
    assert any(p.startswith("kept checkpoint: ") for p in with_kept[1]["problems"])


# -- the replay itself ------------------------------------------------------------------------


def test_replay_takes_each_labels_last_state_and_refuses_to_undo_a_final_one() -> None:
    issued = {"registration_no": "JC1-1", "status": "valid", "expires_on": "2028-01-01"}
    result = replay(
        [
            (1, "label.issued", {**issued, "jws": "a.b.c", "by": "someone", "new_field": 1}),
            (2, "notice.published", {"notice": 1, "title": "t"}),
            (3, "label.issued", {**issued, "registration_no": "JC1-2", "jws": "d.e.f"}),
            (
                4,
                "label.superseded",
                {**issued, "status": "superseded", "reason": "superseded by JC1-2"},
            ),
            (5, "label.reinstated", {**issued, "status": "valid"}),
            (6, "label.revoked", {**issued, "registration_no": "JC1-2", "status": "revoked"}),
        ]
    )
    assert {n: (s.status, s.seq) for n, s in result.labels.items()} == {
        "JC1-1": ("superseded", 4),
        "JC1-2": ("revoked", 6),
    }
    assert result.labels["JC1-1"].superseded_by == "JC1-2"
    assert result.problems == (
        "seq 5: label.reinstated of label JC1-1, which was already superseded at seq 4",
    )
