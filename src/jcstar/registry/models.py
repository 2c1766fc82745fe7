"""Every table, imported in one place so the metadata is complete (migrations, checks)."""

from __future__ import annotations

from jcstar.registry.accounts.models import ApiToken, LoginSession, Org, User
from jcstar.registry.applications.models import Application, ApplicationEvent, Document
from jcstar.registry.approvals.models import PendingDecision
from jcstar.registry.criteria.models import CriteriaVersion
from jcstar.registry.db import Base
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.labels.models import Label, LabelEvent, LabelModel, Notice
from jcstar.registry.locks import WriteLock
from jcstar.registry.log.models import LogEntry
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.watch.models import Channel, Watch

__all__ = [
    "ApiToken",
    "Application",
    "ApplicationEvent",
    "Base",
    "Channel",
    "CriteriaVersion",
    "Delivery",
    "Document",
    "Label",
    "LabelDocument",
    "LabelEvent",
    "LabelModel",
    "LogEntry",
    "LoginSession",
    "Notice",
    "Org",
    "PendingDecision",
    "User",
    "Watch",
    "WriteLock",
]
