"""Which ``--also`` scheme each added requirement answers.

An assessment with ``--also`` plans the requirements of other schemes that its own scheme
does not cover after its own. The plan table, the questionnaire and the reports show them
grouped under the scheme that added them (the first ``--also`` scheme that holds them), so a
reader sees what ★1 asks and what each other market adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jcstar.assessment.models import AssessmentReport, RequirementVerdict
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.models import Catalog


def also_holders(
    catalog: Catalog, scheme_id: str, also: Sequence[str], requirement_ids: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Of ``requirement_ids``, those ``scheme_id`` does not hold, each with the ``also``
    schemes that hold it, in ``also``'s order (the first one added it to the plan). A
    requirement none of them holds (a report from another catalog) maps to ``()``."""
    index = CatalogIndex(catalog)
    own = set(index.requirement_ids(scheme_id)) if scheme_id in index.schemes else set()
    held: dict[str, list[str]] = {}
    for other in dict.fromkeys(also):
        if other not in index.schemes:
            continue  # a scheme this catalog does not know holds nothing here
        for rid in index.requirement_ids(other):
            held.setdefault(rid, []).append(other)
    return {rid: tuple(held.get(rid, ())) for rid in requirement_ids if rid not in own}


def scheme_name(catalog: Catalog, scheme_id: str) -> str:
    """``cls-1 (Singapore Cybersecurity Labelling Scheme (CLS) level 1)``, or the bare id."""
    scheme = CatalogIndex(catalog).schemes.get(scheme_id)
    name = scheme and (scheme.name_en or scheme.name_ja)
    return f"{scheme_id} ({name})" if name else scheme_id


@dataclass
class VerdictGroup:
    """The verdicts a report gives for one scheme: its own (``added_by`` None), or those a
    ``--also`` scheme added."""

    added_by: str | None
    heading: str
    verdicts: list[RequirementVerdict] = field(default_factory=list)


def verdict_groups(report: AssessmentReport) -> list[VerdictGroup]:
    """The report's verdicts: its scheme's own first, then each ``--also`` scheme's added
    ones under it. A report without ``also`` is one group (no catalog is read for it)."""
    if not report.catalog.also:
        return [VerdictGroup(None, report.catalog.scheme, list(report.verdicts))]
    catalog = load_catalog()
    added = also_holders(
        catalog,
        report.catalog.scheme,
        report.catalog.also,
        (v.requirement for v in report.verdicts),
    )
    own = VerdictGroup(None, report.catalog.scheme, [])
    groups: dict[str, VerdictGroup] = {}
    for verdict in report.verdicts:
        if verdict.requirement not in added:
            own.verdicts.append(verdict)
            continue
        holders = added[verdict.requirement]
        key = holders[0] if holders else "?"
        if key not in groups:
            heading = scheme_name(catalog, key) if holders else "other schemes"
            groups[key] = VerdictGroup(key, heading, [])
        groups[key].verdicts.append(verdict)
    ordered = [groups[s] for s in report.catalog.also if s in groups]
    rest = [g for key, g in groups.items() if key not in report.catalog.also]
    return [own, *ordered, *rest]


def added_by(report: AssessmentReport) -> dict[str, str]:
    """The ``--also`` scheme that added each of the report's added requirements, by id (empty
    for a report without ``also``)."""
    return {
        v.requirement: group.added_by
        for group in verdict_groups(report)
        if group.added_by is not None
        for v in group.verdicts
    }


def native_schemes(report: AssessmentReport) -> dict[str, str]:
    """The native scheme that defines each of the report's added requirements, by id
    (``etsi-en-303-645`` for CLS's ``5.1-1``): OSCAL names such a requirement
    ``<scheme>_<id>``, as the catalog export does, since its ids must start with a letter."""
    added = added_by(report)
    if not added:
        return {}
    index = CatalogIndex(load_catalog())
    found = {}
    for requirement in added:
        hits = index.find(requirement)
        if hits:
            found[requirement] = hits[0][0].id
    return found
