"""A label, the model numbers it covers, its status history and its security notices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jcstar.labels.standing import model_key
from jcstar.registry.accounts.models import Org
from jcstar.registry.db import Base, UTCDateTime

#: what is stored; ``expired`` is derived at read time from ``expires_on``
STORED_STATUSES = ("valid", "suspended", "revoked", "superseded")


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (
        Index("ix_labels_status_expires_on", "status", "expires_on"),
        # a level and status filter's labels in id order (migration 0016)
        Index("ix_labels_level_status", "level", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    vendor_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(200), index=True)
    product: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, index=True)
    issued_on: Mapped[dt.date]
    expires_on: Mapped[dt.date]
    support_period_end: Mapped[dt.date | None]
    vulnerability_contact: Mapped[str | None] = mapped_column(String(200))
    # what the label page tells consumers (the profile's ``consumer:``, migration 0007);
    # null on labels issued before, or when the vendor did not say
    product_name_ja: Mapped[str | None] = mapped_column(String(200))
    product_name_en: Mapped[str | None] = mapped_column(String(200))
    product_category: Mapped[str | None] = mapped_column(String(40))
    update_mode: Mapped[str | None] = mapped_column(String(30))
    password_change_text: Mapped[str | None] = mapped_column(String(500))
    password_change_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    #: the label that replaced this one (status ``superseded``): a renewal or a level change
    #: of the same model numbers by the same maker
    superseded_by: Mapped[str | None] = mapped_column(String(40))
    #: the label this one renews (its application named it; that label is now superseded)
    renews: Mapped[str | None] = mapped_column(String(40))
    #: the criteria version the label was assessed and issued against, as signed (migration
    #: 0011); null on labels issued before it was recorded
    criteria_version: Mapped[str | None] = mapped_column(String(40))
    #: the URL the signed claims carry (kept, so a later change of base URL cannot split them)
    product_url: Mapped[str] = mapped_column(String(300))
    jws: Mapped[str] = mapped_column(Text)
    #: the QR text of the compact seal printed on the label (``labels.seal``, migration 0009);
    #: null on labels issued before it, which keep their JWS QR code until renewal
    seal_qr: Mapped[str | None] = mapped_column(Text)
    #: vendor, product, model numbers and registration number in one text, for full-text search
    search_text: Mapped[str] = mapped_column(Text)

    models: Mapped[list[LabelModel]] = relationship(order_by="LabelModel.position")
    events: Mapped[list[LabelEvent]] = relationship(order_by="LabelEvent.id")
    notices: Mapped[list[Notice]] = relationship(order_by="Notice.id")


def _model_key_of_row(context: DefaultExecutionContext) -> str:
    number: str = context.get_current_parameters()["model_number"]  # type: ignore[no-untyped-call]
    return model_key(number)


class LabelModel(Base):
    __tablename__ = "label_models"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_number: Mapped[str] = mapped_column(String(100), index=True)
    #: the model number in the registry's normal form (``labels.standing.model_key``), so a
    #: bulk status lookup is one indexed ``IN`` (migration 0013); filled from ``model_number``
    #: on insert, whatever makes the row (the service, an import, a bench loader); rows are
    #: never updated. Text: NFKC may lengthen a number (``㍿`` is four characters)
    model_key: Mapped[str] = mapped_column(Text, index=True, default=_model_key_of_row)


class LabelEvent(Base):
    """One entry of a label's status history: issued, suspended, revoked, reinstated, renewed,
    superseded."""

    __tablename__ = "label_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    #: the person (a user) or machine (a token) that made the change; null on events from
    #: before people were recorded (migration 0008) and on the registry's own (demo, backfill)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    expires_on: Mapped[dt.date]

    by: Mapped[Org] = relationship(lazy="joined")


class Notice(Base):
    """A security notice about a labelled product (an update, a vulnerability, advice)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))

    by: Mapped[Org] = relationship(lazy="joined")
