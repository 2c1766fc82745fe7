"""Vulnerability disclosure policy content (★1 S1.1-05).

The policy must name a reporting contact and give two timelines: the first
acknowledgement and status updates until the issue is resolved. We look for
each in English and Japanese wording; a timeline needs a stated period, since
"promptly" or 「速やかに」 is not a timeline.
"""

from __future__ import annotations

import re
from typing import ClassVar

from jcstar.checks.base import Check, CheckInput, Observation, SkipCheck
from jcstar.checks.documents.collect.fetch import Document, DocumentError, read_document
from jcstar.checks.documents.security_txt import (
    TARGET as SECURITY_TXT,
)
from jcstar.checks.documents.security_txt import (
    fetch_security_txt,
    parse_security_txt,
    policy_urls,
)

TARGET = "vulnerability_disclosure_policy"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"https?://\S+")
_CONTACT_WORDS = re.compile(
    r"contact|report (it |them )?to|send .*report|連絡先|報告先|窓口|問い合わせ|問合せ", re.I
)
_PERIOD = re.compile(
    r"\d+\s*(business\s+|working\s+|calendar\s+)?(hours?|days?|weeks?|months?)"
    r"|\d+\s*(営業日|日|時間|週間|か月|ヶ月|カ月)"
    r"|(every|each|once a|per)\s+(day|week|month|fortnight)"
    r"|毎(日|週|月)",
    re.I,
)
_ACK_WORDS = re.compile(r"acknowledg|confirm (receipt|that we)|受領|受付|一次回答|初回", re.I)
_STATUS_WORDS = re.compile(
    r"status|progress|update(s|d)? (you|the reporter|on)|keep you informed|進捗|状況", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def find_contact(text: str) -> str | None:
    email = _EMAIL.search(text)
    if email:
        return email.group(0)
    for sentence in sentences(text):
        url = _URL.search(sentence)
        if url and _CONTACT_WORDS.search(sentence):
            return url.group(0).rstrip(".,)")
    return None


def find_timeline(text: str, words: re.Pattern[str]) -> str | None:
    for sentence in sentences(text):
        if words.search(sentence) and _PERIOD.search(sentence):
            return sentence[:200]
    return None


def assess_policy(document: Document) -> Observation:
    contact = find_contact(document.text)
    ack = find_timeline(document.text, _ACK_WORDS)
    status = find_timeline(document.text, _STATUS_WORDS)
    missing = [
        name
        for name, found in (
            ("a reporting contact", contact),
            ("a timeline for the first acknowledgement", ack),
            ("a timeline for status updates until resolution", status),
        )
        if not found
    ]
    details = {
        "location": document.location,
        "sha256": document.sha256,
        "published": document.published,
        "contact": contact,
        "acknowledgement_timeline": ack,
        "status_update_timeline": status,
    }
    if missing:
        return Observation(
            topic="policy",
            outcome="fail",
            message=f"policy at {document.location} lacks " + ", ".join(missing),
            details=details,
        )
    where = "published at" if document.published else "read from local file"
    return Observation(
        topic="policy",
        outcome="pass",
        message=f"policy {where} {document.location} names contact {contact} and both timelines",
        # only a policy fetched from the web shows it is published
        conclusive=document.published,
        details=details,
    )


class VulnerabilityDisclosurePolicyCheck(Check):
    id: ClassVar[str] = "documents.vdp"
    version: ClassVar[str] = "1.1"
    title: ClassVar[str] = "Vulnerability disclosure policy names a contact and both timelines"
    needs: ClassVar[tuple[str, ...]] = (TARGET, SECURITY_TXT)
    topics: ClassVar[tuple[str, ...]] = ("policy",)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        location = given.document(TARGET) or await self._policy_from_security_txt(given)
        document = await read_document(location, given.base_dir)
        return (assess_policy(document),)

    @staticmethod
    async def _policy_from_security_txt(given: CheckInput) -> str:
        base = given.document(SECURITY_TXT)
        if not base:
            raise SkipCheck(
                f"profile gives neither documents.{TARGET} nor documents.{SECURITY_TXT}"
            )
        try:
            document, url = await fetch_security_txt(base)
        except DocumentError as exc:
            if "HTTP 404" not in str(exc):
                raise
            raise SkipCheck(f"no policy location: no security.txt at {base}") from exc
        urls = policy_urls(parse_security_txt(document.text))
        if not urls:
            raise SkipCheck(f"security.txt at {url} has no Policy field")
        return urls[0]
