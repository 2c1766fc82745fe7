"""Read and verify the transparency log (public)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from jcstar.labels.verify import TrustedKeys
from jcstar.registry.db import utcnow
from jcstar.registry.deps import Db
from jcstar.registry.errors import NotFound
from jcstar.registry.log import checkpoints, crosscheck, service
from jcstar.registry.log.models import LogCheckpoint

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


class CheckpointPublic(BaseModel):
    #: the checkpoint's number here (``after`` pages by it); not signed
    id: int
    origin: str
    size: int
    head: str
    at: str
    kid: str
    #: base64url Ed25519 signature over ``jcstar-log-checkpoint/v1\n`` + ``note``
    signature: str
    note: str


class CheckpointsPublic(BaseModel):
    checkpoints: list[CheckpointPublic]


class LogVerifyPublic(BaseModel):
    #: the chain holds, its head is signed, and the tables agree with it
    ok: bool
    entries: int
    head: str
    #: the chain's first break
    problem: str | None
    first_bad_seq: int | None
    #: what is wrong with the latest signed checkpoint against the chain (None: it holds)
    checkpoint_problem: str | None
    #: the size the latest signed checkpoint covers
    signed_size: int
    #: entries that cannot be applied to their label, and tables that disagree with the log
    disagreements: list[str]


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
def verify_log(db: Db, request: Request) -> LogVerifyPublic:
    """Recompute the chain, check the latest signed checkpoint, replay the log and compare
    every label's tables with it (the lookup then answers disputed labels from the log)."""
    keys = TrustedKeys.from_jwks(request.app.state.keyring.jwks())
    result = crosscheck.check(db, keys, utcnow().date())
    request.app.state.disputes.update(result)
    return LogVerifyPublic(
        ok=result.ok,
        entries=result.chain.entries,
        head=result.chain.head,
        problem=result.chain.problem,
        first_bad_seq=result.chain.first_bad_seq,
        checkpoint_problem=result.signed.problem,
        signed_size=result.signed.latest.size if result.signed.latest else 0,
        disagreements=[f"log: {p}" for p in result.replay_problems]
        + [d.problem for d in result.disagreements],
    )


def _public(row: LogCheckpoint) -> CheckpointPublic:
    return CheckpointPublic(id=row.id, **checkpoints.as_note(row).public())


@router.get("/checkpoints")
def read_checkpoints(
    db: Db,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> CheckpointsPublic:
    """Every signed checkpoint, oldest first (``after``: an id, as ``/log``'s ``after``)."""
    return CheckpointsPublic(
        checkpoints=[_public(row) for row in checkpoints.history(db, after, limit)]
    )


@router.get("/checkpoints/latest")
def read_latest_checkpoint(db: Db) -> CheckpointPublic:
    row = checkpoints.latest(db)
    if row is None:
        raise NotFound("the log is empty: no checkpoint signed yet")
    return _public(row)
