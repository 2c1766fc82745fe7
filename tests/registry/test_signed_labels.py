"""Signed labels as the registry issues them: many model numbers behind one scannable QR code,
checked offline and online, and the keys published at ``/.well-known/jwks.json``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from jcstar.client.api import RegistryClient
from jcstar.client.verify import verify_label
from jcstar.labels import Keyring, TrustedKeys, VerifyCode, verify_offline
from jcstar.labels.claims import MODELS_IN_QR
from jcstar.labels.qr import MAX_QR_VERSION, qr_version, read_qr_bytes
from jcstar.registry.settings import Settings
from tests.registry.conftest import BASE_URL, Party, apply, approve, issue_label, submit

# 60 model numbers as a vendor lists them: a family of variants, not in sorted order
MODELS = [f"HG-{series}{n:02d}-{region}" for series in "ZA" for n in range(15) for region in "JW"]


class ThroughTestClient(httpx.BaseTransport):
    """Lets ``RegistryClient`` (what ``jcstar label verify`` uses) talk to the app under test."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.client.request(
            request.method,
            request.url.raw_path.decode("ascii"),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            content=request.content,
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-encoding"}
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


def online(client: TestClient) -> RegistryClient:
    return RegistryClient(BASE_URL, transport=ThroughTestClient(client))


def alter_published_model(database_url: str, registration_no: str, old: str, new: str) -> None:
    """Someone with the database changes one model number of an issued label, wherever the
    registry keeps what it publishes."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        label_id = conn.execute(
            text("SELECT id FROM labels WHERE registration_no = :no"), {"no": registration_no}
        ).scalar_one()
        changed = conn.execute(
            text(
                "UPDATE label_models SET model_number = :new"
                " WHERE label_id = :id AND model_number = :old"
            ),
            {"new": new, "old": old, "id": label_id},
        )
        assert changed.rowcount == 1
        if inspect(conn).has_table("label_documents"):  # a stored copy of the public JSON
            conn.execute(
                text(
                    "UPDATE label_documents SET body = REPLACE(body, :old, :new)"
                    " WHERE label_id = :id"
                ),
                {"old": f'"{old}"', "new": f'"{new}"', "id": label_id},
            )
    engine.dispose()


def test_label_covering_60_models_fits_a_scannable_qr_and_verifies_offline_and_online(
    client: TestClient,
    settings: Settings,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    app = apply(client, vendor, report, model_numbers=MODELS)
    assert app["model_numbers"] == MODELS
    submit(client, vendor, app["id"])
    label = approve(client, operator, app["id"])  # was 422: no QR code held 60 model numbers
    registration_no = label["registration_no"]

    # the QR code is scannable, and reads back from the label artwork
    assert qr_version(label["qr"]) <= MAX_QR_VERSION
    png = client.get(f"/api/v1/labels/{registration_no}/label.png")
    assert png.status_code == 200
    scanned = read_qr_bytes(png.content, "label.png")
    assert scanned == label["qr"]

    # the public record and the product page list every model number
    public = client.get(f"/api/v1/labels/{registration_no}").json()
    assert public["model_numbers"] == MODELS
    page = client.get(f"/p/{registration_no}").text
    assert all(f"<li>{model}</li>" in page for model in MODELS)

    # offline: genuine, covering 60 model numbers, the first ones carried in the QR code
    keys = TrustedKeys.from_jwks(client.get("/.well-known/jwks.json").json())
    offline = verify_offline(scanned, keys, dt.date.today())
    assert offline.valid, offline.reason
    assert offline.claims is not None
    assert offline.claims.covered_count == 60
    assert list(offline.claims.model_numbers) == MODELS[: len(offline.claims.model_numbers)]
    assert 1 <= len(offline.claims.model_numbers) <= MODELS_IN_QR
    assert "covers 60 model numbers" in offline.reason
    assert f"the full list is on the product page {BASE_URL}/p/{registration_no}" in (
        offline.reason
    )

    # online: the registry's list hashes to the signed digest
    with online(client) as registry:
        checked = verify_label(scanned, keys, registry, dt.date.today())
    assert checked.valid, checked.reason
    assert "the registry's 60 model numbers match the signed list" in checked.reason

    # the registry's record is altered afterwards: one model number swapped for another
    alter_published_model(settings.database_url, registration_no, MODELS[41], "HG-X99-J")
    assert "HG-X99-J" in client.get(f"/api/v1/labels/{registration_no}").json()["model_numbers"]
    with online(client) as registry:
        tampered = verify_label(scanned, keys, registry, dt.date.today())
    assert not tampered.valid
    assert tampered.code is VerifyCode.MODEL_LIST_MISMATCH
    assert "does not hash to the digest the label signed" in tampered.reason
    assert tampered.status == "valid"  # the status alone would have passed it


def test_renewal_of_a_label_with_60_models_is_signed_the_same_way(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    app = apply(client, vendor, report, model_numbers=MODELS)
    submit(client, vendor, app["id"])
    label = approve(client, operator, app["id"])
    # into the renewal window: a renewal is a new application naming the label it renews
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            text("UPDATE labels SET expires_on = :e WHERE registration_no = :n"),
            {"e": dt.date.today() + dt.timedelta(days=30), "n": label["registration_no"]},
        )
        session.commit()
    renewal = apply(client, vendor, report, model_numbers=MODELS, renews=label["registration_no"])
    submit(client, vendor, renewal["id"])
    renewed = approve(client, operator, renewal["id"])
    assert renewed["renews"] == label["registration_no"]
    keys = client.get("/.well-known/jwks.json").json()
    result = verify_offline(renewed["qr"], keys, dt.date.today())
    assert result.valid and result.claims is not None
    assert result.claims.covered_count == 60


@pytest.mark.slow
def test_jwks_shows_a_rotation_made_by_another_worker(
    client: TestClient, settings: Settings, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    before = client.get("/.well-known/jwks.json").json()
    assert len(before["keys"]) == 1
    # another server process sharing the key directory rotates the signing key
    new_kid = Keyring.load_or_create(settings.key_dir).rotate()
    after = client.get("/.well-known/jwks.json").json()
    assert [key["kid"] for key in after["keys"]] == [new_kid, before["keys"][0]["kid"]]
    # labels issued now are signed with the new key and verify against what is published
    label = issue_label(client, vendor, operator, report)
    result = verify_offline(label["qr"], after, dt.date.today())
    assert result.valid and result.kid == new_kid


def test_jwks_publishes_the_keys_the_registry_signs_with(
    client: TestClient,
    tmp_path: Path,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    # the app's one keyring signs and publishes; a keyring swapped in (say, from a key
    # directory reloaded at run time) is the one both labels and the JWKS come from
    swapped = Keyring.load_or_create(tmp_path / "other-keys")
    client.app.state.keyring = swapped  # type: ignore[attr-defined]
    label = issue_label(client, vendor, operator, report)
    published = client.get("/.well-known/jwks.json").json()
    assert [key["kid"] for key in published["keys"]] == [swapped.active_kid]
    assert verify_offline(label["qr"], published, dt.date.today()).valid
