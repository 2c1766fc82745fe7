"""The endpoint where an application becomes a label: approval (its path stays under
``/api/v1/applications``). Take the write lock, approve and issue, commit, answer."""

from __future__ import annotations

from fastapi import APIRouter, Response

from jcstar.registry.approvals import service as approvals
from jcstar.registry.approvals.schemas import PENDING_RESPONSE, PendingDecisionPublic, answer
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Config, Db, OperatorApprover, Signer
from jcstar.registry.issuance import service as issuance
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.schemas import LabelPublic
from jcstar.registry.openapi import CONFLICT
from jcstar.registry.schemas import OptionalReasonCreate

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


@router.post("/{app_id}/approve", responses=PENDING_RESPONSE | CONFLICT)
def approve_application(
    app_id: int,
    db: Db,
    settings: Config,
    keyring: Signer,
    caller: OperatorApprover,
    response: Response,
    body: OptionalReasonCreate | None = None,
) -> LabelPublic | PendingDecisionPublic:
    """Approve and issue the label; with four-eyes on, the first approver's call is recorded
    as pending (202) and a second, different approver's same call issues it."""
    lock_for_write(db)
    outcome = approvals.gate(
        db,
        settings,
        caller,
        "approve",
        f"application:{app_id}",
        body.reason if body else None,
        lambda reason: issuance.approve(db, settings, keyring, caller, app_id, reason),
    )
    db.commit()
    return answer(outcome, response, labels.public)
