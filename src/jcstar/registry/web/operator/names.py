"""How the operator's and lab's pages name an application's states and steps, and a
requirement's verdict (message ids, translated where shown)."""

from __future__ import annotations

from jcstar.registry.web.i18n import N_

#: an application's states and the steps of its history (``applications.models.STATES``,
#: and ``fee_paid``, a step that leaves the state as it was)
STATE_NAMES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "under_review": N_("Under review"),
    "returned": N_("Returned to the vendor"),
    "rejected": N_("Rejected"),
    "approved": N_("Approved"),
    "fee_paid": N_("Fee recorded paid"),
}

VERDICT_NAMES = {
    "MET": N_("Met"),
    "NOT_MET": N_("Not met"),
    "NOT_APPLICABLE": N_("Not applicable"),
    "INCONCLUSIVE": N_("Inconclusive"),
    "NEEDS_REVIEW": N_("Needs review"),
}

#: ``assessment.application_rules.ROUTES``
ROUTE_NAMES = {
    "standard": N_("Standard"),
    "psti": N_("UK PSTI statement of compliance"),
}

#: ``assessment.application_rules.DOCUMENT_KINDS``
DOCUMENT_NAMES = {
    "checklist": N_("Checklist"),
    "declaration": N_("Declaration"),
    "evaluation_report": N_("Evaluation report"),
    "psti_statement": N_("PSTI statement of compliance"),
    "other": N_("Other document"),
}
