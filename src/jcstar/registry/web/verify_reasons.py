"""The verify page's "why" in the reader's language.

The verifier (``labels.verify``, ``client.verify``) explains itself in one English sentence,
which the API and the CLI keep. The page instead says it from the verification's code and
values (``VerifyCode``, the label's claims, the key, the registry's listing) with a message of
the catalog, so a Japanese reader is not shown English.
"""

from __future__ import annotations

from typing import Any

from jcstar.labels.verify import Verification, VerifyCode
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.render import STATUS_NAMES, Page

#: refusals that need no value to explain
PLAIN = {
    VerifyCode.MALFORMED: N_("No signed JC-STAR label could be read from this text."),
    VerifyCode.BAD_HEADER: N_("The label's header is not that of a JC-STAR label."),
    VerifyCode.BAD_ALGORITHM: N_(
        "The label is not signed with Ed25519, the only signature JC-STAR labels use."
    ),
    VerifyCode.BAD_CLAIMS: N_("What the label signs is not a JC-STAR label."),
    VerifyCode.URL_MISMATCH: N_(
        "The QR code's web address is not the product page the label signs: the label was "
        "altered or forged."
    ),
}
UNKNOWN_KEY = N_(
    "The label was signed with key %(kid)s, which this registry does not publish: it is "
    "forged, or signed with a key the registry no longer trusts."
)
NO_KEY = N_("The label names no signing key.")
BAD_SIGNATURE = N_("The signature does not match key %(kid)s: the label was altered or forged.")
NOT_YET_VALID = N_("Label %(number)s is dated %(date)s, after today.")
EXPIRED = N_("Label %(number)s expired on %(date)s.")
GENUINE = N_("Label %(number)s (★%(level)s) was signed by key %(kid)s and is valid until %(date)s.")
LISTED_VALID = N_("The registry lists it as valid.")
MODELS_CHANGED = N_(
    "Label %(number)s is genuine, but the registry's list of model numbers is no longer the "
    "one it signed."
)
NOT_LISTED = N_("Label %(number)s is genuine, but this registry does not list it.")
LISTED_AS = N_("Label %(number)s is genuine, but the registry lists it as %(status)s.")
SINCE = N_("Since %(date)s.")
OPERATOR_REASON = N_("The operator's reason: %(reason)s")
LAPSED = N_(
    "It was issued against criteria %(version)s, superseded by %(current)s, and lapsed on %(date)s."
)


def reasons(page: Page, result: Verification, listed: dict[str, Any] | None) -> list[str]:
    """Why the label is (not) valid, as sentences in the page's language; ``listed`` is the
    registry's public record of the label, when it has one."""
    _ = page.gettext
    code, claims = result.code, result.claims
    if code in PLAIN:
        return [_(PLAIN[code])]
    if code == VerifyCode.UNKNOWN_KEY:
        return [_(UNKNOWN_KEY) % {"kid": result.kid}] if result.kid else [_(NO_KEY)]
    if code == VerifyCode.BAD_SIGNATURE:
        return [_(BAD_SIGNATURE) % {"kid": result.kid or "?"}]
    if claims is None:  # every other outcome has read the label's claims
        return [_(PLAIN[VerifyCode.MALFORMED])]
    number = claims.registration_no
    if code == VerifyCode.NOT_YET_VALID:
        return [_(NOT_YET_VALID) % {"number": number, "date": claims.issued_on}]
    if code == VerifyCode.EXPIRED:
        return [_(EXPIRED) % {"number": number, "date": claims.expires_on}]
    if code == VerifyCode.MODEL_LIST_MISMATCH:
        return [_(MODELS_CHANGED) % {"number": number}]
    if code == VerifyCode.VALID:
        values = {
            "number": number,
            "level": claims.level,
            "kid": result.kid,
            "date": claims.expires_on,
        }
        return [_(GENUINE) % values, _(LISTED_VALID)]
    return _not_current(page, number, result.status, listed)


def _not_current(
    page: Page, number: str, status: str | None, listed: dict[str, Any] | None
) -> list[str]:
    """A genuine label the registry does not list as valid: not listed, lapsed, or a status
    with the operator's reason (the operator's own words, as they wrote them)."""
    _ = page.gettext
    if listed is None or status in (None, "unknown"):
        return [_(NOT_LISTED) % {"number": number}]
    name = _(STATUS_NAMES.get(status, status))
    said = [_(LISTED_AS) % {"number": number, "status": name}]
    criteria = listed.get("criteria")
    if status == "lapsed" and isinstance(criteria, dict):
        values = {k: criteria.get(k) for k in ("version", "current")}
        return [*said, _(LAPSED) % {**values, "date": criteria.get("lapses_on")}]
    if status == "expired":
        return [*said, _(EXPIRED) % {"number": number, "date": listed.get("expires_on")}]
    history = listed.get("status_history") or []
    last = history[-1] if history and isinstance(history[-1], dict) else {}
    if last.get("at"):
        said.append(_(SINCE) % {"date": str(last["at"])[:10]})
    if last.get("reason"):
        said.append(_(OPERATOR_REASON) % {"reason": last["reason"]})
    return said
