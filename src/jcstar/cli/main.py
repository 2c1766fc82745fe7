"""The ``jcstar`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from jcstar import __version__
from jcstar.cli import admin_cmd, apply_cmd, catalog_cmd, label_cmd, log_cmd, report_cmd, review_cmd
from jcstar.cli.assess_cmd import assess
from jcstar.cli.claim_cmd import app as registry_app
from jcstar.cli.common import console
from jcstar.cli.crosswalk_cmd import crosswalk
from jcstar.cli.firmware_cmd import firmware
from jcstar.cli.plan_cmd import plan
from jcstar.cli.probe_cmd import probe
from jcstar.cli.serve_cmd import serve

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
app.command()(apply_cmd.apply)
app.command()(review_cmd.review)
app.add_typer(label_cmd.app, name="label")
app.add_typer(log_cmd.app, name="log")
app.command()(serve)
app.add_typer(admin_cmd.app, name="admin")
app.add_typer(registry_app, name="registry")


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
