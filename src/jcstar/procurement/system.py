"""A power-sector system, component by component: what each product's label says, and what no
label can say about the system.

A system description (YAML, ``SystemDescription``) names the system, its operator and its
components: role (gateway, EMS, BMS, PCS, monitor…), the product type of the sector policy,
model number, optional vendor, network zone and whether it is reached remotely. Each component
is judged as a line of a procurement check (``procurement.evaluate.check_line``, the same
evaluation as ``jcstar procure check``); the system meets the policy when every component does,
and each component that does not is named with its reason and the basis of the rules that
applied (official, secondary source or our judgement).

A programme may ask the system diagram to map each device to its label (the OCCTO auction's
Form 4): a component may name its label's ``registration_no``. It is then judged on that label
alone, which must be a label of the component's model; a number the source does not hold for
the model fails the component. A rule whose ``requires.registration_no`` is ``warn`` or
``require`` notes or fails a component mapped by model number only.

A label covers the product alone (``PRODUCT_ALONE``). So beside the verdict the result lists,
for this system, what the labels cannot tell: how its zones are separated, who reaches which
component remotely and how, and (where the policy names them) the grid-interconnection measures
asked of the facility. That list is our judgement of what a reader might otherwise take a label
to vouch for, drawn from the description and the policy's guidelines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jcstar.catalog.loader import SAFE_LOADER, one_line
from jcstar.client.status import Lookup, StatusSource
from jcstar.labels.standing import model_key
from jcstar.procurement.evaluate import (
    PRODUCT_ALONE,
    LineResult,
    ModelLine,
    check_line,
    registrations_to_follow,
    summarise,
)
from jcstar.procurement.models import Policy, Rule, basis_short, basis_text

SYSTEM_SCHEMA_VERSION = 1
SYSTEM_RESULT_SCHEMA_VERSION = "1"
Role = Literal[
    "gateway", "controller", "ems", "bms", "pcs", "monitor", "dr-device", "meter", "other"
]
#: the policy guideline whose measures a facility (not a product) must meet
INTERCONNECTION_GUIDELINE = "grid-interconnection"


class SystemDescriptionError(ValueError):
    """A system description is unreadable or does not fit the model; one line naming the file
    and the field."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Component(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    role: Role
    #: a product type of the sector policy (``jcstar procure show power-sector``)
    product_type: str | None = None
    model: str = Field(min_length=1)
    vendor: str | None = None
    zone: str = Field(min_length=1)
    #: reached from outside the site (a vendor's cloud, an aggregator, maintenance)
    remote_access: bool = False
    #: the registration number of the component's label, as the system diagram maps it
    registration_no: str | None = Field(default=None, min_length=1)
    note: str = ""


