"""``jcstar registry check-claim``: may a product be sold as "applied for" or labelled?

For a marketplace or a buyer checking a listing: the registry's public claim check, no token.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from jcstar.cli.common import EXIT_NOT_CONFORMANT, err_console, fail, print_json
from jcstar.cli.registry_options import RegistryOption, connect, registry_errors

app = typer.Typer(help="Public questions to a label registry.", no_args_is_help=True)


def _line(match: dict[str, Any]) -> str:
    who = f"{match['vendor']} ★{match['level']} {match['model_number']}"
    number = match.get("acceptance_no") or "no acceptance number"
    if match["state"] == "approved":
        return f"label {match['registration_no']} ({match['label_status']}), {who}, {number}"
    return f"{match['state']} application {number}, {who}"


@app.command("check-claim")
def check_claim(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="The model number claimed")],
    registry: RegistryOption,
) -> None:
    """Is there an accepted application, or a valid label, for MODEL?

    A vendor may claim 「適合ラベル取得申請中」 (applied for) only once the operator has
    accepted its application and given an acceptance number. Prints the registry's answer as
    JSON, a summary on stderr. Exit 0 the claim is backed, 1 it is not, 2 bad input,
    5 registry unreachable.
    """
    if not model.strip():
        fail("check-claim needs a MODEL number")
    with connect(registry) as client, registry_errors():
        answer = client.check_claim(model.strip())
    backed = bool(answer.get("accepted"))
    verdict = "BACKED" if backed else "NOT BACKED"
    err_console.print(f"{verdict}: {answer.get('model')}", highlight=False)
    for match in answer.get("matches", []):
        err_console.print(f"  {_line(match)}", highlight=False)
    print_json(answer)
    if not backed:
        raise typer.Exit(EXIT_NOT_CONFORMANT)
