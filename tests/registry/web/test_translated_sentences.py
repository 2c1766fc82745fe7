"""No English library sentence left on a Japanese page: the label decision's problems, a
verdict's reasons and a refused form's one line are said in Japanese from their codes, while
the English page and the API keep the library's English word for word; every code of each
domain has a Japanese message (a new code cannot ship untranslated), and a sentence without
a code is shown as given, marked English."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.assessment.criteria import CRITERIA_TEXTS
from jcstar.assessment.decision import PROBLEM_TEXTS, Problem
from jcstar.assessment.evaluate import REASON_TEXTS
from jcstar.assessment.plan import PLAN_REASON_TEXTS
from jcstar.registry.errors import Unprocessable
from jcstar.registry.web import i18n
from jcstar.registry.web.messages import decision, reasons, refusals
from tests.registry.conftest import Party, application_state, made_by, with_answer
from tests.registry.web.test_vendor_pages import app_id_of, apply_with, post, signed_in, token

#: the library's own tables and the portal's, per domain
DOMAINS = {
    "decision": ({**PROBLEM_TEXTS, **CRITERIA_TEXTS}, decision.MESSAGES),
    "reasons": ({**REASON_TEXTS, **PLAN_REASON_TEXTS}, reasons.MESSAGES),
}
#: frames that are only punctuation around what is quoted as given (the check's id and its
#: words): Japanese punctuation at most
PUNCTUATION_ONLY = {"%(check)s: %(message)s", "%(check)s %(status)s: %(reason)s"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass
class FakePage:
    """What the message modules read of a page: its language and catalog."""

    lang: str

    def gettext(self, message: str) -> str:
        return i18n.translations(self.lang).gettext(message)


JA, EN = FakePage("ja"), FakePage("en")


def as_template(message: str) -> str:
    return re.sub(r"%\((\w+)\)s", r"{\1}", message)


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_every_code_of_each_domain_has_its_english_and_a_japanese_message(domain: str) -> None:
    library, portal = DOMAINS[domain]
    assert set(portal) == set(library)  # a code added to the library needs a message here
    japanese = i18n.translations("ja")
    for code, message in portal.items():
        assert as_template(message) == library[code], code  # the same sentence as the API's
        said = japanese.gettext(message)
        if message in PUNCTUATION_ONLY:
            assert said, code
            continue
        assert said != message and JAPANESE.search(said), f"{code}: no Japanese message"


def test_every_registry_and_refusal_code_has_a_japanese_message() -> None:
    japanese = i18n.translations("ja")
    for message in [*decision.REGISTRY_CODES.values(), *refusals.MESSAGES.values()]:
        assert JAPANESE.search(japanese.gettext(message)), message


@pytest.mark.parametrize("code", sorted({**REASON_TEXTS, **PLAN_REASON_TEXTS}))
def test_a_stored_reason_is_read_back_to_its_code_and_values(code: str) -> None:
    template = {**REASON_TEXTS, **PLAN_REASON_TEXTS}[code]
    values = {
        name: {"check": "network.telnet", "status": "error", "value": "False"}.get(
            name, f"<{name} text>"
        )
        for name in re.findall(r"\{(\w+)\}", template)
    }
    assert reasons.decode(template.format(**values)) == (code, values)


def test_a_reason_frames_the_checks_words_as_given_and_marks_them_english() -> None:
    said = reasons.reason(JA, "category profile: no radio on this product")  # type: ignore[arg-type]
    assert said == 'カテゴリプロファイル: <span lang="en">no radio on this product</span>'
    check = reasons.reason(JA, "network.telnet: port 23 answered <login>")  # type: ignore[arg-type]
    assert check == 'network.telnet: <span lang="en">port 23 answered &lt;login&gt;</span>'
    unknown = reasons.reason(JA, "written by an older jcstar")  # type: ignore[arg-type]
    assert unknown == '<span lang="en">written by an older jcstar</span>'
    assert reasons.reason(EN, "vendor states it is not implemented") == (  # type: ignore[arg-type]
        "vendor states it is not implemented"
    )


def test_a_problem_or_refusal_without_a_code_keeps_its_english_marked_so() -> None:
    made_elsewhere = Problem("something the registry says <only in English>")
    assert decision.sentence(JA, made_elsewhere) == (  # type: ignore[arg-type]
        '<span lang="en">something the registry says &lt;only in English&gt;</span>'
    )
    assert refusals.refusal(JA, Unprocessable("no such thing")) == (  # type: ignore[arg-type]
        '<span lang="en">no such thing</span>'
    )


def test_a_problem_says_the_verdict_and_its_reasons_in_japanese() -> None:
    problem = Problem.of(
        "not_met", "S1.1-02", verdict="NOT_MET", reasons=("vendor states it is not implemented",)
    )
    assert problem.message == "verdict is NOT_MET, not MET (vendor states it is not implemented)"
    assert decision.sentence(JA, problem) == (  # type: ignore[arg-type]
        "S1.1-02: 判定が「適合」ではなく「不適合」です（ベンダーは未実装としています）"
    )
    assert decision.sentence(EN, problem) == str(problem)  # type: ignore[arg-type]


def flat(fragment: str) -> str:
    """A fragment's text as read (tags removed, entities read, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def text_of(page: str, element_id: str) -> str:
    """The text of the element with ``element_id``."""
    found = re.search(rf'<(\w+) [^>]*id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, f"no element {element_id}"
    return flat(found.group(2))


def requirement_row(page: str, requirement: str) -> str:
    found = re.search(rf'<tr id="req-{re.escape(requirement)}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for {requirement}"
    return found.group(1)


#: the example's checks that need a device or an image, skipped in the conformant example
SKIPPED_JA = (
    "network.default_credentials（スキップ）: profile names no device address (device.address); "
    "firmware.accounts（スキップ）: profile names no firmware image (firmware.image)"
)
SKIPPED_EN = (
    "network.default_credentials skipped: profile names no device address (device.address); "
    "firmware.accounts skipped: profile names no firmware image (firmware.image)"
)


def test_the_japanese_vendor_page_says_what_the_registry_would_refuse_in_japanese(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "japanese@vendor.test")
    weak = with_answer(made_by(report, vendor.name), "S1.1-02", status="not_implemented")
    app_id = app_id_of(apply_with(client, weak, route="psti"))  # no PSTI statement attached

    page = client.get(f"/vendor/applications/{app_id}?lang=ja").text
    row = requirement_row(page, "S1.1-02")
    refusal = re.search(r'<p class="refusal">(.*?)</p>', row, re.S)
    assert refusal, row
    # the frame and the verdict's reasons in Japanese, what the checks said as they said it
    assert flat(refusal.group(1)) == (
        "拒否される理由: 判定が「適合」ではなく「不適合」です（ベンダーは未実装としています; "
        f"{SKIPPED_JA}）"
    )
    reasons_cell = re.findall(r"<td>(.*?)</td>", row, re.S)[1]
    assert flat(reasons_cell) == f"ベンダーは未実装としています; {SKIPPED_JA}"
    assert '<span lang="en">profile names no device address (device.address)</span>' in row
    assert "NOT_MET" not in flat(row)
    general = text_of(page, "general-problems")
    assert general == "PSTI ルートには psti_statement 文書（適合宣言書）が必要です"

    english = client.get(f"/vendor/applications/{app_id}?lang=en").text
    english_row = requirement_row(english, "S1.1-02")
    assert flat(re.findall(r'<p class="refusal">(.*?)</p>', english_row, re.S)[0]) == (
        "Would be refused: verdict is NOT_MET, not MET (vendor states it is not implemented; "
        f"{SKIPPED_EN})"
    )
    assert 'lang="en"' not in english_row
    assert text_of(english, "general-problems") == (
        "the PSTI route needs a psti_statement document (statement of compliance)"
    )

    # submitted anyway (an old page): refused beside the button in Japanese, nothing changes
    path = f"/vendor/applications/{app_id}/submit?lang=ja"
    refused = post(client, path, {"csrf": token(client)})
    assert refused.status_code == 422
    assert text_of(refused.text, "submit-problem") == (
        "提出できません: PSTI ルートには psti_statement 文書（適合宣言書）が必要です（ほか 1 件）"
    )
    assert application_state(client, vendor, app_id) == "draft"

    # the API says the library's English, word for word
    api = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    assert api.status_code == 422
    assert api.json()["detail"] == (
        "cannot submit: the PSTI route needs a psti_statement document (statement of "
        "compliance) (and 1 more)"
    )


def test_a_refused_upload_is_said_in_japanese_and_keeps_the_form(
    client: TestClient, vendor: Party
) -> None:
    signed_in(client, vendor.name, "upload@vendor.test")
    empty = post(
        client,
        "/vendor/applications/new?lang=ja",
        {"csrf": token(client), "model_numbers": "EX-1"},
        {"report": ("report.json", b"")},
    )
    assert empty.status_code == 422
    assert text_of(empty.text, "problem") == "report.json: ファイルが空です"
    assert "EX-1" in empty.text  # what was typed is kept
    english = post(
        client,
        "/vendor/applications/new?lang=en",
        {"csrf": token(client)},
        {"report": ("report.json", b"[1]")},
    )
    assert text_of(english.text, "problem") == (
        "report.json: the report must be a JSON object (what jcstar assess writes)"
    )


def test_every_procurement_code_has_a_message_of_the_portal() -> None:
    from jcstar.procurement.evaluate import WHY_CODES
    from jcstar.registry.web.messages.procurement import NOTES
    from jcstar.registry.web.procurer.reasons import MESSAGES as LINE_REASONS

    assert set(WHY_CODES) == set(LINE_REASONS) | set(NOTES)
    japanese = i18n.translations("ja")
    for message in [*LINE_REASONS.values(), *NOTES.values()]:
        assert JAPANESE.search(japanese.gettext(message)), message


def test_a_procurement_lines_notes_and_warnings_are_said_in_japanese() -> None:
    from jcstar.registry.web.messages import procurement
    from tests.procurement.test_evaluate import verdict

    followed = verdict("SUP-1")
    assert followed.notes[0] == "JC1-0006 is superseded by JC1-0007: judged on JC1-0007"
    notes = procurement.notes(JA, followed)  # type: ignore[arg-type]
    assert notes[0] == "JC1-0006 は JC1-0007 に置き換えられています。JC1-0007 で判定しました"
    assert notes[1] == (
        "GOV-4.3.1-FY2025: このラベルが gov-guideline "
        "GOV-1, GOV-2, GOV-3, GOV-4, GOV-5, GOV-6, GOV-7 の確認に代わります"
    )
    assert procurement.notes(EN, followed) == list(followed.notes)  # type: ignore[arg-type]

    warned = verdict("PCS-9", policy="power-sector", product_type="der-pcs")
    said = procurement.warnings(JA, warned)  # type: ignore[arg-type]
    assert len(said) == len(warned.warnings) == 2
    assert said == [
        "サポート期間は 2026-03-31 に終了しています。",
        "セキュリティ情報が 1 件あります：CVE-2026-0001 in web UI。",  # the title as written
    ]
    assert procurement.warnings(EN, warned) == list(warned.warnings)  # type: ignore[arg-type]


def test_the_error_pages_detail_line_is_said_in_the_readers_language(
    client: TestClient, vendor: Party, make_party: Any, report: dict[str, Any]
) -> None:
    signed_in(client, vendor.name, "owner@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    rival = make_party("Rival Devices K.K.", "vendor")
    signed_in(client, rival.name, "rival@rival.test")

    unknown = client.get(f"/vendor/applications/{app_id}?lang=ja")
    assert unknown.status_code == 404
    assert text_of(unknown.text, "problem") == f"申請 {app_id} はありません"
    assert 'id="problem"><span lang="en">' not in unknown.text
    english = client.get(f"/vendor/applications/{app_id}?lang=en")
    assert text_of(english.text, "problem") == f"no application {app_id}"
    api = client.get(f"/api/v1/applications/{app_id}", headers=rival.headers)
    assert api.status_code == 404 and api.json()["detail"] == f"no application {app_id}"

    # a stale form: the refusal is said in Japanese, and nothing is created
    stale = post(client, "/vendor/applications/new?lang=ja", {"csrf": "stale"})
    assert stale.status_code == 403
    assert text_of(stale.text, "problem") == (
        "フォームのセキュリティトークンがないか、期限切れです。ページを再読み込みしてください"
    )
    # a detail no code says (the report download's format) keeps its English, marked so
    no_format = client.get(f"/vendor/applications/{app_id}/report.nope?lang=ja")
    assert no_format.status_code == 404
    assert re.search(r'id="problem"[^>]*><span lang="en">no report format', no_format.text)


def test_every_log_code_has_its_english_and_a_japanese_message() -> None:
    from jcstar.registry.web.messages import log

    assert set(log.MESSAGES) == set(log.LIBRARY)
    japanese = i18n.translations("ja")
    for code, message in log.MESSAGES.items():
        assert as_template(message) == log.LIBRARY[code], code
        assert JAPANESE.search(japanese.gettext(message)), code
    assert JAPANESE.search(japanese.gettext(log.REPLAY_PROBLEM))


def test_a_log_problem_within_a_problem_is_said_in_japanese_as_well() -> None:
    from jcstar.registry.web.messages import log

    chain = "seq 7: expected seq 6 (an entry is missing or out of order)"
    assert log.problem(JA, chain) == (  # type: ignore[arg-type]
        "連番 7: 連番 6 のはずです（エントリが欠けているか、順序が乱れています）"
    )
    assert log.problem(EN, chain) == chain  # type: ignore[arg-type]
    assert log.problem(JA, "a sentence of another jcstar") == (  # type: ignore[arg-type]
        '<span lang="en">a sentence of another jcstar</span>'
    )


def test_the_transparency_page_names_a_tampered_label_in_japanese(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    from sqlalchemy import text as sql_text

    from tests.registry.conftest import issue_label

    number: str = issue_label(client, vendor, operator, report)["registration_no"]
    revoke = client.post(
        f"/api/v1/labels/{number}/revoke", json={"reason": "key leaked"}, headers=operator.headers
    )
    assert revoke.status_code == 200, revoke.text
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            sql_text("UPDATE labels SET status = 'valid' WHERE registration_no = :no"),
            {"no": number},
        )
        session.commit()

    english = f"label {number}: status: table says valid, log says revoked at seq 5"
    page = client.get("/log/verify?lang=ja").text
    listed = re.search(r"<h2>[^<]*</h2>\s*<ul>(.*?)</ul>", page, re.S)
    assert listed, page
    assert flat(listed.group(1)) == (
        f"ラベル {number}: status: table では valid、ログでは連番 5 で revoked です"
    )
    english_page = client.get("/log/verify?lang=en").text
    assert english in html.unescape(english_page)
    assert client.get("/api/v1/log/verify").json()["disagreements"] == [english]


def test_the_operators_review_page_says_the_verdicts_reasons_in_japanese(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    from tests.registry.web.test_operator_pages import person, submitted
    from tests.registry.web.test_operator_pages import sign_in as operator_sign_in

    app_id = submitted(client, vendor, report)
    person(client, operator.name, "reviewer@operator.test", "reviewer")
    operator_sign_in(client, "reviewer@operator.test")

    page = client.get(f"/operator/applications/{app_id}?lang=ja").text
    first = re.search(r'<ul class="reasons">(.*?)</ul>', page, re.S)
    assert first, page
    assert [flat(item) for item in re.findall(r"<li>(.*?)</li>", first.group(1), re.S)] == [
        "ベンダーは証拠を示して実装済みとしています",
        "network.unauthenticated_access（スキップ）: profile names no device address "
        "(device.address)",
    ]
    english = client.get(f"/operator/applications/{app_id}?lang=en").text
    assert "<li>vendor states it is implemented, with evidence</li>" in english


def test_the_questionnaire_says_why_a_requirement_is_not_applicable_in_japanese(
    client: TestClient, vendor: Party
) -> None:
    from tests.conftest import CONFORMANT

    signed_in(client, vendor.name, "questions@vendor.test")
    profile = (CONFORMANT / "profile.yaml").read_text("utf-8")
    profile = profile.replace("uses_passwords: true", "uses_passwords: false")
    start = "/vendor/questionnaire"
    form = post(
        client,
        f"{start}/profile?lang=ja",
        {"csrf": token(client, start)},
        {"profile": ("profile.yaml", profile.encode())},
    )
    assert form.status_code == 200, form.text
    question = re.search(
        r'<fieldset class="panel question" id="q-S1.1-02">(.*?)</fieldset>', form.text, re.S
    )
    assert question, form.text
    # the frame in Japanese, the catalog's note as written (marked English)
    assert flat(question.group(1)).endswith(
        "プロファイル: uses_passwords が False です。The criterion applies where passwords or "
        "network user authentication are used."
    )
    assert '<span lang="en">The criterion applies where passwords' in question.group(1)


# --- the application, issuance, watch and people refusals (helper W13) ---


def test_every_refusal_sentence_table_has_a_japanese_message() -> None:
    japanese = i18n.translations("ja")
    tables = (
        refusals.STATE_CONFLICTS,
        refusals.FEE_NOT_PAID,
        refusals.WEBHOOK_MESSAGES,
        {"or": refusals.OR},
    )
    for table in tables:
        for code, message in table.items():
            assert JAPANESE.search(japanese.gettext(message)), f"{code}: no Japanese message"


@pytest.mark.parametrize("action", sorted(refusals.STATE_CONFLICTS))
def test_a_state_conflict_is_the_services_sentence_and_is_said_in_japanese(action: str) -> None:
    from types import SimpleNamespace

    from jcstar.registry.applications import service
    from jcstar.registry.errors import Conflict

    app = SimpleNamespace(application_no="JCA-2026-000042", state="submitted")
    with pytest.raises(Conflict) as raised:
        service._require_state(app, ("draft", "returned"), action)  # type: ignore[arg-type]
    conflict = raised.value
    # the portal's English message is the service's sentence, word for word
    values = {
        "application": "JCA-2026-000042",
        "state": "submitted",
        "allowed": "draft or returned",
    }
    assert refusals.STATE_CONFLICTS[action] % values == conflict.detail
    said = refusals.refusal(JA, conflict)  # type: ignore[arg-type]
    assert "JCA-2026-000042" in said and "「提出済み」" in said
    assert "submitted" not in said and 'lang="en"' not in said
    assert refusals.refusal(EN, conflict) == conflict.detail  # type: ignore[arg-type]


def test_a_refused_webhook_is_read_back_and_said_in_japanese() -> None:
    from jcstar.registry.outbox.destinations import refusal as webhook_refusal

    why = webhook_refusal("https://127.0.0.1/hook", allow_private=False)  # an address, no DNS
    assert why == "webhook host 127.0.0.1 is an internal address (127.0.0.1); not allowed"
    refused = Unprocessable(why, code="webhook_refused", params={"detail": why})
    assert refusals.refusal(JA, refused) == (  # type: ignore[arg-type]
        "Webhook のホスト 127.0.0.1 は内部アドレス（127.0.0.1）です。送信先にできません"
    )
    assert refusals.refusal(EN, refused) == why  # type: ignore[arg-type]


def test_a_state_conflict_on_the_review_page_is_said_in_japanese_and_changes_nothing(
    client: TestClient, vendor: Party, operator: Party, report: dict[str, Any]
) -> None:
    from tests.registry.web.test_operator_pages import REVIEWER, person, post_form, submitted
    from tests.registry.web.test_operator_pages import sign_in as operator_sign_in

    app_id = submitted(client, vendor, report)
    number = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()[
        "application_no"
    ]
    person(client, operator.name, REVIEWER, "reviewer")
    operator_sign_in(client, REVIEWER)
    path = f"/operator/applications/{app_id}/start-review"

    early = post_form(client, f"{path}?lang=ja", {})
    assert early.status_code == 409
    assert text_of(early.text, "problem-start_review") == (
        f"申請 {number} は「提出済み」です。審査を開始できるのは「受理済み」のときだけです"
    )
    english = post_form(client, f"{path}?lang=en", {})
    assert text_of(english.text, "problem-start_review") == (
        f"application {number} is submitted; it can be taken into review only when accepted"
    )
    assert application_state(client, vendor, app_id) == "submitted"
    api = client.post(f"/api/v1/applications/{app_id}/start-review", headers=operator.headers)
    assert api.status_code == 409
    assert api.json()["detail"] == (
        f"application {number} is submitted; it can be taken into review only when accepted"
    )


def test_a_refused_document_is_said_in_japanese_and_nothing_is_stored(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    from tests.registry.web.test_vendor_pages import documents_of

    signed_in(client, vendor.name, "documents@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(report, vendor.name)))
    path = f"/vendor/applications/{app_id}/documents"
    program = {"document": ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")}

    unsupported = post(client, f"{path}?lang=ja", {"csrf": token(client), "kind": "other"}, program)
    assert unsupported.status_code == 415
    assert text_of(unsupported.text, "document-problem") == (
        "tool.exe: PDF、スプレッドシート（xlsx）、PNG、JPEG、JSON、"
        "UTF-8 テキストのいずれの文書でもありません"
    )
    lab_only = post(
        client,
        f"{path}?lang=ja",
        {"csrf": token(client), "kind": "evaluation_report"},
        {"document": ("eval.pdf", b"%PDF-1.4")},
    )
    assert lab_only.status_code == 403
    assert text_of(lab_only.text, "document-problem") == (
        "evaluation_report（評価報告書）を添付できるのは指定された評価機関だけです"
    )
    english = post(client, f"{path}?lang=en", {"csrf": token(client), "kind": "other"}, program)
    assert text_of(english.text, "document-problem") == (
        "tool.exe: not a PDF, spreadsheet (xlsx), PNG, JPEG, JSON or UTF-8 text document"
    )
    assert documents_of(client, vendor, app_id) == []


def test_a_refused_watch_is_said_in_japanese_and_nothing_is_followed(
    client: TestClient, make_party: Any
) -> None:
    from jcstar.registry.watch.models import Watch
    from tests.registry.web.test_procurer_pages import count
    from tests.registry.web.test_procurer_pages import post as procurer_post
    from tests.registry.web.test_procurer_pages import sign_in as procurer_sign_in
    from tests.registry.web.test_procurer_pages import token as procurer_token

    procurer = make_party("Prefecture Procurement", "procurer")
    procurer_sign_in(client, procurer.name, "watch@prefecture.test")
    csrf = procurer_token(client, "/procurer/watches")

    days = procurer_post(
        client,
        "/procurer/watches?lang=ja",
        {"csrf": csrf, "numbers": "HG-1", "remind_days": "abc"},
    )
    assert days.status_code == 422
    assert text_of(days.text, "watch-problem") == "remind_days: 'abc' は日数（整数）ではありません"
    assert ">HG-1</textarea>" in days.text  # what was typed is kept
    empty = procurer_post(client, "/procurer/watches?lang=ja", {"csrf": csrf, "numbers": " \n"})
    assert empty.status_code == 422
    assert text_of(empty.text, "watch-problem") == (
        "numbers: 番号を 1 つ以上入力するか、型番リストのファイルを選んでください"
    )
    english = procurer_post(client, "/procurer/watches?lang=en", {"csrf": csrf, "numbers": ""})
    assert text_of(english.text, "watch-problem") == (
        "numbers: give at least one number, or a model list file"
    )
    assert count(client, Watch) == 0
