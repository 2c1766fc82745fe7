"""``jcstar watch``: follow model or registration numbers, choose where notifications go, and
see what was delivered (a procurer's or a vendor's own, with its token)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jcstar.cli.common import FormatOption, TextFormat, console, fail, print_json, print_table
from jcstar.cli.registry_options import RegistryOption, TokenOption, connect, registry_errors

if TYPE_CHECKING:
    from jcstar.client import RegistryClient

app = typer.Typer(
    help="Follow labels by model or registration number and get notified.", no_args_is_help=True
)
channel_app = typer.Typer(help="Where notifications go: webhooks and e-mail.", no_args_is_help=True)
app.add_typer(channel_app, name="channel")

#: numbers per request (the registry's limit)
BATCH = 10_000
#: column names a model list may use for its numbers (else the first column)
NUMBER_COLUMNS = ("model", "model_number", "型番", "registration_no", "number")


def numbers_in(path: Path) -> list[str]:
    """The numbers in a CSV file (a column named as in ``NUMBER_COLUMNS``, else the first
    column; a header row is recognised by such a name) or a text file, one per line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"--file {path}: cannot read it ({exc.strerror or exc})")
    except UnicodeDecodeError:
        fail(f"--file {path}: not UTF-8 text (save the list as CSV UTF-8)")
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        fail(f"--file {path}: no numbers in it")
    header = [cell.strip().casefold() for cell in rows[0]]
    column = next((header.index(name) for name in NUMBER_COLUMNS if name in header), None)
    if column is not None:
        rows = rows[1:]
    column = column or 0
    found = [row[column].strip() for row in rows if len(row) > column and row[column].strip()]
    if not found:
        fail(f"--file {path}: no numbers in column {column + 1}")
    return found


@app.command()
def add(
    registry: RegistryOption,
    token: TokenOption,
    numbers: Annotated[list[str] | None, typer.Argument(metavar="NUMBER...")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", metavar="FILE", help="CSV (a model column, or the first) or text"),
    ] = None,
    registration: Annotated[
        bool, typer.Option("--registration", help="The numbers are registration numbers")
    ] = False,
    remind_days: Annotated[
        int | None,
        typer.Option(min=1, max=730, help="Remind this many days before expiry (default 90, 42)"),
    ] = None,
) -> None:
    """Follow model numbers (or registration numbers) given here and/or in a file."""
    wanted = list(numbers or []) + (numbers_in(file) if file else [])
    if not wanted:
        fail("give numbers to follow, or --file")
    kind = "registration" if registration else "model"
    added = already = 0
    total = 0
    with connect(registry, token) as client, registry_errors():
        for start in range(0, len(wanted), BATCH):
            answer = client.add_watches(wanted[start : start + BATCH], kind, remind_days)
            added += answer["added"]
            already += answer["already_watched"]
            total = answer["total"]
    console.print(f"following {added} more {kind} numbers ({already} already); {total} in all")


@app.command("list")
def list_watches(
    registry: RegistryOption, token: TokenOption, fmt: FormatOption = TextFormat.table
) -> None:
    """The numbers your organisation follows."""
    with connect(registry, token) as client, registry_errors():
        items = _all_watches(client)
    if fmt is TextFormat.json:
        print_json(items)
        return
    rows = [
        (str(w["id"]), w["kind"], w["number"], str(w["remind_days"] or ""), w["created_at"])
        for w in items
    ]
    print_table("watch list", ("id", "kind", "number", "remind days", "since"), rows)


def _all_watches(client: RegistryClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.watches(offset=len(items))
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


@app.command()
def remove(
    registry: RegistryOption,
    token: TokenOption,
    numbers: Annotated[list[str], typer.Argument(metavar="NUMBER...")],
) -> None:
    """Stop following these numbers (matched in the registry's normal form)."""
    removed = 0
    with connect(registry, token) as client, registry_errors():
        for number in numbers:
            found = client.watches(number=number)["items"]
            if not found:
                fail(f"{number}: not on your watch list")
            for watch in found:
                client.remove_watch(watch["id"])
                removed += 1
    console.print(f"removed {removed} watches")


@app.command()
def deliveries(
    registry: RegistryOption,
    token: TokenOption,
    state: Annotated[
        str | None, typer.Option(help="pending, delivered or failed", metavar="STATE")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    fmt: FormatOption = TextFormat.table,
) -> None:
    """Your organisation's notifications, newest first."""
    if state not in (None, "pending", "delivered", "failed"):
        fail(f"--state {state!r}: one of pending, delivered, failed")
    with connect(registry, token) as client, registry_errors():
        answer = client.deliveries(state, limit)
    if fmt is TextFormat.json:
        print_json(answer)
        return
    rows = [
        (
            d["delivery_id"],
            d["event"],
            d["registration_no"] or "",
            d["channel"],
            d["state"],
            str(d["attempts"]),
            d["last_error"] or "",
        )
        for d in answer["items"]
    ]
    columns = ("delivery id", "event", "label", "channel", "state", "attempts", "last error")
    print_table(f"deliveries ({answer['total']})", columns, rows)


@app.command()
def retry(
    registry: RegistryOption,
    token: TokenOption,
    delivery_id: Annotated[str, typer.Argument(metavar="DELIVERY_ID")],
) -> None:
    """Send a failed delivery again (same delivery id)."""
    with connect(registry, token) as client, registry_errors():
        answer = client.retry_delivery(delivery_id)
    console.print(f"delivery {answer['delivery_id']} is {answer['state']} again")


@channel_app.command("add")
def add_channel(
    registry: RegistryOption,
    token: TokenOption,
    webhook: Annotated[str | None, typer.Option(metavar="URL", help="A webhook URL")] = None,
    email: Annotated[str | None, typer.Option(metavar="ADDR", help="An e-mail address")] = None,
) -> None:
    """Add a webhook (its signing secret is printed once: keep it) or an e-mail address."""
    if (webhook is None) == (email is None):
        fail("give exactly one of --webhook URL and --email ADDR")
    with connect(registry, token) as client, registry_errors():
        made = client.add_channel(webhook_url=webhook, email=email)
    console.print(f"channel {made['id']}: {made['kind']} {made['target']}", highlight=False)
    if made.get("secret"):
        console.print(f"signing secret (shown once): {made['secret']}", highlight=False)


@channel_app.command("list")
def list_channels(registry: RegistryOption, token: TokenOption) -> None:
    with connect(registry, token) as client, registry_errors():
        items = client.channels()["items"]
    rows = [(str(c["id"]), c["kind"], c["target"], c["created_at"]) for c in items]
    print_table("notification channels", ("id", "kind", "target", "since"), rows)


@channel_app.command("remove")
def remove_channel(
    registry: RegistryOption,
    token: TokenOption,
    channel_id: Annotated[int, typer.Argument(metavar="ID")],
) -> None:
    with connect(registry, token) as client, registry_errors():
        client.remove_channel(channel_id)
    console.print(f"channel {channel_id} removed")
