"""Read a document from a URL or a local file, with size and time bounds.

Both document checks read text the same way, so a policy given as a URL and
one given as a file are judged alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import httpx

from jcstar.checks.base import CannotJudge, CannotJudgeKind, connection_kind
from jcstar.checks.httpbody import read_capped

MAX_BYTES = 1_000_000
TIMEOUT_S = 10.0


class DocumentError(CannotJudge):
    """The document could not be read (network error, HTTP error, too large)."""


@dataclass(frozen=True)
class Document:
    location: str
    text: str
    sha256: str
    published: bool  # fetched over HTTP(S) rather than read from a local file


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


async def read_document(location: str, base_dir: str = ".") -> Document:
    if is_url(location):
        body, content_type = await _fetch(location)
        published = True
    else:
        path = Path(base_dir, location)
        try:
            body = path.read_bytes()[: MAX_BYTES + 1]
        except OSError as exc:
            raise DocumentError(f"cannot read {path}: {exc.strerror}", "unreachable") from exc
        content_type = "text/html" if path.suffix.lower() in (".html", ".htm") else "text/plain"
        published = False
    if len(body) > MAX_BYTES:
        raise DocumentError(f"{location} is larger than {MAX_BYTES} bytes", "unsupported")
    text = body.decode("utf-8", errors="replace")
    if "html" in content_type:
        text = html_to_text(text)
    return Document(location, text, hashlib.sha256(body).hexdigest(), published)


async def _fetch(url: str) -> tuple[bytes, str]:
    try:
        async with (
            httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise DocumentError(
                    f"HTTP {response.status_code} from {url}", http_kind(response.status_code)
                )
            body, truncated = await read_capped(response, MAX_BYTES)
            if truncated:
                raise DocumentError(f"{url} is larger than {MAX_BYTES} bytes", "unsupported")
            return body, response.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        raise DocumentError(
            f"cannot fetch {url}: {type(exc).__name__}: {exc}", connection_kind(exc)
        ) from exc


def http_kind(status: int) -> CannotJudgeKind:
    """An HTTP error's kind: the server turned us away (authentication, rate limit), or the
    document is not where the profile says (404, a server error)."""
    return "refused" if status in (401, 403, 407, 429) else "unreachable"


class _TextExtractor(HTMLParser):
    _SKIP: ClassVar[set[str]] = {"script", "style", "head"}
    _BREAK: ClassVar[set[str]] = {
        "p",
        "br",
        "div",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
    }

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("mailto:"):
                self.parts.append(f" {href[7:]} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    return "".join(parser.parts)
