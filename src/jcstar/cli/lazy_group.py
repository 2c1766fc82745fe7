"""A command group that imports a command's module only when that command is used.

Typer builds every command up front, so `jcstar --help` used to import the assessment engine,
every check, the registry and the label library (about a second of CPU). Here each command is
named with its one-line help; the top-level help lists those lines, and a command's module is
imported when the command runs or its own --help is asked. Click documents the same pattern
as "lazily loading subcommands".
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from jcstar.cli.common import fail
from jcstar.cli.extras import missing_extra, needs_extra_message

if TYPE_CHECKING:
    # Typer carries its own copy of Click; these are the classes its groups are typed with
    from typer._click import Command, Context, HelpFormatter


@dataclass(frozen=True)
class LazyCommand:
    name: str
    # "module:attribute": a command function, or a typer.Typer app for a command group
    target: str
    # the first line of the command's help, as `jcstar --help` lists it; a test checks it
    # against the command's own help so the two cannot drift apart
    help: str


class LazyGroup(TyperGroup):
    """Subclass with `lazy_commands` set; pass it as `typer.Typer(cls=...)`."""

    lazy_commands: ClassVar[tuple[LazyCommand, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._suggest = self.suggest_commands
        self.suggest_commands = False
        self._listing = False

    @property
    def _lazy(self) -> dict[str, LazyCommand]:
        return {entry.name: entry for entry in self.lazy_commands}

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(entry.name for entry in self.lazy_commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        entry = self._lazy.get(cmd_name)
        if command is not None or entry is None:
            return command
        if self._listing:
            # the help listing needs a name and a line, not the command itself
            return TyperCommand(name=entry.name, help=entry.help)
        command = load_command(entry)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        with self._only_listing():
            super().format_help(ctx, formatter)

    @contextmanager
    def _only_listing(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        # Typer suggests only among the commands already built; suggest among all of them
        name = args[0] if args else ""
        names = self.list_commands(ctx)
        if self._suggest and name and not name.startswith("-") and name not in names:
            matches = difflib.get_close_matches(name, names)
            if matches:
                suggestions = ", ".join(repr(match) for match in matches)
                ctx.fail(f"No such command {name!r}. Did you mean {suggestions}?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            # a command imports its heavy modules when it runs: name the extra to install
            extra = missing_extra(exc)
            if extra is None:
                raise
            fail(needs_extra_message(f"jcstar {ctx.invoked_subcommand}", extra))


def load_command(entry: LazyCommand) -> Command:
    """Import the command's module and build the command exactly as Typer would have."""
    module_name, _, attribute = entry.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc)
        if extra is None:
            raise
        fail(needs_extra_message(f"jcstar {entry.name}", extra))
    target = getattr(module, attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=entry.name)
    else:
        holder.command(name=entry.name)(target)
    group = typer.main.get_group(holder)
    return group.commands[entry.name]
