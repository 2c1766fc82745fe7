"""A refused change's one line (``RegistryError.detail``) in the reader's language.

A service that gives its refusal a code (``RegistryError.code`` and ``params``) is said with
the catalog's message below; the others keep the API's English sentence, marked so.
"""

from __future__ import annotations

from markupsafe import Markup

from jcstar.assessment.decision import Problem
from jcstar.registry.errors import RegistryError
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import Templates, decision, english, fill, plain, quoted
from jcstar.registry.web.render import STATUS_NAMES, Page

#: every code a service or a page gives a ``RegistryError``, with its values
MESSAGES = {
    # applications.service.submit: the label decision's first problem and how many more
    "cannot_submit": N_("cannot submit: %(problem)s"),
    "cannot_submit_more": N_("cannot submit: %(problem)s (and %(more)s more)"),
    # web/vendor/common.py: reading an upload
    "choose_file": N_("%(what)s: choose a file"),
    "too_large": N_("%(filename)s: larger than the limit of %(limit)s bytes"),
    "empty_file": N_("%(filename)s: the file is empty"),
    "not_json": N_("%(filename)s: not a JSON report (%(detail)s)"),
    "not_object": N_("%(filename)s: the report must be a JSON object (what jcstar assess writes)"),
    # web/forms.py: a form that is not this registry's, or one kept open too long
    "foreign_form": N_("the form did not come from this registry's own pages"),
    "stale_form": N_("the form's security token is missing or out of date; reload the page"),
    # applications.service.load / load_own
    "no_application": N_("no application %(id)s"),
    "not_the_applicant": N_("only the applying vendor may do this"),
    # applications.service: a new or changed application
    "bad_report": N_("the report cannot be read: %(detail)s"),
    "no_such_lab": N_("no evaluation lab named %(name)s"),
    "model_number_length": N_("each model number must be 1 to 100 characters"),
    "model_numbers_repeat": N_("model numbers must not repeat"),
    "no_identity": N_(
        "%(applicant)s has no recorded identity (legal names, country, corporate number): the "
        "operator records it (jcstar admin set-identity) before it can apply"
    ),
    "maker_not_registered": N_(
        "the report's vendor %(who)s is not %(applicant)s: only the maker, or a proxy it "
        "authorised, may apply (the maker is not registered)"
    ),
    "maker_ambiguous": N_(
        "the report's vendor %(who)s names %(count)s registered organisations; give "
        "vendor_corporate_number in the profile and assess again"
    ),
    "no_authorisation": N_(
        "the report's vendor is %(maker)s: %(applicant)s holds no authorisation (委任状) from "
        "it in force for %(models)s"
    ),
    # applications.service: documents
    "unknown_document_kind": N_("unknown document kind %(kind)s (one of %(kinds)s)"),
    "lab_attaches_evaluation_only": N_("a lab may attach only an evaluation_report"),
    "evaluation_report_by_lab": N_("only the named lab may attach an evaluation_report"),
    "documents_by_vendor_or_lab": N_(
        "only the applying vendor or the named lab may attach documents"
    ),
    "unsupported_document": N_(
        "%(filename)s: not a PDF, spreadsheet (xlsx), PNG, JPEG, JSON or UTF-8 text document"
    ),
    "no_document": N_("application %(application)s has no document %(document)s"),
    "lab_assigned_by_operator": N_("only the operator assigns an evaluation lab"),
    # applications.service: the fee and approval
    "fee_not_in_table": N_(
        "fee_jpy: the fee table has no amount for ★%(level)s on the %(route)s route; state the "
        "fee to invoice"
    ),
    "fee_differs": N_(
        "fee_jpy: the fee for ★%(level)s on the %(route)s route is ¥%(fee)s (fee table); leave "
        "fee_jpy out or state that amount"
    ),
    "fee_already_paid": N_(
        "the fee for acceptance number %(acceptance)s was recorded paid on %(day)s (reference "
        "%(reference)s)"
    ),
    "evaluation_missing": N_("application %(application)s cannot be approved: %(detail)s"),
    # issuance.service / issuance.renewal
    "cannot_issue": N_("cannot issue the label: %(detail)s"),
    "model_under_other_vendor": N_(
        "model number %(models)s is under label %(label)s of %(vendor)s: a model number "
        "carries one label at a time"
    ),
    "model_label_not_valid": N_(
        "model number %(models)s is under label %(label)s, which is %(status)s: it cannot be "
        "superseded until it is reinstated or revoked"
    ),
    "supersede_left_out": N_(
        "label %(label)s also covers %(missing)s: an application that supersedes it must cover "
        "all of its model numbers"
    ),
    "renews_unknown": N_("renews: no label %(label)s"),
    "renew_not_maker": N_(
        "label %(label)s is %(vendor)s's: only its maker (or a proxy it authorised) may renew it"
    ),
    "not_renewable": N_(
        "label %(label)s is %(status)s; only a valid or expired label can be renewed"
    ),
    "renewal_not_open": N_(
        "renewal of label %(label)s opens on %(opens)s (%(days)s days before it expires on "
        "%(expires)s)"
    ),
    "renewal_models_left_out": N_(
        "a renewal of label %(label)s must cover all of its model numbers; missing %(missing)s"
    ),
    "renewal_report_old": N_(
        "cannot submit: the report was generated on %(generated)s; a renewal needs one at most "
        "%(days)s days old (assess the product again)"
    ),
    # labels: notices and renewals are the label's vendor's
    "not_the_labels_vendor": N_("only the label's vendor may do this"),
    "notice_by_vendor_or_operator": N_("only the label's vendor or the operator may post a notice"),
    # accounts.people: the organisation's people
    "no_user": N_("no user %(id)s in %(org)s"),
    "user_removed": N_("user %(id)s was removed"),
    "last_administrator": N_("%(email)s is %(org)s's last administrator; name another first"),
    # watch.service: watches and notification channels
    "watch_number_empty": N_("number %(number)s is empty once normalised"),
    "watch_number_long": N_("number %(number)s… is longer than 100 characters"),
    "too_many_watches": N_(
        "an organisation may follow at most %(limit)s numbers (%(total)s now, %(more)s more asked)"
    ),
    "no_watch": N_("no watch %(id)s"),
    "too_many_channels": N_("an organisation may have at most %(limit)s channels"),
    "no_channel": N_("no notification channel %(id)s"),
    # the portal's forms: a field the API's own body refused (its words quoted as given)
    "invalid_field": N_("%(field)s: %(detail)s"),
    # web/procurer: the watch, check and notification forms
    "no_numbers": N_("numbers: give at least one number, or a model list file"),
    "too_many_numbers": N_("numbers: at most %(limit)s at once; got %(count)s"),
    "not_whole_days": N_("remind_days: %(value)s is not a whole number of days"),
    "upload_too_large": N_("%(what)s: %(filename)s is larger than the limit of %(limit)s bytes"),
    "upload_empty": N_("%(what)s: %(filename)s is empty"),
    "not_a_date": N_("on: %(value)s is not a date (YYYY-MM-DD)"),
    "unknown_importance": N_("importance: %(value)s is not one of %(allowed)s"),
    "choose_model_list": N_("model list: choose a CSV or XLSX file"),
}

