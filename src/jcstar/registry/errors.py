"""Errors the services raise; the app turns each into its HTTP status and a one-line detail."""

from __future__ import annotations

from collections.abc import Mapping


class RegistryError(Exception):
    status = 400

    def __init__(
        self,
        detail: str,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        #: response headers the answer needs (e.g. Retry-After)
        self.headers = headers or {}
        #: what ``detail`` says, for the portal to say it in the reader's language
        #: (``web/messages/refusals.py``); the API answers ``detail`` alone. None: English only.
        self.code = code
        self.params: Mapping[str, object] = params or {}


class BadRequest(RegistryError):
    status = 400


class Unauthorized(RegistryError):
    status = 401


class Forbidden(RegistryError):
    status = 403


class NotFound(RegistryError):
    status = 404


class Conflict(RegistryError):
    """The record is not in a state that allows this action."""

    status = 409


class TooLarge(RegistryError):
    status = 413


class UnsupportedType(RegistryError):
    status = 415


class Unprocessable(RegistryError):
    """Well-formed content that does not hold (a requirement not met, a broken report)."""

    status = 422


class TooManyRequests(RegistryError):
    """Refused for now; ``Retry-After`` says when to try again."""

    status = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, {"Retry-After": str(retry_after)})
