"""What a consumer reads on the label page: the product's names in Japanese and English, its
category, how updates arrive, how to change the default password and the label's history,
from the vendor's profile through the report and the application to the label, its JSON and
its page."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jcstar.assessment.consumer import CATEGORIES, UPDATE_MODES, ProductCategory, UpdateMode
from jcstar.assessment.decision import parse_report
from jcstar.assessment.inputs import InputError, load_profile
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import load_catalog
from jcstar.cli.common import EXIT_USAGE
from jcstar.reports import render
from tests.conftest import CONFORMANT, NONCONFORMANT, invoke
from tests.registry.conftest import Party, issue_label

CAMERA = {
    "product_name_ja": "ネットワークカメラ HG-100",
    "product_name_en": "Network Camera HG-100",
    "category": "network_camera",
    "update_mode": "automatic_with_consent",
    "default_password": {
        "how_to_change": "アプリの「設定 > セキュリティ」で変更 / App: Settings > Security",
        "url": "https://vendor.example/hg-100/password",
    },
}


def as_product(
    report: dict[str, Any], product: str, consumer: dict[str, Any] | None
) -> dict[str, Any]:
    """The report as if its profile named ``product`` and gave ``consumer`` (None: none)."""
    data = copy.deepcopy(report)
    data["product"]["product"] = product
    data["product"]["consumer"] = consumer
    return data


def row(page: str, row_id: str) -> str:
    """The text of the product page's fact cell ``row_id``, tags removed."""
    found = re.search(rf'<td id="{row_id}"[^>]*>(.*?)</td>', page, re.S)
    assert found, f"no row {row_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# -- the profile ------------------------------------------------------------------------------


def test_the_example_profiles_give_what_consumers_read() -> None:
    profile, _ = load_profile(CONFORMANT / "profile.yaml")
    assert profile.consumer is not None
    assert profile.consumer.product_name_ja == "HEMSゲートウェイ HG-100"
    assert profile.consumer.update_mode == "automatic"
    monitor, _ = load_profile(NONCONFORMANT / "profile.yaml")
    assert monitor.consumer is not None and monitor.consumer.default_password is None


def test_profiles_and_reports_without_consumer_information_stay_valid(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: t\nfirmware_version: '1'\n",
        "utf-8",
    )
    assert load_profile(path)[0].consumer is None
    # a report written before consumer information existed
    sample = Path(__file__).parents[1] / "fixtures" / "report-sample.json"
    assert "consumer" not in sample.read_text("utf-8")
    assert parse_report(json.loads(sample.read_text("utf-8"))).product.consumer is None


@pytest.mark.parametrize(
    ("consumer", "message"),
    [
        ("{category: fridge}", "field 'consumer.category': Input should be 'network_camera'"),
        ("{update_mode: sometimes}", "field 'consumer.update_mode': Input should be 'automatic'"),
        ("{default_password: {}}", "default_password gives how_to_change, url or both"),
        (
            "{default_password: {url: 'javascript:alert(1)'}}",
            "field 'consumer.default_password.url'",
        ),
        ("{product_name_en: '  '}", "field 'consumer.product_name_en'"),
        ("{product_name_ja: ネットワークカメラ, colour: red}", "field 'consumer.colour'"),
    ],
)
def test_bad_consumer_information_is_one_line_naming_the_field(
    tmp_path: Path, consumer: str, message: str
) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(
        "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: t\nfirmware_version: '1'\n"
        f"consumer: {consumer}\n",
        "utf-8",
    )
    with pytest.raises(InputError) as raised:
        load_profile(path)
    assert message in str(raised.value)
    code, out, err = invoke(CliRunner(), "assess", str(path))
    assert code == EXIT_USAGE and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_every_category_and_update_mode_has_both_names() -> None:
    assert tuple(CATEGORIES) == get_args(ProductCategory)
    assert tuple(UPDATE_MODES) == get_args(UpdateMode)
    for named in (*CATEGORIES.values(), *UPDATE_MODES.values()):
        assert named.ja and named.en and named.ja != named.en


def test_the_categories_the_catalog_names_are_offered() -> None:
    # levels.yaml names the ★2+ categories; each is one of ours, marked as the catalog's
    from_catalog = {c for level in load_catalog().levels for c in level.categories}
    assert from_catalog == {"communication equipment", "network cameras"}
    ours = {key: named for key, named in CATEGORIES.items() if named.basis == "catalog"}
    assert {named.en.split(" (")[0].lower() for named in ours.values()} == {
        "communication equipment",
        "network camera",
    }


