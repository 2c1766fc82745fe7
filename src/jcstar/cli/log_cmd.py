"""``jcstar log verify``: recompute the registry's transparency log chain on this machine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Annotated, Any

import typer

from jcstar.cli.common import EXIT_NOT_CONFORMANT, TextFormat, console, print_json
from jcstar.cli.label_cmd import FormatOption
from jcstar.cli.registry_options import RegistryOption, connect, registry_errors
from jcstar.client.log_chain import check_chain, fetch_entries

app = typer.Typer(help="The registry's transparency log.", no_args_is_help=True)


def _watching(entries: Iterable[dict[str, Any]], head: str, seen: list[bool]) -> Iterator[Any]:
    for entry in entries:
        if entry.get("hash") == head:
            seen.append(True)
        yield entry


@app.command()
def verify(
    registry: RegistryOption,
    head: Annotated[
        str | None,
        typer.Option(
            metavar="HASH",
            help="A head printed by an earlier verify: it must still be in the chain",
        ),
    ] = None,
    fmt: FormatOption = TextFormat.table,
) -> None:
    """Fetch every log entry and recompute the hash chain here (not trusting /log/verify).

    A registry could rewrite its whole history with fresh hashes; --head HASH (kept from an
    earlier run) catches that. Exit 0 the chain is intact, 1 broken (the first bad entry is
    named) or the earlier head is gone, 5 registry unreachable.
    """
    seen: list[bool] = []
    with connect(registry) as client, registry_errors():
        entries = fetch_entries(client)
        result = check_chain(_watching(entries, head, seen) if head else entries)
    if result.ok and head and not seen:
        result = replace(
            result, ok=False, problem=f"earlier head {head} is not in the chain (history rewritten)"
        )
    if fmt is TextFormat.json:
        print_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "head": result.head,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            }
        )
    elif result.ok:
        console.print(
            f"log intact: {result.entries} entries, head {result.head}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        held = f" ({result.entries} entries before it hold)" if result.first_bad_seq else ""
        console.print(
            f"[bold red]log broken[/]: {result.problem}{held}", highlight=False, soft_wrap=True
        )
    if not result.ok:
        raise typer.Exit(EXIT_NOT_CONFORMANT)
