"""Criteria versions: the public list; publishing a new one is the operator's."""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.criteria import lookup, service
from jcstar.registry.criteria.schemas import CriteriaVersionCreate, CriteriaVersionPublic
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Config, Db, OperatorApprover
from jcstar.registry.openapi import CONFLICT

router = APIRouter(prefix="/api/v1/criteria", tags=["criteria"])


@router.get("")
def list_criteria_versions(db: Db) -> list[CriteriaVersionPublic]:
    """Every published criteria version, per level oldest first."""
    return [service.public(row) for row in lookup.rows(db)]


@router.post("", status_code=201, responses=CONFLICT)
def publish_criteria_version(
    body: CriteriaVersionCreate, db: Db, settings: Config, caller: OperatorApprover
) -> CriteriaVersionPublic:
    """Publish a new criteria version of a level (logged; labels on earlier versions show it,
    and lapse on the day the lapse rule gives when ``JCSTAR_CRITERIA_LAPSE_WEEKS`` is set)."""
    lock_for_write(db)
    row = service.publish(db, settings, caller.by(), body)
    db.commit()
    return service.public(row)
