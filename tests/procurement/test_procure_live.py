"""``jcstar procure check`` end to end: a real ``jcstar serve`` (SQLite and PostgreSQL) with a
label issued through the vendor's and operator's own commands, checked live through the bulk
status endpoint and offline from the signed snapshot; then revoked, and checked again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_registry_cli import Registry, issue_label, start_registry


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    yield from start_registry(request.param, tmp_path)


def check(registry: Registry, models: Path, *source: str | Path) -> tuple[int, dict]:
    run = registry.public(
        "procure", "check", models, "--policy", "government", *source, "--format", "json"
    )
    assert run.code in (0, 1), run.err
    return run.code, run.json()


@pytest.mark.network
@pytest.mark.slow
def test_live_and_offline_checks_follow_the_label(served: Registry, tmp_path: Path) -> None:
    label = issue_label(served)
    registration_no = str(label["registration_no"])
    models = tmp_path / "models.csv"
    # the label lists HG-100 and HG-100W; full-width and lower case match in normal form
    models.write_bytes("型番,数量\nｈｇ－１００,10\nHG-100W,5\nUNLISTED-1,1\n".encode("cp932"))

    code, live = check(served, models, "--registry", served.url)
    assert code == 1  # UNLISTED-1 has no label
    verdicts = [(x["verdict"], x["chosen"]) for x in live["lines"]]
    assert verdicts == [("met", registration_no), ("met", registration_no), ("not_met", None)]
    assert live["source"].startswith(served.url)
    assert live["summary"]["by_verdict"]["met"] == {"lines": 2, "quantity": 15}

    offline = tmp_path / "offline"
    fetched = served.public("snapshot", "fetch", "--registry", served.url, "-o", offline)
    assert fetched.code == 0, fetched.err
    code, from_snapshot = check(served, models, "--snapshot", offline / "snapshot.jsonl")
    assert code == 1
    assert [x["verdict"] for x in from_snapshot["lines"]] == ["met", "met", "not_met"]
    assert from_snapshot["source"].startswith("snapshot ")

    revoked = served.as_operator("label", "revoke", registration_no, "--reason", "false claim")
    assert revoked.code == 0, revoked.err
    code, after = check(served, models, "--registry", served.url)
    assert code == 1
    first = after["lines"][0]
    assert first["verdict"] == "not_met"
    assert "revoked" in first["reason"] and "false claim" in first["reason"]
    # the snapshot taken before the revocation still says what it said: it is offline
    code, old = check(served, models, "--snapshot", offline / "snapshot.jsonl")
    assert [x["verdict"] for x in old["lines"]] == ["met", "met", "not_met"]


@pytest.mark.network
@pytest.mark.slow
def test_an_unverifiable_snapshot_exits_2(served: Registry, tmp_path: Path) -> None:
    issue_label(served)
    offline = tmp_path / "offline"
    assert served.public("snapshot", "fetch", "--registry", served.url, "-o", offline).code == 0
    snapshot = offline / "snapshot.jsonl"
    snapshot.write_bytes(snapshot.read_bytes().replace(b"HG-100", b"HG-999", 1))
    models = tmp_path / "models.csv"
    models.write_text("model\nHG-999\n", "utf-8")
    run = served.public(
        "procure", "check", models, "--policy", "government", "--snapshot", snapshot
    )
    assert run.code == 2
    assert "digest mismatch" in run.err


def test_a_registry_that_cannot_be_reached_exits_5(tmp_path: Path) -> None:
    from tests.cli.test_registry_cli import free_port, jcstar

    models = tmp_path / "models.csv"
    models.write_text("model\nHG-100\n", "utf-8")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = jcstar(
        "procure", "check", models, "--policy", "government", "--registry", url, cwd=tmp_path
    )
    assert run.code == 5
    assert "cannot connect" in run.err