class SystemDescription(Frozen):
    schema_version: int = SYSTEM_SCHEMA_VERSION
    system: str = Field(min_length=1)
    operator: str = Field(min_length=1)
    description: str = ""
    #: zone → what it is; when given, every component's zone must be one of them
    zones: dict[str, str] = Field(default_factory=dict)
    components: tuple[Component, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SystemDescription:
        seen: set[str] = set()
        for component in self.components:
            if component.id in seen:
                raise ValueError(f"component id {component.id!r} is used twice")
            seen.add(component.id)
            if self.zones and component.zone not in self.zones:
                known = ", ".join(self.zones)
                raise ValueError(
                    f"component {component.id}: zone {component.zone!r} is not one of the "
                    f"zones ({known})"
                )
        return self


class ComponentResult(Frozen):
    component: Component
    line: LineResult
    #: the basis of each rule that applied to the component, in full (``basis_text``)
    basis: tuple[str, ...] = ()


class NotCovered(Frozen):
    """Something about the system no product label tells, and why, for this system."""

    aspect: Literal["segmentation", "remote_access", "interconnection"]
    title: str
    detail: str


class SystemSummary(Frozen):
    components: int
    met: int
    not_met: int
    ambiguous: int
    unknown: int


class SystemResult(Frozen):
    """A system checked against a policy (``--format json``)."""

    schema_version: str = SYSTEM_RESULT_SCHEMA_VERSION
    system: str
    operator: str
    policy: str
    policy_version: str
    source: str
    on: dt.date
    meets_policy: bool
    #: one line per component that does not meet the policy, naming it
    reasons: tuple[str, ...]
    components: tuple[ComponentResult, ...]
    summary: SystemSummary
    #: findings that do not fail a component (a rule's ``registration_no: warn``, …)
    warnings: tuple[str, ...] = ()
    scope_note: str = PRODUCT_ALONE
    not_covered: tuple[NotCovered, ...]


def load_system(path: Path) -> SystemDescription:
    """Read and validate a system description."""
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError:
        raise SystemDescriptionError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SystemDescriptionError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SystemDescriptionError(f"{path}: not YAML: {one_line(str(exc))}") from None
    if not isinstance(data, dict):
        raise SystemDescriptionError(
            f"{path}: a system description is a YAML mapping (system, components…)"
        )
    try:
        return SystemDescription.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "system"
        message = first["msg"].removeprefix("Value error, ")
        raise SystemDescriptionError(f"{path}: {where}: {message}") from None


def check_product_types(path: Path, description: SystemDescription, policy: Policy) -> None:
    """Every component's product type is one the policy names (else ``SystemDescriptionError``)."""
    known = [t.id for t in policy.product_types]
    for number, component in enumerate(description.components):
        if component.product_type is not None and component.product_type not in known:
            names = ", ".join(known) or "none"
            raise SystemDescriptionError(
                f"{path}: components.{number}.product_type: {component.product_type!r} is not "
                f"a product type of policy {policy.id} (known: {names})"
            )


def component_lines(description: SystemDescription) -> tuple[ModelLine, ...]:
    return tuple(
        ModelLine(
            model=c.model,
            vendor=c.vendor,
            product_type=c.product_type,
            source=f"{c.id} ({c.role})",
        )
        for c in description.components
    )


def lookup_system(source: StatusSource, description: SystemDescription) -> Lookup:
    """The records for every component's model number and named registration number, and the
    successors of superseded ones: what ``check_system`` needs, in at most two round trips."""
    models = list(dict.fromkeys(c.model for c in description.components))
    numbers = list(dict.fromkeys(c.registration_no for c in description.components))
    lookup = source.lookup(models, [n for n in numbers if n])
    follow = registrations_to_follow(lookup)
    if not follow:
        return lookup
    successors = source.lookup([], follow)
    return Lookup(
        by_model=lookup.by_model,
        by_registration={**lookup.by_registration, **successors.by_registration},
    )


def check_system(
    description: SystemDescription, lookup: Lookup, policy: Policy, on: dt.date, source: str
) -> SystemResult:
    """Each component against ``policy`` on ``on``, the system's verdict and what the labels
    cannot tell about it."""
    rules = {rule.id: rule for rule in policy.rules}
    components: list[ComponentResult] = []
    warnings: list[str] = []
    for component, line in zip(description.components, component_lines(description), strict=True):
        result = _judge_component(component, line, lookup, policy, on, rules)
        applied = [rules[rule_id] for rule_id in result.rules]
        components.append(
            ComponentResult(
                component=component,
                line=result,
                basis=tuple(f"{rule.id}: {basis_text(rule.basis)}" for rule in applied),
            )
        )
        warnings += [
            f"component {component.id}: {w}" for w in _mapping_warnings(component, applied)
        ]
    reasons = tuple(
        f"component {r.component.id} ({r.component.role}, model {r.component.model}): "
        f"{r.line.verdict.replace('_', ' ')}: {r.line.reason}{_bases(r.line, rules)}"
        for r in components
        if r.line.verdict != "met"
    )
    counts = summarise([r.line for r in components]).by_verdict
    return SystemResult(
        system=description.system,
        operator=description.operator,
        policy=policy.id,
        policy_version=policy.version,
        source=source,
        on=on,
        meets_policy=not reasons,
        reasons=reasons,
        components=tuple(components),
        warnings=tuple(warnings),
        summary=SystemSummary(
            components=len(components),
            met=counts["met"].lines,
            not_met=counts["not_met"].lines,
            ambiguous=counts["ambiguous"].lines,
            unknown=counts["unknown"].lines,
        ),
        not_covered=not_covered(description, policy),
    )


def _judge_component(
    component: Component,
    line: ModelLine,
    lookup: Lookup,
    policy: Policy,
    on: dt.date,
    rules: dict[str, Rule],
) -> LineResult:
    """A component as a line of a check; judged on the label it names when it names one, and
    failed when a rule requires a registration number it does not give."""
    number = component.registration_no
    if line.model not in lookup.by_model:
        # the source gave no answer for the model: unknown, as in a check
        return check_line(line, lookup, policy, on)
    if number is None:
        result = check_line(line, lookup, policy, on)
        required = [
            rule_id
            for rule_id in result.rules
            if rules[rule_id].requires.registration_no == "require"
        ]
        if required and result.verdict in ("met", "ambiguous"):
            why = f"no label registration number given ({', '.join(required)} asks for one)"
            return result.model_copy(update={"verdict": "not_met", "reason": why, "chosen": None})
        return result
    records = lookup.by_model.get(line.model, ())
    named = next((r for r in records if r.registration_no == number), None)
    if named is None:
        return _unmapped(line, lookup, policy, on, number)
    # judged on the named label alone; the others stay reachable as successors
    held = {r.registration_no: r for r in records}
    narrowed = Lookup(
        by_model={line.model: (named,)}, by_registration={**held, **lookup.by_registration}
    )
    return check_line(line, narrowed, policy, on)


def _unmapped(
    line: ModelLine, lookup: Lookup, policy: Policy, on: dt.date, number: str
) -> LineResult:
    """A component whose named registration number is not a label of its model."""
    result = check_line(line, Lookup(by_model={line.model: ()}, by_registration={}), policy, on)
    if result.verdict == "unknown":  # no rule applies: the mapping does not matter
        return result
    other = lookup.by_registration.get(number)
    if other is not None and model_key(line.model) not in {
        model_key(m) for m in other.model_numbers
    }:
        why = (
            f"label {number} is a label of {', '.join(other.model_numbers)}, "
            f"not of model {line.model}"
        )
    else:
        why = (
            f"label registration number {number} is not a label of model {line.model} in the source"
        )
    return result.model_copy(update={"reason": why})


def _mapping_warnings(component: Component, applied: list[Rule]) -> list[str]:
    asking = [rule.id for rule in applied if rule.requires.registration_no == "warn"]
    if not asking or component.registration_no is not None:
        return []
    return [
        f"no label registration number given: mapped by model number only "
        f"({', '.join(asking)} asks for the number)"
    ]


def _bases(result: LineResult, rules: dict[str, Rule]) -> str:
    """The basis of each rule that applied, in short, after a failing component's reason."""
    if not result.rules:
        return ""
    return "; " + "; ".join(
        f"rule {rule_id}, basis {basis_short(rules[rule_id].basis)}" for rule_id in result.rules
    )


def not_covered(description: SystemDescription, policy: Policy) -> tuple[NotCovered, ...]:
    """What no product label tells about this system."""
    by_zone: dict[str, list[str]] = {}
    for c in description.components:
        by_zone.setdefault(c.zone, []).append(c.id)
    zones = "; ".join(f"{zone}: {', '.join(ids)}" for zone, ids in by_zone.items())
    aspects = [
        NotCovered(
            aspect="segmentation",
            title="Segmentation between zones",
            detail=(
                f"{len(by_zone)} zone(s) ({zones}). A label says nothing of how these zones are "
                "separated from each other and from outside networks, nor what traffic may "
                "pass between them."
            ),
        )
    ]
    remote = [f"{c.id} ({c.role})" for c in description.components if c.remote_access]
    aspects.append(
        NotCovered(
            aspect="remote_access",
            title="Remote access paths",
            detail=(
                f"Reached remotely: {', '.join(remote)}. Who may reach them, over which path, "
                "and how that access is authenticated, limited and logged is the system's "
                "design, not something a product label vouches for."
                if remote
                else "No component is marked remote_access: the labels cannot confirm that "
                "none is reachable from outside the site."
            ),
        )
    )
    guideline = next((g for g in policy.guidelines if g.id == INTERCONNECTION_GUIDELINE), None)
    if guideline is not None:
        measures = "; ".join(guideline.measures_en or guideline.measures_ja)
        aspects.append(
            NotCovered(
                aspect="interconnection",
                title=f"{guideline.name_en} ({guideline.short_ja})",
                detail=(
                    f"Asked of the generating facility by {guideline.issuer_en}, not of a "
                    f"product: {measures}."
                ),
            )
        )
    return tuple(aspects)
