"""What the registry commands (apply, review, label, log) share: options and error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import (
    EXIT_DENIED,
    EXIT_NOT_CONFORMANT,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    fail,
)

if TYPE_CHECKING:
    from jcstar.client import RegistryClient

RegistryOption = Annotated[
    str,
    typer.Option("--registry", envvar="JCSTAR_REGISTRY", metavar="URL", help="Registry base URL"),
]
OptionalRegistryOption = Annotated[
    str | None,
    typer.Option("--registry", envvar="JCSTAR_REGISTRY", metavar="URL", help="Registry base URL"),
]
TokenOption = Annotated[
    str,
    typer.Option("--token", envvar="JCSTAR_TOKEN", metavar="T", help="API token"),
]
OptionalTokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="JCSTAR_TOKEN", metavar="T", help="API token"),
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", metavar="TEXT", help="Reason, recorded with the change")
]


def exit_code_for(status: int) -> int:
    """422 is a refusal of content (like a failed assessment); 401/403 who you are; else input."""
    if status == 422:
        return EXIT_NOT_CONFORMANT
    if status in (401, 403):
        return EXIT_DENIED
    if status >= 500:
        return EXIT_UNAVAILABLE
    return EXIT_USAGE


@contextmanager
def registry_errors() -> Iterator[None]:
    """The registry's one-line ``detail`` as the command's error, with a distinct exit code."""
    # the HTTP client is imported when a command talks to a registry, not for its --help
    from jcstar.client import RegistryError, RegistryUnavailable

    try:
        yield
    except RegistryError as exc:
        fail(f"registry refused ({exc.status}): {exc.detail}", exit_code_for(exc.status))
    except RegistryUnavailable as exc:
        fail(str(exc), EXIT_UNAVAILABLE)


def connect(registry: str, token: str | None = None) -> RegistryClient:
    from jcstar.client import RegistryClient

    try:
        return RegistryClient(registry, token)
    except ValueError as exc:
        fail(str(exc))
