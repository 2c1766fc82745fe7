"""What the buyer's-side commands share (``procure check``, ``procure system``, ``audit``):
where labels are read from (a live registry or a signed snapshot), the day to judge, the
policy, and the options that say so, declared once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import fail, input_errors
from jcstar.cli.registry_options import registry_errors
from jcstar.procurement.loader import PolicyError, load_policy, shipped_policy_names
from jcstar.procurement.models import IMPORTANCES, Importance, Policy

if TYPE_CHECKING:
    from jcstar.client.status import StatusSource


class ImportanceOption(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


PolicyOption = Annotated[
    str,
    typer.Option(
        "--policy",
        metavar="NAME|FILE",
        help=f"A shipped policy ({', '.join(shipped_policy_names())}) or a policy YAML file",
    ),
]


DayOption = Annotated[
    str | None,
    typer.Option(metavar="DATE", help="The day to judge (YYYY-MM-DD; default today, UTC)"),
]
RegistryOption = Annotated[
    str | None,
    typer.Option("--registry", envvar="JCSTAR_REGISTRY", metavar="URL", help="Registry base URL"),
]
SnapshotOption = Annotated[
    Path | None, typer.Option(metavar="FILE", help="A signed registry snapshot, read offline")
]
SigOption = Annotated[
    Path | None,
    typer.Option(metavar="F", help="The snapshot's signature (default: snapshot.sig beside it)"),
]
JwksOption = Annotated[
    str | None,
    typer.Option(metavar="F", help="The registry's keys you trust (default: jwks.json beside it)"),
]


def policy_for(name_or_file: str) -> Policy:
    """The policy, loaded and linted; a problem is a one-line error (exit 2)."""
    from jcstar.procurement.lint import lint_policy

    with input_errors(PolicyError):
        policy = load_policy(name_or_file)
    if name_or_file not in shipped_policy_names():
        problems = lint_policy(policy, name_or_file)
        if problems:
            fail(str(problems[0]))
    return policy


def open_source(
    registry: str | None, snapshot: Path | None, sig: Path | None, jwks: str | None
) -> StatusSource:
    """Where labels are read from: a live registry's bulk endpoint or a signed snapshot."""
    if registry and snapshot:
        fail("give --registry URL or --snapshot FILE, not both")
    if snapshot is not None:
        return _snapshot_source(snapshot, sig, jwks)
    if registry:
        from jcstar.client.bulk import RegistryStatusSource

        with input_errors(ValueError):
            return RegistryStatusSource(registry)
    fail("give --registry URL (or JCSTAR_REGISTRY) or --snapshot FILE: where to read labels from")


def _snapshot_source(snapshot: Path, sig: Path | None, jwks: str | None) -> StatusSource:
    """A snapshot verified offline with the keys the user trusts; the signature and the keys
    default to ``snapshot.sig`` and ``jwks.json`` beside it, as ``jcstar snapshot fetch``
    saves them (the same defaults as ``jcstar snapshot verify``)."""
    from jcstar.cli.snapshot_cmd import JWKS_FILE, SIGNATURE_FILE
    from jcstar.client.snapshot import SnapshotStatusSource
    from jcstar.client.verify import LabelInputError, trusted_keys

    if not snapshot.is_file():
        fail(f"--snapshot {snapshot}: no such file")
    signature = sig or snapshot.with_name(SIGNATURE_FILE)
    if not signature.is_file():
        fail(f"{signature}: no such signature file (give --sig FILE)")
    with registry_errors(), input_errors(LabelInputError):
        keys = trusted_keys(jwks or str(snapshot.with_name(JWKS_FILE)), None)
    # a snapshot that does not verify is bad input here: nothing in it is used
    with input_errors(ValueError):
        return SnapshotStatusSource(snapshot, signature, keys)
    raise AssertionError("unreachable")  # input_errors exits on a problem


def importance_of(option: ImportanceOption | None) -> Importance | None:
    return next((i for i in IMPORTANCES if option is not None and i == option.value), None)


def day_of(text: str | None) -> dt.date:
    if text is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--on {text}: not a date (YYYY-MM-DD)")


def check_product_types(
    policy: Policy, product_type: str | None, lines: list[tuple[str | None, str | None]]
) -> None:
    known = [t.id for t in policy.product_types]
    given = [("--product-type", product_type)] + [
        (f"{where}: product_type", t) for where, t in lines
    ]
    for where, type_id in given:
        if type_id is not None and type_id not in known:
            names = ", ".join(known) if known else "none"
            fail(f"{where} {type_id}: not a product type of policy {policy.id} (known: {names})")
