"""``jcstar review``: the scheme operator moves an application through review."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from jcstar.cli.common import err_console, fail, print_json
from jcstar.cli.registry_options import (
    ReasonOption,
    RegistryOption,
    TokenOption,
    connect,
    registry_errors,
)


class ReviewAction(StrEnum):
    accept = "accept"
    fee_paid = "fee-paid"
    start = "start"
    approve = "approve"
    return_ = "return"
    reject = "reject"


# the API's path for each action (docs/registry-api.md)
ENDPOINT = {ReviewAction.start: "start-review"}
NEEDS_REASON = (ReviewAction.return_, ReviewAction.reject)


def review(
    action: Annotated[
        ReviewAction,
        typer.Argument(help="accept, fee-paid, start, approve, return or reject"),
    ],
    application_id: Annotated[str, typer.Argument(metavar="APPLICATION_ID")],
    registry: RegistryOption,
    token: TokenOption,
    reason: ReasonOption = None,
    fee_jpy: Annotated[
        int | None,
        typer.Option(
            "--fee-jpy", min=0, metavar="YEN", help="accept: the fee, where the table has none"
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", metavar="REF", help="fee-paid: the payment's reference"),
    ] = None,
) -> None:
    """Review an application as the scheme operator.

    accept gives the acceptance number (受理番号) and invoices the fee (--fee-jpy only where
    the fee table has no amount); fee-paid records the payment (--reference); start and
    approve wait for it. Prints the application as JSON; approve prints the issued label.
    return and reject need --reason. Exit 0 done, 2 bad input or wrong state (409),
    4 token or role refused, 5 registry unreachable.
    """
    if action in NEEDS_REASON and not (reason and reason.strip()):
        fail(f"review {action.value} needs --reason TEXT (the vendor is told why)")
    if action is ReviewAction.fee_paid and not (reference and reference.strip()):
        fail("review fee-paid needs --reference REF (the payment's reference is recorded)")
    if fee_jpy is not None and action is not ReviewAction.accept:
        fail("--fee-jpy is for review accept only")
    with connect(registry, token) as client, registry_errors():
        if action is ReviewAction.accept:
            result = client.accept(application_id, fee_jpy)
        elif action is ReviewAction.fee_paid:
            assert reference is not None
            result = client.fee_paid(application_id, reference.strip())
        else:
            result = client.review(application_id, ENDPOINT.get(action, action.value), reason)
    if action in (ReviewAction.accept, ReviewAction.fee_paid):
        paid = "paid" if result.get("fee_paid_at") else "invoiced"
        fee = result.get("fee_jpy")
        err_console.print(
            f"{result.get('application_no')}: acceptance number {result.get('acceptance_no')}, "
            f"fee {'¥' + format(fee, ',') if fee is not None else 'not stated'} {paid}",
            highlight=False,
        )
    print_json(result)
