"""Search in Japanese and English on either database, filters, and bulk export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.registry.settings import Settings
from tests.registry.conftest import MakeParty, Party, issue_label

PRODUCTS = [
    ("スマートホームゲートウェイ SG-1", ["SG-1", "SG-1J"], "家電メーカー株式会社"),
    ("ネットワークカメラ NC-20", ["NC-20"], "家電メーカー株式会社"),
    ("HEMS Gateway HG-100", ["HG-100", "HG-100W"], "Example Energy Systems K.K."),
]


@pytest.fixture
def catalogue(
    client: TestClient, make_party: MakeParty, operator: Party, report: dict[str, Any]
) -> dict[str, str]:
    """Three labels from two vendors; product name → registration number."""
    vendors: dict[str, Party] = {}
    numbers = {}
    for product, models, vendor_name in PRODUCTS:
        vendor = vendors.get(vendor_name) or make_party(vendor_name, "vendor")
        vendors[vendor_name] = vendor
        # no consumer information: each label is found by its registered name alone
        data = {
            **report,
            "product": {
                **report["product"],
                "product": product,
                "model_numbers": models,
                "consumer": None,
            },
        }
        numbers[product] = issue_label(client, vendor, operator, data)["registration_no"]
    return numbers


#: registered name, model, Japanese name, English name, category
BILINGUAL = [
    (
        "Network Camera HG-100",
        "HG-100C",
        "ネットワークカメラ HG-100",
        "Network Camera HG-100",
        None,
    ),
    (
        "屋外用防犯カメラ OC-5",
        "OC-5",
        "屋外用防犯カメラ OC-5",
        "Outdoor Security Camera OC-5",
        None,
    ),
    ("ZX-9", "ZX-9", None, None, "network_camera"),
    ("AB-1", "AB-1", None, None, "other"),
]


@pytest.fixture
def bilingual(
    client: TestClient,
    catalogue: dict[str, str],
    make_party: MakeParty,
    operator: Party,
    report: dict[str, Any],
) -> dict[str, str]:
    """Beside ``catalogue``, labels whose profiles gave Japanese and English names (or only a
    category); registered name → registration number."""
    vendor = make_party("カメラ工業株式会社", "vendor")
    numbers = {}
    for product, model, name_ja, name_en, category in BILINGUAL:
        consumer = {"product_name_ja": name_ja, "product_name_en": name_en, "category": category}
        data = {
            **report,
            "product": {
                **report["product"],
                "product": product,
                "model_numbers": [model],
                "consumer": consumer,
            },
        }
        numbers[product] = issue_label(client, vendor, operator, data)["registration_no"]
    return numbers


def _found(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/api/v1/labels", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return sorted(item["product"] for item in body["items"])


def test_japanese_word_inside_a_compound(client: TestClient, catalogue: dict[str, str]) -> None:
    assert _found(client, q="ゲートウェイ") == ["スマートホームゲートウェイ SG-1"]
    assert _found(client, q="カメラ") == ["ネットワークカメラ NC-20"]


def test_japanese_vendor_and_short_terms(client: TestClient, catalogue: dict[str, str]) -> None:
    assert _found(client, q="家電メーカー") == [
        "スマートホームゲートウェイ SG-1",
        "ネットワークカメラ NC-20",
    ]
    # two characters: shorter than a trigram, found through the gram index
    assert _found(client, q="家電") == [
        "スマートホームゲートウェイ SG-1",
        "ネットワークカメラ NC-20",
    ]
    assert _found(client, q="NC") == ["ネットワークカメラ NC-20"]


def test_english_case_insensitive_and_all_terms(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    assert _found(client, q="gateway") == ["HEMS Gateway HG-100"]
    assert _found(client, q="GATEWAY") == ["HEMS Gateway HG-100"]
    assert _found(client, q="hems gateway") == ["HEMS Gateway HG-100"]
    assert _found(client, q="hems カメラ") == []


def test_filters(client: TestClient, catalogue: dict[str, str], operator: Party) -> None:
    assert _found(client, model="SG-1J") == ["スマートホームゲートウェイ SG-1"]
    assert _found(client, model="SG") == []  # a model number matches exactly
    assert _found(client, vendor="Example Energy") == ["HEMS Gateway HG-100"]
    assert _found(client, product="カメラ") == ["ネットワークカメラ NC-20"]
    number = catalogue["HEMS Gateway HG-100"]
    assert _found(client, registration_no=number) == ["HEMS Gateway HG-100"]
    assert _found(client, level=2) == []
    assert len(_found(client, level=1)) == 3
    client.post(f"/api/v1/labels/{number}/revoke", json={"reason": "r"}, headers=operator.headers)
    assert _found(client, status="revoked") == ["HEMS Gateway HG-100"]
    assert len(_found(client, status="valid")) == 2
    assert client.get("/api/v1/labels", params={"status": "lost"}).status_code == 422


def test_search_page_in_japanese(client: TestClient, catalogue: dict[str, str]) -> None:
    page = client.get("/", params={"q": "ゲートウェイ"})
    assert page.status_code == 200
    assert catalogue["スマートホームゲートウェイ SG-1"] in page.text
    assert catalogue["ネットワークカメラ NC-20"] not in page.text


def test_export_csv_and_json(client: TestClient, catalogue: dict[str, str]) -> None:
    as_csv = client.get("/api/v1/export/labels.csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert sorted(r["registration_no"] for r in rows) == sorted(catalogue.values())
    sg = next(r for r in rows if r["product"].startswith("スマート"))
    assert sg["model_numbers"] == "SG-1;SG-1J"
    as_json = client.get("/api/v1/export/labels.json").json()
    assert sorted(item["registration_no"] for item in as_json["labels"]) == sorted(
        catalogue.values()
    )


def test_a_count_past_the_cap_says_at_least(
    client: TestClient, catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jcstar.registry.search import service
    from jcstar.registry.web import public

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    everything = {"q": "JC1-", "limit": 1}  # every registration number
    body = client.get("/api/v1/labels", params=everything).json()
    assert (len(body["items"]), body["total"], body["total_exact"]) == (1, 2, False)
    # paging on, the count covers at least the pages asked for
    body = client.get("/api/v1/labels", params={**everything, "offset": 2}).json()
    assert (len(body["items"]), body["total"], body["total_exact"]) == (1, 3, True)
    body = client.get("/api/v1/labels", params={"q": "SG-1", "limit": 1}).json()
    assert (body["total"], body["total_exact"]) == (1, True)
    monkeypatch.setattr(public, "PAGE_SIZE", 1)
    assert "該当は 2 件を超えます" in client.get("/", params={"q": "JC1-"}).text


def test_short_terms_are_indexed_and_counted(client: TestClient, catalogue: dict[str, str]) -> None:
    assert _found(client, q="HG") == ["HEMS Gateway HG-100"]
    assert _found(client, q="ms") == ["HEMS Gateway HG-100"]  # case folded
    assert _found(client, q="ト") == ["スマートホームゲートウェイ SG-1", "ネットワークカメラ NC-20"]
    assert _found(client, q="ネ") == ["ネットワークカメラ NC-20"]
    assert _found(client, q="鰻") == []
    assert _found(client, q="Qx") == []
    body = client.get("/api/v1/labels", params={"q": "G", "limit": 1}).json()
    assert (len(body["items"]), body["total"], body["total_exact"]) == (1, 2, True)


def test_widths_and_letter_case_as_typed(client: TestClient, catalogue: dict[str, str]) -> None:
    # full-width Latin and digits, half-width katakana, the ideographic space
    assert _found(client, q="ＨＧ－１００") == ["HEMS Gateway HG-100"]
    assert _found(client, q="ｶﾒﾗ") == ["ネットワークカメラ NC-20"]
    assert _found(client, q="hems\u3000gateway") == ["HEMS Gateway HG-100"]
    assert _found(client, q="ｇａｔｅ") == ["HEMS Gateway HG-100"]


def test_a_punctuation_term_pages_through_every_match(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    # "-" is in all three model numbers; the page walk and the count agree on every database
    # (SQLite's gram index holds letters and digits only: "-" is found by walking the labels)
    seen: list[str] = []
    for offset in (0, 2):
        body = client.get("/api/v1/labels", params={"q": "-", "limit": 2, "offset": offset})
        seen += [item["registration_no"] for item in body.json()["items"]]
    assert sorted(seen) == sorted(catalogue.values())
    body = client.get("/api/v1/labels", params={"q": "-", "limit": 2, "offset": 2}).json()
    assert (len(body["items"]), body["total"], body["total_exact"]) == (1, 3, True)
    body = client.get("/api/v1/labels", params={"q": "-", "offset": 5}).json()
    assert (body["items"], body["total"], body["total_exact"]) == ([], 3, True)


def test_results_are_the_labels_as_looked_up_with_their_status_today(
    client: TestClient,
    catalogue: dict[str, str],
    operator: Party,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a result is the label's lookup without history, notices, QR and signature
    number = catalogue["HEMS Gateway HG-100"]
    [item] = client.get("/api/v1/labels", params={"q": "HG-100"}).json()["items"]
    looked_up = client.get(f"/api/v1/labels/{number}").json()
    assert item == {key: looked_up[key] for key in item}
    assert set(looked_up) - set(item) == {
        "qr",
        "jws",
        "superseded_by",
        "renews",
        "criteria",
        "status_history",
        "notices",
    }
    assert item["model_numbers"] == ["HG-100", "HG-100W"]

    client.post(f"/api/v1/labels/{number}/suspend", json={"reason": "r"}, headers=operator.headers)
    [item] = client.get("/api/v1/labels", params={"q": "HG-100"}).json()["items"]
    assert item["status"] == "suspended"

    # a valid label past its expiry reads as expired, with no write to the database
    from jcstar.registry.search import router

    [other] = client.get("/api/v1/labels", params={"q": "SG-1"}).json()["items"]
    after_expiry = dt.date.fromisoformat(other["expires_on"]) + dt.timedelta(days=1)
    monkeypatch.setattr(router, "today", lambda: after_expiry)
    [other] = client.get("/api/v1/labels", params={"q": "SG-1"}).json()["items"]
    assert other["status"] == "expired"
    assert _found(client, q="SG-1", status="expired") == ["スマートホームゲートウェイ SG-1"]


def test_a_common_match_pages_in_label_order(
    client: TestClient, catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # past the count cap PostgreSQL walks the labels in order (planner settings for one
    # query); the pages must be those of an exact count, and the session must work after it
    from jcstar.registry.search import service

    def pages() -> list[list[str]]:
        return [
            [
                item["registration_no"]
                for item in client.get(
                    "/api/v1/labels", params={"q": "JC1-", "limit": 2, "offset": offset}
                ).json()["items"]
            ]
            for offset in (0, 2)
        ]

    exact = pages()
    assert sorted(exact[0] + exact[1]) == sorted(catalogue.values())
    monkeypatch.setattr(service, "COUNT_CAP", 1)
    assert pages() == exact
    assert "SG-1" in client.get("/", params={"q": "JC1-"}).text


@pytest.mark.slow
def test_labels_from_before_search_keys_are_found_after_upgrade(
    client: TestClient, catalogue: dict[str, str], settings: Settings
) -> None:
    from sqlalchemy import text

    from jcstar.registry import migrate
    from jcstar.registry.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        migrate.downgrade(engine, "0002")  # as a registry was before migration 0003
        with engine.begin() as connection:  # its search text as 0002 wrote it: as displayed
            connection.execute(
                text(
                    "UPDATE labels SET search_text = 'ＨＥＭＳ Gateway HG-100 HG-100W ' "
                    "|| registration_no WHERE product LIKE 'HEMS%'"
                )
            )
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    assert _found(client, q="hems") == ["HEMS Gateway HG-100"]  # rewritten in normal form
    assert _found(client, q="0w") == ["HEMS Gateway HG-100"]  # and in the gram index
    assert _found(client, q="家電") == [
        "スマートホームゲートウェイ SG-1",
        "ネットワークカメラ NC-20",
    ]


@pytest.mark.parametrize("window", [1, 2])
def test_every_way_to_read_a_search_gives_the_same_page(
    client: TestClient,
    catalogue: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    # PostgreSQL walks the first labels in order before it asks the indexes: a window smaller
    # than the registry sends each search down the indexed path, whose pages and counts must
    # be the walk's
    from jcstar.registry.search import postgresql_paths, service

    queries = [
        {"q": "JC1-", "limit": 1},
        {"q": "JC1-", "limit": 1, "offset": 1},
        {"q": "JC1-", "limit": 2, "offset": 2},
        {"q": "家電"},
        {"q": "G", "limit": 1, "offset": 1},
        {"q": "hg-100 gateway"},
        {"q": "hems カメラ"},
        {"q": "NC", "status": "valid"},
    ]

    def answers() -> list[tuple[list[str], int, bool]]:
        found = []
        for params in queries:
            body = client.get("/api/v1/labels", params=params).json()
            numbers = [item["registration_no"] for item in body["items"]]
            found.append((numbers, body["total"], body["total_exact"]))
        return found

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    walked = answers()
    assert walked[0] == ([sorted(catalogue.values())[0]], 2, False)
    monkeypatch.setattr(postgresql_paths, "WINDOW", window)
    assert answers() == walked


def test_a_japanese_query_finds_a_product_registered_in_english(
    client: TestClient, bilingual: dict[str, str]
) -> None:
    # "Network Camera HG-100" has the Japanese name ネットワークカメラ HG-100; NC-20 is
    # registered in Japanese; ZX-9 is in the network camera category
    assert _found(client, q="ネットワークカメラ") == [
        "Network Camera HG-100",
        "ZX-9",
        "ネットワークカメラ NC-20",
    ]
    assert _found(client, q="ネットワークカメラ HG-100") == ["Network Camera HG-100"]
    assert _found(client, q="ﾈｯﾄﾜｰｸｶﾒﾗ") == _found(client, q="ネットワークカメラ")  # half width
    # "other" names no kind of product: it is not a search word
    assert _found(client, q="その他") == _found(client, q="other") == []


@pytest.mark.slow
def test_an_english_query_finds_a_product_registered_in_japanese(
    client: TestClient, bilingual: dict[str, str]
) -> None:
    # 屋外用防犯カメラ OC-5 has the English name Outdoor Security Camera OC-5
    assert _found(client, q="security camera") == ["屋外用防犯カメラ OC-5"]
    assert _found(client, q="camera") == ["Network Camera HG-100", "ZX-9", "屋外用防犯カメラ OC-5"]
    assert _found(client, q="防犯") == ["屋外用防犯カメラ OC-5"]  # two characters: gram index
    assert _found(client, product="outdoor") == ["屋外用防犯カメラ OC-5"]
    assert _found(client, product="ネットワークカメラ") == [
        "Network Camera HG-100",
        "ネットワークカメラ NC-20",
    ]
    page = client.get("/", params={"q": "security camera"}).text
    assert bilingual["屋外用防犯カメラ OC-5"] in page and "Outdoor Security Camera OC-5" in page


def test_labels_from_before_consumer_names_keep_their_search_text(
    client: TestClient, catalogue: dict[str, str], settings: Settings
) -> None:
    from sqlalchemy import text

    from jcstar.registry import migrate
    from jcstar.registry.db import make_engine

    keys = "SELECT registration_no, search_text FROM labels ORDER BY id"
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            before = connection.execute(text(keys)).all()
        migrate.downgrade(engine, "0006")  # as a registry was before migration 0007
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text(keys)).all() == before
    finally:
        engine.dispose()
    assert _found(client, q="ゲートウェイ") == ["スマートホームゲートウェイ SG-1"]
    assert _found(client, q="家電") == [
        "スマートホームゲートウェイ SG-1",
        "ネットワークカメラ NC-20",
    ]
    number = catalogue["HEMS Gateway HG-100"]
    assert client.get(f"/api/v1/labels/{number}").json()["product_name_en"] is None
    assert "未記載" in client.get(f"/p/{number}").text
