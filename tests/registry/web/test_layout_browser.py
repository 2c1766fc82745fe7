"""Layout at the widths readers use: the review queue's state filter shows its longest state
whole on a 1280 px desktop, and a product's status history is readable on a 360 px phone
(each event a block of its own rather than four squeezed columns). Screenshots of both, in
Japanese and English, go to ``build/screenshots/``; axe finds nothing serious on either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.registry.web.conftest import PASSWORD, REVOCATION, Portal, axe_violations, screenshot

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
OPERATOR = "JC-STAR Scheme Office"  # the operator ``start_registry`` makes
REVIEWER_EMAIL = "layout-reviewer@operator.test"

#: the width of the select's longest option against the room its box gives text: its content
#: box less the drop-down arrow Chromium draws inside it (1.25em: our measure of its width)
STATE_FIT = """() => {
  const select = document.querySelector('#f-state');
  const style = getComputedStyle(select);
  const probe = document.createElement('span');
  probe.style.font = style.font;
  probe.style.whiteSpace = 'pre';
  probe.style.position = 'absolute';
  probe.style.visibility = 'hidden';
  document.body.appendChild(probe);
  let longest = 0, text = '';
  for (const option of select.options) {
    probe.textContent = option.text;
    const width = probe.getBoundingClientRect().width;
    if (width > longest) { longest = width; text = option.text; }
  }
  probe.remove();
  const arrow = 1.25 * parseFloat(style.fontSize);
  const room = select.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight) - arrow;
  return {longest, room, text};
}"""

#: the width of the revocation's reason in the status history, and whether anything is wider
#: than the phone's screen
HISTORY_FIT = """() => {
  const reasons = [...document.querySelectorAll('#status-history td.history-reason')];
  const reason = reasons.filter(td => td.textContent.trim()).pop();  // the revocation's
  return {
    reason: reason.getBoundingClientRect().width,
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
  };
}"""


def _sign_in(page: Any, portal: Portal) -> None:
    page.goto(f"{portal.url}/signin?next=/operator")
    page.fill("#email", REVIEWER_EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_queue_state_filter_shows_every_state_whole_at_1280(
    portal: Portal, new_page: NewPage, lang: str
) -> None:
    made = portal.registry.admin(
        "create-user", REVIEWER_EMAIL, "--org", OPERATOR, "--password", PASSWORD,
        "--role", "reviewer",
    )  # fmt: skip
    assert made.code == 0 or "already" in made.err, made.err
    page = new_page(lang=lang, width=1280)
    _sign_in(page, portal)
    page.goto(f"{portal.url}/operator?lang={lang}")
    fit = page.evaluate(STATE_FIT)
    screenshot(page, f"layout-queue-1280-{lang}")
    assert fit["longest"] <= fit["room"], fit
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_status_history_is_readable_on_a_phone(
    portal: Portal, new_page: NewPage, lang: str
) -> None:
    page = new_page(lang=lang, width=360)
    page.goto(f"{portal.url}/p/{portal.camera['registration_no']}?lang={lang}")  # revoked
    fit = page.evaluate(HISTORY_FIT)
    screenshot(page, f"layout-history-360-{lang}")
    assert fit["page"] <= fit["screen"], fit  # nothing to scroll sideways
    # the reason gets the screen's width (less the page's margins), not a quarter of it
    assert fit["reason"] >= 0.7 * fit["screen"], fit
    history = " ".join(page.inner_text("#status-history").split())
    assert REVOCATION in history
    assert axe_violations(page) == []
