"""Typed, frozen models of the catalog data shipped in ``catalog/data``.

The catalog is data, not code: every scheme, requirement, crosswalk link and
level lives in YAML and is loaded into these models. ``basis`` on an item says
where a fact comes from, so nobody mistakes our judgement for an official text:

* ``official`` - an official publication (IPA, METI, CSA, DSIT, ETSI, NIST, EU)
* ``seed`` - METI's overview in ``shared/seed`` (an official METI document)
* ``judgement`` - our own reading; never an official table
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Basis = Literal["official", "seed", "judgement"]
#: who wrote a category profile: IPA/METI (``official``, with a source), a sector body's draft
#: (``sector_draft``), or ourselves (``judgement``)
ProfileAuthor = Literal["official", "sector_draft", "judgement"]
Relationship = Literal["equal", "subset", "superset", "intersect"]
#: the confidence tags of jcstar-facts: verified, secondary, inferred, unverified
SourceTag = Literal["V", "S", "I", "U"]
#: how criteria documents are numbered (e.g. ``JST-CR-01-01-2024R1``); short, since a label
#: signs it and its QR code carries it
CRITERIA_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(Frozen):
    """A profile fact a requirement depends on.

    ``confirmed`` is false where the scheme's text for the condition is not
    known to us; the engine then asks for review rather than exempting silently.
    """

    fact: str
    equals: bool = True
    confirmed: bool = True
    note: str = ""


class CheckBinding(Frozen):
    """Which automated check gives evidence for a requirement.

    ``topic`` narrows a check that observes several things (e.g. a port scan
    reports risky interfaces and plaintext logins) to the part that matters here.
    ``params`` overrides the check's declared parameter defaults (e.g. ``min_rsa_bits``
    of ``network.tls``) for this scheme; the lint validates them against the check.
    """

    check: str
    topic: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    #: bound only for the product types whose sector profile adds the check
    #: (``catalog/data/sectors/``); other products never run it
    sector_only: bool = False


class Question(Frozen):
    id: str
    text_ja: str
    text_en: str


class Requirement(Frozen):
    id: str
    title_ja: str | None = None
    title_en: str | None = None
    statement_ja: str | None = None
    statement_en: str | None = None
    group: str | None = None
    kind: Literal["product", "vendor"] | None = None
    eval_mode: Literal["document", "device", "unknown"] | None = None
    applies_if: tuple[Condition, ...] = ()
    exempt_if: tuple[Condition, ...] = ()
    #: the condition it applies under, in words, where no profile fact expresses it (ETSI's
    #: "C(6) telemetry data is collected"): the vendor may answer not applicable with a
    #: justification, which a reviewer reads
    conditional_on: str = ""
    threats: tuple[str, ...] = ()
    evidence_guidance_ja: str | None = None
    evidence_guidance_en: str | None = None
    checks: tuple[CheckBinding, ...] = ()
    manual: bool = False
    questions: tuple[Question, ...] = ()
    status: str | None = None
    aliases: tuple[str, ...] = ()
    basis: Basis = "official"
    confidence_note: str = ""
    sources: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.title_en or self.title_ja or self.id

    @property
    def conditional(self) -> bool:
        """Whether some products are outside it (a profile fact or a stated condition)."""
        return bool(self.applies_if or self.exempt_if or self.conditional_on)


class Threat(Frozen):
    id: str
    title_ja: str
    title_en: str


class CriteriaVersion(Frozen):
    """A published version of a level's conformity criteria, which reports and labels name.

    ``published`` is as precise as the source gives it (``2024-12`` when only the month is
    known). ``effective_on`` is the first day assessments use it. ``tag`` is the jcstar-facts
    confidence of the identification; ``basis`` says whether the id is from an official text
    or our own judgement.
    """

    id: str = Field(pattern=CRITERIA_ID_PATTERN)
    title: str
    published: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    effective_on: dt.date
    tag: SourceTag
    basis: Basis
    sources: tuple[str, ...] = ()
    note: str = ""


class ProfileItem(Frozen):
    """A requirement a category profile adds to its base, from the master list's schemes
    (``from_scheme``'s requirement ``id``), with its applicability in this category and,
    where the category evaluates it otherwise than its scheme does, its evaluation mode."""

    id: str
    from_scheme: str
    applicability: Literal["applicable", "not_applicable"] = "applicable"
    #: why the requirement does not apply in this category (required when not applicable)
    reason: str = ""
    eval_mode: Literal["document", "device"] | None = None

    @model_validator(mode="after")
    def _not_applicable_says_why(self) -> ProfileItem:
        if self.applicability == "not_applicable" and not self.reason.strip():
            raise ValueError(f"{self.id}: a requirement marked not_applicable needs a reason")
        return self


class Scheme(Frozen):
    """A set of requirements: native (its own items), a selection of another's, or a
    category profile (``level`` and ``category`` set): its ``base`` scheme's requirements plus
    the items it ``adds`` from other schemes.

    Singapore CLS and UK PSTI are selections of ETSI EN 303 645 provisions, so
    their ids are the ETSI ids (e.g. ``5.1-1``). A ★2 profile for smart-home products is the
    ★1 scheme plus ETSI provisions, so its ids are ★1's and ETSI's.
    """

    id: str
    name_ja: str | None = None
    name_en: str
    version: str | None = None
    selects_from: str | None = None
    selection: tuple[str, ...] = ()
    #: a selection scheme that adds to another (CLS level 2 adds to level 1)
    extends: str | None = None
    requirements: tuple[Requirement, ...] = ()
    threats: tuple[Threat, ...] = ()
    basis: Basis = "official"
    sources: tuple[str, ...] = ()
    note: str = ""
    #: a category profile: the JC-STAR level it assesses at and the product category
    level: int | None = Field(default=None, ge=1, le=4)
    category: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{1,39}$")
    #: a category profile's base (``jcstar-1`` or another profile), whose requirements it keeps
    base: str | None = None
    adds: tuple[ProfileItem, ...] = ()
    authored_by: ProfileAuthor | None = None
    #: a draft, not criteria anyone has published (reports and labels say so)
    draft: bool = False
    #: the name of a requirements file the operator supplies (a category whose published
    #: requirement text is not in our references); the profile cannot assess without it
    operator_requirements: str | None = None
    #: the profile's criteria versions, oldest first (a label names the one it was issued on)
    criteria_versions: tuple[CriteriaVersion, ...] = ()
    #: check parameters for this profile's assessments, by check id (over the level's)
    check_params: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def is_profile(self) -> bool:
        return self.category is not None

    @property
    def current_criteria(self) -> CriteriaVersion | None:
        return self.criteria_versions[-1] if self.criteria_versions else None


class Link(Frozen):
    """``source`` relates to ``target`` as ``relationship`` (source ⊂ target = subset)."""

    source: str
    target: str
    relationship: Relationship
    rationale: str
    basis: Basis = "judgement"
    #: an official arrangement accepts ``source`` in place of ``target`` (one way),
    #: whatever the relationship of their texts
    recognised: bool = False
    sources: tuple[str, ...] = ()


class Substitution(Frozen):
    """A whole-scheme rule: a product conformant to every requirement of ``scheme`` (one end of
    the crosswalk) counts as meeting every requirement of the other end, whatever the
    per-item links say (the government guideline: a ★1 label substitutes for checking its
    seven functions)."""

    scheme: str
    rationale: str
    basis: Basis
    sources: tuple[str, ...] = Field(min_length=1)


class Crosswalk(Frozen):
    id: str
    source_scheme: str
    target_scheme: str
    basis: Basis = "judgement"
    note: str = ""
    links: tuple[Link, ...] = ()
    substitution: Substitution | None = None


class Level(Frozen):
    level: int = Field(ge=1, le=4)
    name_ja: str
    name_en: str
    assessment: Literal["self-declaration", "third-party"]
    scheme: str | None = None
    placeholder: bool = False
    categories: tuple[str, ...] = ()
    note: str = ""
    basis: Basis = "official"
    sources: tuple[str, ...] = ()
    #: the criteria versions of this level, oldest first (empty: not known to us)
    criteria_versions: tuple[CriteriaVersion, ...] = ()
    #: check parameters for assessments at this level, by check id, over the scheme's
    #: bindings (a ★2 profile can ask a stricter TLS key size than ★1 without a code fork)
    check_params: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def current_criteria(self) -> CriteriaVersion | None:
        """The newest criteria version (the one a new assessment is made against)."""
        return self.criteria_versions[-1] if self.criteria_versions else None


class SectorCheck(Frozen):
    """A check a sector's product type adds to its assessments, with the parameters it runs
    with for that type (over the scheme binding's, under the level's)."""

    check: str
    params: dict[str, Any] = Field(default_factory=dict)
    note: str = ""


class ProductType(Frozen):
    """A kind of product a sector names (``erab-gateway``): a profile whose
    ``product_type`` is this id gets the sector's checks in its plan."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name_ja: str
    name_en: str
    description_en: str = ""
    checks: tuple[SectorCheck, ...] = ()
    basis: Basis = "judgement"
    sources: tuple[str, ...] = ()


class Sector(Frozen):
    """A sector profile (``catalog/data/sectors/<id>.yaml``): its product types and the
    sector-specific checks each adds."""

    id: str
    name_ja: str
    name_en: str
    product_types: tuple[ProductType, ...]
    basis: Basis = "judgement"
    sources: tuple[str, ...] = ()
    note: str = ""


class Catalog(Frozen):
    version: str
    digest: str
    schemes: tuple[Scheme, ...]
    crosswalks: tuple[Crosswalk, ...]
    levels: tuple[Level, ...]
    files: tuple[str, ...] = ()
    sectors: tuple[Sector, ...] = ()

    def product_type(self, type_id: str) -> ProductType | None:
        """The sector product type ``type_id`` (a profile's ``product_type``), if any."""
        return next(
            (t for sector in self.sectors for t in sector.product_types if t.id == type_id), None
        )
