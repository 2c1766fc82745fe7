"""The app factory: ``create_app(settings)`` gives a ready FastAPI application."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from jcstar import __version__
from jcstar.labels import Keyring
from jcstar.registry import migrate, openapi
from jcstar.registry.accounts.router import router as accounts_router
from jcstar.registry.applications.router import router as applications_router
from jcstar.registry.approvals.router import router as approvals_router
from jcstar.registry.claims.router import router as claims_router
from jcstar.registry.criteria.router import router as criteria_router
from jcstar.registry.csrf import OriginCheck
from jcstar.registry.db import make_engine, session_factory
from jcstar.registry.deps import principal_from, require_signed_in, signed_in
from jcstar.registry.errors import NotFound, RegistryError
from jcstar.registry.issuance.router import router as issuance_router
from jcstar.registry.keys.router import router as keys_router
from jcstar.registry.labels.lookup import LabelLookup
from jcstar.registry.labels.router import router as labels_router
from jcstar.registry.limits import BodyGuard, Identify, route_rules
from jcstar.registry.log.crosscheck import start_log_checks
from jcstar.registry.log.router import router as log_router
from jcstar.registry.outbox.deliver import Worker
from jcstar.registry.proxies import ClientAddress
from jcstar.registry.search.router import router as search_router
from jcstar.registry.security_headers import SecurityHeaders
from jcstar.registry.settings import Settings
from jcstar.registry.status.router import router as status_router
from jcstar.registry.watch.router import router as watch_router
from jcstar.registry.web import errors as web_errors
from jcstar.registry.web.docs import router as docs_router
from jcstar.registry.web.router import router as web_router

#: the id columns are INTEGER: 32 bits on PostgreSQL; no row has an id beyond this
ID_MAX = 2**31 - 1
_ID_NAMES = {"app_id": "application", "doc_id": "document"}


def _ids_in_range(request: Request) -> None:
    """An id no row can have is unknown (404), not a fault of the database (500)."""
    for name, value in request.path_params.items():
        if not (name.endswith("_id") and isinstance(value, str)):
            continue
        digits = value.strip().lstrip("+-")
        if digits.isdigit() and (len(digits) > 12 or int(digits) > ID_MAX):
            raise NotFound(f"no {_ID_NAMES.get(name, name.removesuffix('_id'))} {value}")


def _json_safe(value: object) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


def _validation_details(exc: RequestValidationError) -> list[dict[str, object]]:
    """FastAPI's error list without the input: a body is never sent back (20 MB in must not
    be 40 MB out), and a value JSON cannot hold (NaN) cannot break the answer."""
    details = []
    for error in exc.errors():
        detail: dict[str, object] = {
            "type": error.get("type"),
            "loc": [_json_safe(part) for part in error.get("loc", ())],
            "msg": error.get("msg"),
        }
        if isinstance(error.get("ctx"), dict):
            detail["ctx"] = {str(k): _json_safe(v) for k, v in error["ctx"].items()}
        details.append(detail)
    return details


def _identify(sessions: sessionmaker[Session]) -> Identify:
    def identify(authorization: str | None, cookie: str | None) -> None:
        with sessions() as db:
            require_signed_in(principal_from(db, authorization, cookie))

    return identify


@asynccontextmanager
async def _notifications(app: FastAPI) -> AsyncIterator[None]:
    """The outbox's delivery worker and the reminder scan run while the server does."""
    settings: Settings = app.state.settings
    worker = Worker(app.state.sessions, settings).start() if settings.notify else None
    try:
        yield
    finally:
        if worker is not None:
            await worker.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    if settings.migrate_on_start:
        migrate.upgrade(engine)
    app = FastAPI(
        title="JC-STAR label registry",
        version=__version__,
        description="Applications, review, signed labels, the public registry and its log.",
        # the documentation page is ours (web/docs.py): FastAPI's loads Swagger UI and ReDoc
        # from a CDN
        docs_url=None,
        redoc_url=None,
        lifespan=_notifications,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.keyring = Keyring.load_or_create(settings.key_dir)
    # appends signed on commit; the tables checked against the log now (loud errors, and the
    # lookup answers a disputed label from the log: log/crosscheck.py)
    app.state.disputes = start_log_checks(app.state.sessions, app.state.keyring, settings.base_url)

    @app.exception_handler(RegistryError)
    async def _registry_error(_request: Request, exc: RegistryError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_details(exc)}, status_code=422)

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _exc: OverflowError) -> JSONResponse:
        # SQLite: an integer beyond 64 bits reached the database
        return JSONResponse({"detail": "a value is out of range"}, status_code=422)

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

    # the portal's pages answer errors with a page in the reader's language (web/errors.py)
    web_errors.install(app)

    routers = (
        accounts_router,
        applications_router,
        issuance_router,
        approvals_router,
        search_router,
        labels_router,
        claims_router,
        status_router,
        criteria_router,
        keys_router,
        log_router,
        watch_router,
        web_router,
        docs_router,
    )
    for router in routers:
        app.include_router(router, dependencies=[Depends(_ids_in_range)])
    # each router's own routes carry their full paths (FastAPI keeps included ones apart)
    routes = [route for router in routers for route in router.routes]
    openapi.install(app, routes, signed_in)
    # outermost last: headers on every answer; the client's address; the origin of a
    # cookie's change; then the body, before anything reads it
    app.add_middleware(LabelLookup, engine=engine, disputes=app.state.disputes)
    app.add_middleware(
        BodyGuard,
        settings=settings,
        identify=_identify(app.state.sessions),
        rules=route_rules(routes, signed_in),
    )
    app.add_middleware(OriginCheck, origins=settings.origins)
    app.add_middleware(ClientAddress, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(SecurityHeaders)
    return app
