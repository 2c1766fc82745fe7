"""A procurement verdict's reason in the reader's language.

``procurement.evaluate`` gives each line an English ``reason`` (kept for reports, the CLI and
the JSON) and the same reason as codes with values (``LineResult.why``, ``WHY_CODES``). The
result page says the codes with messages of the catalog; a line without codes (none is made
without them today) keeps its English sentence.
"""

from __future__ import annotations

from jcstar.procurement.evaluate import LineResult, Why
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.render import STATUS_NAMES, Page

MESSAGES = {
    "no_rule_applies": N_(
        "No rule of policy %(policy)s applies on %(on)s to a system of importance "
        "%(importance)s and product type %(product_type)s."
    ),
    "no_answer": N_("The label source gave no answer for this model number."),
    "no_label": N_("No label was found for this model number."),
    "no_label_of_vendor": N_(
        "No label of vendor %(vendor)s for this model number (labels were found of: %(others)s)."
    ),
    "none_issued_by": N_("No label for this model number had been issued by %(on)s."),
    "several_vendors": N_(
        "Labels of %(count)s vendors were found (%(vendors)s): give the vendor on the line."
    ),
    "met": N_("%(registration_no)s (★%(level)s) is valid on %(on)s."),
    "label_fails": N_("%(registration_no)s does not meet the policy:"),
    "under_consideration": N_("(Under consideration, not yet in force: %(rules)s.)"),
    "expired": N_("Expired on %(expires_on)s (before %(on)s)."),
    "superseded": N_("Superseded by %(by)s by %(on)s."),
    "status": N_("%(status)s on %(on)s."),
    "below_level": N_("★%(level)s is below the ★%(min_level)s %(rule)s asks."),
    "support_ended": N_("Support period ended on %(date)s."),
    "notices": N_("%(count)s security notice(s): %(titles)s."),
}
#: a status change's own reason, in the operator's words
STATUS_REASON = N_("The operator's reason: %(reason)s")


def sentence(page: Page, why: Why) -> str:
    values: dict[str, str] = dict(why.values)
    if why.code == "status":
        values["status"] = page.gettext(STATUS_NAMES.get(values["status"], values["status"]))
    for name in ("importance", "product_type"):
        if name in values and not values[name]:
            values[name] = "-"
    said = page.gettext(MESSAGES[why.code]) % values
    if why.code == "status" and values.get("reason"):
        said += " " + page.gettext(STATUS_REASON) % {"reason": values["reason"]}
    return said


def line_reason(page: Page, line: LineResult) -> str:
    """The line's reason as sentences in the page's language."""
    if not line.why or any(why.code not in MESSAGES for why in line.why):
        return line.reason
    return " ".join(sentence(page, why) for why in line.why)