def test_the_report_shows_it_where_it_shows_the_product() -> None:
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")
    markdown = render(report, "md").decode("utf-8")
    assert "- 製品名（日本語） / Product name (Japanese): HEMSゲートウェイ HG-100" in markdown
    assert (
        "- 製品分類 / Product category: エネルギー管理機器（HEMS・EMS・パワコン等） / "
        "Energy management equipment (HEMS, EMS, power conditioners)"
    ) in markdown
    assert "- ソフトウェア更新 / Software updates: 自動で更新されます / " in markdown
    html = render(report, "html").decode("utf-8")
    assert "<dt>製品名（英語） / Product name (English)</dt><dd>HEMS Gateway HG-100</dd>" in html
    assert "https://example-energy.example/support/hg-100/password" in html
    # a report without it shows no such line
    bare = report.model_copy(
        update={"product": report.product.model_copy(update={"consumer": None})}
    )
    assert "Product name (Japanese)" not in render(bare, "md").decode("utf-8")


# -- the registry -----------------------------------------------------------------------------


def test_the_label_publishes_what_the_profile_gave(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, as_product(report, "HG-100 camera", CAMERA))
    number = label["registration_no"]
    looked_up = client.get(f"/api/v1/labels/{number}").json()
    expected = {
        "product_name_ja": "ネットワークカメラ HG-100",
        "product_name_en": "Network Camera HG-100",
        "product_category": "network_camera",
        "update_mode": "automatic_with_consent",
        "password_change_text": CAMERA["default_password"]["how_to_change"],
        "password_change_url": "https://vendor.example/hg-100/password",
    }
    assert {key: looked_up[key] for key in expected} == expected
    found = client.get("/api/v1/labels", params={"q": "HG-100 camera"}).json()["items"]
    assert [{key: item[key] for key in expected} for item in found] == [expected]
    exported = client.get("/api/v1/export/labels.csv").content.decode("utf-8-sig")
    (csv_row,) = csv.DictReader(io.StringIO(exported))
    assert {key: csv_row[key] for key in expected} == expected


def test_the_product_page_shows_it_in_japanese_and_english(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, as_product(report, "HG-100 camera", CAMERA))
    page = client.get(f"/p/{label['registration_no']}").text
    assert '<html lang="ja">' in page
    # the other names under the registered one, the English one marked as English
    assert '<span lang="ja">ネットワークカメラ HG-100</span>' in page
    assert '<span lang="en">Network Camera HG-100</span>' in page
    assert row(page, "name-ja") == "ネットワークカメラ HG-100"
    assert row(page, "name-en") == "Network Camera HG-100"
    # the page is in the reader's language (Japanese unless asked otherwise)
    assert row(page, "category") == "ネットワークカメラ"
    assert row(page, "updates") == "自動で取得し、利用者の同意後に適用されます"
    english = client.get(f"/p/{label['registration_no']}", params={"lang": "en"}).text
    assert row(english, "category") == "Network camera"
    assert row(english, "updates") == "Updates download automatically and install once you agree"
    assert row(page, "password") == (
        "アプリの「設定 &gt; セキュリティ」で変更 / App: Settings &gt; Security "
        "https://vendor.example/hg-100/password"
    )
    assert '<a href="https://vendor.example/hg-100/password" rel="nofollow noopener">' in page


def test_a_label_without_them_says_not_stated(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, as_product(report, "HEMS Gateway", None))
    looked_up = client.get(f"/api/v1/labels/{label['registration_no']}").json()
    assert looked_up["product_name_en"] is None and looked_up["update_mode"] is None
    page = client.get(f"/p/{label['registration_no']}").text
    for row_id in ("name-ja", "name-en", "category", "updates", "password"):
        assert row(page, row_id) == "未記載"
    assert 'class="names"' not in page


@pytest.mark.slow
def test_the_vendor_text_is_shown_as_text(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    hostile = {**CAMERA, "product_name_en": "<script>alert(1)</script>", "default_password": None}
    label = issue_label(client, vendor, operator, as_product(report, "HG-100", hostile))
    page = client.get(f"/p/{label['registration_no']}").text
    assert "<script>alert(1)</script>" not in page
    assert row(page, "name-en") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_page_links_a_label_to_the_one_that_replaced_it(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    first = issue_label(client, vendor, operator, as_product(report, "HG-100", CAMERA))
    # the maker's new label for the same model numbers replaces the old one
    second = issue_label(client, vendor, operator, as_product(report, "HG-100 v2", CAMERA))
    old_page = client.get(f"/p/{first['registration_no']}").text
    link = f'<a href="/p/{second["registration_no"]}">{second["registration_no"]}</a>'
    assert 'id="lineage"' in old_page and link in old_page
    assert 'id="status-history"' in old_page
