"""The label claims: what the registry signs and the QR code carries.

The JSON keys are short aliases because every byte ends up in the QR code; the names are
stable (a verifier in the field must read labels issued years earlier), so never rename one.
``v`` is the claims format version: a new format gets a new number, not silent new keys.

Format 1 carried every model number, which fits a scannable QR code only up to about 19 of
them. Format 2 (issued now) carries the first ``MODELS_IN_QR`` model numbers, their count and
the SHA-256 of the full list in canonical order (``models_digest``); the full list is on the
product page and in the registry's API, and an online check hashes it against the signature.
Format 1 labels still verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from jcstar.labels.errors import LabelFormatError

# jcstar-facts §3.3 [V]: a label is valid for at most 2 years from its issue date.
MAX_VALIDITY_YEARS = 2
# format 1's outer bound; what kept a format-1 label scannable was qr_text's size check,
# which with typical names let about 19 model numbers through
MAX_MODEL_NUMBERS = 32
# format 2: the model numbers the QR code carries (the rest are counted and hashed); our own
# judgement, leaving room for long Japanese names under the QR size limit
MODELS_IN_QR = 8
# as many as one application may list (registry.applications.schemas)
MAX_MODELS_COVERED = 1000
CURRENT_FORMAT: Literal[2] = 2
_WHITESPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGEST = r"^[A-Za-z0-9_-]{43}$"


def two_years_after(day: date) -> date:
    """The latest expiry for a label issued on ``day`` (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + MAX_VALIDITY_YEARS)
    except ValueError:
        return day.replace(year=day.year + MAX_VALIDITY_YEARS, day=28)


def normalise_model_numbers(models: Iterable[str]) -> tuple[str, ...]:
    """Model numbers stripped and checked (1-100 characters, no control characters, no
    repeats); raises ValueError naming the problem."""
    stripped = tuple(m.strip() for m in models)
    if not stripped:
        raise ValueError("a label covers at least one model number")
    if any(not m or len(m) > 100 or _CONTROL.search(m) for m in stripped):
        raise ValueError("each model number must be 1 to 100 characters, no control characters")
    if len(set(stripped)) != len(stripped):
        raise ValueError("model numbers must not repeat")
    return stripped


