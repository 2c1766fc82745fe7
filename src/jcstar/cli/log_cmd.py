"""``jcstar log verify``: recompute the registry's transparency log on this machine, check its
signed head, and compare every label the log describes with what the registry publishes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jcstar.cli.common import (
    EXIT_NOT_CONFORMANT,
    FormatOption,
    TextFormat,
    console,
    fail,
    print_json,
)
from jcstar.cli.registry_options import RegistryOption, connect, registry_errors

if TYPE_CHECKING:
    from jcstar.client.log_chain import LogAudit

app = typer.Typer(help="The registry's transparency log.", no_args_is_help=True)


def _read_checkpoint(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"--checkpoint {path}: cannot read it ({exc.strerror or exc})")
    except ValueError:
        fail(f"--checkpoint {path}: not JSON (save one with --save-checkpoint)")
    if not isinstance(data, dict):
        fail(f"--checkpoint {path}: not a checkpoint object")
    return data


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
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="A signed checkpoint kept from before: today's log must extend it",
        ),
    ] = None,
    save_checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Keep the latest signed checkpoint here when the log verifies"
        ),
    ] = None,
    fmt: FormatOption = TextFormat.table,
) -> None:
    """Fetch every log entry and check it here (not trusting /log/verify): the hash chain;
    the latest signed checkpoint (its signature against the registry's JWKS, and the chain's
    entry at its size has the head it signed, so a rewritten history fails without --head);
    then each label replayed from the signed log against what the registry publishes.

    Exit 0 all holds, 1 something does not (each problem named), 2 bad --checkpoint file,
    5 registry unreachable.
    """
    # the label library (signature checks) is imported only to verify
    from jcstar.client.log_chain import audit
    from jcstar.labels.errors import LabelFormatError

    kept = _read_checkpoint(checkpoint) if checkpoint else None
    with connect(registry) as client, registry_errors():
        try:
            result = audit(client, dt.datetime.now(dt.UTC).date(), kept, head)
        except LabelFormatError as exc:
            fail(f"registry JWKS: {exc}", EXIT_NOT_CONFORMANT)
    ok = result.ok
    if fmt is TextFormat.json:
        print_json(
            {
                "ok": ok,
                "entries": result.chain.entries,
                "head": result.chain.head,
                "first_bad_seq": result.chain.first_bad_seq,
                "problem": result.chain.problem,
                "signed_size": (result.checkpoint or {}).get("size"),
                "labels_compared": result.labels_compared,
                "problems": list(result.problems),
            }
        )
    else:
        _print(result)
    if not ok:
        raise typer.Exit(EXIT_NOT_CONFORMANT)
    if save_checkpoint and result.checkpoint is not None:
        save_checkpoint.write_text(json.dumps(result.checkpoint, indent=2) + "\n", "utf-8")


def _print(result: LogAudit) -> None:
    chain = result.chain
    if chain.ok:
        signed = (result.checkpoint or {}).get("size", 0)
        console.print(
            f"log intact: {chain.entries} entries, head {chain.head} (signed checkpoint at "
            f"size {signed}; {result.labels_compared} labels replayed and compared)",
            highlight=False,
            soft_wrap=True,
        )
    else:
        held = f" ({chain.entries} entries before it hold)" if chain.first_bad_seq else ""
        console.print(
            f"[bold red]log broken[/]: {chain.problem}{held}", highlight=False, soft_wrap=True
        )
    for problem in result.problems:
        console.print(f"[bold red]problem[/]: {problem}", highlight=False, soft_wrap=True)
    if result.ok:
        console.print("log verified: the registry agrees with its signed log", highlight=False)
