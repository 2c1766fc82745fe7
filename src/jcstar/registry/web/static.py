"""The portal's own files (``/static/...``): its one style sheet, served by the registry.

A file's address carries a digest of its content (``/static/portal.css?v=1a2b3c4d``), so a
browser may keep it for a day and still sees a new version at once after an upgrade.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from jcstar.registry.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/static"
#: what may be served, with its media type (nothing else in the folder is public by accident)
FILES = {"portal.css": "text/css; charset=utf-8"}

router = APIRouter(include_in_schema=False)


@cache
def url(name: str) -> str:
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:8]
    return f"{PREFIX}/{name}?v={digest}"


@router.get(PREFIX + "/{name}", response_class=FileResponse)
def static_file(name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"no file {name!r}")
    return FileResponse(
        STATIC / name, media_type=FILES[name], headers={"Cache-Control": "max-age=86400"}
    )
