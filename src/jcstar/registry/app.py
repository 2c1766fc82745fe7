"""The app factory: ``create_app(settings)`` gives a ready FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Receive, Scope, Send

from jcstar import __version__
from jcstar.labels import Keyring
from jcstar.registry import migrate
from jcstar.registry.accounts.router import router as accounts_router
from jcstar.registry.applications.router import router as applications_router
from jcstar.registry.db import make_engine, session_factory
from jcstar.registry.errors import RegistryError
from jcstar.registry.labels.lookup import LabelLookup
from jcstar.registry.labels.router import router as labels_router
from jcstar.registry.log.router import router as log_router
from jcstar.registry.search.router import router as search_router
from jcstar.registry.settings import Settings
from jcstar.registry.web.router import router as web_router

#: room for the multipart envelope around an upload at the size limit
_ENVELOPE_BYTES = 64 * 1024


class BodyLimit:
    """Refuse a request whose declared body is larger than any upload may be, before reading it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and int(length) > self.limit:
                detail = f"request body larger than the limit of {self.limit} bytes"
                response = JSONResponse({"detail": detail}, status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    if settings.migrate_on_start:
        migrate.upgrade(engine)
    app = FastAPI(
        title="JC-STAR label registry",
        version=__version__,
        description="Applications, review, signed labels, the public registry and its log.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.keyring = Keyring.load_or_create(settings.key_dir)

    @app.exception_handler(RegistryError)
    async def _registry_error(_request: Request, exc: RegistryError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # input the database cannot hold (PostgreSQL: a NUL character in text, a number out of
        # range) is bad input, not a fault of the registry; its transaction was rolled back
        if "NUL" in str(exc.orig):
            return JSONResponse({"detail": "text contains a NUL character"}, status_code=422)
        return JSONResponse({"detail": "a value is out of range"}, status_code=422)

    @app.get("/.well-known/jwks.json", tags=["labels"])
    def jwks() -> dict[str, object]:
        """The public keys labels are signed with (Ed25519, with key ids)."""
        # the keyring that signs; it re-reads its directory when another worker rotates
        keyring: Keyring = app.state.keyring
        keys: dict[str, object] = keyring.jwks()
        return keys

    for router in (
        accounts_router,
        applications_router,
        search_router,
        labels_router,
        log_router,
        web_router,
    ):
        app.include_router(router)
    app.add_middleware(LabelLookup, engine=engine)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + _ENVELOPE_BYTES)
    return app
