"""Models of the assessment: profile, answers, plan, verdicts and the report."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from jcstar.assessment.consumer import ConsumerInfo
from jcstar.checks.base import CheckAttempt
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.checks.network.collect.device import DeviceParams
from jcstar.checks.product import NeededPort
from jcstar.checks.sbom.collect.params import SbomParams

Verdict = Literal["MET", "NOT_MET", "NOT_APPLICABLE", "INCONCLUSIVE", "NEEDS_REVIEW"]
VERDICTS: tuple[Verdict, ...] = ("MET", "NOT_MET", "NOT_APPLICABLE", "INCONCLUSIVE", "NEEDS_REVIEW")
Overall = Literal["CONFORMANT", "NOT_CONFORMANT", "INCOMPLETE"]

#: the version of the report's JSON shape; bump on any incompatible change
REPORT_SCHEMA_VERSION = "1.0"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductFacts(Frozen):
    """Facts that decide which requirements apply. ``None`` means unknown,
    and an unknown fact never exempts a requirement."""

    uses_passwords: bool | None = None
    user_authentication: bool | None = None
    network_user_auth: bool | None = None
    network_updates: bool | None = None
    constrained_device: bool | None = None


class ProductProfile(Frozen):
    vendor: str = Field(min_length=1)
    #: the maker's corporate number (法人番号, 13 digits); outside Japan its registration
    #: number in its country. Optional: the registry then matches the vendor by name
    vendor_corporate_number: str | None = Field(default=None, min_length=1, max_length=40)
    product: str = Field(min_length=1)
    model_numbers: tuple[str, ...] = Field(min_length=1)
    product_type: str = Field(min_length=1)
    firmware_version: str = Field(min_length=1)
    level: int = Field(default=1, ge=1, le=4)
    #: the product category of a ★2+ assessment (``smart-home``): it picks the category
    #: profile (``catalog/data/profiles/``) the product is assessed against
    category: str | None = Field(default=None, min_length=1)
    support_period_end: dt.date | None = None
    vulnerability_contact: str | None = None
    facts: ProductFacts = ProductFacts()
    needed_ports: tuple[NeededPort, ...] = ()
    #: where checks find their inputs: ``vulnerability_disclosure_policy`` (URL or
    #: file), ``security_txt`` (base URL)
    documents: dict[str, str] = Field(default_factory=dict)
    #: a live device to probe over the network
    device: DeviceParams | None = None
    #: a firmware image to unpack and inspect
    firmware: FirmwareParams | None = None
    #: the vendor's SBOM (CycloneDX JSON) and a vulnerability feed to match it against
    sbom: SbomParams | None = None
    #: what the label page tells consumers (names in Japanese and English, category,
    #: updates, default password); decides no verdict
    consumer: ConsumerInfo | None = None


EvidenceKind = Literal["document", "test_report"]
TestResult = Literal["pass", "fail"]


class EvidenceRef(Frozen):
    """Where the vendor's evidence is. ``kind: test_report`` is a record of a test run on
    the device itself: it names the test and its result (what a requirement IPA evaluates
    on the device needs when jcstar did not probe the device)."""

    document: str = Field(min_length=1)
    section: str | None = None
    url: str | None = None
    kind: EvidenceKind = "document"
    test: str | None = Field(default=None, min_length=1)
    result: TestResult | None = None

    @model_validator(mode="after")
    def _test_report_names_test_and_result(self) -> EvidenceRef:
        if self.kind == "test_report" and (self.test is None or self.result is None):
            raise ValueError("a test_report names the test (test:) and its result (result:)")
        if self.kind != "test_report" and (self.test is not None or self.result is not None):
            raise ValueError("test: and result: belong to evidence of kind test_report")
        return self


AnswerStatus = Literal["implemented", "not_implemented", "not_applicable"]


class Answer(Frozen):
    #: None: not answered yet (the questionnaire template leaves every status empty)
    status: AnswerStatus | None = None
    statement: str = ""
    evidence: tuple[EvidenceRef, ...] = ()


class Answers(Frozen):
    answers: dict[str, Answer] = Field(default_factory=dict)


Applicability = Literal["applicable", "not_applicable", "review"]


class PlannedRequirement(Frozen):
    requirement: str
    applicability: Applicability
    reason: str = ""
    checks: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    manual: bool = False


#: a check's parameters by name, as the catalog sets them or as a check ran with them
ParamValues = dict[str, Any]


class AssessmentPlan(Frozen):
    level: int
    scheme: str
    requirements: tuple[PlannedRequirement, ...]
    #: other schemes this assessment also answers (``--also``): their requirements that
    #: ``scheme`` does not cover are planned after its own
    also: tuple[str, ...] = ()
    #: the parameters the catalog sets, by check id (binding, then level profile); a check
    #: not named runs with its own defaults
    check_params: dict[str, ParamValues] = Field(default_factory=dict)

    def params_for(self, check_id: str) -> ParamValues:
        return self.check_params.get(check_id, {})

    @property
    def check_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for planned in self.requirements:
            if planned.applicability != "not_applicable":
                seen.update(dict.fromkeys(planned.checks))
        return tuple(seen)


class EvidenceItem(Frozen):
    source: Literal["check", "vendor"]
    summary: str
    check: str | None = None
    outcome: str | None = None
    document: str | None = None
    section: str | None = None
    url: str | None = None
    #: vendor evidence of kind test_report: the test it names and its result
    test: str | None = None
    result: TestResult | None = None


class RequirementVerdict(Frozen):
    requirement: str
    title_ja: str | None = None
    title_en: str | None = None
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    vendor_statement: str | None = None


class InputDigest(Frozen):
    role: str
    name: str
    sha256: str


class ToolInfo(Frozen):
    name: str = "jcstar"
    version: str


class DataFileDigest(Frozen):
    #: the file's name under ``checks/data/``
    name: str
    sha256: str


class CheckInfo(Frozen):
    """A check that ran: its version and the digest of each data file it reads, so that a
    verdict can be traced to the code and data that made it."""

    id: str
    version: str
    data_files: tuple[DataFileDigest, ...] = ()


class OperatorFileDigest(Frozen):
    """One operator-supplied requirements file a report's scheme was assessed with."""

    #: the category profile that names the file
    scheme: str
    #: the file's name in the operator's directory (``jcstar-3-network-cameras.yaml``)
    name: str
    #: SHA-256 of the requirements and criteria versions as loaded from it
    #: (``catalog.operator_requirements.operator_digest``)
    sha256: str


