"""The consumer information a label publishes, taken from the application's report (the
profile's ``consumer:``, see ``assessment.consumer``)."""

from __future__ import annotations

import json
from typing import Any

from jcstar.assessment.consumer import ConsumerInfo
from jcstar.registry.labels.models import Label


def consumer_of(report_json: str) -> ConsumerInfo | None:
    """The report's consumer information (None when the vendor gave none). The report was
    validated when it was submitted, so this only reads its ``product.consumer`` again."""
    data = json.loads(report_json).get("product", {}).get("consumer")
    return None if data is None else ConsumerInfo.model_validate(data)


def columns(info: ConsumerInfo | None) -> dict[str, str | None]:
    """The ``labels`` columns for ``info`` (all null without it)."""
    password = info.default_password if info else None
    return {
        "product_name_ja": info.product_name_ja if info else None,
        "product_name_en": info.product_name_en if info else None,
        "product_category": info.category if info else None,
        "update_mode": info.update_mode if info else None,
        "password_change_text": password.how_to_change if password else None,
        "password_change_url": password.url if password else None,
    }


def published(label: Label) -> dict[str, Any]:
    """The label's consumer fields as ``LabelSummary`` carries them."""
    return {name: getattr(label, name) for name in columns(None)}
