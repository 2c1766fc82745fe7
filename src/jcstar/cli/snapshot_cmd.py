"""``jcstar snapshot``: download a registry's signed snapshot and verify one offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import EXIT_NOT_CONFORMANT, EXIT_USAGE, console, fail, print_table
from jcstar.cli.registry_options import RegistryOption, connect, registry_errors

if TYPE_CHECKING:
    from jcstar.client.snapshot import SnapshotInfo

app = typer.Typer(
    help="A registry's signed snapshot of every label: fetch it, verify it offline.",
    no_args_is_help=True,
)

SNAPSHOT_FILE = "snapshot.jsonl"
SIGNATURE_FILE = "snapshot.sig"
JWKS_FILE = "jwks.json"
#: a snapshot changed between downloading it and its signature: tries before giving up
FETCH_TRIES = 3


def _show(info: SnapshotInfo, snapshot: Path) -> None:
    rows = [
        ("snapshot", str(snapshot)),
        ("serial", str(info.serial)),
        ("records", f"{info.count:,}"),
        ("issued at", info.issued_at.isoformat()),
        ("next update", info.next_update.isoformat() + ("  (STALE)" if info.stale else "")),
        ("issuer", info.issuer),
        ("signing key", info.kid),
        ("sha256", info.sha256),
    ]
    print_table("snapshot verified", ("field", "value"), rows)
    if info.stale:
        console.print(
            "warning: past its next update: the registry has published a newer snapshot; "
            "fetch it again for current status"
        )


@app.command()
def fetch(
    registry: RegistryOption,
    out_dir: Annotated[
        Path, typer.Option("-o", "--out-dir", help="Where to write the three files")
    ] = Path("."),
) -> None:
    """Download the snapshot, its signature and the registry's JWKS into OUT_DIR, and verify.

    Exit 0 verified, 1 verification failed, 2 bad input, 5 registry unreachable.
    """
    import json

    from jcstar.client.snapshot import verify_snapshot
    from jcstar.labels.errors import LabelFormatError
    from jcstar.labels.snapshot_format import SnapshotError
    from jcstar.labels.verify import TrustedKeys

    out_dir.mkdir(parents=True, exist_ok=True)
    snapshot, signature, jwks_path = (
        out_dir / SNAPSHOT_FILE,
        out_dir / SIGNATURE_FILE,
        out_dir / JWKS_FILE,
    )
    with connect(registry) as client, registry_errors():
        jwks = client.jwks()
        try:
            trusted = TrustedKeys.from_jwks(jwks)
        except LabelFormatError as exc:
            fail(f"the registry's JWKS is unusable: {exc}", EXIT_NOT_CONFORMANT)
        jwks_path.write_text(json.dumps(jwks, indent=2) + "\n", encoding="utf-8")
        for attempt in range(1, FETCH_TRIES + 1):
            client.download("/api/v1/public/snapshot.sig", signature)
            client.download("/api/v1/public/snapshot", snapshot)
            try:
                info = verify_snapshot(snapshot, signature, trusted)
                break
            except SnapshotError as exc:
                # a label changed between the two downloads: the next pair agrees
                if "digest mismatch" not in str(exc) or attempt == FETCH_TRIES:
                    fail(
                        f"snapshot from {registry} failed verification: {exc}", EXIT_NOT_CONFORMANT
                    )
    _show(info, snapshot)


@app.command()
def verify(
    snapshot: Annotated[Path, typer.Argument(help="The snapshot (JSON Lines)")],
    sig: Annotated[
        Path | None,
        typer.Option("--sig", help="Its signature (default: snapshot.sig beside it)"),
    ] = None,
    jwks: Annotated[
        str | None,
        typer.Option(
            metavar="FILE_OR_URL", help="The registry's keys (default: jwks.json beside it)"
        ),
    ] = None,
) -> None:
    """Verify a snapshot offline against the keys you trust.

    Exit 0 valid (a stale snapshot is valid with a warning), 1 invalid, 2 bad input.
    """
    from jcstar.client.snapshot import verify_snapshot
    from jcstar.client.verify import LabelInputError, trusted_keys
    from jcstar.labels.snapshot_format import SnapshotError

    if not snapshot.is_file():
        fail(f"{snapshot}: no such file", EXIT_USAGE)
    sig = sig or snapshot.with_name(SIGNATURE_FILE)
    if not sig.is_file():
        fail(f"{sig}: no such signature file (give --sig FILE)", EXIT_USAGE)
    jwks = jwks or str(snapshot.with_name(JWKS_FILE))
    try:
        with registry_errors():
            keys = trusted_keys(jwks, None)
    except LabelInputError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        info = verify_snapshot(snapshot, sig, keys)
    except SnapshotError as exc:
        fail(f"{snapshot}: {exc}", EXIT_NOT_CONFORMANT)
    _show(info, snapshot)
