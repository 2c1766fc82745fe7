"""The API documentation page (``/docs``): Swagger UI from files the registry serves itself.

FastAPI's own page loads Swagger UI from a CDN, so it is blank offline (a lab network, an
air-gapped review) and trusts a third party with script in the registry's origin. Here the
files come from the ``swagger-ui-bundle-v2`` package and the start-up script from ours; the
page has no inline script (the Content-Security-Policy allows none) and no outside address.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from jcstar.registry.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSETS = "/docs/assets"
STATIC = Path(__file__).resolve().parent / "static"
FILES: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (
        Path(str(swagger_ui_path)) / "swagger-ui-bundle.js",
        "text/javascript",
    ),
    "swagger-ui.css": (Path(str(swagger_ui_path)) / "swagger-ui.css", "text/css"),
    "favicon-32x32.png": (Path(str(swagger_ui_path)) / "favicon-32x32.png", "image/png"),
    "swagger-init.js": (STATIC / "swagger-init.js", "text/javascript"),
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>JC-STAR label registry API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get(ASSETS + "/{name}", response_class=FileResponse)
def docs_asset(name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"no documentation file {name!r}")
    path, media_type = FILES[name]
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "max-age=86400"})
