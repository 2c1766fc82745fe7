"""The portal's pages through the app on both databases (no browser): the reader's language,
the form token and origin on every form, signing in and out, search filters and paging,
verifying a label, the log, error pages and the navigation by role."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.registry.accounts.service import create_user, require_org
from jcstar.registry.db import lock_for_write
from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from tests.registry.conftest import BASE_URL, Party, issue_label

ORIGIN = {"Origin": BASE_URL}
PASSWORD = "portal-password-1"
EMAIL = "staff@vendor.test"
FORM_COOKIE = "__Host-jcstar_form"  # the registry is on https: a __Host- cookie


def visible(html: str, selector_id: str, end: str = "div|p|td|span|h1") -> str:
    """The text inside the element with this id up to the first closing tag of a kind in
    ``end`` (tags removed, whitespace collapsed)."""
    found = re.search(rf'id="{selector_id}"[^>]*>(.*?)</(?:{end})>', html, re.S)
    assert found, f"no element {selector_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def form_token(client: TestClient, path: str = "/signin") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "no form token on the page"
    return found.group(1)


def post_form(client: TestClient, path: str, fields: dict[str, str], **kwargs: Any) -> Any:
    """A form post as the browser sends it: multipart, from the registry's own origin."""
    headers = {**ORIGIN, **kwargs.pop("headers", {})}
    files = {name: (None, value) for name, value in fields.items()}
    return client.post(path, files=files, headers=headers, follow_redirects=False, **kwargs)


def add_user(client: TestClient, org: str, roles: tuple[str, ...] | None = None) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lock_for_write(session)
        create_user(session, require_org(session, org), EMAIL, PASSWORD, roles)
        session.commit()


def sign_in(client: TestClient) -> Any:
    token = form_token(client)
    return post_form(client, "/signin", {"csrf": token, "email": EMAIL, "password": PASSWORD})


# -- language -----------------------------------------------------------------------------------


def test_the_language_comes_from_the_switch_then_the_cookie_then_the_browser(
    client: TestClient,
) -> None:
    japanese = client.get("/")
    assert '<html lang="ja">' in japanese.text and "適合ラベルの検索" in japanese.text
    assert japanese.headers["content-language"] == "ja"
    english = client.get("/", headers={"Accept-Language": "fr-FR, en;q=0.8, ja;q=0.5"})
    assert '<html lang="en">' in english.text and "Search labels" in english.text

    switched = client.get("/verify?lang=en")
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith("jcstar_lang=en;") and "SameSite=lax" in cookie
    assert "HttpOnly" in cookie and "Secure" in cookie
    # remembered on the next page, whatever the browser asks for
    later = client.get("/log", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in later.text and "<h1>Transparency log</h1>" in later.text
    assert '<html lang="ja">' in client.get("/log?lang=ja").text
    assert '<html lang="ja">' in client.get("/log").text
    # an unknown language is no switch
    assert '<html lang="ja">' in client.get("/log?lang=xx").text


def test_every_page_links_one_style_sheet_and_allows_no_script(client: TestClient) -> None:
    for path in ("/", "/verify", "/log", "/signin", "/p/JC1-2026-999999", "/nope"):
        page = client.get(path)
        policy = page.headers["content-security-policy"]
        assert "style-src 'self'" in policy and "script-src" not in policy, path
        assert "unsafe-inline" not in policy, path
        assert "<script" not in page.text and "<style" not in page.text, path
        assert " style=" not in page.text, path
        sheet = re.search(r'<link rel="stylesheet" href="([^"]+)">', page.text)
        assert sheet and sheet.group(1).startswith("/static/portal.css?v="), path
    css = client.get(sheet.group(1))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/static/../settings.py").status_code == 404
    assert client.get("/static/swagger-init.js").status_code == 404  # not a portal file


# -- forms: token and origin ---------------------------------------------------------------------


def test_sign_in_and_out_with_the_forms(client: TestClient, vendor: Party) -> None:
    add_user(client, vendor.name, ("applicant",))
    token = form_token(client)
    wrong = post_form(client, "/signin", {"csrf": token, "email": EMAIL, "password": "nope"})
    assert wrong.status_code == 401
    assert visible(wrong.text, "problem") == "メールアドレスまたはパスワードが正しくありません。"
    assert "jcstar_session" not in client.cookies

    signed_in = sign_in(client)
    # no page asked for: the person's own area (a vendor's), not the public home
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/vendor"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("jcstar_session=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    home = client.get("/?lang=en")
    account = visible(home.text, "account", end="div")
    assert account.startswith(f"{vendor.name} Vendor · applicant {EMAIL}")
    assert client.get("/api/v1/me").json()["person"] == EMAIL  # the API's session, too

    # signing out is a form too: without its token nothing happens
    refused = post_form(client, "/signout", {"csrf": ""})
    assert refused.status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    out = post_form(client, "/signout", {"csrf": form_token(client, "/")})
    assert out.status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    assert 'href="/signin"' in client.get("/").text


def test_sign_in_goes_back_only_to_a_page_of_this_registry(
    client: TestClient, vendor: Party
) -> None:
    add_user(client, vendor.name)
    token = form_token(client)
    fields = {"csrf": token, "email": EMAIL, "password": PASSWORD}
    inside = post_form(client, "/signin", {**fields, "next": "/log"})
    assert inside.headers["location"] == "/log"
    for elsewhere in ("https://attacker.test/", "//attacker.test/", "/\\attacker.test"):
        answer = post_form(client, "/signin", {**fields, "next": elsewhere})
        # never off the site: the person's own area instead
        assert answer.headers["location"] == "/vendor", elsewhere


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [
        ({}, False),  # the page's origin, no token
        ({"Origin": "https://attacker.test"}, True),  # another site's page, even with a token
        ({"Origin": "null"}, True),
    ],
)
def test_a_form_without_its_token_or_from_another_site_is_refused(
    client: TestClient, vendor: Party, headers: dict[str, str], with_token: bool
) -> None:
    add_user(client, vendor.name)
    token = form_token(client) if with_token else ""
    answer = post_form(
        client,
        "/signin",
        {"csrf": token, "email": EMAIL, "password": PASSWORD},
        headers=headers,
    )
    assert answer.status_code == 403
    assert "<h1>この操作は許可されていません</h1>" in answer.text
    assert len(visible(answer.text, "problem").splitlines()) == 1
    assert "jcstar_session" not in client.cookies