#: applications.service ``_require_state``: the application is not in a state that allows
#: the action (code ``state_conflict``, params application, state, allowed, action), one
#: sentence per action so each reads naturally in Japanese
STATE_CONFLICTS = {
    "changed": N_(
        "application %(application)s is %(state)s; it can be changed only when %(allowed)s"
    ),
    "given an evaluation report": N_(
        "application %(application)s is %(state)s; it can be given an evaluation report only "
        "when %(allowed)s"
    ),
    "given documents": N_(
        "application %(application)s is %(state)s; it can be given documents only when %(allowed)s"
    ),
    "submitted": N_(
        "application %(application)s is %(state)s; it can be submitted only when %(allowed)s"
    ),
    "accepted": N_(
        "application %(application)s is %(state)s; it can be accepted only when %(allowed)s"
    ),
    "marked paid": N_(
        "application %(application)s is %(state)s; it can be marked paid only when %(allowed)s"
    ),
    "taken into review": N_(
        "application %(application)s is %(state)s; it can be taken into review only when "
        "%(allowed)s"
    ),
    "returned": N_(
        "application %(application)s is %(state)s; it can be returned only when %(allowed)s"
    ),
    "rejected": N_(
        "application %(application)s is %(state)s; it can be rejected only when %(allowed)s"
    ),
    "approved": N_(
        "application %(application)s is %(state)s; it can be approved only when %(allowed)s"
    ),
}
#: applications.service ``_require_fee_paid`` (code ``fee_not_paid``), per action
FEE_NOT_PAID = {
    "taken into review": N_(
        "application %(application)s (acceptance number %(acceptance)s) cannot be taken into "
        "review: its fee of %(fee)s is not recorded paid"
    ),
    "approved": N_(
        "application %(application)s (acceptance number %(acceptance)s) cannot be approved: "
        "its fee of %(fee)s is not recorded paid"
    ),
}
#: an application's states (as the vendor's pages name them) and a label's statuses
STATES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "under_review": N_("Under review"),
    "returned": N_("Returned for correction"),
    "rejected": N_("Rejected"),
    "approved": N_("Approved"),
    **STATUS_NAMES,
}
#: "one state or another", in the page's language
OR = N_("%(one)s or %(other)s")
#: outbox.destinations' sentences on a webhook it will not send to (code ``webhook_refused``,
#: the sentence in ``detail``): read back to their values
WEBHOOK = Templates(
    {
        "webhook_internal": "webhook host {host} is an internal address ({addresses}); not allowed",
        "webhook_unresolved": "webhook URL {url}: cannot resolve its host ({detail})",
    },
    {},
)
WEBHOOK_MESSAGES = {
    "webhook_internal": N_(
        "webhook host %(host)s is an internal address (%(addresses)s); not allowed"
    ),
    "webhook_unresolved": N_("webhook URL %(url)s: cannot resolve its host (%(detail)s)"),
}
#: values quoted as given (another library's words): kept, marked English
QUOTED = frozenset({"detail"})


