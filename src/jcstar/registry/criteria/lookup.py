"""Read the published criteria versions (no writes; labels read this for each label)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from jcstar.registry.criteria.models import CriteriaVersion
from jcstar.registry.criteria.rules import Published, standing
from jcstar.registry.criteria.schemas import CriteriaStanding
from jcstar.registry.labels.models import Label


def rows(session: Session, level: int | None = None) -> list[CriteriaVersion]:
    """Published versions, per level oldest first (by effective day, then publication)."""
    query = select(CriteriaVersion).order_by(
        CriteriaVersion.level, CriteriaVersion.effective_on, CriteriaVersion.id
    )
    if level is not None:
        query = query.where(CriteriaVersion.level == level)
    return list(session.scalars(query))


def scheme_rows(session: Session, level: int, scheme: str | None) -> list[CriteriaVersion]:
    """The versions of one level's scheme, oldest first: the level's own (``scheme`` None,
    ★1) or a category profile's (★2 and above are set per category: one profile's versions
    never supersede another's)."""
    return [row for row in rows(session, level) if row.scheme == scheme]


def published(session: Session, level: int, scheme: str | None = None) -> list[Published]:
    return [
        Published(row.criteria_id, row.effective_on, row.earlier_lapse_on)
        for row in scheme_rows(session, level, scheme)
    ]


def find(session: Session, criteria_id: str | None) -> CriteriaVersion | None:
    if criteria_id is None:
        return None
    return session.scalar(select(CriteriaVersion).where(CriteriaVersion.criteria_id == criteria_id))


def standing_of(label: Label) -> CriteriaStanding:
    """The label's criteria version and what it means now, read in the label's session,
    against the versions of the scheme the label's version belongs to."""
    session = object_session(label)
    row = find(session, label.criteria_version) if session is not None else None
    scheme = row.scheme if row is not None else None
    versions = published(session, label.level, scheme) if session is not None else []
    found = standing(label.criteria_version, versions)
    return CriteriaStanding(
        version=found.version,
        current=found.current,
        current_since=found.current_since,
        superseded=found.superseded,
        lapses_on=found.lapses_on,
        scheme=scheme,
        category=row.category if row is not None else None,
        draft=row.draft if row is not None else False,
    )
