"""``jcstar admin``: organisations, tokens and users, straight on the registry's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import err_console, fail

if TYPE_CHECKING:  # SQLAlchemy costs ~0.2 s to import: only admin commands pay for it
    from sqlalchemy.orm import Session

app = typer.Typer(help="Administer the registry's database directly.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL (env JCSTAR_DATABASE_URL; default sqlite:///./jcstar-registry.db)"
    ),
]


@contextmanager
def _session(database_url: str | None) -> Iterator[Session]:
    """A migrated database, the write lock held; committed when the block succeeds."""
    from sqlalchemy.exc import SQLAlchemyError

    from jcstar.registry import migrate
    from jcstar.registry.accounts.service import AccountError
    from jcstar.registry.db import lock_for_write, make_engine, session_factory
    from jcstar.registry.settings import Settings

    settings = Settings.from_env(database_url=database_url)
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        with session_factory(engine)() as session:
            lock_for_write(session)
            yield session
            session.commit()
    except AccountError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {' '.join(str(exc).split())[:300]}")
    finally:
        engine.dispose()


@app.command("create-org")
def create_org(
    name: Annotated[str, typer.Argument(help="Organisation name")],
    kind: Annotated[str, typer.Option(help="vendor, lab, operator or procurer")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an organisation."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        org = service.create_org(session, name, kind)
        err_console.print(f"created {org.kind} organisation {org.name!r}", highlight=False)


@app.command("create-token")
def create_token(
    org: Annotated[str, typer.Option(help="Organisation name")],
    expires_days: Annotated[int, typer.Option(help="Days until the token expires", min=1)] = 365,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token for an organisation and print it (it is shown only once)."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        token = service.create_token(session, service.require_org(session, org), expires_days)
    typer.echo(token)


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="The user's e-mail address (their login)")],
    org: Annotated[str, typer.Option(help="Organisation name")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user who logs in with a password (argon2-hashed)."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        user = service.create_user(session, service.require_org(session, org), email, password)
        err_console.print(f"created user {user.email} in {org!r}", highlight=False)
