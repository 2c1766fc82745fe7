"""The OpenAPI document, made to tell the truth about what each operation can answer.

FastAPI documents the success and its own 422 only. The statuses the registry's guards give
are read from each route itself, so a new endpoint is documented by what it declares:

- 401 and 403, and the two ways to sign in, where the route depends on ``signed_in``;
- 404 where the path names a record (``_ids_in_range`` and every ``find``/``load``);
- 413 on every operation: ``limits.BodyGuard`` counts any body, wanted or not;
- 415 and 422 on every write: a body that is not JSON (or, for an upload, not a form), or JSON
  with NaN or a repeated key, is refused before the operation sees it;
- 409 only where the route declares it (``responses=CONFLICT``): a state check is a fact of
  the service, not of the route's shape;
- every error answer's body as the app sends it: ``{"detail": "one line"}``, or for a request
  that fails validation ``{"detail": [{type, loc, msg, ctx?}]}`` with no input echoed back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from jcstar.registry.limits import route_rules

#: declare on a route whose service refuses a change the record's state does not allow
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The record's state does not allow this (the detail names it)"}
}

_ERROR = {"$ref": "#/components/schemas/Error"}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "title": "Error",
        "type": "object",
        "properties": {"detail": {"type": "string", "title": "Detail"}},
        "required": ["detail"],
        "additionalProperties": False,
    },
    "InvalidField": {
        "title": "InvalidField",
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "ctx": {"type": "object"},
        },
        "required": ["type", "loc", "msg"],
        "additionalProperties": False,
    },
    "InvalidRequest": {
        "title": "InvalidRequest",
        "type": "object",
        "properties": {
            "detail": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/InvalidField"}},
                ]
            }
        },
        "required": ["detail"],
        "additionalProperties": False,
    },
}
_SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`jcstar admin create-token`)",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "jcstar_session",
        "description": "A person's session after `POST /api/v1/auth/login`",
    },
}
_GUARDS: dict[int, str] = {
    401: "Not signed in, or the token is unknown or expired",
    403: "Signed in, but not allowed to do this",
    404: "No such record, or one the caller may not see",
    409: CONFLICT[409]["description"],
    413: "The body is larger than the registry accepts",
    415: "The body is not of a type this operation accepts",
    422: "The request is malformed or its content does not hold",
    429: "Too many attempts; wait `Retry-After` seconds",
}
_WRITES = {"post", "put", "patch", "delete"}


def install(app: FastAPI, routes: Sequence[BaseRoute], signed_in: Callable[..., Any]) -> None:
    """Replace ``app.openapi`` with one that documents the registry's guards."""
    rules = {id(rule.route): rule for rule in route_rules(routes, signed_in)}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            # the routers' own routes: FastAPI keeps included ones apart from ``app.routes``
            _document_guards(document, [*app.routes, *routes], rules)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_guards(
    document: dict[str, Any], routes: Sequence[BaseRoute], rules: dict[int, Any]
) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_SCHEMAS)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = _SECURITY_SCHEMES
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        rule = rules.get(id(route))
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document(operation, method.lower(), route, bool(rule and rule.signed_in))


def _document(operation: dict[str, Any], method: str, route: APIRoute, signed_in: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    statuses = {413}
    if signed_in:
        operation["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
        statuses |= {401, 403}
    if route.param_convertors:
        statuses.add(404)
    if method in _WRITES:
        statuses |= {415, 422}
    for status in sorted(statuses):
        responses.setdefault(str(status), {"description": _GUARDS[status]})
    for code, response in responses.items():
        if not code.isdigit() or int(code) < 400:
            continue
        body = (
            {"schema": {"$ref": "#/components/schemas/InvalidRequest"}}
            if code == "422"
            else {"schema": _ERROR}
        )
        response["content"] = {"application/json": body}
        if not response.get("description") or response["description"] == "Validation Error":
            response["description"] = _GUARDS.get(int(code), "Refused")
