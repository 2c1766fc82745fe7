"""``GET /api/v1/public/accepted``: anyone (a marketplace, a buyer) checks a vendor's claim."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jcstar.registry.claims import service
from jcstar.registry.claims.schemas import ClaimCheck
from jcstar.registry.deps import Db
from jcstar.registry.errors import Unprocessable
from jcstar.registry.labels.service import today

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/accepted")
def accepted(model: Annotated[str, Query(min_length=1, max_length=100)], db: Db) -> ClaimCheck:
    """Is there an accepted application (acceptance number given, not yet decided) or a label
    for this model number? No sign-in; only public facts are answered."""
    if not model.strip():
        raise Unprocessable("model: give a model number")
    return service.check(db, model.strip(), today())
