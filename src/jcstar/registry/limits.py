"""What a request body must be before the registry reads it, checked as it arrives.

``BodyGuard`` sits in front of the routing and, for every request:

1. refuses a body whose declared length (``Content-Length``) is over the limit (413);
2. refuses a request to an endpoint that needs a signed-in caller when it carries a body and
   names no valid token or session (401), before a byte of the body is read;
3. refuses an API change whose body is not JSON (415): an upload endpoint takes
   ``multipart/form-data`` and nothing else, every other endpoint ``application/json``
   (a form a browser posts from another page cannot be either without CORS, which the
   registry does not answer);
4. counts the body's bytes as they arrive, whatever the framing (``Content-Length`` or
   chunked): at one byte past the limit the request is refused (413) and no more is read;
5. reads a JSON body (bounded by step 4) and refuses what is not plain JSON (422):
   ``NaN``/``Infinity`` (not JSON, RFC 8259; they cannot be answered in JSON either) and
   duplicate keys (a reader might take either value).

The limits are settings: ``max_upload_bytes`` (plus the multipart envelope) for an upload,
``max_body_bytes`` for any other body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import anyio.to_thread
from fastapi.params import Form
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jcstar.registry.deps import SESSION_COOKIE
from jcstar.registry.errors import RegistryError, Unauthorized
from jcstar.registry.settings import Settings

#: room for the multipart envelope around an upload at the size limit
ENVELOPE_BYTES = 64 * 1024

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: ``who(authorization, cookie)``: raises ``RegistryError`` (401) unless a caller is signed in
Identify = Callable[[str | None, str | None], None]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` at one byte past the limit; FastAPI passes it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than the limit of {limit} bytes")


class NotPlainJson(ValueError):
    pass


@dataclass(frozen=True)
class RouteRule:
    """What the guard needs to know of one endpoint."""

    route: BaseRoute
    signed_in: bool  #: only a signed-in caller may call it
    upload: bool  #: its body is a multipart form (a file upload)


def route_rules(routes: Sequence[BaseRoute], signed_in: Callable[..., Any]) -> list[RouteRule]:
    """A rule for each API route, read from its declared dependencies and body."""
    rules = []
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        needs = any(dep.call is signed_in for dep in _calls(route.dependant))
        # as FastAPI decides whether to parse a form (File is a Form)
        body = route.body_field
        upload = body is not None and isinstance(body.field_info, Form)
        rules.append(RouteRule(route, needs, upload))
    return rules


def _calls(dependant: Any) -> list[Any]:
    found = []
    for dep in dependant.dependencies:
        found.append(dep)
        found.extend(_calls(dep))
    return found


def _reply(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        identify: Identify,
        rules: list[RouteRule],
    ) -> None:
        self.app = app
        self.settings = settings
        self.identify = identify
        self.rules = rules

    def _rule_for(self, scope: Scope) -> RouteRule | None:
        for rule in self.rules:
            match, _ = rule.route.matches(scope)
            if match is Match.FULL:
                return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        has_body = "transfer-encoding" in headers or (
            declared is not None and declared.strip() not in ("", "0")
        )
        unsafe = scope["method"] in UNSAFE_METHODS
        # a read with no body (nearly every request) needs no rule: only its size is watched
        rule = self._rule_for(scope) if has_body or unsafe else None
        upload = rule is not None and rule.upload
        limit = self.settings.max_body_bytes
        if upload:
            limit = self.settings.max_upload_bytes + ENVELOPE_BYTES
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await _reply(413, f"request body larger than the limit of {limit} bytes")(
                scope, receive, send
            )
            return
        if rule is not None and rule.signed_in and has_body:
            problem = await anyio.to_thread.run_sync(
                self._who, headers.get("authorization"), session_cookie(headers)
            )
            if problem is not None:
                await JSONResponse(
                    {"detail": problem.detail}, status_code=problem.status, headers=problem.headers
                )(scope, receive, send)
                return
        content_type = headers.get("content-type")
        is_json = _is_json(content_type)
        if rule is not None and unsafe and (has_body or content_type):
            given = (content_type or "").split(";")[0].strip().lower()
            if (upload and given != "multipart/form-data") or (not upload and not is_json):
                wanted = "multipart/form-data" if upload else "application/json"
                shown = repr(given) if given else "none"
                await _reply(415, f"the body must be {wanted} (Content-Type given: {shown})")(
                    scope, receive, send
                )
                return
        counted = _Counted(receive, limit)
        if rule is not None and unsafe and is_json and has_body:
            try:
                body = await counted.read_all()
                check_plain_json(body)
            except BodyTooLarge as exc:
                await _reply(413, exc.detail)(scope, receive, send)
                return
            except NotPlainJson as exc:
                await _reply(422, str(exc))(scope, receive, send)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        try:
            await self.app(scope, counted, send)
        except BodyTooLarge as exc:  # read outside FastAPI's body parsing; nothing sent yet
            await _reply(413, exc.detail)(scope, receive, send)

    def _who(self, authorization: str | None, cookie: str | None) -> RegistryError | None:
        try:
            self.identify(authorization, cookie)
        except RegistryError as exc:
            return exc
        except DataError:  # PostgreSQL: a credential no token can be (e.g. a NUL in it)
            return Unauthorized("the token is unknown or has expired")
        return None


def session_cookie(headers: Headers) -> str | None:
    raw = ";".join(headers.getlist("cookie"))
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:  # a malformed header: no cookie the registry knows
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class _Counted:
    """``receive`` that counts body bytes and stops at one past the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.received = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                raise BodyTooLarge(self.limit)
        return message

    async def read_all(self) -> bytes:
        chunks = []
        while True:
            message = await self()
            if message["type"] != "http.request":
                break  # the client went away: what came is all there is
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # http.disconnect when the client goes

    return replay


def check_plain_json(body: bytes) -> None:
    """Raise ``NotPlainJson`` for NaN/Infinity or a duplicate key; syntax errors are left to
    the endpoint's own parsing (FastAPI answers them 422)."""
    try:
        json.loads(body, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except NotPlainJson:
        raise
    except json.JSONDecodeError:
        return
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        raise NotPlainJson(f"the body is not usable JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise NotPlainJson(f"the body contains {name}, which is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise NotPlainJson(f"the body has the key {key!r} twice in one object")
        seen[key] = value
    return seen
