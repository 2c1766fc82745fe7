"""Public status endpoints for machines: many labels in one request, any day's status, and a
signed snapshot of every label's public record (no sign-in; only public facts)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from jcstar.registry.deps import Db
from jcstar.registry.labels.service import today
from jcstar.registry.status import service
from jcstar.registry.status.schemas import BulkStatus, OneStatus, StatusQuery
from jcstar.registry.status.snapshot import SnapshotCache

router = APIRouter(prefix="/api/v1/public", tags=["public"])

SNAPSHOT_TYPE = "application/x-ndjson"
SIGNATURE_TYPE = "application/jose"
_MAKING_CACHE = threading.Lock()


@router.post("/status", response_class=Response, responses={200: {"model": BulkStatus}})
def bulk_status(query: StatusQuery, db: Db, request: Request) -> Response:
    """The labels of up to 10,000 model and registration numbers, each with its whole status
    history and its status on ``at`` (today when left out). A number the registry does not
    know gets an empty list (model) or null (registration), never an error."""
    disputes = request.app.state.disputes
    answer = service.bulk(db, query.models, query.registrations, query.at or today(), disputes)
    # serialised once by pydantic; FastAPI's response model would validate 10,000 records again
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/status/{registration_no}")
def one_status(
    registration_no: str,
    db: Db,
    request: Request,
    at: Annotated[dt.date | None, Query(description="the day (UTC); today when left out")] = None,
) -> OneStatus:
    """One label's record and its status on ``at``: before its issue ``not_issued``; a change
    counts from the day it happened."""
    return service.one(db, registration_no, at or today(), request.app.state.disputes)


def _cache(request: Request) -> SnapshotCache:
    state = request.app.state
    with _MAKING_CACHE:
        if getattr(state, "snapshot_cache", None) is None:
            settings = state.settings
            state.snapshot_cache = SnapshotCache(
                state.engine,
                state.keyring,
                settings.base_url,
                dt.timedelta(minutes=settings.snapshot_interval_minutes),
                dt.timedelta(seconds=settings.snapshot_min_rebuild_seconds),
                state.disputes,
            )
    cache: SnapshotCache = state.snapshot_cache
    return cache


@router.get(
    "/snapshot",
    response_class=StreamingResponse,
    responses={200: {"content": {SNAPSHOT_TYPE: {}}, "description": "JSON Lines"}},
)
def snapshot(request: Request) -> StreamingResponse:
    """Every label's public record (``LabelRecord``), one canonical JSON line each, sorted by
    registration number; ``snapshot.sig`` signs its SHA-256, serial and next update."""
    current = _cache(request).current()
    headers = {
        "Content-Length": str(current.size),
        "ETag": f'"{current.header.sha256}"',
        "X-Snapshot-Serial": str(current.header.serial),
    }
    return StreamingResponse(current.chunks(), media_type=SNAPSHOT_TYPE, headers=headers)


@router.get(
    "/snapshot.sig",
    response_class=Response,
    responses={200: {"content": {SIGNATURE_TYPE: {}}, "description": "a compact JWS"}},
)
def snapshot_signature(request: Request) -> Response:
    """The snapshot's signature: a compact JWS (``typ: jcstar-snapshot+jws``) by the key the
    JWKS at ``/.well-known/jwks.json`` publishes, over ``serial``, ``issued_at``,
    ``next_update``, ``count``, ``sha256`` and ``issuer``."""
    current = _cache(request).current()
    headers = {"X-Snapshot-Serial": str(current.header.serial)}
    return Response(current.jws, media_type=SIGNATURE_TYPE, headers=headers)
