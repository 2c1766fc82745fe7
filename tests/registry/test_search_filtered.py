"""Searches for words with a level or status filter: the same labels whichever side drives.

On SQLite the full-text matches drive a filtered search; when the first ``CANDIDATES`` of them
hold too few labels with the filter, the labels the filter's index picks are read instead
(``search.service._sqlite_page``). A budget smaller than the registry sends every filtered
search down that second path, whose pages and counts must be the first path's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jcstar.registry.db import make_engine
from jcstar.registry.settings import Settings
from tests.registry.conftest import Party
from tests.registry.test_search import catalogue  # noqa: F401  (the three labels, a fixture)

QUERIES: list[dict[str, Any]] = [
    {"q": "hems", "status": "revoked"},
    {"q": "家電", "status": "revoked"},
    {"q": "家電", "status": "valid", "level": 1},
    {"q": "JC1-", "status": "valid", "limit": 1},
    {"q": "JC1-", "status": "valid", "limit": 1, "offset": 1},
    {"q": "JC1-", "level": 1, "status": "valid"},
    {"q": "JC1-", "level": 2, "status": "valid"},
    {"q": "G", "status": "valid"},
    {"q": "-1", "level": 1},
    {"vendor": "家電メーカー", "status": "valid"},
    {"vendor": "Example Energy", "status": "revoked", "level": 1},
    {"product": "カメラ", "status": "suspended"},
]


def _answers(client: TestClient) -> list[tuple[list[str], int, bool]]:
    found = []
    for params in QUERIES:
        response = client.get("/api/v1/labels", params={"limit": 50, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        products = [item["product"] for item in body["items"]]
        found.append((products, body["total"], body["total_exact"]))
    return found


@pytest.fixture
def one_revoked(client: TestClient, catalogue: dict[str, str], operator: Party) -> None:  # noqa: F811
    number = catalogue["HEMS Gateway HG-100"]
    response = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "key leaked"}, headers=operator.headers
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("candidates", [0, 1, 2])
def test_a_filtered_search_finds_the_same_labels_either_way(
    client: TestClient, one_revoked: None, monkeypatch: pytest.MonkeyPatch, candidates: int
) -> None:
    from jcstar.registry.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    walked = _answers(client)
    gateway, camera = "スマートホームゲートウェイ SG-1", "ネットワークカメラ NC-20"
    assert walked[0] == (["HEMS Gateway HG-100"], 1, True)
    assert walked[1] == ([], 0, True)
    assert walked[2] == ([gateway, camera], 2, True)
    assert walked[3] == ([gateway], 2, True)  # two valid labels hold "JC1-"
    assert walked[4] == ([camera], 2, True)
    assert walked[6] == ([], 0, True)
    assert walked[9] == ([gateway, camera], 2, True)
    assert walked[10] == (["HEMS Gateway HG-100"], 1, True)
    assert walked[11] == ([], 0, True)
    monkeypatch.setattr(service, "CANDIDATES", candidates)
    assert _answers(client) == walked


def test_sqlite_walks_the_word_matches_not_every_label_of_a_status(
    client: TestClient,
    catalogue: dict[str, str],  # noqa: F811
    settings: Settings,
) -> None:
    # a plan led by the status index ran the full-text match once per valid label: a common
    # word with status=valid took 61 s at a million labels
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's join order; PostgreSQL plans with its statistics")
    from sqlalchemy.dialects import sqlite

    from jcstar.registry.search import service

    query = service.LabelQuery(q="家電", status="valid", level=1)
    found = service._matching(query, True, dt.date(2026, 12, 6))
    statement = service._ids(found).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            connection = session.connection()
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").all()
            ids = connection.exec_driver_sql(str(statement)).scalars().all()
    finally:
        engine.dispose()
    steps = [row[-1] for row in plan]
    assert steps[0].startswith("SCAN label_grams"), steps  # the word's matches lead
    assert "USING INTEGER PRIMARY KEY" in steps[1], steps  # each label read by its id
    assert len(ids) == 2
