"""The signed snapshot: every label's public record, verifiable offline with the registry's
JWKS; altered, swapped and mistaken signatures refused with a message naming what failed; read
offline as a ``StatusSource``; fetched and verified by the CLI from a ``jcstar serve``.

The in-process tests run on SQLite and PostgreSQL (``client``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.client.snapshot import SnapshotStatusSource, line_fields, verify_snapshot
from jcstar.client.snapshot import _key as snapshot_key
from jcstar.client.status import RecordsSource
from jcstar.labels import Keyring
from jcstar.labels.snapshot_format import SnapshotError, record_line
from jcstar.labels.standing import LabelRecord, model_key
from jcstar.registry.app import create_app
from jcstar.registry.settings import Settings
from tests.cli.test_registry_cli import Registry, issue_label, jcstar, start_registry
from tests.registry.conftest import BASE_URL, MakeParty, Party, apply, approve, submit

SNAPSHOT = "/api/v1/public/snapshot"


def _issue(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], *models: str
) -> str:
    app_id = apply(client, vendor, report, model_numbers=list(models))["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def _download(client: TestClient, where: Path) -> tuple[Path, Path, dict[str, Any]]:
    """The snapshot, its signature and the JWKS saved as a verifier in the field keeps them."""
    snapshot, sig = where / "snapshot.jsonl", where / "snapshot.sig"
    signed = client.get(f"{SNAPSHOT}.sig")
    assert signed.status_code == 200 and signed.headers["content-type"] == "application/jose"
    sig.write_text(signed.text)
    body = client.get(SNAPSHOT)
    assert body.status_code == 200
    assert body.headers["x-snapshot-serial"] == signed.headers["x-snapshot-serial"]
    snapshot.write_bytes(body.content)
    jwks: dict[str, Any] = client.get("/.well-known/jwks.json").json()
    return snapshot, sig, jwks


@pytest.fixture
def labelled(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> list[str]:
    """Three labels of two makers, one of them revoked."""
    first = _issue(client, vendor, operator, report, "FD-6101", "FD-6101W")
    revoked = _issue(client, vendor, operator, report, "RV-1")
    client.post(
        f"/api/v1/labels/{revoked}/revoke", json={"reason": "broken"}, headers=operator.headers
    )
    rival = make_party("Rival Devices Inc.", "vendor")
    other = _issue(client, rival, operator, report, "ZZ-9")
    return sorted([first, revoked, other])


def test_the_snapshot_verifies_offline_and_holds_every_record(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    info = verify_snapshot(snapshot, sig, jwks)
    assert info.count == 3 and not info.stale
    assert info.issuer == BASE_URL
    assert info.next_update - info.issued_at == dt.timedelta(minutes=60)
    assert info.kid == jwks["keys"][0]["kid"]
    lines = snapshot.read_bytes().splitlines()
    # one canonical record a line, sorted by registration number, each the public record
    records = [LabelRecord.model_validate_json(line) for line in lines]
    assert [r.registration_no for r in records] == labelled
    for line, record in zip(lines, records, strict=True):
        data = json.loads(line)
        assert (
            line
            == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
        published = client.get(f"/api/v1/public/status/{record.registration_no}").json()
        assert record == LabelRecord.model_validate(published["record"])
    revoked = next(r for r in records if r.model_numbers == ("RV-1",))
    assert [e.status for e in revoked.history] == ["valid", "revoked"]


def test_a_flipped_byte_is_a_digest_mismatch(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    data = bytearray(snapshot.read_bytes())
    at = data.index(b"RV-1")
    data[at] = ord("S")  # the revoked label's model number now reads SV-1
    snapshot.write_bytes(bytes(data))
    with pytest.raises(
        SnapshotError, match=r"^digest mismatch: .* the signature covers [0-9a-f]{64}"
    ):
        verify_snapshot(snapshot, sig, jwks)


def test_a_swapped_signature_is_refused(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    header, payload, _ = sig.read_text().split(".")
    # another valid signature by the same key: a label's
    label_jws = client.get(f"/api/v1/labels/{labelled[0]}").json()["jws"]
    sig.write_text(f"{header}.{payload}.{label_jws.split('.')[2]}")
    with pytest.raises(SnapshotError, match=r"^bad signature: it does not match key "):
        verify_snapshot(snapshot, sig, jwks)


def test_a_label_offered_as_a_snapshot_signature_is_refused(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    sig.write_text(client.get(f"/api/v1/labels/{labelled[0]}").json()["jws"])
    with pytest.raises(
        SnapshotError,
        match=r"^signature type is 'jcstar-label\+jws', not 'jcstar-snapshot\+jws': not a snapshot",
    ):
        verify_snapshot(snapshot, sig, jwks)


def test_only_the_given_keys_are_trusted(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, _ = _download(client, tmp_path)
    stranger = Keyring.load_or_create(tmp_path / "other-keys").jwks()
    with pytest.raises(SnapshotError, match=r"^snapshot was signed with key .*not a trusted key"):
        verify_snapshot(snapshot, sig, stranger)


def test_past_its_next_update_a_snapshot_is_flagged_stale(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    info = verify_snapshot(snapshot, sig, jwks)
    later = verify_snapshot(snapshot, sig, jwks, now=info.next_update + dt.timedelta(seconds=1))
    assert later.stale and later.serial == info.serial


def test_a_label_change_gives_a_new_serial_and_nothing_else_does(
    client: TestClient, labelled: list[str], operator: Party, tmp_path: Path
) -> None:
    first = client.get(f"{SNAPSHOT}.sig")
    again = client.get(f"{SNAPSHOT}.sig")
    assert again.text == first.text  # the cached snapshot: same signature
    client.post(
        f"/api/v1/labels/{labelled[0]}/suspend", json={"reason": "check"}, headers=operator.headers
    )
    snapshot, sig, jwks = _download(client, tmp_path)
    info = verify_snapshot(snapshot, sig, jwks)
    assert info.serial > int(first.headers["x-snapshot-serial"])
    record = LabelRecord.model_validate_json(snapshot.read_bytes().splitlines()[0])
    assert record.history[-1].status == "suspended"


def test_changes_within_the_rebuild_window_wait_for_the_next_build(
    settings: Settings, labelled: list[str], operator: Party
) -> None:
    """Anyone may ask for the snapshot; a stream of changes and requests must not make the
    registry rebuild every label each time (a minute by default)."""
    app = create_app(dataclasses.replace(settings, snapshot_min_rebuild_seconds=60))
    with TestClient(app, base_url="https://testserver") as windowed:
        first = windowed.get(f"{SNAPSHOT}.sig")
        windowed.post(
            f"/api/v1/labels/{labelled[0]}/suspend",
            json={"reason": "check"},
            headers=operator.headers,
        )
        again = windowed.get(f"{SNAPSHOT}.sig")
    app.state.engine.dispose()
    assert again.text == first.text
    assert again.headers["x-snapshot-serial"] == first.headers["x-snapshot-serial"]


def test_an_empty_registry_has_an_empty_signed_snapshot(client: TestClient, tmp_path: Path) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    assert snapshot.read_bytes() == b""
    assert verify_snapshot(snapshot, sig, jwks).count == 0


def test_the_snapshot_source_gives_what_records_in_memory_give(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    records = [
        LabelRecord.model_validate(client.get(f"/api/v1/public/status/{no}").json()["record"])
        for no in labelled
    ]
    source = SnapshotStatusSource(snapshot, sig, jwks)
    models = ["ｆｄ－６１０１", "FD-6101W", "RV-1", "zz-9", "UNKNOWN"]
    registrations = [labelled[1], " " + labelled[2], "JC9-2099-000001"]
    assert source.lookup(models, registrations) == RecordsSource(records).lookup(
        models, registrations
    )
    assert source.description.startswith(f"snapshot {source.info.serial} of {BASE_URL}")


def test_a_snapshot_source_refuses_an_unverified_snapshot(
    client: TestClient, labelled: list[str], tmp_path: Path
) -> None:
    snapshot, sig, jwks = _download(client, tmp_path)
    snapshot.write_bytes(snapshot.read_bytes().replace(b"FD-6101", b"FD-6102"))
    with pytest.raises(SnapshotError, match="digest mismatch"):
        SnapshotStatusSource(snapshot, sig, jwks)


# -- the CLI against a jcstar serve started here ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    yield from start_registry(request.param, tmp_path)


@pytest.mark.network
@pytest.mark.slow
def test_cli_fetches_and_verifies_a_snapshot(served: Registry, tmp_path: Path) -> None:
    label = issue_label(served)
    out = tmp_path / "offline"
    fetched = served.public("snapshot", "fetch", "--registry", served.url, "-o", out)
    assert fetched.code == 0, fetched.err
    assert "snapshot verified" in fetched.out
    lines = (out / "snapshot.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["registration_no"] for line in lines] == [label["registration_no"]]

    # offline: the three files, nothing else
    verified = jcstar("snapshot", "verify", out / "snapshot.jsonl", cwd=tmp_path)
    assert verified.code == 0, verified.err

    altered = out / "altered.jsonl"
    altered.write_bytes((out / "snapshot.jsonl").read_bytes().replace(b"HG-100", b"HG-101"))
    refused = jcstar(
        "snapshot",
        "verify",
        altered,
        "--sig",
        out / "snapshot.sig",
        "--jwks",
        out / "jwks.json",
        cwd=tmp_path,
    )
    assert refused.code == 1
    assert "digest mismatch" in refused.err and len(refused.err.strip().splitlines()) == 1

    missing = jcstar("snapshot", "verify", out / "nothing.jsonl", cwd=tmp_path)
    assert missing.code == 2 and "nothing.jsonl: no such file" in missing.err
    no_keys = jcstar(
        "snapshot", "verify", altered, "--sig", out / "snapshot.sig", "--jwks", out / "x.json",
        cwd=tmp_path,
    )  # fmt: skip
    assert no_keys.code == 2 and "x.json" in no_keys.err


@pytest.mark.parametrize(
    "model", ["FD-6101", " fd  6101 ", "A\tB", "ＦＤ－６１０１", "ß-1", "İ-2", "a\x7fb", "~!@#"]
)
def test_the_snapshot_index_keys_model_numbers_as_the_registry_does(model: str) -> None:
    """The offline index's fast path for ASCII gives the registry's normal form exactly."""
    assert snapshot_key(model) == model_key(model)


@pytest.mark.parametrize(
    "models",
    [
        ["FD-6101", "FD-6101W", "fd-6101w"],
        [],
        [" fd  6101 ", "A\tB", "a\x7fb"],
        ["ＦＤ－６１０１", "ß-1", "İ-2"],
        ['q"uote', "back\\slash", 'a],"notices":[b', 'x","superseded_by":y'],
    ],
)
def test_the_index_reads_a_line_as_the_json_decoder_does(models: list[str]) -> None:
    """The index's byte scan of a canonical line gives the registration number and model keys
    the full JSON reading gives, whatever the model numbers hold (escapes, look-alike keys,
    widths, case, whitespace, control characters)."""
    record = {
        "registration_no": 'JC1-2026-"000001"' if '"' in "".join(models) else "JC1-2026-000001",
        "level": 1,
        "vendor": "Example K.K.",
        "product": 'Gateway "],"notices":',
        "model_numbers": models,
        "issued_on": "2026-01-05",
        "expires_on": "2028-01-05",
        "support_period_end": None,
        "criteria_version": None,
        "superseded_by": None,
        "history": [],
        "notices": [],
    }
    number, keys = line_fields(record_line(record))
    assert number == record["registration_no"]
    assert sorted(keys) == sorted({model_key(m) for m in models})
