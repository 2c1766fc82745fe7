"""A label's public record (``labels.standing.LabelRecord``) from its stored document.

Every label's public JSON is stored whole (``labels.documents``): registration number, level,
maker, product, model numbers, dates, status history and notices. A record is read from it
with one ``json.loads`` and a few key lookups, so many records cost one query, not the four
ORM queries a label's rows take. The snapshot writes these dicts as they are (no Pydantic
object per label); the endpoints validate them into ``LabelRecord``.
"""

from __future__ import annotations

import json
from typing import Any

from jcstar.labels.standing import LabelRecord


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


def record_of(body: str) -> LabelRecord:
    return LabelRecord.model_validate(record_data(body))
