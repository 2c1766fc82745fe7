"""What a notification says: its type, the label it is about, and its body as sent.

The body is a Standard Webhooks envelope (``type``, ``timestamp``, ``data``), the same for a
webhook and (as text) for an e-mail, so that both tell the same story.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jcstar.registry.labels.models import Label

#: a label history event (``labels.service._record``) → the notification it causes; events
#: not named here notify no one
CHANGE_EVENTS = {
    "issued": "label.issued",
    "suspended": "label.suspended",
    "revoked": "label.revoked",
    "reinstated": "label.reinstated",
    "renews": "label.renewed",
    "superseded": "label.superseded",
    "notice": "label.notice",
}
#: reminders (``outbox.reminders``)
EXPIRING, EXPIRED, SUPPORT_ENDED = "label.expiring", "label.expired", "label.support_ended"

#: every notification type, with its title in Japanese and English (e-mail subjects)
TITLES: dict[str, tuple[str, str]] = {
    "label.issued": ("ラベル発行", "Label issued"),
    "label.suspended": ("ラベル一時停止", "Label suspended"),
    "label.revoked": ("ラベル取消し", "Label revoked"),
    "label.reinstated": ("ラベル一時停止の解除", "Label reinstated"),
    "label.renewed": ("ラベル更新", "Label renewed"),
    "label.superseded": ("ラベル置き換え", "Label superseded"),
    "label.notice": ("セキュリティ情報の掲載", "Security notice published"),
    EXPIRING: ("ラベル有効期限の接近", "Label expires soon"),
    EXPIRED: ("ラベル有効期限切れ", "Label expired"),
    SUPPORT_ENDED: ("サポート期間の終了", "Support period ended"),
}


def label_data(label: Label) -> dict[str, Any]:
    """The label as a notification describes it (public facts only)."""
    last = label.events[-1] if label.events else None
    return {
        "registration_no": label.registration_no,
        "level": label.level,
        "status": label.status,
        "vendor": label.vendor,
        "product": label.product,
        "model_numbers": [m.model_number for m in label.models],
        "expires_on": label.expires_on.isoformat(),
        "support_period_end": (
            label.support_period_end.isoformat() if label.support_period_end else None
        ),
        "reason": last.reason if last else None,
        "superseded_by": label.superseded_by,
        "renews": label.renews,
        "product_url": label.product_url,
    }


def body(kind: str, at: dt.datetime, data: dict[str, Any]) -> str:
    """The JSON sent: compact and key-sorted, so the bytes signed are the bytes stored."""
    envelope = {"type": kind, "timestamp": at.isoformat(), "data": data}
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
