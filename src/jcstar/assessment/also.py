"""Which ``--also`` scheme each added requirement answers.

An assessment with ``--also`` plans the requirements of other schemes that its own scheme
does not cover after its own. The plan table, the questionnaire and the reports show them
grouped under the scheme that added them (the first ``--also`` scheme that holds them), so a
reader sees what ★1 asks and what each other market adds.

The report records that grouping when it is made (``also_record``, into ``CatalogInfo``), so
renderers read the report alone: a later catalog cannot regroup an old report. Only a report
made before the grouping was recorded is grouped from the installed catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jcstar.assessment.models import AssessmentReport, RequirementVerdict
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog

#: the heading of added verdicts whose scheme the report does not name
OTHER_SCHEMES = "other schemes"


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
    return _heading(scheme_id, _name(catalog, scheme_id))


def _name(catalog: Catalog, scheme_id: str) -> str | None:
    scheme = CatalogIndex(catalog).schemes.get(scheme_id)
    return (scheme.name_en or scheme.name_ja) if scheme else None


def _heading(scheme_id: str, name: str | None) -> str:
    return f"{scheme_id} ({name})" if name and name != scheme_id else scheme_id


@dataclass(frozen=True)
class AlsoRecord:
    """What a report records of its ``--also`` requirements (``CatalogInfo``'s fields)."""

    added_by: dict[str, str]
    native_schemes: dict[str, str]
    scheme_names: dict[str, str]


def also_record(
    catalog: Catalog, scheme_id: str, also: Sequence[str], requirement_ids: Iterable[str]
) -> AlsoRecord:
    """The ``--also`` scheme that added each of ``requirement_ids`` that ``scheme_id`` does
    not hold, the native scheme defining it, and the names of ``scheme_id`` and the ``also``
    schemes. Empty without ``also``, so a plain report records nothing."""
    if not also:
        return AlsoRecord({}, {}, {})
    holders = also_holders(catalog, scheme_id, also, requirement_ids)
    added = {rid: held[0] for rid, held in holders.items() if held}
    index = CatalogIndex(catalog)
    native = {}
    for rid in added:
        hits = index.find(rid)
        if hits:
            native[rid] = hits[0][0].id
    # a scheme without a name is named by its id: every scheme gets a key, so a report that
    # recorded this is told apart from one made before (``_recorded``)
    names = {sid: _name(catalog, sid) or sid for sid in (scheme_id, *dict.fromkeys(also))}
    return AlsoRecord(added, native, names)


def _recorded(report: AssessmentReport) -> AlsoRecord:
    """The report's record; one made before reports recorded it is worked out from the
    installed catalog (the only time a renderer reads one)."""
    info = report.catalog
    if not info.also or info.scheme_names:
        return AlsoRecord(info.added_by, info.native_schemes, info.scheme_names)
    from jcstar.catalog.loader import load_catalog  # only for such an old report

    return also_record(
        load_catalog(), info.scheme, info.also, (v.requirement for v in report.verdicts)
    )


@dataclass
class VerdictGroup:
    """The verdicts a report gives for one scheme: its own (``added_by`` None), or those a
    ``--also`` scheme added."""

    added_by: str | None
    heading: str
    verdicts: list[RequirementVerdict] = field(default_factory=list)


def verdict_groups(report: AssessmentReport) -> list[VerdictGroup]:
    """The report's verdicts: its scheme's own first, then each ``--also`` scheme's added
    ones under it, as the report records them. A report without ``also`` is one group."""
    if not report.catalog.also:
        return [VerdictGroup(None, report.catalog.scheme, list(report.verdicts))]
    record = _recorded(report)
    own = VerdictGroup(None, report.catalog.scheme, [])
    groups: dict[str, VerdictGroup] = {}
    for verdict in report.verdicts:
        key = record.added_by.get(verdict.requirement)
        if key is None:
            own.verdicts.append(verdict)
            continue
        if key not in groups:
            # a scheme the report does not name (edited?) is shown as such, not guessed
            known = key in record.scheme_names
            heading = _heading(key, record.scheme_names.get(key)) if known else OTHER_SCHEMES
            groups[key] = VerdictGroup(key, heading, [])
        groups[key].verdicts.append(verdict)
    ordered = [groups[s] for s in report.catalog.also if s in groups]
    rest = [g for key, g in groups.items() if key not in report.catalog.also]
    return [own, *ordered, *rest]


def added_by(report: AssessmentReport) -> dict[str, str]:
    """The ``--also`` scheme that added each of the report's added requirements, by id (empty
    for a report without ``also``)."""
    if not report.catalog.also:
        return {}
    ids = {v.requirement for v in report.verdicts}
    return {rid: sid for rid, sid in _recorded(report).added_by.items() if rid in ids}


def native_schemes(report: AssessmentReport) -> dict[str, str]:
    """The native scheme that defines each of the report's added requirements, by id
    (``etsi-en-303-645`` for CLS's ``5.1-1``): OSCAL names such a requirement
    ``<scheme>_<id>``, as the catalog export does, since its ids must start with a letter."""
    if not report.catalog.also:
        return {}
    added = added_by(report)
    return {rid: sid for rid, sid in _recorded(report).native_schemes.items() if rid in added}


def own_verdicts(report: AssessmentReport) -> tuple[RequirementVerdict, ...]:
    """The verdicts of the report's own scheme's requirements (those that decide its label),
    without the ones ``--also`` added."""
    return tuple(verdict_groups(report)[0].verdicts)
