"""``jcstar review``: the scheme operator moves an application through review."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from jcstar.cli.common import fail, print_json
from jcstar.cli.registry_options import (
    ReasonOption,
    RegistryOption,
    TokenOption,
    connect,
    registry_errors,
)


class ReviewAction(StrEnum):
    accept = "accept"
    start = "start"
    approve = "approve"
    return_ = "return"
    reject = "reject"


# the API's path for each action (docs/registry-api.md)
ENDPOINT = {ReviewAction.start: "start-review"}
NEEDS_REASON = (ReviewAction.return_, ReviewAction.reject)


def review(
    action: Annotated[
        ReviewAction, typer.Argument(help="accept, start, approve, return or reject")
    ],
    application_id: Annotated[str, typer.Argument(metavar="APPLICATION_ID")],
    registry: RegistryOption,
    token: TokenOption,
    reason: ReasonOption = None,
) -> None:
    """Review an application as the scheme operator.

    Prints the application as JSON; approve prints the issued label (registration_no, qr).
    return and reject need --reason. Exit 0 done, 2 bad input or wrong state (409),
    4 token or role refused, 5 registry unreachable.
    """
    if action in NEEDS_REASON and not (reason and reason.strip()):
        fail(f"review {action.value} needs --reason TEXT (the vendor is told why)")
    with connect(registry, token) as client, registry_errors():
        result = client.review(application_id, ENDPOINT.get(action, action.value), reason)
    print_json(result)
