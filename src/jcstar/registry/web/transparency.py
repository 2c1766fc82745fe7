"""The transparency log, for anyone: its latest signed checkpoint, its entries a page at a
time, and its verification, computed as ``GET /api/v1/log/verify`` computes it
(``log.crosscheck.check`` against the registry's own keys)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from jcstar.labels.verify import TrustedKeys
from jcstar.registry.db import utcnow
from jcstar.registry.deps import Db
from jcstar.registry.log import checkpoints, crosscheck, service
from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import log as said
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)

nav.add(nav.NavEntry("/log", N_("Transparency log"), order=30))

#: log entries on one page
PAGE_SIZE = 50
SEQ_MAX = 2**31 - 1


@router.get("/log", response_class=HTMLResponse)
def log_page(
    page: PageRequest, db: Db, after: Annotated[int | None, Query(ge=0, le=SEQ_MAX)] = None
) -> HTMLResponse:
    latest = checkpoints.latest(db)
    signed = checkpoints.as_note(latest).public() if latest is not None else None
    size = latest.size if latest is not None else 0
    # first visit: the newest page of entries the latest checkpoint covers
    start = after if after is not None else max(0, size - PAGE_SIZE)
    rows = service.entries(db, start, PAGE_SIZE)
    entries = [
        {
            "seq": row.seq,
            "at": row.at,
            "kind": row.kind,
            "subject": row.subject,
            "payload": json.dumps(json.loads(row.payload), ensure_ascii=False, sort_keys=True),
            "hash": row.hash,
        }
        for row in rows
    ]
    return page.render(
        "log.html",
        {
            "checkpoint": signed,
            "entries": entries,
            "older": page.with_query(after=max(0, start - PAGE_SIZE)) if start > 0 else None,
            "newer": page.with_query(after=rows[-1].seq) if len(rows) == PAGE_SIZE else None,
        },
    )


@router.get("/log/verify", response_class=HTMLResponse)
def log_verify_page(page: PageRequest, db: Db) -> HTMLResponse:
    state = page.request.app.state
    keys = TrustedKeys.from_jwks(state.keyring.jwks())
    result = crosscheck.check(db, keys, utcnow().date())
    state.disputes.update(result)  # as the API's verification does
    # each problem in the page's language (the API's /log/verify keeps the English)
    disagreements = [said.replay_problem(page, p) for p in result.replay_problems] + [
        said.problem(page, d.problem) for d in result.disagreements
    ]
    return page.render(
        "log_verify.html",
        {
            "ok": result.ok,
            "entries": result.chain.entries,
            "head": result.chain.head,
            "problem": said.problem(page, result.chain.problem),
            "first_bad_seq": result.chain.first_bad_seq,
            "checkpoint_problem": said.problem(page, result.signed.problem),
            "signed_size": result.signed.latest.size if result.signed.latest else 0,
            "disagreements": disagreements,
        },
    )
