"""A label's public record (``labels.standing.LabelRecord``) from its stored document.

Every label's public JSON is stored whole (``labels.documents``): registration number, level,
maker, product, model numbers, dates, status history and notices. A record is read from it
with one ``json.loads`` and a few key lookups, so many records cost one query, not the four
ORM queries a label's rows take. The snapshot writes these dicts as they are (no Pydantic
object per label); the endpoints validate them into ``LabelRecord``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel

from jcstar.labels.standing import HistoryEvent, LabelRecord, NoticeRef


def record_data(body: str) -> dict[str, Any]:
    """The ``LabelRecord`` fields (JSON form) of one stored label document."""
    doc = json.loads(body)
    criteria = doc.get("criteria") or {}
    return {
        "registration_no": doc["registration_no"],
        "level": doc["level"],
        "vendor": doc["vendor"],
        "product": doc["product"],
        "model_numbers": doc["model_numbers"],
        "issued_on": doc["issued_on"],
        "expires_on": doc["expires_on"],
        "support_period_end": doc.get("support_period_end"),
        "criteria_version": criteria.get("version"),
        "superseded_by": doc.get("superseded_by"),
        "history": [
            {
                "event": e["event"],
                "status": e["status"],
                "at": e["at"],
                "expires_on": e["expires_on"],
                "reason": e.get("reason"),
            }
            for e in doc["status_history"]
        ],
        "notices": [
            {"title": n["title"], "at": n["at"], "url": n.get("url")} for n in doc["notices"]
        ],
    }


class _Criteria(BaseModel):
    version: str | None = None


class _StoredDocument(BaseModel):
    """The parts of a stored document a record is made of, parsed from its JSON in one pass
    by pydantic (half the time of ``json.loads`` and validating the dict, measured)."""

    registration_no: str
    level: int
    vendor: str
    product: str
    model_numbers: tuple[str, ...]
    issued_on: dt.date
    expires_on: dt.date
    support_period_end: dt.date | None = None
    criteria: _Criteria | None = None
    superseded_by: str | None = None
    status_history: tuple[HistoryEvent, ...]
    notices: tuple[NoticeRef, ...]


def record_of(body: str) -> LabelRecord:
    """The ``LabelRecord`` of one stored label document (what ``record_data`` gives, as an
    object: the tests hold the two equal)."""
    doc = _StoredDocument.model_validate_json(body)
    # the parts are validated objects already (pydantic takes them as they are): measured
    # faster than ``model_construct``
    return LabelRecord.model_validate(
        {
            "registration_no": doc.registration_no,
            "level": doc.level,
            "vendor": doc.vendor,
            "product": doc.product,
            "model_numbers": doc.model_numbers,
            "issued_on": doc.issued_on,
            "expires_on": doc.expires_on,
            "support_period_end": doc.support_period_end,
            "criteria_version": doc.criteria.version if doc.criteria else None,
            "superseded_by": doc.superseded_by,
            "history": doc.status_history,
            "notices": doc.notices,
        }
    )
