"""The label decision's problems in the reader's language.

``assessment.decision.Problem`` carries a code and values beside its English sentence
(``PROBLEM_TEXTS``), as do the problems the registry adds (``applications.service
.decision_for``: ``REGISTRY_CODES``). The vendor's pages say each with the catalog's message
below; the verdict's own reasons a problem quotes are said one by one (``reasons``); a
problem without a code keeps its English sentence.
"""

from __future__ import annotations

from markupsafe import Markup

from jcstar.assessment.decision import Problem
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import english, fill, plain, quoted
from jcstar.registry.web.messages.reasons import joined
from jcstar.registry.web.render import Page

#: every code of ``PROBLEM_TEXTS`` (the library's), as the portal says it
MESSAGES = {
    "schema_version": N_(
        "report schema version %(version)s is not the registry's %(ours)s; re-run jcstar assess"
    ),
    "other_catalog": N_(
        "report was made with catalog %(version)s (%(digest)s); this registry uses %(ours)s "
        "(%(our_digest)s); re-run jcstar assess"
    ),
    "operator_file_unknown": N_(
        "report was made with the operator's requirements file %(name)s for %(scheme)s "
        "(sha256 %(sha)s), which this registry does not hold"
    ),
    "operator_file_differs": N_(
        "report was made with the operator's requirements file %(name)s for %(scheme)s "
        "(sha256 %(sha)s); this registry's is sha256 %(ours)s: "
        "re-run jcstar assess with the operator's current file"
    ),
    "operator_file_missing": N_(
        "report was made without the operator's requirements file %(name)s for %(scheme)s, "
        "which this registry holds; re-run jcstar assess with it"
    ),
    "other_tool": N_("report was made by %(tool)s; the registry re-evaluates jcstar reports"),
    "tool_version_unreadable": N_("report names tool version %(version)s, not a version number"),
    "tool_too_new": N_(
        "report was made by jcstar %(version)s, newer than this registry's %(ours)s: its "
        "evaluation cannot be re-run here"
    ),
    "no_scheme": N_("%(detail)s"),
    "wrong_scheme": N_(
        "report assesses scheme %(scheme)s, but level %(level)s is assessed against %(expected)s"
    ),
    "no_verdict": N_("the report has no verdict for it"),
    "repeated_verdict": N_("the report has %(count)s verdicts for it"),
    "not_in_scheme": N_("not a requirement of this level's scheme"),
    "summary_mismatch": N_("the report's summary does not match its verdicts"),
    "overall_mismatch": N_("the report's overall %(overall)s does not follow from its verdicts"),
    "input_digest": N_("input %(name)s has no valid SHA-256 digest"),
    "report_id_mismatch": N_(
        "the report's id does not follow from its inputs and time (edited afterwards?)"
    ),
    "also_record_edited": N_(
        "the report's record of which --also scheme added each requirement is not what the "
        "catalog gives (edited afterwards?)"
    ),
    "psti_statement_missing": N_(
        "the PSTI route needs a psti_statement document (statement of compliance)"
    ),
    "evaluation_report_missing": N_(
        "★%(level)s needs an evaluation_report document from the named lab"
    ),
    "no_answers_or_facts": N_(
        "the report does not carry the vendor's answers and the product's facts (made by "
        "jcstar %(version)s); re-run jcstar assess with this version"
    ),
    "cannot_plan": N_("the report's product cannot be planned again: %(detail)s"),
    "answers_other": N_("the report answers %(answered)s, not a requirement of %(scheme)s"),
    "verdict_differs": N_(
        "the report says %(stated)s, but its own evidence gives %(expected)s (%(why)s)"
    ),
    "evidence_edited": N_(
        "its reasons or evidence are not what the report's own evidence gives (edited afterwards?)"
    ),
    "not_applicable_applies": N_("NOT_APPLICABLE, but it applies to every product"),
    "not_applicable_unjustified": N_("NOT_APPLICABLE without a justification"),
    "not_met": N_("verdict is %(verdict)s, not MET (%(why)s)"),
    "criteria_unnamed": N_(
        "the report names no criteria version; ★%(level)s is assessed against %(known)s; "
        "re-run jcstar assess"
    ),
    "criteria_unknown": N_(
        "the report was assessed against criteria version %(version)s, which this registry "
        "does not know for ★%(level)s (known: %(known)s)"
    ),
    "criteria_superseded": N_(
        "the report was assessed against criteria version %(version)s, superseded by "
        "%(current)s since %(since)s; re-assess against %(current)s"
    ),
}
#: the problems the registry adds to the library's (``applications.service.decision_for``)
REGISTRY_CODES = {
    "no_published_criteria": N_(
        "this registry has published no criteria version for %(scheme)s (★%(level)s, "
        "%(category)s): it takes no applications on it until the operator publishes one"
    ),
    "lab_unassigned": N_(
        "★%(level)s needs an evaluation_report document from the named lab (no lab assigned)"
    ),
    "lab_not_uploaded": N_(
        "★%(level)s needs an evaluation_report document from the named lab (lab %(lab)s has "
        "not uploaded it)"
    ),
}
ALL = {**MESSAGES, **REGISTRY_CODES}
#: values that quote English text as given (the catalog's or a library's own sentence)
QUOTED = frozenset({"detail"})
#: the verdict values a sentence names (translated as the page names verdicts)
VERDICTS = frozenset({"verdict", "stated", "expected"})
#: the verdict names a sentence uses (as every page names verdicts; the vendor's pages import
#: this module, so it cannot import theirs)
VERDICT_NAMES = {
    "MET": N_("Met"),
    "NOT_MET": N_("Not met"),
    "NOT_APPLICABLE": N_("Not applicable"),
    "INCONCLUSIVE": N_("Inconclusive"),
    "NEEDS_REVIEW": N_("Needs review"),
}
#: a verdict that gives no reason (``decision.NO_REASON``)
NO_REASON = N_("no reason given")


def message(page: Page, problem: Problem) -> Markup:
    """The problem's sentence in the page's language (without the requirement it is about)."""
    if page.lang == "en":
        return plain(problem.message)
    if problem.code not in ALL:
        return english(problem.message)
    values: dict[str, object] = quoted(dict(problem.params), QUOTED)
    for name in VERDICTS & values.keys():
        verdict = str(values[name])
        values[name] = page.gettext(VERDICT_NAMES.get(verdict, verdict))
    if "why" in values:  # the verdict's reasons, each in the page's language
        why = joined(page, problem.reasons) if problem.reasons else page.gettext(NO_REASON)
        values["why"] = why
    return fill(page, ALL[problem.code], values)


def sentence(page: Page, problem: Problem) -> Markup:
    """The problem as ``str(problem)`` says it (``REQ: …`` when about one requirement)."""
    said = message(page, problem)
    return Markup("%s: %s") % (problem.requirement, said) if problem.requirement else said
