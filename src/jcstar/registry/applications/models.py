"""An application, its documents and the history of its states."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jcstar.registry.accounts.models import ApiToken, Org, User
from jcstar.registry.db import Base, UTCDateTime

ApplicationState = Literal[
    "draft", "submitted", "accepted", "under_review", "returned", "rejected", "approved"
]
STATES: tuple[str, ...] = get_args(ApplicationState)


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_no: Mapped[str] = mapped_column(String(40), unique=True)
    #: the maker: the label is issued in its name
    vendor_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    lab_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    route: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(200))
    #: JSON list of model numbers this application covers
    model_numbers: Mapped[str] = mapped_column(Text)
    support_period_end: Mapped[dt.date | None]
    vulnerability_contact: Mapped[str | None] = mapped_column(String(200))
    report_json: Mapped[str] = mapped_column(Text)
    report_sha256: Mapped[str] = mapped_column(String(64))
    #: before acceptance the fee the table gives; from acceptance the amount invoiced
    fee_jpy: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the acceptance number (受理番号) the operator gives on accepting; until then a vendor
    #: may not claim the product is "applied for" (jcstar-facts §3.3)
    acceptance_no: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    #: when the operator recorded the fee paid, and the payment's reference; review waits
    fee_paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fee_reference: Mapped[str | None] = mapped_column(String(200))
    #: the registration number of the label this application renews (same maker)
    renews: Mapped[str | None] = mapped_column(String(40))

    vendor: Mapped[Org] = relationship(foreign_keys=[vendor_org_id], lazy="joined")
    proxy_link: Mapped[ApplicationProxy | None] = relationship(
        lazy="joined", cascade="all, delete-orphan"
    )
    lab: Mapped[Org | None] = relationship(foreign_keys=[lab_org_id], lazy="joined")
    documents: Mapped[list[Document]] = relationship(
        order_by="Document.id", back_populates="application"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id")

    @property
    def proxy(self) -> Org | None:
        """Who applies on the maker's behalf (代理申請); None when the maker applies itself."""
        return self.proxy_link.proxy if self.proxy_link else None

    @property
    def proxy_org_id(self) -> int | None:
        return self.proxy_link.proxy_org_id if self.proxy_link else None

    @property
    def applicant_org_id(self) -> int:
        """The organisation that files and corrects the application."""
        return self.proxy_link.proxy_org_id if self.proxy_link else self.vendor_org_id


class ApplicationProxy(Base):
    """The proxy that applies for the maker under the maker's recorded authorisation.

    A table of its own rather than a column: SQLite adds and drops a table without rebuilding
    ``applications``, which other tables reference."""

    __tablename__ = "application_proxies"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    proxy_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)

    proxy: Mapped[Org] = relationship(lazy="joined")


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="documents")
    uploaded_by: Mapped[Org] = relationship(lazy="joined")


class ApplicationEvent(Base):
    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    #: the person (a user) or machine (a token) that made the change; null on events from
    #: before people were recorded (migration 0008) and on the registry's own (demo, backfill)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))

    by: Mapped[Org] = relationship(lazy="joined")
    by_user: Mapped[User | None] = relationship(lazy="joined")
    by_token: Mapped[ApiToken | None] = relationship(lazy="joined")
