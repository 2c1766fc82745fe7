"""``jcstar serve``: run the label registry (SQLite in the working directory by default)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from jcstar.cli.common import err_console, fail
from jcstar.registry.settings import Settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL (env JCSTAR_DATABASE_URL; default sqlite:///./jcstar-registry.db)"
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Public address for product pages (env JCSTAR_BASE_URL)"),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Apply and approve the example product first")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(help="Server processes (e.g. one per CPU core)", min=1, max=64),
    ] = 1,
) -> None:
    """Run the label registry: API, product pages, search, JWKS and the transparency log."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from jcstar.labels import LabelError
    from jcstar.registry.app import create_app
    from jcstar.registry.demo import DemoError, accounts_text, seed
    from jcstar.registry.log.crosscheck import CHECKED_ENV

    # this process checks the log itself (the variable is for the workers it starts)
    os.environ.pop(CHECKED_ENV, None)

    # before anything is seeded or printed: a busy port would leave a printed address
    # pointing at someone else's server
    _check_port_free(host, port)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    settings = Settings.from_env(
        database_url=database_url,
        base_url=base_url or _env_base_url() or f"http://{shown_host}:{port}",
    )
    try:
        app = create_app(settings)
        if demo:
            shown = seed(settings)
            err_console.print(accounts_text(shown, settings), highlight=False, soft_wrap=True)
    except (SQLAlchemyError, LabelError, DemoError, OSError) as exc:
        fail(f"cannot start the registry: {' '.join(str(exc).split())[:300]}")
    if workers == 1:
        # proxy_headers off: uvicorn would take X-Forwarded-For from any local client; the
        # app reads it from the proxies in JCSTAR_TRUSTED_PROXIES alone (registry/proxies.py)
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
        return
    # several processes: each builds its app from the environment; the database is already
    # migrated, the keys exist and the log was checked against the tables (create_app above),
    # so the workers do none of it (they would race each other, and each check of a large
    # log costs minutes): they read this process's disputes from a file
    app.state.engine.dispose()
    handed = Path(tempfile.mkdtemp(prefix="jcstar-serve-"))
    app.state.disputes.write(handed / "log-check.json")
    os.environ.update(
        JCSTAR_DATABASE_URL=settings.database_url,
        JCSTAR_BASE_URL=settings.base_url,
        JCSTAR_KEY_DIR=str(settings.key_dir.resolve()),
        JCSTAR_MIGRATE_ON_START="0",
        **{CHECKED_ENV: str(handed / "log-check.json")},
    )
    try:
        uvicorn.run(
            "jcstar.registry.app:create_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=False,
        )
    finally:
        shutil.rmtree(handed, ignore_errors=True)


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}): another server uses "
                "it; choose another port with --port (make run PORT=8080)"
            )


def _env_base_url() -> str | None:
    return os.environ.get("JCSTAR_BASE_URL")