def models_digest(models: Iterable[str]) -> str:
    """The SHA-256 a format-2 label signs for its full model list: the model numbers sorted
    by code point, as a JSON array (no spaces, UTF-8, non-ASCII not escaped), hashed, in
    unpadded base64url (the JOSE form for digests)."""
    canonical = json.dumps(sorted(models), separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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

    format: Literal[1, 2] = Field(default=CURRENT_FORMAT, alias="v")
    registration_no: str = Field(
        alias="reg", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$"
    )
    level: int = Field(alias="lvl", ge=1, le=4)
    vendor: str = Field(alias="ven", min_length=1, max_length=200)
    product: str = Field(alias="prd", min_length=1, max_length=200)
    #: format 1: every model number; format 2: the first MODELS_IN_QR of them
    model_numbers: tuple[str, ...] = Field(alias="mdl", min_length=1, max_length=MAX_MODEL_NUMBERS)
    #: format 2: how many model numbers the label covers, and the digest of the full list
    model_count: int | None = Field(default=None, alias="mdn", ge=1, le=MAX_MODELS_COVERED)
    models_sha256: str | None = Field(default=None, alias="mdh", pattern=_DIGEST)
    issued_on: date = Field(alias="ido")
    expires_on: date = Field(alias="exo")
    support_period_end: date | None = Field(default=None, alias="spe")
    vulnerability_contact: str | None = Field(default=None, alias="vct", max_length=200)
    product_url: str = Field(alias="url", max_length=300)
    issuer: str = Field(alias="iss", max_length=200)
    #: the criteria version the label was assessed and issued against (e.g.
    #: ``JST-CR-01-01-2024R1``); absent in labels issued before it was recorded
    criteria_version: str | None = Field(
        default=None, alias="crv", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
    )

    @model_validator(mode="before")
    @classmethod
    def _cover_full_list(cls, data: Any, info: ValidationInfo) -> Any:
        """New claims built in code (no format, no count given) take the full model list and
        become format 2: the first MODELS_IN_QR carried, all counted and hashed. A signed
        payload is read exactly as it is (``from_payload``)."""
        if info.context and info.context.get("signed"):
            return data
        if not isinstance(data, dict) or _given(data, "format", "v", "model_count", "mdn"):
            return data
        models = _given(data, "model_numbers", "mdl")
        if not isinstance(models, Sequence) or isinstance(models, str):
            return data  # the field validation names the problem
        full = normalise_model_numbers(models)
        rest = {k: v for k, v in data.items() if k not in ("model_numbers", "mdl")}
        return {
            **rest,
            "v": CURRENT_FORMAT,
            "mdl": full[:MODELS_IN_QR],
            "mdn": len(full),
            "mdh": models_digest(full),
        }

    @field_validator("model_numbers")
    @classmethod
    def _models_non_empty(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        return normalise_model_numbers(models)

    @field_validator("product_url")
    @classmethod
    def _product_url_is_web(cls, value: str) -> str:
        return _check_web_url(value, "product_url")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_web(cls, value: str) -> str:
        return _check_web_url(value, "issuer")

    @model_validator(mode="after")
    def _model_list_form(self) -> LabelClaims:
        if self.format == 1:
            if self.model_count is not None or self.models_sha256 is not None:
                raise ValueError("format 1 claims carry no model count or digest")
            return self
        if self.model_count is None or self.models_sha256 is None:
            raise ValueError("format 2 claims need the model count (mdn) and digest (mdh)")
        if len(self.model_numbers) > min(self.model_count, MODELS_IN_QR):
            raise ValueError(
                f"format 2 claims carry at most the first {MODELS_IN_QR} of the model "
                f"numbers, got {len(self.model_numbers)} of {self.model_count}"
            )
        return self

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
        return cls.model_validate_json(payload, context={"signed": True})

    def carrying(self, count: int) -> LabelClaims:
        """The same format-2 claims with only the first ``count`` model numbers in the QR
        (for names too long to fit the usual number; see ``labels.fit``)."""
        if self.format == 1:
            raise ValueError("format 1 claims carry every model number")
        fields = {**self.model_dump(), "model_numbers": self.model_numbers[: max(count, 1)]}
        return LabelClaims.model_validate(fields)

    @property
    def covered_count(self) -> int:
        """How many model numbers the label covers (all of them, not only those in the QR)."""
        return self.model_count if self.model_count is not None else len(self.model_numbers)

    @property
    def carries_all_models(self) -> bool:
        return self.covered_count == len(self.model_numbers)

    def model_list_problem(self, listed: Sequence[str]) -> str | None:
        """Why ``listed`` (the registry's full model list) is not the list this label signed,
        or None when it is. Order does not matter; every model number does."""
        if self.models_sha256 is None:  # format 1 signed the whole list
            if sorted(listed) == sorted(self.model_numbers):
                return None
            return (
                f"the registry lists {len(listed)} model numbers that differ from the "
                f"{len(self.model_numbers)} the label signed"
            )
        if len(listed) != self.covered_count:
            return (
                f"the registry lists {len(listed)} model numbers; the label signed "
                f"{self.covered_count}"
            )
        if models_digest(listed) != self.models_sha256:
            return "the registry's model list does not hash to the digest the label signed"
        return None


def _given(data: dict[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present in ``data`` (a field by name or by alias), else None."""
    for key in keys:
        if key in data:
            return data[key]
    return None


def first_error(exc: ValidationError) -> str:
    """The first validation problem on one line: ``field: message``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "claims"
    return f"{where}: {first['msg']}"
