"""The answer of the public claim check: only what the scheme lets anyone see."""

from __future__ import annotations

from pydantic import BaseModel


class ClaimMatch(BaseModel):
    """One accepted application, or one label, that covers the model number asked about.
    Never the fee, the report, the documents or the application's other model numbers."""

    #: the acceptance number (受理番号); null on a label from before the registry gave them
    acceptance_no: str | None
    #: the maker
    vendor: str
    level: int
    #: ``accepted``, ``under_review`` or ``approved`` (a label was issued)
    state: str
    #: the model number as the application or label writes it
    model_number: str
    #: for ``approved``: the label, its status today and its public page
    registration_no: str | None = None
    label_status: str | None = None
    product_url: str | None = None


class ClaimCheck(BaseModel):
    #: the model number asked about, as given
    model: str
    #: true when a claim such as 「適合ラベル取得申請中」 (applied for) or a label is backed: an
    #: application the operator accepted and has not decided on, or a valid label
    accepted: bool
    matches: list[ClaimMatch]
