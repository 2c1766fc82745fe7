"""Document checks against a web server the test starts on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.documents.security_txt import SecurityTxtCheck
from jcstar.checks.documents.vdp import VulnerabilityDisclosurePolicyCheck

pytestmark = pytest.mark.network

GOOD_POLICY_EN = """
<html><head><title>Vulnerability disclosure</title><style>p{}</style></head><body>
<h1>Vulnerability Disclosure Policy</h1>
<p>Report vulnerabilities to <a href="mailto:psirt@vendor.example">our PSIRT</a>.</p>
<p>We acknowledge every report within 3 business days.</p>
<p>We will keep you informed of our progress at least every 30 days until the issue is fixed.</p>
</body></html>
"""
GOOD_POLICY_JA = """脆弱性開示ポリシー
報告窓口: https://vendor.example/psirt/form からご連絡ください。
受領確認は報告の受付から7日以内に行います。
解決までの間、対応状況を30日ごとにお知らせします。
"""
VAGUE_POLICY = """Security
If you find a problem, contact support@vendor.example. We will respond promptly and keep
you updated as appropriate.
"""


def run(check, targets: dict[str, str], timeout_s: float = 5.0) -> CheckAttempt:
    return asyncio.run(run_check(check, CheckInput(documents=targets), timeout_s))


def security_txt(expires: dt.datetime, policy: str | None = None) -> str:
    lines = ["Contact: mailto:psirt@vendor.example", f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}"]
    if policy:
        lines.append(f"Policy: {policy}")
    return "\n".join(lines) + "\n"


def future(days: int = 180) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


@pytest.mark.slow
def test_published_html_policy_with_contact_and_timelines_passes_conclusively(site):
    url = site.add("/security/policy", GOOD_POLICY_EN, content_type="text/html")
    attempt = run(VulnerabilityDisclosurePolicyCheck(), {"vulnerability_disclosure_policy": url})
    assert attempt.status == "completed"
    (obs,) = attempt.observations
    assert obs.outcome == "pass" and obs.conclusive
    assert obs.details["contact"] == "psirt@vendor.example"
    assert "3 business days" in obs.details["acknowledgement_timeline"]
    assert "every 30 days" in obs.details["status_update_timeline"]


@pytest.mark.slow
def test_japanese_policy_with_a_form_url_passes(site):
    url = site.add("/ja/policy.txt", GOOD_POLICY_JA)
    (obs,) = run(
        VulnerabilityDisclosurePolicyCheck(), {"vulnerability_disclosure_policy": url}
    ).observations
    assert obs.outcome == "pass"
    assert obs.details["contact"] == "https://vendor.example/psirt/form"


@pytest.mark.slow
def test_policy_without_timelines_fails_naming_what_is_missing(site):
    url = site.add("/policy", VAGUE_POLICY)
    (obs,) = run(
        VulnerabilityDisclosurePolicyCheck(), {"vulnerability_disclosure_policy": url}
    ).observations
    assert obs.outcome == "fail"
    assert "timeline for the first acknowledgement" in obs.message
    assert "timeline for status updates" in obs.message
    assert "reporting contact" not in obs.message


@pytest.mark.slow
def test_missing_policy_page_is_an_error_not_a_failure(site):
    attempt = run(
        VulnerabilityDisclosurePolicyCheck(),
        {"vulnerability_disclosure_policy": site.base_url + "/nope"},
    )
    assert (attempt.status, attempt.kind) == ("error", "unreachable")
    assert "HTTP 404" in attempt.reason


@pytest.mark.slow
def test_stalled_server_times_out_as_an_error(site):
    url = site.add("/slow", GOOD_POLICY_EN, stall_s=3.0)
    attempt = run(
        VulnerabilityDisclosurePolicyCheck(),
        {"vulnerability_disclosure_policy": url},
        timeout_s=0.5,
    )
    assert (attempt.status, attempt.kind) == ("error", "timed_out")
    assert attempt.stated_reason == "timed out: no result within 0.5 s"


@pytest.mark.slow
def test_oversized_policy_is_refused(site):
    url = site.add("/huge", "a" * 1_200_000)
    attempt = run(VulnerabilityDisclosurePolicyCheck(), {"vulnerability_disclosure_policy": url})
    assert (attempt.status, attempt.kind) == ("error", "unsupported")
    assert "larger than" in attempt.reason


@pytest.mark.slow
def test_policy_is_found_through_security_txt(site):
    policy_url = site.add("/psirt/policy", GOOD_POLICY_EN, content_type="text/html")
    site.add("/.well-known/security.txt", security_txt(future(), policy=policy_url))
    attempt = run(VulnerabilityDisclosurePolicyCheck(), {"security_txt": site.base_url})
    assert attempt.status == "completed"
    assert attempt.observations[0].outcome == "pass"
    assert "/psirt/policy" in site.hits


@pytest.mark.slow
def test_without_any_policy_location_the_check_is_skipped(site):
    attempt = run(VulnerabilityDisclosurePolicyCheck(), {"security_txt": site.base_url})
    assert attempt.status == "skipped"
    assert "no security.txt" in attempt.reason


@pytest.mark.slow
def test_valid_security_txt_passes_but_not_conclusively(site):
    site.add("/.well-known/security.txt", security_txt(future()))
    (obs,) = run(SecurityTxtCheck(), {"security_txt": site.base_url}).observations
    assert obs.outcome == "pass" and not obs.conclusive
    assert obs.details["contacts"] == ["mailto:psirt@vendor.example"]


@pytest.mark.slow
def test_legacy_location_is_used_when_well_known_is_missing(site):
    site.add("/security.txt", security_txt(future()))
    (obs,) = run(SecurityTxtCheck(), {"security_txt": site.base_url}).observations
    assert obs.outcome == "pass"
    assert obs.details["url"].endswith("/security.txt")


@pytest.mark.slow
def test_expired_security_txt_is_reported_as_information(site):
    site.add("/.well-known/security.txt", security_txt(future(-10)))
    (obs,) = run(SecurityTxtCheck(), {"security_txt": site.base_url}).observations
    assert obs.outcome == "info"
    assert "expired" in obs.details["errors"]


@pytest.mark.slow
def test_absent_security_txt_is_information_not_failure(site):
    (obs,) = run(SecurityTxtCheck(), {"security_txt": site.base_url}).observations
    assert obs.outcome == "info"
    assert obs.message.startswith("no security.txt")
