"""``jcstar label``: look a label up, change its status (operator), verify a QR code."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jcstar.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_USAGE,
    FormatOption,
    TextFormat,
    fail,
    print_json,
    print_table,
)
from jcstar.cli.registry_options import (
    OptionalRegistryOption,
    OptionalTokenOption,
    ReasonOption,
    RegistryOption,
    TokenOption,
    connect,
    registry_errors,
)

if TYPE_CHECKING:
    from jcstar.labels import Verification

app = typer.Typer(help="Look up, change and verify labels.", no_args_is_help=True)


def show_label(label: dict[str, Any], fmt: TextFormat) -> None:
    if fmt is TextFormat.json:
        print_json(label)
        return
    fields = (
        "registration_no",
        "level",
        "status",
        "issued_on",
        "expires_on",
        "vendor",
        "product",
        "model_numbers",
        "support_period_end",
        "vulnerability_contact",
        "product_url",
    )
    rows = [(name, _text(label.get(name))) for name in fields]
    rows += [
        (
            f"history {entry.get('at', '')}",
            f"{entry.get('event', '')} → {entry.get('status')}"
            + (f": {entry['reason']}" if entry.get("reason") else ""),
        )
        for entry in label.get("status_history", [])
    ]
    print_table(f"label {label.get('registration_no', '')}", ("field", "value"), rows)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


@app.command()
def show(
    registration_no: Annotated[str, typer.Argument(metavar="REG_NO")],
    registry: RegistryOption,
    token: OptionalTokenOption = None,
    fmt: FormatOption = TextFormat.json,
) -> None:
    """Show a published label with its current status and history."""
    with connect(registry, token) as client, registry_errors():
        label = client.label(registration_no)
    show_label(label, fmt)


def _change(
    action: str,
    registration_no: str,
    registry: str,
    token: str,
    reason: str | None,
    fmt: TextFormat,
    reason_required: bool = True,
) -> None:
    """An operator's status change; every change but renewal is published with its reason."""
    if reason_required and not (reason and reason.strip()):
        fail(f"label {action} needs --reason TEXT (it is published with the change)")
    with connect(registry, token) as client, registry_errors():
        label = client.change_label(registration_no, action, reason)
    show_label(label, fmt)


@app.command()
def suspend(
    registration_no: Annotated[str, typer.Argument(metavar="REG_NO")],
    registry: RegistryOption,
    token: TokenOption,
    reason: ReasonOption = None,
    fmt: FormatOption = TextFormat.json,
) -> None:
    """Suspend a label (operator); the reason is published."""
    _change("suspend", registration_no, registry, token, reason, fmt)


@app.command()
def revoke(
    registration_no: Annotated[str, typer.Argument(metavar="REG_NO")],
    registry: RegistryOption,
    token: TokenOption,
    reason: ReasonOption = None,
    fmt: FormatOption = TextFormat.json,
) -> None:
    """Revoke a label (operator, final); the reason is published."""
    _change("revoke", registration_no, registry, token, reason, fmt)


@app.command()
def reinstate(
    registration_no: Annotated[str, typer.Argument(metavar="REG_NO")],
    registry: RegistryOption,
    token: TokenOption,
    reason: ReasonOption = None,
    fmt: FormatOption = TextFormat.json,
) -> None:
    """Lift a suspension (operator)."""
    _change("reinstate", registration_no, registry, token, reason, fmt)


@app.command()
def renew(
    registration_no: Annotated[str, typer.Argument(metavar="REG_NO")],
    registry: OptionalRegistryOption = None,
    token: OptionalTokenOption = None,
    reason: ReasonOption = None,
) -> None:
    """No longer a re-signing: a label is renewed by its maker's renewal application.

    Exits 2 with the command that does it (jcstar apply REPORT.json --renews REG_NO): the
    product is assessed again and the application reviewed like any other.
    """
    # the old options are still taken, so an old script gets this answer, not a usage error
    del registry, token, reason
    fail(
        f"labels are renewed by a renewal application with a current report: the maker runs "
        f"jcstar apply REPORT.json --renews {registration_no}, then the operator reviews it"
    )


def show_check(check: Verification, fmt: TextFormat) -> None:
    from jcstar.labels.verify import coverage

    if fmt is TextFormat.json:
        print_json(check.model_dump(mode="json", by_alias=False))
        return
    claims = check.claims
    rows = [
        ("verdict", "VALID" if check.valid else "INVALID"),
        ("reason", check.reason),
        ("registration_no", claims.registration_no if claims else ""),
        ("level", f"★{claims.level}" if claims else ""),
        ("product", f"{claims.vendor} {claims.product}" if claims else ""),
        ("model numbers", coverage(claims) if claims else ""),
        ("expires_on", str(claims.expires_on) if claims else ""),
        ("signing key", check.kid or ""),
        ("registry status", check.status or "not checked (offline)"),
    ]
    print_table("label verification", ("check", "result"), rows)


@app.command()
def verify(
    label: Annotated[
        str, typer.Argument(metavar="QR_TEXT_OR_IMAGE", help="QR text, or a PNG/JPEG of the QR")
    ],
    jwks: Annotated[
        str | None,
        typer.Option(metavar="FILE_OR_URL", help="The registry's published keys (JWKS)"),
    ] = None,
    registry: OptionalRegistryOption = None,
    fmt: FormatOption = TextFormat.table,
) -> None:
    """Verify a label's signature offline (--jwks) and its current status online (--registry).

    The QR text may be a compact seal (<registry>/L/<digits>) or a JWS label (<page>#<JWS>).

    Exit 0 valid, 1 invalid or not currently valid (the reason is printed), 2 bad input.
    Only keys you name are trusted, never keys the label points to; with --registry and no
    --jwks, the registry's published JWKS is fetched.
    """
    # the label library (signatures, QR decoding) is imported only to verify
    from jcstar.client.verify import LabelInputError, read_label_text, trusted_keys, verify_label

    if jwks is None and registry is None:
        fail("label verify needs --jwks FILE_OR_URL (offline) or --registry URL (online)")
    client = connect(registry) if registry else None
    try:
        with registry_errors():
            text = read_label_text(label)
            keys = trusted_keys(jwks, client)
            check = verify_label(text, keys, client, date.today())
    except LabelInputError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        if client is not None:
            client.close()
    show_check(check, fmt)
    if not check.valid:
        raise typer.Exit(EXIT_NOT_CONFORMANT)
