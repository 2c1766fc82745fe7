"""Send one delivery: a signed webhook POST, or an e-mail through the configured SMTP server.
Each answers ``None`` when the receiver acknowledged (HTTP 2xx, SMTP accepted), else a one-line
reason; neither raises."""

from __future__ import annotations

import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from jcstar import __version__
from jcstar.registry.outbox import events, signing
from jcstar.registry.settings import Settings


@dataclass(frozen=True)
class Claimed:
    """A delivery the worker holds (its lease runs), with where it goes."""

    id: int
    delivery_id: str
    event: str
    payload: str
    attempts: int
    channel_kind: str
    target: str
    secret: str | None
    channel_removed: bool


async def webhook(http: httpx.AsyncClient, item: Claimed, timeout_s: float) -> str | None:
    body = item.payload.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"jcstar/{__version__}",
        "Webhook-Id": item.delivery_id,
        "Webhook-Timestamp": timestamp,
        "Webhook-Signature": signing.sign(item.secret or "", item.delivery_id, timestamp, body),
    }
    try:
        response = await http.post(item.target, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return f"no answer within {timeout_s:g} s"
    except httpx.HTTPError as exc:
        return f"cannot connect: {type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"the receiver answered HTTP {response.status_code}"


def email(settings: Settings, item: Claimed) -> str | None:
    if not settings.smtp_host:
        return "no SMTP server is configured (JCSTAR_SMTP_HOST)"
    message = email_message(settings.smtp_from, item)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.webhook_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"SMTP: {type(exc).__name__}: {exc}"[:500]
    if refused:
        return f"SMTP refused {', '.join(sorted(refused))}"
    return None


def email_message(sender: str, item: Claimed) -> EmailMessage:
    """A plain-text message in Japanese and English: the label, what happened, the link."""
    envelope: dict[str, Any] = json.loads(item.payload)
    data: dict[str, Any] = envelope["data"]
    ja, en = events.TITLES.get(item.event, (item.event, item.event))
    number = data.get("registration_no", "")
    message = EmailMessage()
    message["Subject"] = f"[JC-STAR] {ja} / {en}: {number}"
    message["From"] = sender
    message["To"] = item.target
    # a receiver (or its filter) drops a repeat by this id, as a webhook receiver does
    message["X-JCSTAR-Delivery-Id"] = item.delivery_id
    lines = [
        f"{ja}: {number}",
        f"製品 / Product: {data.get('vendor', '')} {data.get('product', '')}",
        f"型番 / Models: {', '.join(data.get('model_numbers', []))}",
        f"状態 / Status: {data.get('status', '')}",
        f"有効期限 / Expires on: {data.get('expires_on', '')}",
    ]
    if data.get("support_period_end"):
        lines.append(f"サポート期間終了 / Support ends: {data['support_period_end']}")
    if data.get("reason"):
        lines.append(f"理由 / Reason: {data['reason']}")
    if notice := data.get("notice"):
        lines.append(f"セキュリティ情報 / Notice: {notice.get('title', '')}")
    if "days_left" in data and item.event == events.EXPIRING:
        lines.append(f"残り日数 / Days left: {data['days_left']}")
    lines += [
        f"詳細 / Details: {data.get('product_url', '')}",
        "",
        f"{en}: {number}",
        f"Delivery id: {item.delivery_id}",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message
