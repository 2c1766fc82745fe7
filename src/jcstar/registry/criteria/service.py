"""Publish a criteria version (the operator): stored, logged, and every label of the level
shown against it, in the caller's transaction (the caller holds the write lock)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.models import Scheme
from jcstar.registry.criteria import lookup
from jcstar.registry.criteria.models import CriteriaVersion
from jcstar.registry.criteria.rules import lapse_date
from jcstar.registry.criteria.schemas import CriteriaVersionCreate, CriteriaVersionPublic
from jcstar.registry.errors import Conflict, Unprocessable
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.service import store_document
from jcstar.registry.log import service as log
from jcstar.registry.settings import Settings


def public(row: CriteriaVersion) -> CriteriaVersionPublic:
    return CriteriaVersionPublic(
        level=row.level,
        id=row.criteria_id,
        title=row.title,
        published_on=row.published_on,
        effective_on=row.effective_on,
        earlier_lapse_on=row.earlier_lapse_on,
        scheme=row.scheme,
        category=row.category,
        draft=row.draft,
    )


def _profile(level: int, scheme: str | None) -> Scheme | None:
    """The category profile ``scheme`` names, at ``level``, in the registry's catalog; None
    for the level's own scheme. ★2 and above are set per product category, so a version of
    them names its profile."""
    index = CatalogIndex(load_catalog())
    profiles = sorted(s.id for s in index.catalog.schemes if s.is_profile and s.level == level)
    known = ", ".join(profiles) or "none in this registry's catalog"
    if scheme is None:
        own = next((lv for lv in index.catalog.levels if lv.level == level), None)
        if own is None or own.scheme is None:
            raise Unprocessable(
                f"scheme: ★{level} criteria are set per product category; name the category "
                f"profile they are of (★{level} profiles: {known})"
            )
        return None
    found = index.schemes.get(scheme)
    if found is None or not found.is_profile or found.level != level:
        raise Unprocessable(f"scheme: no ★{level} category profile {scheme!r} ({known})")
    return found


def publish(
    session: Session, settings: Settings, by: dict[str, str], body: CriteriaVersionCreate
) -> CriteriaVersion:
    """Store and log a new version of a level's criteria; ``by`` names who published it
    (``Principal.by()``: the organisation and a pseudonymous actor, never an e-mail address)."""
    if session.scalar(select(CriteriaVersion).where(CriteriaVersion.criteria_id == body.id)):
        raise Conflict(f"criteria version {body.id} is already published")
    profile = _profile(body.level, body.scheme)
    earlier = lookup.scheme_rows(session, body.level, body.scheme)
    if earlier and body.effective_on < earlier[-1].effective_on:
        raise Unprocessable(
            f"effective_on {body.effective_on} is before {earlier[-1].criteria_id} "
            f"({earlier[-1].effective_on}): a new version takes effect after the current one"
        )
    row = CriteriaVersion(
        level=body.level,
        criteria_id=body.id,
        title=body.title,
        published_on=body.published_on,
        effective_on=body.effective_on,
        # the first version of a level supersedes nothing, so nothing lapses
        earlier_lapse_on=lapse_date(body.effective_on, settings.criteria_lapse_weeks)
        if earlier
        else None,
        scheme=body.scheme,
        category=profile.category if profile else None,
        draft=profile.draft if profile else False,
    )
    session.add(row)
    session.flush()
    log.append(
        session,
        "criteria.published",
        body.id,
        {**public(row).model_dump(mode="json"), "by": by},
    )
    _restore_documents(session, body.level)
    return row


def _restore_documents(session: Session, level: int) -> None:
    """Every label of the level now shows the new current version (and any lapse date)."""
    labels = session.scalars(
        select(Label)
        .where(Label.level == level)
        .order_by(Label.id)
        .options(
            selectinload(Label.models), selectinload(Label.events), selectinload(Label.notices)
        )
    )
    for label in labels:
        store_document(session, label)
