"""Pending four-eyes decisions: the operator lists them; an approver withdraws one."""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.approvals import service
from jcstar.registry.approvals.schemas import PendingDecisionList, public
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, Operator, OperatorApprover

router = APIRouter(prefix="/api/v1/decisions", tags=["four-eyes"])


@router.get("")
def list_pending(db: Db, caller: Operator) -> PendingDecisionList:
    return PendingDecisionList(items=[public(p) for p in service.pending_list(db)])


@router.delete("/{decision_id}", status_code=204)
def withdraw_pending(decision_id: int, db: Db, caller: OperatorApprover) -> None:
    lock_for_write(db)
    service.withdraw(db, caller, decision_id)
    db.commit()
