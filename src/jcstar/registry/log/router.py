"""Read and verify the transparency log (public)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from jcstar.registry.deps import Db
from jcstar.registry.log import service

router = APIRouter(prefix="/api/v1/log", tags=["log"])


class LogEntryPublic(BaseModel):
    seq: int
    at: str
    kind: str
    subject: str
    payload: dict[str, Any]
    payload_sha256: str
    prev_hash: str
    hash: str


class LogPublic(BaseModel):
    entries: list[LogEntryPublic]


class LogVerifyPublic(BaseModel):
    ok: bool
    entries: int
    head: str
    problem: str | None
    first_bad_seq: int | None


@router.get("")
def read_log(
    db: Db,
    # seq is an INTEGER column (32 bits on PostgreSQL): beyond it is bad input, not a 500
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> LogPublic:
    return LogPublic(
        entries=[
            LogEntryPublic(
                seq=e.seq,
                at=e.at,
                kind=e.kind,
                subject=e.subject,
                payload=json.loads(e.payload),
                payload_sha256=e.payload_sha256,
                prev_hash=e.prev_hash,
                hash=e.hash,
            )
            for e in service.entries(db, after, limit)
        ]
    )


@router.get("/verify")
def verify_log(db: Db) -> LogVerifyPublic:
    check = service.verify(db)
    return LogVerifyPublic(
        ok=check.ok,
        entries=check.entries,
        head=check.head,
        problem=check.problem,
        first_bad_seq=check.first_bad_seq,
    )
