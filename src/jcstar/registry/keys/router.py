"""Rotating the registry's signing key over the API (``jcstar admin rotate-key`` and the
operator's keys page take the same step through ``keys.service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, Signer, may
from jcstar.registry.keys import service

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])

#: the operator's administrators (``keys.service.may_rotate``, checked again there)
KeyAdministrator = Annotated[Principal, Depends(may(operator=("administrator",)))]


class KeyPublic(BaseModel):
    kid: str
    state: service.KeyState


class Rotation(BaseModel):
    kid: str
    previous: str
    keys: list[KeyPublic]


@router.post("/rotate")
def rotate_signing_key(db: Db, keyring: Signer, caller: KeyAdministrator) -> Rotation:
    """Make a new active signing key; the previous one stays published, so every issued label
    still verifies. Logged as ``key.rotated``. Operator administrators only."""
    lock_for_write(db)  # one rotation at a time: ``previous`` is the key this one replaces
    previous = keyring.active_kid
    kid = service.rotate(db, keyring, caller)
    db.commit()
    listed = [KeyPublic(kid=k.kid, state=k.state) for k in service.keys(keyring)]
    return Rotation(kid=kid, previous=previous, keys=listed)
