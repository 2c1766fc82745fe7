"""``jcstar admin``: organisations (a vendor with its identity), proxy authorisations, tokens
and users with their roles, straight on the registry's database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import err_console, fail

if TYPE_CHECKING:  # SQLAlchemy costs ~0.2 s to import: only admin commands pay for it
    from sqlalchemy.orm import Session

    from jcstar.registry.accounts.models import Org, User
    from jcstar.registry.accounts.service import Identity, Principal

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
    from jcstar.registry.errors import RegistryError
    from jcstar.registry.settings import Settings

    settings = Settings.from_env(database_url=database_url)
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        with session_factory(engine)() as session:
            lock_for_write(session)
            yield session
            session.commit()
    except (AccountError, RegistryError) as exc:
        fail(str(exc) if isinstance(exc, AccountError) else exc.detail)
    except SQLAlchemyError as exc:
        fail(f"database error: {' '.join(str(exc).split())[:300]}")
    finally:
        engine.dispose()


Roles = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        help="A role it holds (repeat). operator: reviewer, approver, administrator; vendor: "
        "applicant, administrator; lab: evaluator, administrator; procurer: watcher, "
        "administrator. "
        "Default: every role of the organisation's kind",
    ),
]


def _roles_line(kind: str, roles: frozenset[str]) -> str:
    from jcstar.registry.accounts.roles import in_order

    return ", ".join(in_order(kind, roles)) or "no roles (it can only read)"


def _org_principal(org: Org) -> Principal:
    """The registry acting for the organisation (the log names ``org:<id>`` for these
    commands: run on the database by whoever runs the registry, not by one of its users)."""
    from jcstar.registry.accounts.service import Principal

    return Principal(org.id, org.name, org.kind)


LegalNameJa = Annotated[
    str | None,
    typer.Option("--legal-name-ja", help="Legal name in Japanese (needed for a Japanese vendor)"),
]
LegalNameEn = Annotated[str | None, typer.Option("--legal-name-en", help="Legal name in English")]
Country = Annotated[str, typer.Option(help="ISO 3166 two-letter country code")]
CorporateNumber = Annotated[
    str | None,
    typer.Option(
        "--corporate-number",
        help="Japan: the 13-digit corporate number (法人番号, check digit verified); "
        "elsewhere the registration number in the country's company register",
    ),
]


def _identity(
    legal_name_ja: str | None, legal_name_en: str | None, country: str, number: str | None
) -> Identity:
    from jcstar.registry.accounts.service import Identity

    if legal_name_en is None or number is None:
        fail(
            "a vendor's identity needs --legal-name-en and --corporate-number (and, in Japan, "
            "--legal-name-ja)"
        )
    return Identity(
        legal_name_en=legal_name_en,
        legal_name_ja=legal_name_ja,
        country=country,
        corporate_number=number,
    )


@app.command("create-org")
def create_org(
    name: Annotated[str, typer.Argument(help="Organisation name")],
    kind: Annotated[str, typer.Option(help="vendor, lab, operator or procurer")],
    legal_name_ja: LegalNameJa = None,
    legal_name_en: LegalNameEn = None,
    country: Country = "JP",
    corporate_number: CorporateNumber = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an organisation; a vendor with its identity as the operator verified it."""
    from jcstar.registry.accounts import service

    identity = None
    if kind == "vendor":
        identity = _identity(legal_name_ja, legal_name_en, country, corporate_number)
    elif legal_name_ja or legal_name_en or corporate_number:
        fail(f"only a vendor has a recorded identity, not a {kind}")
    with _session(database_url) as session:
        org = service.create_org(session, name, kind, identity)
        err_console.print(f"created {org.kind} organisation {org.name!r}", highlight=False)


