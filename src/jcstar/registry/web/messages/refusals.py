"""A refused change's one line (``RegistryError.detail``) in the reader's language.

A service that gives its refusal a code (``RegistryError.code`` and ``params``) is said with
the catalog's message below; the others keep the API's English sentence, marked so.
"""

from __future__ import annotations

from markupsafe import Markup

from jcstar.assessment.decision import Problem
from jcstar.registry.errors import RegistryError
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import decision, english, fill, plain
from jcstar.registry.web.render import Page

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
}


def refusal(page: Page, exc: RegistryError) -> Markup:
    """The refusal's one line in the page's language."""
    if page.lang == "en":
        return plain(exc.detail)
    if exc.code == "cannot_submit":
        return _cannot_submit(page, exc)
    if exc.code not in MESSAGES:
        return english(exc.detail)
    values = {name: str(value) for name, value in exc.params.items()}
    if "detail" in values:
        values["detail"] = english(values["detail"])
    return fill(page, MESSAGES[exc.code], values)


def _cannot_submit(page: Page, exc: RegistryError) -> Markup:
    first, more = exc.params.get("problem"), exc.params.get("more", 0)
    if not isinstance(first, Problem):
        return english(exc.detail)
    values = {"problem": decision.sentence(page, first), "more": more}
    return fill(page, MESSAGES["cannot_submit_more" if more else "cannot_submit"], values)