def refusal(page: Page, exc: RegistryError) -> Markup:
    """The refusal's one line in the page's language."""
    if page.lang == "en":
        return plain(exc.detail)
    if exc.code == "cannot_submit":
        return _cannot_submit(page, exc)
    if exc.code == "state_conflict":
        return _state_conflict(page, exc)
    if exc.code == "fee_not_paid":
        return _said(page, exc, FEE_NOT_PAID.get(str(exc.params.get("action"))))
    if exc.code == "webhook_refused":
        return _webhook(page, exc)
    return _said(page, exc, MESSAGES.get(exc.code or ""))


def _said(page: Page, exc: RegistryError, message: str | None) -> Markup:
    if message is None:
        return english(exc.detail)
    values = {name: str(value) for name, value in exc.params.items()}
    for name in ("status", "state"):
        if name in values:
            values[name] = state_name(page, values[name])
    return fill(page, message, quoted(values, QUOTED))


def state_name(page: Page, state: str) -> str:
    """An application's state or a label's status as the pages name it."""
    return page.gettext(STATES[state]) if state in STATES else state


def _state_conflict(page: Page, exc: RegistryError) -> Markup:
    message = STATE_CONFLICTS.get(str(exc.params.get("action")))
    allowed = exc.params.get("allowed")
    if message is None or not isinstance(allowed, tuple) or not allowed:
        return english(exc.detail)
    named = [state_name(page, str(state)) for state in allowed]
    either = named[0]
    for other in named[1:]:
        either = page.gettext(OR) % {"one": either, "other": other}
    values = {
        "application": str(exc.params.get("application")),
        "state": state_name(page, str(exc.params.get("state"))),
        "allowed": either,
    }
    return fill(page, message, values)


def _webhook(page: Page, exc: RegistryError) -> Markup:
    found = WEBHOOK.decode(str(exc.params.get("detail", exc.detail)))
    if found is None:
        return english(exc.detail)
    code, values = found
    return fill(page, WEBHOOK_MESSAGES[code], quoted(values, QUOTED))


def _cannot_submit(page: Page, exc: RegistryError) -> Markup:
    first, more = exc.params.get("problem"), exc.params.get("more", 0)
    if not isinstance(first, Problem):
        return english(exc.detail)
    values = {"problem": decision.sentence(page, first), "more": more}
    return fill(page, MESSAGES["cannot_submit_more" if more else "cannot_submit"], values)
