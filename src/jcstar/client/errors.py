"""What can go wrong talking to the registry, as one-line messages."""

from __future__ import annotations

from typing import Any

import httpx


class RegistryError(Exception):
    """The registry answered with an error status; ``detail`` is its one-line reason."""

    def __init__(self, status: int, detail: str, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {status} {detail}")
        self.status = status
        self.detail = detail


class RegistryUnavailable(Exception):
    """The registry could not be reached, timed out, or answered with something not JSON."""


def detail_line(response: httpx.Response) -> str:
    """The server's ``{"detail": ...}`` as one line (validation lists are joined)."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:200] if text else response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):  # FastAPI's request validation errors
        return "; ".join(_validation_item(item) for item in detail) or response.reason_phrase
    return response.reason_phrase


def _validation_item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = ".".join(str(part) for part in item.get("loc", []) if part != "body")
    message = str(item.get("msg", "invalid"))
    return f"{where}: {message}" if where else message
