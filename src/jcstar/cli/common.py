"""What every command shares: exit codes, one-line errors, output writing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Exit codes are part of the interface: scripts and CI rely on them.
EXIT_OK = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
# the registry commands: the registry refused who you are (401 token, 403 role), or could not
# be reached, timed out or failed (5xx)
EXIT_DENIED = 4
EXIT_UNAVAILABLE = 5
# stopped by Ctrl-C (128 + SIGINT, as shells report it); a fleet probe resumes where it stopped
EXIT_INTERRUPTED = 130

# messages are never wrapped at the terminal's width: a line that scripts and tests read
# (an error, "run again to resume") stays one line whatever the width; tables still fit it
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class TextFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[TextFormat, typer.Option("--format", help="json or table")]


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    show_lines: bool = False,
    caption: str | None = None,
) -> None:
    """The one way commands print a table, so every table looks alike."""
    table = Table(title=title, show_lines=show_lines, caption=caption, caption_justify="left")
    for column in columns:
        # a word longer than its column (a rule id, a model number) folds onto the next line
        # rather than being cut short with "…": nothing a reader needs is hidden
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one line naming what was wrong, and exit; never a traceback."""
    # the message is text, not markup: "jcstar[registry]" or "[SQL: …]" must print as written
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def input_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the library's input errors into a one-line message and exit code 2."""
    try:
        yield
    except kinds as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        fail(str(text))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_output(data: bytes, output: Path | None, binary: bool = False) -> None:
    if output is None:
        if binary:
            fail("this format is binary: give -o FILE")
        sys.stdout.write(data.decode("utf-8"))
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror}")
    err_console.print(f"wrote {output}", highlight=False)


#: ``--also``: other schemes one assessment answers too (``plan`` and ``assess``)
AlsoOption = Annotated[
    list[str] | None,
    typer.Option(
        "--also",
        metavar="SCHEME[,SCHEME…]",
        help="Other schemes to answer in the same assessment (cls-1, psti, …): their "
        "requirements the level does not cover are added with their checks and questions, and "
        "`report project` then answers them from the report",
    ),
]
#: ``--operator-requirements``: the operator's requirement files for ★3 categories
OperatorRequirementsOption = Annotated[
    Path | None,
    typer.Option(
        "--operator-requirements",
        metavar="DIR",
        help="The operator's requirement files for ★3 categories "
        "(default: $JCSTAR_OPERATOR_REQUIREMENTS)",
    ),
]


def also_schemes(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--also``'s schemes, given repeated or comma-separated (``--also cls-1,psti``)."""
    return tuple(
        name.strip() for value in values or () for name in value.split(",") if name.strip()
    )