@app.command("set-identity")
def set_identity(
    org: Annotated[str, typer.Argument(help="Organisation name")],
    legal_name_ja: LegalNameJa = None,
    legal_name_en: LegalNameEn = None,
    country: Country = "JP",
    corporate_number: CorporateNumber = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record (or correct) a vendor's identity; until then it cannot apply."""
    from jcstar.registry.accounts import service

    identity = _identity(legal_name_ja, legal_name_en, country, corporate_number)
    with _session(database_url) as session:
        found = service.record_identity(session, service.require_org(session, org), identity)
        err_console.print(
            f"recorded {found.name!r}: {found.country} {found.corporate_number}", highlight=False
        )


@app.command("authorise-proxy")
def authorise_proxy(
    maker: Annotated[str, typer.Option(help="The maker (organisation name)")],
    proxy: Annotated[str, typer.Option(help="The organisation the maker's letter names")],
    expires: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day in force (YYYY-MM-DD)")
    ],
    reference: Annotated[str, typer.Option(help="Where the signed letter (委任状) is kept")],
    model: Annotated[
        list[str] | None,
        typer.Option("--model", metavar="M", help="A model number it covers (repeat; default all)"),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record a maker's letter of authorisation (委任状): the proxy may apply for it."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        grant = service.authorise_proxy(
            session,
            service.require_org(session, maker),
            service.require_org(session, proxy),
            expires.date(),
            reference,
            model,
        )
        scope = ", ".join(model) if model else "every product"
        err_console.print(
            f"authorisation {grant.id}: {proxy!r} may apply for {maker!r} ({scope}) until "
            f"{grant.expires_on}",
            highlight=False,
        )
        typer.echo(grant.id)


@app.command("withdraw-proxy")
def withdraw_proxy(
    authorisation: Annotated[int, typer.Argument(help="The id authorise-proxy printed")],
    database_url: DatabaseUrl = None,
) -> None:
    """Withdraw a proxy authorisation: the proxy's applications can no longer be submitted."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        grant = service.withdraw_proxy(session, authorisation)
        err_console.print(f"authorisation {grant.id} withdrawn", highlight=False)


@app.command("create-token")
def create_token(
    org: Annotated[str, typer.Option(help="Organisation name")],
    expires_days: Annotated[int, typer.Option(help="Days until the token expires", min=1)] = 365,
    role: Roles = None,
    name: Annotated[
        str | None, typer.Option(help="What the machine is (shown in histories)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token for an organisation and print it (it is shown only once)."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        found = service.require_org(session, org)
        token = service.create_token(session, found, expires_days, role, name)
        held = service.principal_for_token(session, token)
        assert held is not None
        err_console.print(
            f"token {held.token_id} for {org!r} with roles: {_roles_line(found.kind, held.roles)}",
            highlight=False,
        )
    typer.echo(token)


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="The user's e-mail address (their login)")],
    org: Annotated[str, typer.Option(help="Organisation name")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password")
    ],
    role: Roles = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user who logs in with a password (argon2-hashed)."""
    from jcstar.registry.accounts import service

    with _session(database_url) as session:
        found = service.require_org(session, org)
        user = service.create_user(session, found, email, password, role)
        err_console.print(
            f"created user {user.email} in {org!r} with roles: "
            f"{_roles_line(found.kind, user.roles)}",
            highlight=False,
        )


def _user(session: Session, email: str) -> User:
    from sqlalchemy import select

    from jcstar.registry.accounts.models import User

    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        fail(f"no user {email!r}")
    return user


@app.command("set-roles")
def set_roles(
    email: Annotated[str, typer.Argument(help="The user's e-mail address")],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", metavar="ROLE", help="A role the user holds (repeat; none: none)"),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Replace a user's roles (logged); an organisation keeps at least one administrator."""
    from jcstar.registry.accounts import people

    with _session(database_url) as session:
        user = _user(session, email)
        org = user.org
        changed = people.set_roles(session, _org_principal(org), user.id, role or [])
        err_console.print(
            f"{changed.email} now holds: {_roles_line(org.kind, changed.roles)}", highlight=False
        )


@app.command("remove-user")
def remove_user(
    email: Annotated[str, typer.Argument(help="The user's e-mail address")],
    database_url: DatabaseUrl = None,
) -> None:
    """Remove a user (logged): no more logins, no roles; their past actions keep their name."""
    from jcstar.registry.accounts import people

    with _session(database_url) as session:
        user = _user(session, email)
        people.remove_member(session, _org_principal(user.org), user.id)
        err_console.print(f"removed {email}", highlight=False)


@app.command("publish-criteria")
def publish_criteria(
    criteria_id: Annotated[str, typer.Argument(help="The version's id, e.g. JST-CR-01-01-2024R1")],
    level: Annotated[int, typer.Option(help="The level it is the criteria of (1-4)")],
    title: Annotated[str, typer.Option(help="The criteria document's title")],
    published_on: Annotated[str, typer.Option(help="YYYY-MM or YYYY-MM-DD, as the document")],
    effective_on: Annotated[str, typer.Option(help="YYYY-MM-DD: the first day it applies")],
    scheme: Annotated[
        str | None,
        typer.Option(
            help="★2 and above: the category profile (catalog id, e.g. jcstar-2-smart-home) "
            "these are the criteria of"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Publish a new criteria version (logged). Labels on earlier versions show it, and lapse
    on the day the rule gives when JCSTAR_CRITERIA_LAPSE_WEEKS is set. ★2 and above are
    published per category profile (--scheme), as POST /api/v1/criteria takes them."""
    from pydantic import ValidationError

    from jcstar.registry.criteria import service
    from jcstar.registry.criteria.schemas import CriteriaVersionCreate
    from jcstar.registry.errors import RegistryError
    from jcstar.registry.settings import Settings

    try:
        body = CriteriaVersionCreate(
            level=level,
            id=criteria_id,
            title=title,
            published_on=published_on,
            effective_on=effective_on,
            scheme=scheme,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    with _session(database_url) as session:
        try:
            row = service.publish(
                session, Settings.from_env(), {"org": "jcstar admin", "actor": "cli"}, body
            )
        except RegistryError as exc:
            fail(exc.detail)
        lapse = row.earlier_lapse_on
        profile = f" for {row.scheme}" if row.scheme else ""
        err_console.print(
            f"published ★{row.level} criteria {row.criteria_id}{profile}, "
            f"effective {row.effective_on}"
            + (f"; earlier versions lapse on {lapse}" if lapse else ""),
            highlight=False,
        )


@app.command("remind")
def remind(
    on: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="The day to remind for (default today)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write the due expiry and support-end reminders into the outbox (the server also does
    this on its interval); reminders written before are not written again."""
    from jcstar.registry.outbox import reminders
    from jcstar.registry.settings import Settings

    try:
        day = dt.date.fromisoformat(on) if on else dt.datetime.now(tz=dt.UTC).date()
    except ValueError:
        fail(f"--on {on!r}: not a date (YYYY-MM-DD)")
    with _session(database_url) as session:
        written = reminders.scan(session, Settings.from_env(database_url=database_url), day)
    err_console.print(f"{written} reminders written for {day.isoformat()}", highlight=False)


@app.command("rotate-key")
def rotate_key(
    operator: Annotated[
        str | None,
        typer.Option(help="The operator organisation acting (needed when there are several)"),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a new active signing key in JCSTAR_KEY_DIR; the previous one stays published, so
    every issued label still verifies. Logged as key.rotated, as the operator's keys page and
    POST /api/v1/keys/rotate do (keys.service.rotate)."""
    from sqlalchemy import select

    from jcstar.labels import Keyring
    from jcstar.registry.accounts.models import Org
    from jcstar.registry.accounts.service import Principal
    from jcstar.registry.keys import service
    from jcstar.registry.settings import Settings

    settings = Settings.from_env(database_url=database_url)
    with _session(database_url) as session:
        wanted = select(Org).where(Org.kind == "operator").order_by(Org.id)
        if operator is not None:
            wanted = wanted.where(Org.name == operator)
        orgs = list(session.scalars(wanted))
        if not orgs:
            named = f" named {operator!r}" if operator is not None else ""
            fail(f"no operator organisation{named} in the registry")
        if len(orgs) > 1:
            fail(f"{len(orgs)} operator organisations: name the one acting with --operator")
        org = orgs[0]
        # the registry acting for the operator, as its administrator (run on the database and
        # key directory by whoever runs the registry, like the other admin commands)
        acting = Principal(org.id, org.name, org.kind, frozenset({"administrator"}))
        keyring = Keyring.load_or_create(settings.key_dir)
        previous = keyring.active_kid
        kid = service.rotate(session, keyring, acting)
    err_console.print(
        f"new signing key {kid} is active; {previous} stays published", highlight=False
    )
    typer.echo(kid)
