"""security.txt (RFC 9116) on the vendor's web site.

★1 does not require a security.txt, so a missing or invalid file is reported as
information, never as a failure; a valid one shows reporters where to go and
may point (``Policy:``) at the vulnerability disclosure policy.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sectxt import Parser

from jcstar.checks.base import Check, CheckInput, Observation, SkipCheck
from jcstar.checks.documents.collect.fetch import Document, DocumentError, is_url, read_document

TARGET = "security_txt"


async def fetch_security_txt(base_url: str) -> tuple[Document, str]:
    """Fetch ``/.well-known/security.txt``, falling back to the legacy ``/security.txt``."""
    base = base_url.rstrip("/")
    if base.endswith("security.txt"):
        return await read_document(base), base
    last_error: DocumentError | None = None
    for path in ("/.well-known/security.txt", "/security.txt"):
        try:
            return await read_document(base + path), base + path
        except DocumentError as exc:
            if "HTTP 404" not in str(exc):
                raise
            last_error = exc
    assert last_error is not None
    raise last_error


def parse_security_txt(text: str) -> Parser:
    return Parser(text.encode("utf-8"))


def policy_urls(parsed: Parser) -> list[str]:
    return [str(line["value"]) for line in parsed.lines if line.get("field_name") == "policy"]


class SecurityTxtCheck(Check):
    id: ClassVar[str] = "documents.security_txt"
    version: ClassVar[str] = "1.1"
    title: ClassVar[str] = "security.txt per RFC 9116"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("security_txt",)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        base = given.document(TARGET)
        if not base:
            raise SkipCheck(f"profile gives no documents.{TARGET} base URL")
        if not is_url(base):
            raise SkipCheck(f"documents.{TARGET} must be an http(s) URL, got {base!r}")
        try:
            document, url = await fetch_security_txt(base)
        except DocumentError as exc:
            if "HTTP 404" in str(exc):
                return (self._info(f"no security.txt at {base}", url=base),)
            raise
        parsed = parse_security_txt(document.text)
        details: dict[str, Any] = {
            "url": url,
            "sha256": document.sha256,
            "contacts": [
                str(line["value"]) for line in parsed.lines if line.get("field_name") == "contact"
            ],
            "policy": policy_urls(parsed),
            "errors": [e["code"] for e in parsed.errors],
            "recommendations": [r["code"] for r in parsed.recommendations],
        }
        if not parsed.is_valid():
            problems = "; ".join(e["message"] for e in parsed.errors)
            return (self._info(f"security.txt at {url} is not valid: {problems}", **details),)
        contacts = ", ".join(details["contacts"])
        return (
            Observation(
                topic="security_txt",
                outcome="pass",
                message=f"valid security.txt at {url} names contact {contacts}",
                conclusive=False,  # a contact alone is not a disclosure policy
                details=details,
            ),
        )

    @staticmethod
    def _info(message: str, **details: Any) -> Observation:
        return Observation(topic="security_txt", outcome="info", message=message, details=details)