def test_a_token_from_another_visitor_is_refused(client: TestClient, vendor: Party) -> None:
    add_user(client, vendor.name)
    token = form_token(client)
    client.cookies.clear()  # another visitor's browser: its own form cookie
    client.cookies.set(FORM_COOKIE, "y" * 43)
    answer = post_form(client, "/signin", {"csrf": token, "email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 403


def test_failed_sign_ins_are_throttled_as_the_api_login_is(
    client: TestClient, vendor: Party
) -> None:
    add_user(client, vendor.name)
    token = form_token(client)
    fields = {"csrf": token, "email": EMAIL, "password": "wrong"}
    statuses = [post_form(client, "/signin", fields).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # now even the right password waits, and the API login counts the same failures
    right = post_form(client, "/signin", {**fields, "password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    api = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert api.status_code == 429


# -- search, product, verify, log -----------------------------------------------------------------


def as_camera(report: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(report)
    data["product"]["product"] = "Network Camera NC-20"
    data["product"]["model_numbers"] = ["NC-20"]  # not the gateway's: no renewal of it
    data["product"]["consumer"] = {
        "product_name_ja": "ネットワークカメラ NC-20",
        "product_name_en": "Network Camera NC-20",
        "category": "network_camera",
    }
    return data


def numbers_on(page: str) -> list[str]:
    return re.findall(r'<dd class="regno">([^<]+)</dd>', page)


def test_search_filters_and_pages(
    client: TestClient,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = issue_label(client, vendor, operator, report)["registration_no"]
    camera = issue_label(client, vendor, operator, as_camera(report))["registration_no"]
    revoked = client.post(
        f"/api/v1/labels/{camera}/revoke", json={"reason": "leak"}, headers=operator.headers
    )
    assert revoked.status_code == 200, revoked.text

    # the home page: recent labels, newest first
    assert numbers_on(client.get("/").text) == [camera, gateway]
    assert numbers_on(client.get("/", params={"q": "HEMSゲートウェイ"}).text) == [gateway]
    assert numbers_on(client.get("/", params={"q": "camera"}).text) == [camera]
    by_type = client.get("/", params={"category": "network_camera"})
    assert numbers_on(by_type.text) == [camera]
    assert 'value="network_camera" selected' in by_type.text  # the filter stays chosen
    assert numbers_on(client.get("/", params={"status": "revoked"}).text) == [camera]
    assert numbers_on(client.get("/", params={"status": "valid", "level": "1"}).text) == [gateway]
    assert numbers_on(client.get("/", params={"level": "2"}).text) == []
    assert numbers_on(client.get("/", params={"vendor": "Example"}).text) == [gateway, camera]
    assert "該当するラベルはありません。" in client.get("/", params={"level": "3"}).text
    # the API's search filters the same way
    api = client.get("/api/v1/labels", params={"product_category": "network_camera"}).json()
    assert [item["registration_no"] for item in api["items"]] == [camera]

    monkeypatch.setattr("jcstar.registry.web.public.PAGE_SIZE", 1)
    first = client.get("/", params={"vendor": "Example", "lang": "en"})
    assert numbers_on(first.text) == [gateway]
    assert visible(first.text, "result-count").startswith("1–1 of")
    second = client.get("/", params={"vendor": "Example", "p": "2"})
    assert numbers_on(second.text) == [camera]
    assert 'rel="prev" href="/?vendor=Example"' in second.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"level": "9"}, "level"),
        ({"status": "lost"}, "status"),
        ({"category": "toaster"}, "product type"),
        ({"p": "0"}, "p"),
    ],
)
def test_a_bad_filter_is_a_page_naming_it(
    client: TestClient, params: dict[str, str], named: str
) -> None:
    page = client.get("/", params={**params, "lang": "en"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert named in visible(page.text, "problem")


def verify(client: TestClient, qr_text: str = "", photo: bytes | None = None) -> Any:
    token = form_token(client, "/verify")
    files: dict[str, Any] = {"csrf": (None, token), "qr_text": (None, qr_text)}
    if photo is not None:
        files["photo"] = ("label.png", photo, "image/png")
    return client.post("/verify", files=files, headers=ORIGIN)


def test_verifying_a_label_says_valid_suspended_or_forged_and_why(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, report)
    number = label["registration_no"]
    valid = verify(client, label["qr"])
    assert valid.status_code == 200
    assert visible(valid.text, "verdict", end="div").startswith(
        "有効：正規のラベルで、現在有効です"
    )
    # the reason in the page's language (the API and CLI keep the verifier's English)
    assert "登録簿でも有効として掲載されています" in visible(valid.text, "reason")

    image = client.get(f"/api/v1/labels/{number}/label.png").content
    from_image = verify(client, photo=image)
    assert visible(from_image.text, "verdict", end="div").startswith("有効：")

    suspended = client.post(
        f"/api/v1/labels/{number}/suspend", json={"reason": "調査中"}, headers=operator.headers
    )
    assert suspended.status_code == 200, suspended.text
    now = verify(client, label["qr"])
    assert visible(now.text, "verdict", end="div").startswith("一時停止：")
    assert "調査中" in visible(now.text, "reason")

    jws = label["jws"]
    forged = verify(
        client, f"{label['product_url']}#{jws[:-3]}{'A' if jws[-3] != 'A' else 'B'}{jws[-2:]}"
    )
    assert visible(forged.text, "verdict", end="div").startswith("偽造：")

    junk = verify(client, "hello")
    assert junk.status_code == 422
    assert "ラベルの QR テキストではありません" in visible(junk.text, "problem")
    nothing = verify(client)
    assert nothing.status_code == 422
    assert "QR テキストを貼り付ける" in visible(nothing.text, "problem")


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    token = form_token(client, "/verify")
    big = b"\x89PNG" + b"\0" * (200 * 1024)  # over the test limit (64 KB + envelope)
    answer = client.post(
        "/verify",
        files={"csrf": (None, token), "photo": ("big.png", big, "image/png")},
        headers=ORIGIN,
    )
    assert answer.status_code == 413


def test_the_log_page_shows_the_checkpoint_and_its_verification(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    number = issue_label(client, vendor, operator, report)["registration_no"]
    page = client.get("/log?lang=en").text
    assert f'<a href="/p/{number}">{number}</a>' in page
    assert 'id="checkpoint"' in page
    checked = client.get("/log/verify").text
    assert visible(checked, "verdict", end="div").startswith("The log holds")
    api = client.get("/api/v1/log/verify").json()
    assert visible(checked, "entry-count") == str(api["entries"])


# -- errors and navigation -----------------------------------------------------------------------


def test_error_pages_are_pages_in_the_readers_language_and_the_api_keeps_json(
    client: TestClient,
) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "<h1>ページが見つかりません</h1>" in missing.text
    english = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert "<h1>Page not found</h1>" in english.text
    label = client.get("/p/JC1-2026-999999?lang=en")
    assert label.status_code == 404
    assert "No label with registration number JC1-2026-999999" in label.text
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/api/v1/labels/JC1-2026-999999").headers["content-type"] == (
        "application/json"
    )


def test_the_navigation_shows_a_role_area_only_to_its_organisations(
    client: TestClient, vendor: Party, operator: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    area = nav.NavEntry("/vendor", N_("Vendor"), kinds=frozenset({"vendor"}), order=50)
    monkeypatch.setitem(nav._ENTRIES, area.path, area)
    assert 'href="/vendor"' not in client.get("/").text
    assert 'href="/vendor"' not in client.get("/", headers=operator.headers).text
    assert 'href="/vendor"' in client.get("/", headers=vendor.headers).text


def test_a_package_of_page_routers_gives_the_app_its_routes_themselves() -> None:
    """A domain of pages made of several modules (``router.include_router(module.router)``)
    still reaches the body guard route by route (uploads multipart, sizes limited)."""
    from fastapi import APIRouter
    from fastapi.routing import APIRoute

    from jcstar.registry.web import public, verify
    from jcstar.registry.web.router import routes_of

    package = APIRouter()
    package.include_router(public.router)
    package.include_router(verify.router)
    found = routes_of(package)
    assert all(isinstance(route, APIRoute) for route in found)
    assert {route.path for route in found if isinstance(route, APIRoute)} >= {"/", "/verify"}
    prefixed = APIRouter()
    prefixed.include_router(public.router, prefix="/x")
    with pytest.raises(RuntimeError, match="without a prefix"):
        routes_of(prefixed)
