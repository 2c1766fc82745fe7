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


def published(session: Session, level: int) -> list[Published]:
    return [
        Published(row.criteria_id, row.effective_on, row.earlier_lapse_on)
        for row in rows(session, level)
    ]


def standing_of(label: Label) -> CriteriaStanding:
    """The label's criteria version and what it means now, read in the label's session."""
    session = object_session(label)
    versions = published(session, label.level) if session is not None else []
    found = standing(label.criteria_version, versions)
    return CriteriaStanding(
        version=found.version,
        current=found.current,
        current_since=found.current_since,
        superseded=found.superseded,
        lapses_on=found.lapses_on,
    )
