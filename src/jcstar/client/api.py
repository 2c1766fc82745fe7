"""The registry API (docs/registry-api.md) as typed method calls over one httpx client.

Each method returns the server's JSON as a dict; the registry's OpenAPI document is the
authority on fields, so the client does not re-model them.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from jcstar import __version__
from jcstar.client.errors import RegistryError, RegistryUnavailable, detail_line

API = "/api/v1"
DEFAULT_TIMEOUT_S = 30.0

JsonObject = dict[str, Any]


def _segment(value: str) -> str:
    """An id as one path segment: a slash or '..' in it cannot reach another endpoint."""
    return quote(value, safe="")


class RegistryClient:
    """One registry at ``base_url``; ``token`` is the bearer token for role-bound calls."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"registry URL {base_url!r} is not an http(s) address")
        headers = {"User-Agent": f"jcstar/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = str(url).rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- transport ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise RegistryUnavailable(f"{self.base_url}: timed out ({method} {path})") from None
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"{self.base_url}: cannot connect: {exc}") from None
        if response.status_code >= 400:
            raise RegistryError(response.status_code, detail_line(response), method, path)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        response = self._request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise RegistryUnavailable(
                f"{self.base_url}: {method} {path} answered {response.status_code} without JSON"
            ) from None
        if not isinstance(body, dict):
            raise RegistryUnavailable(f"{self.base_url}: {method} {path}: expected a JSON object")
        return body

    # -- applications (vendor, lab, operator) ------------------------------------------------

    def create_application(
        self,
        report: JsonObject,
        model_numbers: list[str] | None = None,
        route: str | None = None,
        lab: str | None = None,
        renews: str | None = None,
    ) -> JsonObject:
        """A draft application; ``renews``: the registration number of the label it renews."""
        body: JsonObject = {"report": report}
        if model_numbers:
            body["model_numbers"] = model_numbers
        if route:
            body["route"] = route
        if lab:
            body["lab"] = lab
        if renews:
            body["renews"] = renews
        return self._json("POST", f"{API}/applications", json=body)

    def upload_document(self, application_id: str, kind: str, path: Path) -> JsonObject:
        with path.open("rb") as handle:
            return self._json(
                "POST",
                f"{API}/applications/{_segment(application_id)}/documents",
                data={"kind": kind},
                files={"file": (path.name, handle, _content_type(path))},
            )

    def submit(self, application_id: str) -> JsonObject:
        return self._json("POST", f"{API}/applications/{_segment(application_id)}/submit")

    def review(self, application_id: str, action: str, reason: str | None = None) -> JsonObject:
        """``action``: start-review, return, reject or approve (approve → the label)."""
        body = {"reason": reason} if reason is not None else None
        return self._json(
            "POST", f"{API}/applications/{_segment(application_id)}/{action}", json=body
        )

    def accept(self, application_id: str, fee_jpy: int | None = None) -> JsonObject:
        """Accept: the acceptance number, the fee invoiced (``fee_jpy`` where the fee table has
        no amount)."""
        body = {"fee_jpy": fee_jpy} if fee_jpy is not None else None
        return self._json(
            "POST", f"{API}/applications/{_segment(application_id)}/accept", json=body
        )

    def fee_paid(self, application_id: str, reference: str) -> JsonObject:
        return self._json(
            "POST",
            f"{API}/applications/{_segment(application_id)}/fee-paid",
            json={"reference": reference},
        )

    # -- public claim check (anyone) ---------------------------------------------------------

    def check_claim(self, model: str) -> JsonObject:
        """Whether an accepted application or a label covers ``model`` (``accepted``)."""
        return self._json("GET", f"{API}/public/accepted", params={"model": model})

    # -- labels (public read, operator changes) ----------------------------------------------

    def label(self, registration_no: str) -> JsonObject:
        return self._json("GET", f"{API}/labels/{_segment(registration_no)}")

    def change_label(
        self, registration_no: str, action: str, reason: str | None = None
    ) -> JsonObject:
        """``action``: suspend, revoke or reinstate."""
        body = {"reason": reason} if reason is not None else None
        return self._json("POST", f"{API}/labels/{_segment(registration_no)}/{action}", json=body)

    # -- status for machines (public) -------------------------------------------------------

    def bulk_status(
        self, models: list[str], registrations: list[str], at: str | None = None
    ) -> JsonObject:
        """Up to 10,000 numbers' labels with their status on ``at`` (ISO day; today)."""
        body: JsonObject = {"models": models, "registrations": registrations}
        if at is not None:
            body["at"] = at
        return self._json("POST", f"{API}/public/status", json=body)

    def bulk_status_body(self, models: list[str], registrations: list[str]) -> bytes:
        """``bulk_status``'s answer as the bytes sent (for a caller that parses them itself)."""
        body = {"models": models, "registrations": registrations}
        return self._request("POST", f"{API}/public/status", json=body).content

    def status(self, registration_no: str, at: str | None = None) -> JsonObject:
        params = {"at": at} if at is not None else None
        return self._json("GET", f"{API}/public/status/{_segment(registration_no)}", params=params)

    def download(self, path: str, target: Path) -> httpx.Headers:
        """Stream ``path`` into the file ``target``; returns the answer's headers."""
        try:
            with self._http.stream("GET", path) as response:
                if response.status_code >= 400:
                    response.read()
                    raise RegistryError(response.status_code, detail_line(response), "GET", path)
                with target.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
                return response.headers
        except httpx.TimeoutException:
            raise RegistryUnavailable(f"{self.base_url}: timed out (GET {path})") from None
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"{self.base_url}: cannot connect: {exc}") from None

    # -- keys and the transparency log -------------------------------------------------------

    def jwks(self) -> JsonObject:
        return self._json("GET", "/.well-known/jwks.json")

    def log(self, after: int = 0, limit: int = 1000) -> JsonObject:
        """Log entries with ``seq`` above ``after``, oldest first."""
        return self._json("GET", f"{API}/log", params={"after": after, "limit": limit})

    # -- watch lists and notifications (procurer, vendor) --------------------------------

    def add_watches(
        self, numbers: list[str], kind: str = "model", remind_days: int | None = None
    ) -> JsonObject:
        """Follow up to 10,000 model (or registration) numbers."""
        body: JsonObject = {"numbers": numbers, "kind": kind}
        if remind_days is not None:
            body["remind_days"] = remind_days
        return self._json("POST", f"{API}/watches", json=body)

    def watches(
        self, number: str | None = None, offset: int = 0, limit: int = 10_000
    ) -> JsonObject:
        params: JsonObject = {"offset": offset, "limit": limit}
        if number is not None:
            params["number"] = number
        return self._json("GET", f"{API}/watches", params=params)

    def remove_watch(self, watch_id: int) -> None:
        self._request("DELETE", f"{API}/watches/{watch_id}")

    def add_channel(self, webhook_url: str | None = None, email: str | None = None) -> JsonObject:
        """A webhook (the answer holds its signing secret, shown once) or an e-mail address."""
        body = {"webhook_url": webhook_url} if webhook_url else {"email": email}
        return self._json("POST", f"{API}/notification-channels", json=body)

    def channels(self) -> JsonObject:
        return self._json("GET", f"{API}/notification-channels")

    def remove_channel(self, channel_id: int) -> None:
        self._request("DELETE", f"{API}/notification-channels/{channel_id}")

    def deliveries(self, state: str | None = None, limit: int = 100) -> JsonObject:
        params: JsonObject = {"limit": limit} | ({"state": state} if state else {})
        return self._json("GET", f"{API}/deliveries", params=params)

    def retry_delivery(self, delivery_id: str) -> JsonObject:
        return self._json("POST", f"{API}/deliveries/{_segment(delivery_id)}/retry")


def fetch_json(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> JsonObject:
    """One JSON document from a full URL (a JWKS published somewhere the user names)."""
    parsed = httpx.URL(url)
    origin = str(parsed.copy_with(path="/", query=None, fragment=None))
    with RegistryClient(origin, timeout_s=timeout_s) as client:
        return client._json("GET", parsed.raw_path.decode("ascii"))


def _content_type(path: Path) -> str:
    # a hint only: the registry sniffs the content itself and refuses a wrong type (415)
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
