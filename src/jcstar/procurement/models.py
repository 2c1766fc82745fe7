"""Procurement policies as data: typed, frozen models of ``procurement/policies/*.yaml``.

A policy is what a buyer's rules ask of a product's label: a list of rules, each with what it
requires (a minimum level, a label valid on the day), when it applies (a system's importance, a
product type, a period) and its basis: ``official`` with the verified source that says so,
``secondary`` when a named programme requires it but we know that only from a secondary source
(a page quoting the programme's document: reports say so, and what to confirm), or
``judgement`` with why we think so. A rule the source only says is being considered (検討して
いる) carries ``status: under_consideration`` and reports say so beside every verdict it gives.
A sector body or a procurer can write a policy file of the same shape (``--policy FILE``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: the importance (重要度) of the information system a device goes into, as the government
#: guideline grades it
Importance = Literal["low", "medium", "high"]
IMPORTANCES: tuple[Importance, ...] = ("low", "medium", "high")
#: the confidence tags of jcstar-facts: verified, secondary, inferred, unverified
SourceTag = Literal["V", "S", "I", "U"]
#: what a rule does with a finding that does not bear on the label's validity: ``warn`` reports
#: it beside the verdict, ``require`` makes the rule fail, ``ignore`` leaves it out
Strictness = Literal["ignore", "warn", "require"]

POLICY_SCHEMA_VERSION = 1


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(Frozen):
    """Where a fact comes from: a source id (the policy's own ``sources`` or the catalog's),
    its confidence tag, and the place in it (a section, a quoted line)."""

    id: str = Field(min_length=1)
    tag: SourceTag
    cite: str = Field(min_length=1)


class OfficialBasis(Frozen):
    """An official text requires this; at least one source is tagged verified (the lint)."""

    kind: Literal["official"]
    sources: tuple[SourceRef, ...] = Field(min_length=1)


class SecondaryBasis(Frozen):
    """A named programme requires this, but what we hold is a secondary source quoting the
    programme's own document, not that document: not official until someone confirms it
    there. The lint wants at least one source tagged S."""

    kind: Literal["secondary"]
    #: the programme whose document requires it (the OCCTO auction's FY2026 round, …)
    programme: str = Field(min_length=1)
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    #: what to check in the primary text before relying on the rule
    confirm: str = Field(min_length=1)


class JudgementBasis(Frozen):
    """Our own reading (or the policy author's): no official text we hold requires it."""

    kind: Literal["judgement"]
    why: str = Field(min_length=1)
    sources: tuple[SourceRef, ...] = ()


RuleBasis = Annotated[OfficialBasis | SecondaryBasis | JudgementBasis, Field(discriminator="kind")]


def cited(sources: tuple[SourceRef, ...]) -> str:
    return "; ".join(f"{s.id} [{s.tag}] {s.cite}" for s in sources)


def basis_text(basis: OfficialBasis | SecondaryBasis | JudgementBasis) -> str:
    """A rule's basis in full, for reports: what kind it is and what it rests on."""
    if basis.kind == "official":
        return f"official: {cited(basis.sources)}"
    if basis.kind == "secondary":
        return (
            f"secondary source: {basis.programme}, as quoted by {cited(basis.sources)}; "
            f"not confirmed from the programme's own text: {basis.confirm.strip()}"
        )
    extra = f" ({cited(basis.sources)})" if basis.sources else ""
    return f"our judgement: {basis.why.strip()}{extra}"


def basis_short(basis: OfficialBasis | SecondaryBasis | JudgementBasis) -> str:
    """A rule's basis in a few words, beside a verdict (the full text is ``basis_text``)."""
    if basis.kind == "official":
        return f"official ({', '.join(s.id for s in basis.sources)})"
    if basis.kind == "secondary":
        ids = ", ".join(f"{s.id} [{s.tag}]" for s in basis.sources)
        return f"secondary source: {basis.programme}, per {ids}, not confirmed from its own text"
    return "our judgement"


class Requires(Frozen):
    """What a label must show for the rule to be met. A label is always required to be valid
    on the day asked about (not expired, suspended, revoked or superseded)."""

    min_level: int = Field(ge=1, le=4)
    #: the vendor's declared support period has ended by the day
    support_period: Strictness = "warn"
    #: a security notice has been published about the label by the day
    notices: Strictness = "warn"
    #: in a system description (``procure system``), the component names its label's
    #: registration number, as a programme's form asks per device (OCCTO Form 4 §2); a
    #: model list has no such column, so only system checks apply it
    registration_no: Strictness = "ignore"


class Applies(Frozen):
    """When a rule applies; an empty list means any. A rule restricted to an importance or a
    product type applies only when the check is told that importance or type."""

    importance: tuple[Importance, ...] = ()
    product_types: tuple[str, ...] = ()
    effective_from: dt.date | None = None
    #: the last day the rule applies (inclusive)
    effective_to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Applies:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self


class Rule(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title_ja: str | None = None
    title_en: str
    requires: Requires
    applies: Applies = Applies()
    status: Literal["in_force", "under_consideration"] = "in_force"
    basis: RuleBasis
    #: requirements of a catalog scheme (e.g. the guideline's GOV-1…7) whose checking a label
    #: meeting this rule substitutes for; reports name them beside a met line
    substitutes_for: tuple[str, ...] = ()
    substitutes_scheme: str | None = None
    note: str = ""


class ProductType(Frozen):
    """A kind of product a sector names (e.g. an ERAB gateway), the background the sector
    gives for it, and the sector network checks a profile of that type should run."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_ja: str
    name_en: str
    group_ja: str | None = None
    examples_ja: tuple[str, ...] = ()
    background_ja: tuple[str, ...] = ()
    background_en: tuple[str, ...] = ()
    #: check ids (``checks`` registry) the profile of such a product should run
    network_checks: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()


class Guideline(Frozen):
    """A sector guideline or technical requirement, as the source describes it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    short_ja: str
    name_ja: str
    #: our translation of the name
    name_en: str
    scope_ja: str
    issuer_ja: str
    issuer_en: str
    summary_ja: str
    summary_en: str
    #: the measures the guideline asks for, where the source lists them
    measures_ja: tuple[str, ...] = ()
    measures_en: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = Field(min_length=1)


class Policy(Frozen):
    schema_version: int = POLICY_SCHEMA_VERSION
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_ja: str | None = None
    name_en: str
    version: str
    issuer: str
    summary: str = ""
    #: source ids this policy cites beyond the catalog's (``catalog.yaml``), with what they are
    sources: dict[str, str] = Field(default_factory=dict)
    product_types: tuple[ProductType, ...] = ()
    guidelines: tuple[Guideline, ...] = ()
    rules: tuple[Rule, ...] = Field(min_length=1)
    note: str = ""

    def product_type(self, type_id: str) -> ProductType | None:
        return next((t for t in self.product_types if t.id == type_id), None)
