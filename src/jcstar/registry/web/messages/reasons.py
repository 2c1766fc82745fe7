"""A verdict's reasons in the reader's language.

A report keeps each reason as the English sentence ``assessment.evaluate`` or
``assessment.plan`` made (a report's bytes are what was signed off; no code is stored). The
sentence is read back to its code and values against those modules' own tables, and said with
the message of the catalog below; a check's message, the vendor's statement and the
profile's note stay as written. A sentence that matches no template (an older jcstar, an
edited report) is shown as it is, marked English.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from jcstar.assessment.evaluate import REASON_TEXTS
from jcstar.assessment.plan import PLAN_REASON_TEXTS
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import Templates, english, fill, plain, quoted
from jcstar.registry.web.render import Page

#: every code of ``REASON_TEXTS`` and ``PLAN_REASON_TEXTS``, as the portal says it
MESSAGES = {
    "check_said": N_("%(check)s: %(message)s"),
    "attempt_note": N_("%(check)s %(status)s: %(reason)s"),
    "test_record_failed": N_("vendor test record %(record)s: failed"),
    "test_record_passed": N_("vendor test record %(record)s: passed"),
    "not_implemented": N_("vendor states it is not implemented"),
    "check_error": N_("an automated check could not complete"),
    "claims_na_applies": N_("vendor claims not applicable, but it applies to every product"),
    "claims_na_unjustified": N_("vendor claims not applicable without a justification"),
    "justification": N_("vendor justification: %(statement)s"),
    "device_evidence": N_(
        "%(requirement)s is evaluated on the device itself: a statement with document "
        "references is not enough; give device evidence (a probe of the device) or a "
        "test record (evidence of kind test_report naming the test and its result)"
    ),
    "implemented": N_("vendor states it is implemented, with evidence"),
    "implemented_no_evidence": N_("vendor states it is implemented but cites no evidence"),
    "no_evidence": N_("no evidence: no conclusive check result and no vendor answer"),
    "category_excludes": N_("category profile: %(reason)s"),
    "fact_excludes": N_("profile: %(fact)s is %(value)s. %(note)s"),
    "fact_exempts": N_("profile: %(fact)s exempts it; %(note)s"),
    "exemption_unconfirmed": N_("possible exemption (%(fact)s) is not confirmed: %(note)s"),
}
#: a check attempt's status (``checks.base.AttemptStatus``) in an ``attempt_note``
ATTEMPT_STATUS = {"error": N_("error"), "skipped": N_("skipped")}
#: values that quote English text as given (a check's or the catalog's words)
QUOTED = frozenset({"message", "reason", "note"})
#: what a value may hold where the sentence would otherwise be ambiguous: a check's id and
#: an attempt's status have no spaces (so "category profile: …" is not a check's message)
_FIELD = {"check": r"[\w.\-]+", "status": r"[a-z_]+", "value": r"True|False"}
TEMPLATES = Templates({**REASON_TEXTS, **PLAN_REASON_TEXTS}, _FIELD)


def decode(text: str) -> tuple[str, dict[str, str]] | None:
    """The code and values a reason sentence was made from, or None."""
    return TEMPLATES.decode(text)


def reason(page: Page, text: str) -> Markup:
    """One reason of a verdict in the page's language."""
    if page.lang == "en":
        return plain(text)
    decoded = decode(text)
    if decoded is None or decoded[0] not in MESSAGES:
        return english(text)
    code, values = decoded
    if code == "attempt_note" and values["status"] in ATTEMPT_STATUS:
        values["status"] = page.gettext(ATTEMPT_STATUS[values["status"]])
    return fill(page, MESSAGES[code], quoted(values, QUOTED))


def joined(page: Page, texts: Iterable[str]) -> Markup:
    """A verdict's reasons as one line, as the report's ``; `` joins them."""
    return Markup("; ").join(reason(page, text) for text in texts)
