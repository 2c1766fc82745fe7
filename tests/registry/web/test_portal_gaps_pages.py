"""Portal pages without a browser, on both databases: the operator's labels page before a
search, error pages for a signed-in reader, and the verify and procurer pages' reasons in the
reader's language (the verifier's and the policy check's English stays in the API and CLI)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.conftest import MakeParty, Party, apply, approve, issue_label, submit
from tests.registry.web.test_operator_pages import APPROVER, sign_in, staff  # noqa: F401
from tests.registry.web.test_pages import ORIGIN, form_token, visible
from tests.registry.web.test_procurer_pages import check, row_of
from tests.registry.web.test_procurer_pages import sign_in as procurer_signs_in


def _issued(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any], model: str
) -> str:
    app_id = apply(client, vendor, report, model_numbers=[model])["id"]
    submit(client, vendor, app_id)
    number: str = approve(client, operator, app_id)["registration_no"]
    return number


def _listed(page: str) -> list[str]:
    table = page.split('id="labels"', 1)[1].split("</table>", 1)[0] if 'id="labels"' in page else ""
    return re.findall(r'href="/operator/labels/([^"]+)"', table)


def test_the_operator_labels_page_lists_the_newest_labels_a_page_at_a_time(
    client: TestClient,
    vendor: Party,
    staff: Party,  # noqa: F811
    report: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jcstar.registry.web.operator import labels as labels_page

    sign_in(client, APPROVER)
    empty = client.get("/operator/labels?lang=en").text
    assert "No labels have been issued yet." in empty
    numbers = [_issued(client, vendor, staff, report, f"NEW-{n}") for n in range(3)]
    monkeypatch.setattr(labels_page, "PAGE_SIZE", 2)

    first = client.get("/operator/labels?lang=en").text
    assert "Most recently issued labels" in first
    assert _listed(first) == [numbers[2], numbers[1]]  # newest first, before any search
    following = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert following and 'rel="prev"' not in first
    second = client.get(following.group(1).replace("&amp;", "&")).text
    assert _listed(second) == [numbers[0]]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    # a search still finds one label, with its count
    found = client.get(f"/operator/labels?lang=en&q={numbers[1]}").text
    assert _listed(found) == [numbers[1]]
    assert visible(found, "result-count", end="p") == "1 labels match"


def test_error_pages_show_who_is_signed_in(
    client: TestClient,
    vendor: Party,
    staff: Party,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jcstar.registry.web.operator import labels as labels_page

    def broken(*_args: object) -> None:
        raise RuntimeError("a fault the page did not expect")

    sign_in(client, APPROVER)
    monkeypatch.setattr(labels_page.approvals, "pending_list", broken)
    unguarded = TestClient(client.app, base_url=str(client.base_url), raise_server_exceptions=False)
    unguarded.cookies.update(client.cookies)
    failed = unguarded.get("/operator/labels?lang=en")
    assert failed.status_code == 500
    assert "Something went wrong on our side" in failed.text
    assert visible(failed.text, "account", end="span").startswith(staff.name)
    assert 'class="signin"' not in failed.text  # no "Sign in" for someone signed in
    monkeypatch.undo()

    missing = client.get("/operator/labels/JC1-2026-999999?lang=en")
    assert missing.status_code == 404 and 'id="account"' in missing.text
    client.cookies.clear()
    signed_out = client.get("/operator/labels/JC1-2026-999999?lang=en")
    assert signed_out.status_code == 401 and 'class="signin"' in signed_out.text


def _verify(client: TestClient, qr_text: str, lang: str) -> Any:
    token = form_token(client, "/verify")
    sent = {"csrf": (None, token), "qr_text": (None, qr_text)}
    return client.post(f"/verify?lang={lang}", files=sent, headers=ORIGIN)


def test_the_verify_page_says_why_in_the_readers_language(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    number = label["registration_no"]
    valid = visible(_verify(client, label["qr"], "ja").text, "reason", end="span")
    assert f"ラベル {number}（★1）は鍵" in valid and "登録簿でも有効" in valid
    assert "signed by key" not in valid  # not the verifier's English sentence
    english = visible(_verify(client, label["qr"], "en").text, "reason", end="span")
    assert english.startswith(f"Label {number} (★1) was signed by key")

    revoked = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "鍵の漏えい"}, headers=operator.headers
    )
    assert revoked.status_code == 200, revoked.text
    said = visible(_verify(client, label["qr"], "ja").text, "reason", end="span")
    assert "登録簿での状態は「取消し」です" in said
    assert "運営者が示した理由：鍵の漏えい" in said  # the operator's own words, as written

    jws = label["jws"]
    altered = f"{label['product_url']}#{jws[:-3]}{'A' if jws[-3] != 'A' else 'B'}{jws[-2:]}"
    forged = visible(_verify(client, altered, "ja").text, "reason", end="span")
    assert "署名が鍵" in forged and "一致しません" in forged
    junk = _verify(client, "hello", "ja")
    assert junk.status_code == 422
    assert visible(junk.text, "problem").startswith("ラベルの QR テキストではありません")


def test_the_procurer_page_says_each_lines_reason_in_japanese(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: MakeParty,
    report: dict[str, Any],
) -> None:
    good = _issued(client, vendor, operator, report, "GOOD-1")
    gone = _issued(client, vendor, operator, report, "REV-1")
    revoked = client.post(
        f"/api/v1/labels/{gone}/revoke", json={"reason": "虚偽の申告"}, headers=operator.headers
    )
    assert revoked.status_code == 200, revoked.text
    buyer = make_party("Ward Office Procurement", "procurer")
    procurer_signs_in(client, buyer.name, "buyer@ward.test")
    client.headers["Accept-Language"] = "ja"
    listed = "型番,メーカー,数量\nGOOD-1,,1\nREV-1,,1\nNOPE-1,,1\n"
    page = check(client, listed.encode("cp932")).text
    assert f"{good}（★1）は" in row_of(page, "GOOD-1") and "に有効です。" in row_of(page, "GOOD-1")
    refused = row_of(page, "REV-1")
    assert f"{gone} は方針を満たしません" in refused
    assert "「取消し」です" in refused and "運営者が示した理由：虚偽の申告" in refused
    assert "この型番のラベルは見つかりませんでした。" in row_of(page, "NOPE-1")
    assert "no label found" not in page and "revoked on" not in page  # no library English
