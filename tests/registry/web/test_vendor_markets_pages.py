"""The vendor's portal answers many schemes (issue 15), through the app on both databases:
the questionnaire at ★2 with a category and other schemes ticked, the "other markets" view of
an application, its declarations, who may see them, and the product page's line for a label
recognised abroad."""

from __future__ import annotations

import html as markup
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.registry.conftest import Party, issue_label, made_by
from tests.registry.web.test_pages import ORIGIN
from tests.registry.web.test_vendor_pages import app_id_of, signed_in, token

ROOT = Path(__file__).resolve().parents[3]
STAR2 = ROOT / "examples" / "star2-smart-home"
START = "/vendor/questionnaire"
PRODUCT = "Smart Home Hub SH-200"
#: the line the product page shows for a valid ★1 label on the recognised criteria version
RECOGNISED_EN = (
    "Recognised in United Kingdom: deemed to meet the security requirements of UK Product "
    "Security and Telecommunications Infrastructure (PSTI) Act, Schedule 1 while valid "
    "(UK S.I. 2025/1267; secondary source)"
)


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id, to its own closing tag (tags removed)."""
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</(tr|li|p|ul|table)>', html, re.S)
    assert found, f"no element {element_id}"
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def star2_profile(vendor: str) -> bytes:
    text = (STAR2 / "profile.yaml").read_text("utf-8")
    return text.replace("vendor: Example Home Devices K.K.", f"vendor: {vendor}").encode()


def carried_profile(html: str) -> str:
    found = re.search(r'name="profile" value="([^"]+)"', html)
    assert found, "no product description carried"
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"')


def star2_answers(csrf: str, profile_json: str, also: list[str]) -> list[tuple[str, str]]:
    """The questionnaire filled in as the ★2 example answers it, each requirement another
    scheme adds answered as implemented with a document (a list: ``also`` repeats)."""
    answers = yaml.safe_load((STAR2 / "answers.yaml").read_text("utf-8"))["answers"]
    fields = [("csrf", csrf), ("profile", profile_json)] + [("also", s) for s in also]
    for req, answer in answers.items():
        first = (answer.get("evidence") or [{}])[0]
        fields += [(f"status-{req}", answer.get("status") or "")]
        fields += [(f"statement-{req}", answer.get("statement", ""))]
        fields += [(f"{n}-{req}", str(first.get(n) or "")) for n in ("document", "section")]
        fields += [(f"{n}-{req}", str(first.get(n) or "")) for n in ("test", "result")]
    return fields


def post_list(client: TestClient, path: str, fields: list[tuple[str, str]]) -> Any:
    """A form post whose fields may repeat (ticked boxes), as a browser sends it."""
    parts = [(name, (None, value)) for name, value in fields]
    return client.post(path, files=parts, headers=ORIGIN, follow_redirects=False)


def questions_page(client: TestClient, vendor: Party, scheme: str, also: list[str]) -> Any:
    fields = [("csrf", token(client, START)), ("scheme", scheme)] + [("also", s) for s in also]
    parts: list[tuple[str, Any]] = [(n, (None, v)) for n, v in fields]
    parts.append(("profile", ("profile.yaml", star2_profile(vendor.name))))
    return client.post(
        f"{START}/profile?lang=en", files=parts, headers=ORIGIN, follow_redirects=False
    )


def star2_application(client: TestClient, vendor: Party) -> int:
    """A ★2 smart-home application built in the questionnaire with --also psti."""
    form = questions_page(client, vendor, "2:smart-home", ["psti"])
    assert form.status_code == 200, form.text
    fields = star2_answers(token(client, START), carried_profile(form.text), ["psti"])
    added = re.findall(r'<fieldset class="panel question" id="q-([^"]+)"', form.text)
    own = {name.removeprefix("status-") for name, _ in fields if name.startswith("status-")}
    for req in (r for r in added if r not in own):
        fields += [(f"status-{req}", "implemented"), (f"statement-{req}", "Done as asked.")]
        fields += [(f"document-{req}", "SH-200 UK compliance file"), (f"section-{req}", req)]
    return app_id_of(post_list(client, START, fields))


def test_the_product_form_offers_levels_categories_drafts_and_other_schemes(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "form@vendor.test")
    page = client.get(f"{START}?lang=en").text
    smart_home = re.search(r'<option value="2:smart-home"[^>]*>([^<]*)</option>', page)
    assert smart_home and "draft" in smart_home.group(1)
    cameras = re.search(r'<option value="3:network-cameras"[^>]*>([^<]*)</option>', page)
    assert cameras and "draft" not in cameras.group(1)
    for scheme in ("cls-1", "cls-2", "psti", "etsi-en-303-645", "cra", "nistir-8425"):
        assert f'<input type="checkbox" id="also-{scheme}" name="also" value="{scheme}"' in page


def test_a_star2_questionnaire_with_also_psti_groups_the_added_questions(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "star2@vendor.test")
    form = questions_page(client, vendor, "2:smart-home", ["psti"])
    assert form.status_code == 200, form.text
    html = form.text
    assert "★2 · smart-home" in html
    heading = text_of(html, "also-psti")
    assert heading.startswith("Also answered for UK Product Security")
    # the level's own questions come first, the PSTI additions under their heading
    own_at, added_at = html.index('id="q-S1.1-01"'), html.index('id="also-psti"')
    assert own_at < added_at
    after = html[added_at:]
    added = re.findall(r'<fieldset class="panel question" id="q-([^"]+)"', after)
    assert added and all(not req.startswith("S1.1") for req in added)
    assert '<input type="hidden" name="also" value="psti">' in html

    app_id = star2_application(client, vendor)
    report = client.get(f"/vendor/applications/{app_id}/report.json").json()
    assert report["level"] == 2 and report["catalog"]["scheme"] == "jcstar-2-smart-home"
    assert report["catalog"]["also"] == ["psti"]
    assessed = {v["requirement"]: v["verdict"] for v in report["verdicts"]}
    assert all(assessed[req] == "MET" for req in added)


def test_a_star3_category_without_the_operators_file_says_so_in_the_readers_language(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "star3@vendor.test")
    refused = questions_page(client, vendor, "3:network-cameras", [])
    assert refused.status_code == 422
    problem = text_of(refused.text, "problem")
    assert problem.startswith("The jcstar-3-network-cameras profile takes its requirements")
    assert "jcstar-3-network-cameras.yaml" in problem
    assert 'value="3:network-cameras" selected' in refused.text  # the choice is kept
    fields = [("csrf", token(client, START)), ("scheme", "3:network-cameras")]
    parts: list[tuple[str, Any]] = [(n, (None, v)) for n, v in fields]
    parts.append(("profile", ("profile.yaml", star2_profile(vendor.name))))
    ja = client.post(f"{START}/profile?lang=ja", files=parts, headers=ORIGIN)
    assert ja.status_code == 422
    assert "運営者が提供するファイル" in text_of(ja.text, "problem")
    assert client.get("/api/v1/applications", headers=vendor.headers).json()["items"] == []


def test_an_unknown_other_scheme_is_refused_naming_it(client: TestClient, vendor: Party) -> None:
    signed_in(client, vendor.name, "unknown@vendor.test")
    refused = questions_page(client, vendor, "", ["cyber-trust-mark"])
    assert refused.status_code == 422
    assert "also: unknown scheme 'cyber-trust-mark'" in text_of(refused.text, "problem")


def test_the_other_markets_view_counts_each_scheme_and_names_the_recognition_route(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "markets@vendor.test")
    app_id = star2_application(client, vendor)
    application = client.get(f"/vendor/applications/{app_id}?lang=en").text
    assert f'href="/vendor/applications/{app_id}/markets"' in application
    page = client.get(f"/vendor/applications/{app_id}/markets?lang=en")
    assert page.status_code == 200
    psti = text_of(page.text, "market-psti")
    # PSTI answered in full with --also psti: every requirement met, nothing to review
    assert re.search(r"4 requirements 4 0 0 0 Nothing left to review", psti), psti
    cra = text_of(page.text, "market-cra")
    assert "22 requirements 0 0 22 0 --also cra adds 22 requirements to answer" in cra
    route = text_of(page.text, "route-psti")
    assert "deemed compliance (secondary source)" in route
    assert "Only a ★1 label is recognised: this application's ★2 label is not." in route

    table = client.get(f"/vendor/applications/{app_id}/markets/psti?lang=en").text
    rows = re.findall(r'<tr id="req-([^"]+)"', table)
    assert len(rows) == 4
    assert all("Met" in text_of(table, f"req-{req}") for req in rows)
    assert client.get(f"/vendor/applications/{app_id}/markets/us-mark").status_code == 404


def test_declarations_download_for_the_vendor_and_the_operator_only(
    client: TestClient,
    vendor: Party,
    operator: Party,
    make_party: Any,
) -> None:
    signed_in(client, vendor.name, "declare@vendor.test")
    app_id = star2_application(client, vendor)
    base = f"/vendor/applications/{app_id}/declarations"
    ics = client.get(f"{base}/etsi-ics.html")
    assert ics.status_code == 200
    assert ics.headers["content-disposition"].endswith("-etsi-ics.html")
    assert ics.headers["content-disposition"].startswith("attachment;")
    assert PRODUCT in ics.text and "5.1-1" in ics.text
    cra = client.get(f"{base}/cra.html")
    assert "Annex V" in cra.text and PRODUCT in cra.text
    psti = client.get(f"{base}/psti.html")
    assert "statement of compliance" in psti.text.lower() and PRODUCT in psti.text
    pdf = client.get(f"{base}/etsi-ics.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(f"{base}/sbom.pdf").status_code == 404
    assert client.get(f"{base}/cra.docx").status_code == 404

    # who else: the operator reads it; another vendor does not know the application; a lab
    # or a procurer is not of a kind that may; nobody signed in must sign in
    answers = {}
    for name, party in (
        ("operator", operator),
        ("other vendor", make_party("Rival Devices K.K.", "vendor")),
        ("lab", make_party("Lab K.K.", "lab")),
        ("procurer", make_party("City Procurement", "procurer")),
    ):
        answers[name] = client.get(f"{base}/cra.html", headers=party.headers).status_code
        markets = client.get(f"/vendor/applications/{app_id}/markets", headers=party.headers)
        answers[f"{name} markets"] = markets.status_code
    client.cookies.clear()
    answers["anonymous"] = client.get(f"{base}/cra.html").status_code
    assert answers == {
        "operator": 200,
        "operator markets": 200,
        "other vendor": 404,
        "other vendor markets": 404,
        "lab": 403,
        "lab markets": 403,
        "procurer": 403,
        "procurer markets": 403,
        "anonymous": 401,
    }


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_ics_pdf_names_the_product(client: TestClient, vendor: Party, tmp_path: Path) -> None:
    signed_in(client, vendor.name, "pdf@vendor.test")
    app_id = star2_application(client, vendor)
    pdf = client.get(f"/vendor/applications/{app_id}/declarations/etsi-ics.pdf").content
    (tmp_path / "ics.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "ics.pdf"), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert PRODUCT in text


def test_the_product_page_says_where_a_valid_star1_label_is_recognised(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    label = issue_label(client, vendor, operator, made_by(report, vendor.name))
    number = label["registration_no"]
    page = client.get(f"/p/{number}?lang=en").text
    assert text_of(page, "recognised-1") == RECOGNISED_EN
    assert "英国" in text_of(client.get(f"/p/{number}?lang=ja").text, "recognised-1")

    revoked = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "leaked"}, headers=operator.headers
    )
    assert revoked.status_code == 200, revoked.text
    assert 'id="recognised-1"' not in client.get(f"/p/{number}?lang=en").text
