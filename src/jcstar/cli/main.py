"""The ``jcstar`` command.

Commands are listed here by name and one-line help; a command's module is imported only when
it runs (cli/lazy_group.py), so `jcstar --help` and `jcstar catalog list` do not import the
assessment engine, the checks, the label library or the registry.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jcstar import __version__
from jcstar.cli.common import console
from jcstar.cli.lazy_group import LazyCommand, LazyGroup


class JcstarGroup(LazyGroup):
    # in the order `jcstar --help` lists them
    lazy_commands = (
        LazyCommand(
            "plan",
            "jcstar.cli.plan_cmd:plan",
            "Show which requirements apply, which checks run and what the vendor must answer.",
        ),
        LazyCommand(
            "assess",
            "jcstar.cli.assess_cmd:assess",
            "Assess a product against its level's requirements.",
        ),
        LazyCommand(
            "probe",
            "jcstar.cli.probe_cmd:probe",
            "Probe a device over the network for ★1 evidence"
            " (S1.1-01, -02, -04, -10, -12, -13, -14).",
        ),
        LazyCommand(
            "firmware",
            "jcstar.cli.firmware_cmd:firmware",
            "Inspect a firmware image for ★1 evidence (S1.1-02, -06, -08, -11, -13).",
        ),
        LazyCommand(
            "declare",
            "jcstar.cli.declare_cmd:declare",
            "Write a declaration for another market (UK PSTI, EU CRA, ETSI EN 303 645 ICS).",
        ),
        LazyCommand(
            "crosswalk",
            "jcstar.cli.crosswalk_cmd:crosswalk",
            "For each requirement of TO, show what in FROM covers it, how, and why.",
        ),
        LazyCommand(
            "recognize",
            "jcstar.cli.recognize_cmd:recognize",
            "What holding one scheme gives towards another: waivers, links, what is left.",
        ),
        LazyCommand(
            "apply",
            "jcstar.cli.apply_cmd:apply",
            "Apply for a label: create the application, attach documents and submit it.",
        ),
        LazyCommand(
            "review",
            "jcstar.cli.review_cmd:review",
            "Review an application as the scheme operator.",
        ),
        LazyCommand(
            "serve",
            "jcstar.cli.serve_cmd:serve",
            "Run the label registry: API, product pages, search, JWKS and the transparency log.",
        ),
        LazyCommand(
            "catalog", "jcstar.cli.catalog_cmd:app", "Browse and check the requirement catalog."
        ),
        LazyCommand("report", "jcstar.cli.report_cmd:app", "Work with assessment reports."),
        LazyCommand("label", "jcstar.cli.label_cmd:app", "Look up, change and verify labels."),
        LazyCommand("log", "jcstar.cli.log_cmd:app", "The registry's transparency log."),
        LazyCommand(
            "admin", "jcstar.cli.admin_cmd:app", "Administer the registry's database directly."
        ),
        LazyCommand(
            "registry", "jcstar.cli.claim_cmd:app", "Public questions to a label registry."
        ),
        LazyCommand(
            "watch",
            "jcstar.cli.watch_cmd:app",
            "Follow labels by model or registration number and get notified.",
        ),
        LazyCommand(
            "snapshot",
            "jcstar.cli.snapshot_cmd:app",
            "A registry's signed snapshot of every label: fetch it, verify it offline.",
        ),
        LazyCommand(
            "procure",
            "jcstar.cli.procure_cmd:app",
            "Check model lists against procurement policies.",
        ),
        LazyCommand(
            "audit",
            "jcstar.cli.audit_cmd:audit",
            "Audit a deployed fleet: each device's label, firmware and own ★1 probe.",
        ),
    )


app = typer.Typer(
    name="jcstar",
    cls=JcstarGroup,
    help="JC-STAR IoT security labelling: catalog, crosswalks, assessment and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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
