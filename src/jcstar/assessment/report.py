"""Assemble the canonical, versioned assessment report."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter

from jcstar import __version__
from jcstar.assessment.also import also_record
from jcstar.assessment.models import (
    Answer,
    AssessmentPlan,
    AssessmentReport,
    CatalogInfo,
    CheckInfo,
    DataFileDigest,
    InputDigest,
    OperatorFileDigest,
    Overall,
    ParamValues,
    ProductInfo,
    ProductProfile,
    RequirementVerdict,
    Summary,
    ToolInfo,
)
from jcstar.catalog.models import Catalog
from jcstar.catalog.operator_requirements import operator_files
from jcstar.checks.base import CheckAttempt, data_digest

_REPORT_NAMESPACE = uuid.UUID("6d1f1b52-4c1e-4f0e-9a53-6a2f7d3c9b10")


def overall(verdicts: tuple[RequirementVerdict, ...]) -> Overall:
    found = {v.verdict for v in verdicts}
    if "NOT_MET" in found:
        return "NOT_CONFORMANT"
    if found & {"INCONCLUSIVE", "NEEDS_REVIEW"}:
        return "INCOMPLETE"
    return "CONFORMANT"


def report_id_for(
    catalog_digest: str, generated_at: dt.datetime, inputs: tuple[InputDigest, ...]
) -> str:
    """The report's id, derived from what it was made from (so a registry can re-check it)."""
    seed = "|".join([catalog_digest, generated_at.isoformat(), *(i.sha256 for i in inputs)])
    return str(uuid.uuid5(_REPORT_NAMESPACE, seed))


def report_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so a report can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def document_digests(attempts: tuple[CheckAttempt, ...]) -> list[InputDigest]:
    """Documents the checks read (policy, security.txt), by content digest."""
    found: dict[str, InputDigest] = {}
    for attempt in attempts:
        for obs in attempt.observations:
            sha = obs.details.get("sha256")
            name = obs.details.get("location") or obs.details.get("url")
            if isinstance(sha, str) and isinstance(name, str):
                found[name] = InputDigest(role="document", name=name, sha256=sha)
    return list(found.values())


def params_ran_with(
    plan: AssessmentPlan, attempts: tuple[CheckAttempt, ...]
) -> dict[str, ParamValues]:
    """The parameters each attempt's check ran with (the runner resolves them the same way),
    for the checks that declare any; a check whose catalog parameters were refused ran not
    at all (its attempt says why), so none are recorded for it."""
    if not attempts:
        return {}
    # only a report with attempts ran checks, so only then are the checks imported
    from jcstar.checks.params import NoParams, ParamsError, params_of, resolve
    from jcstar.checks.registry import CHECKS

    recorded: dict[str, ParamValues] = {}
    for attempt in attempts:
        if attempt.status == "skipped":  # it did not run (nor was it always imported)
            continue
        check = CHECKS.get(attempt.check)
        if check is None or params_of(check) is NoParams:
            continue
        try:
            recorded[attempt.check] = resolve(check, plan.params_for(attempt.check)).recorded()
        except ParamsError:
            continue
    return recorded


def checks_run(attempts: tuple[CheckAttempt, ...]) -> tuple[CheckInfo, ...]:
    """Each check that ran, once, in the order of its first attempt: the version it ran as
    and the digests of the data files it declares (none for a check jcstar does not know,
    whose attempt came from elsewhere)."""
    if not attempts:
        return ()
    from jcstar.checks.registry import CHECKS  # as above: only when checks ran

    found: dict[str, CheckInfo] = {}
    for attempt in attempts:
        if attempt.status == "skipped" or attempt.check in found:
            continue
        check = CHECKS.get(attempt.check)
        data = check.data_files if check else ()
        found[attempt.check] = CheckInfo(
            id=attempt.check,
            version=attempt.check_version,
            data_files=tuple(DataFileDigest(name=n, sha256=data_digest(n)) for n in data),
        )
    return tuple(found.values())


def assemble_report(
    catalog: Catalog,
    plan: AssessmentPlan,
    profile: ProductProfile,
    inputs: list[InputDigest],
    attempts: tuple[CheckAttempt, ...],
    verdicts: tuple[RequirementVerdict, ...],
    generated_at: dt.datetime | None = None,
    answers: dict[str, Answer] | None = None,
) -> AssessmentReport:
    """The report; it carries what ``evaluate`` was given (the profile's facts, the
    answers: none when ``answers`` is left out) so that the verdicts can be re-derived."""
    generated_at = generated_at or report_time()
    all_inputs = tuple(inputs + document_digests(attempts))
    counts = Counter(v.verdict for v in verdicts)
    scheme = next(s for s in catalog.schemes if s.id == plan.scheme)
    level = next((lv for lv in catalog.levels if lv.level == plan.level), None)
    # a category profile names its own criteria; the level's otherwise
    criteria = scheme.current_criteria if scheme.is_profile else None
    if criteria is None and not scheme.is_profile and level is not None:
        criteria = level.current_criteria
    also = also_record(catalog, plan.scheme, plan.also, (v.requirement for v in verdicts))
    return AssessmentReport(
        report_id=report_id_for(catalog.digest, generated_at, all_inputs),
        generated_at=generated_at,
        tool=ToolInfo(version=__version__),
        catalog=CatalogInfo(
            version=catalog.version,
            digest=catalog.digest,
            scheme=plan.scheme,
            scheme_version=scheme.version,
            also=plan.also,
            draft=scheme.draft,
            added_by=also.added_by,
            native_schemes=also.native_schemes,
            scheme_names=also.scheme_names,
            operator_files=tuple(
                OperatorFileDigest(scheme=sid, name=name, sha256=sha)
                for sid, name, sha in operator_files(catalog, plan.scheme)
            ),
        ),
        level=plan.level,
        criteria_version=criteria.id if criteria else None,
        product=ProductInfo(
            vendor=profile.vendor,
            product=profile.product,
            model_numbers=profile.model_numbers,
            product_type=profile.product_type,
            firmware_version=profile.firmware_version,
            category=scheme.category,
            support_period_end=profile.support_period_end,
            vulnerability_contact=profile.vulnerability_contact,
            vendor_corporate_number=profile.vendor_corporate_number,
            facts=profile.facts,
            consumer=profile.consumer,
        ),
        inputs=all_inputs,
        overall=overall(verdicts),
        summary=Summary.model_validate(dict(counts)),
        verdicts=verdicts,
        attempts=attempts,
        answers=dict(answers or {}),
        checks=checks_run(attempts),
        check_params=params_ran_with(plan, attempts),
    )
