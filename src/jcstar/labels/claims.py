"""The label claims: what the registry signs and the QR code carries.

The JSON keys are short aliases because every byte ends up in the QR code; the names are
stable (a verifier in the field must read labels issued years earlier), so never rename one.
``v`` is the claims format version: a new format gets a new number, not silent new keys.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jcstar.labels.errors import LabelFormatError

# jcstar-facts §3.3 [V]: a label is valid for at most 2 years from its issue date.
MAX_VALIDITY_YEARS = 2
# an outer bound for the schema; what keeps a label scannable is qr_text's size check, which
# with typical names lets about 19 model numbers through
MAX_MODEL_NUMBERS = 32
_WHITESPACE = re.compile(r"\s")


def two_years_after(day: date) -> date:
    """The latest expiry for a label issued on ``day`` (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + MAX_VALIDITY_YEARS)
    except ValueError:
        return day.replace(year=day.year + MAX_VALIDITY_YEARS, day=28)


def _check_web_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"{what} must be an http(s) URL, got {value!r}")
    if parts.fragment or _WHITESPACE.search(value):
        raise ValueError(f"{what} must have no fragment or spaces, got {value!r}")
    return value


class LabelClaims(BaseModel):
    """The signed payload of a JC-STAR label."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        str_strip_whitespace=True,
    )

    format: Literal[1] = Field(default=1, alias="v")
    registration_no: str = Field(
        alias="reg", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$"
    )
    level: int = Field(alias="lvl", ge=1, le=4)
    vendor: str = Field(alias="ven", min_length=1, max_length=200)
    product: str = Field(alias="prd", min_length=1, max_length=200)
    model_numbers: tuple[str, ...] = Field(alias="mdl", min_length=1, max_length=MAX_MODEL_NUMBERS)
    issued_on: date = Field(alias="ido")
    expires_on: date = Field(alias="exo")
    support_period_end: date | None = Field(default=None, alias="spe")
    vulnerability_contact: str | None = Field(default=None, alias="vct", max_length=200)
    product_url: str = Field(alias="url", max_length=300)
    issuer: str = Field(alias="iss", max_length=200)

    @field_validator("model_numbers")
    @classmethod
    def _models_non_empty(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        stripped = tuple(m.strip() for m in models)
        if any(not m or len(m) > 100 for m in stripped):
            raise ValueError("each model number must be 1 to 100 characters")
        if len(set(stripped)) != len(stripped):
            raise ValueError("model numbers must not repeat")
        return stripped

    @field_validator("product_url")
    @classmethod
    def _product_url_is_web(cls, value: str) -> str:
        return _check_web_url(value, "product_url")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_web(cls, value: str) -> str:
        return _check_web_url(value, "issuer")

    @model_validator(mode="after")
    def _validity_period(self) -> LabelClaims:
        if self.expires_on < self.issued_on:
            raise ValueError(f"expires_on {self.expires_on} is before issued_on {self.issued_on}")
        latest = two_years_after(self.issued_on)
        if self.expires_on > latest:
            raise ValueError(
                f"expires_on {self.expires_on} is more than {MAX_VALIDITY_YEARS} years after "
                f"issued_on {self.issued_on} (latest {latest})"
            )
        return self

    @classmethod
    def build(cls, **fields: object) -> LabelClaims:
        """Claims from field names, or LabelFormatError naming the first field that is wrong
        (pydantic's own message spans several lines)."""
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise LabelFormatError(f"label claims: {first_error(exc)}") from None

    def to_payload(self) -> bytes:
        """The JWS payload: compact UTF-8 JSON with the short keys, absent fields left out."""
        return self.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")

    @classmethod
    def from_payload(cls, payload: bytes | str) -> LabelClaims:
        """Parse a JWS payload (raises pydantic.ValidationError when it is not a label)."""
        return cls.model_validate_json(payload)


def first_error(exc: ValidationError) -> str:
    """The first validation problem on one line: ``field: message``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "claims"
    return f"{where}: {first['msg']}"
