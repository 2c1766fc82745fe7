"""The ``jcstar`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from jcstar import __version__
from jcstar.cli import catalog_cmd, report_cmd
from jcstar.cli.assess_cmd import assess
from jcstar.cli.common import console
from jcstar.cli.crosswalk_cmd import crosswalk
from jcstar.cli.firmware_cmd import firmware
from jcstar.cli.plan_cmd import plan
from jcstar.cli.probe_cmd import probe

app = typer.Typer(
    name="jcstar",
    help="JC-STAR IoT security labelling: catalog, crosswalks, assessment and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(report_cmd.app, name="report")
app.command()(plan)
app.command()(assess)
app.command()(probe)
app.command()(firmware)
app.command()(crosswalk)


def _version(value: bool) -> None:
    if value:
        console.print(f"jcstar {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version")
    ] = False,
) -> None:
    """JC-STAR IoT security labelling."""


def run() -> None:
    app()