class CatalogInfo(Frozen):
    version: str
    digest: str
    scheme: str
    scheme_version: str | None = None
    #: the other schemes the assessment also answered (``--also``); their added requirements'
    #: verdicts follow the scheme's own and decide no label of ``scheme``
    also: tuple[str, ...] = ()
    #: the scheme is a draft no one has published (a category profile of our own judgement)
    draft: bool = False
    #: what the renderers show of ``also`` without reading a catalog: the ``--also`` scheme
    #: that added each requirement the scheme does not hold (by requirement id), the native
    #: scheme defining it (OSCAL ids name it) and the schemes' names for headings. Empty in a
    #: report without ``also`` (and left out of its JSON, see ``_omit_empty``)
    added_by: dict[str, str] = Field(default_factory=dict)
    native_schemes: dict[str, str] = Field(default_factory=dict)
    scheme_names: dict[str, str] = Field(default_factory=dict)
    #: the operator's requirement files the scheme's requirements came from (a ★3 category):
    #: ``digest`` covers only the shipped data, so a registry compares these separately
    operator_files: tuple[OperatorFileDigest, ...] = ()

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave the fields above out while empty, so a report without ``also`` or operator
        files has the JSON it had before they existed."""
        data: dict[str, Any] = handler(self)
        for name in _OMITTED_WHEN_EMPTY:
            if not data.get(name):
                data.pop(name, None)
        return data


_OMITTED_WHEN_EMPTY = ("added_by", "native_schemes", "scheme_names", "operator_files")


class ProductInfo(Frozen):
    vendor: str
    product: str
    model_numbers: tuple[str, ...]
    product_type: str
    firmware_version: str
    #: the product category a ★2+ report was assessed in (None at ★1)
    category: str | None = None
    support_period_end: dt.date | None = None
    vulnerability_contact: str | None = None
    vendor_corporate_number: str | None = None
    #: the profile's facts the plan was built from (None: a report from before they were
    #: recorded, which a registry cannot re-evaluate)
    facts: ProductFacts | None = None
    #: the profile's consumer information, published with the label (None: not given)
    consumer: ConsumerInfo | None = None


class Summary(Frozen):
    MET: int = 0
    NOT_MET: int = 0
    NOT_APPLICABLE: int = 0
    INCONCLUSIVE: int = 0
    NEEDS_REVIEW: int = 0


class AssessmentReport(Frozen):
    """The canonical report. Renderers read it; they never re-derive a verdict."""

    schema_version: str = REPORT_SCHEMA_VERSION
    report_id: str
    generated_at: dt.datetime
    tool: ToolInfo
    catalog: CatalogInfo
    level: int
    #: the criteria version of the level the report was assessed against (e.g.
    #: ``JST-CR-01-01-2024R1``); None in a report from before it was recorded, or for a level
    #: whose criteria version is not known
    criteria_version: str | None = None
    product: ProductInfo
    inputs: tuple[InputDigest, ...]
    overall: Overall
    summary: Summary
    verdicts: tuple[RequirementVerdict, ...]
    attempts: tuple[CheckAttempt, ...] = ()
    #: the vendor's answers the verdicts were evaluated from, so that anyone (the registry)
    #: can re-run the evaluation; None in a report from before they were recorded
    answers: dict[str, Answer] | None = None
    #: each check that ran (not skipped), with its version and data-file digests; None in a
    #: report from before they were recorded
    checks: tuple[CheckInfo, ...] | None = None
    #: the parameters each attempt's check ran with (its defaults and the catalog's
    #: overrides), by check id, for checks that declare parameters; None in a report from
    #: before they were recorded
    check_params: dict[str, ParamValues] | None = None
